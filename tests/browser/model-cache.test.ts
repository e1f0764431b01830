// In real Chromium: BrowserModelCache passes the ModelCache contract on the Cache API, survives a new instance and
// drops damaged entries; the hub loader streams into it (fetch stubbed in the page); picked File objects load.
import { describe, expect, it } from 'vitest';
import { type DownloadProgress, fetchModel } from '../../src/models/hub/hub';
import { LocalModelFilesError, readLocalModelFiles } from '../../src/models/formats/local-files';
import { BrowserModelCache, detectModelCache } from '../../src/models/hub/model-cache';
import { bytesOf, encodeSafetensors } from '../../src/onnx/safetensors';
import { modelCacheContract } from '../models/hub/model-cache.contract';

let cacheCount = 0;
/** A fresh Cache API store per test, deleted afterwards. */
async function freshCache(): Promise<{ cache: BrowserModelCache; dispose: () => Promise<void> }> {
  const name = `gflowpo-models-test-${Date.now()}-${cacheCount++}`;
  return { cache: new BrowserModelCache(name), dispose: async () => void (await caches.delete(name)) };
}

modelCacheContract('BrowserModelCache (Cache API)', freshCache);

const weights = encodeSafetensors({ 'model.norm.weight': { dtype: 'F32', shape: [4096], bytes: bytesOf(Float32Array.from({ length: 4096 }, (_, i) => i / 7)) } });
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const modelFiles: Record<string, Uint8Array> = {
  'config.json': json({ model_type: 'llama' }),
  'tokenizer.json': json({ model: { type: 'WordLevel' } }),
  'tokenizer_config.json': json({}),
  'model.safetensors': weights,
};

describe('BrowserModelCache in Chromium', () => {
  it('is what detectModelCache picks, and a new instance on the same name sees the stored files', async () => {
    expect(detectModelCache()).toBeInstanceOf(BrowserModelCache);
    const { cache, dispose } = await freshCache();
    try {
      await cache.put('owner/model', 'main', 'config.json', modelFiles['config.json']!);
      const again = new BrowserModelCache(cache.cacheName);
      expect(await again.get('owner/model', 'main', 'config.json')).toEqual(modelFiles['config.json']);
    } finally {
      await dispose();
    }
  });

  it('drops an entry whose body does not match its stored size, so the file downloads again', async () => {
    const { cache, dispose } = await freshCache();
    try {
      await cache.put('owner/model', 'main', 'model.safetensors', weights);
      const store = await caches.open(cache.cacheName);
      const [key] = await store.keys();
      await store.put(key!, new Response(weights.slice(0, 100), { headers: { 'x-gflowpo-bytes': String(weights.byteLength) } }));
      expect(await cache.get('owner/model', 'main', 'model.safetensors')).toBeUndefined();
      expect(await store.keys()).toHaveLength(0);
    } finally {
      await dispose();
    }
  });

  it('the hub loader streams a model into the Cache API and loads it again without fetching', async () => {
    const { cache, dispose } = await freshCache();
    const requested: string[] = [];
    // A streamed body in 1 KiB pieces, as a real download arrives.
    const fakeFetch = async (input: RequestInfo | URL): Promise<Response> => {
      const url = String(input);
      requested.push(url);
      const bytes = modelFiles[url.split('/resolve/main/')[1]!];
      if (!bytes) return new Response('Entry not found', { status: 404 });
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < bytes.byteLength; at += 1024) controller.enqueue(bytes.slice(at, at + 1024));
          controller.close();
        },
      });
      return new Response(body, { headers: { 'content-length': String(bytes.byteLength) } });
    };
    try {
      const events: DownloadProgress[] = [];
      const settings = { host: 'https://hub.example.test' };
      const files = await fetchModel('owner/model', { settings, cache, fetch: fakeFetch, onProgress: (e) => events.push(e) });
      expect(files.get('model.safetensors')).toEqual(weights);
      const weightEvents = events.filter((e) => e.file === 'model.safetensors');
      expect(weightEvents.length).toBeGreaterThan(10);
      expect(weightEvents.at(-1)).toEqual({ file: 'model.safetensors', loaded: weights.byteLength, total: weights.byteLength, fromCache: false });
      expect(requested).toContain('https://hub.example.test/owner/model/resolve/main/model.safetensors');

      requested.length = 0;
      const again = await fetchModel('owner/model', { settings, cache: new BrowserModelCache(cache.cacheName), fetch: fakeFetch });
      expect(requested).toEqual([]);
      expect(new Map([...again].sort())).toEqual(new Map([...files].sort()));
    } finally {
      await dispose();
    }
  });
});

describe('readLocalModelFiles in Chromium', () => {
  it('reads picked File objects keyed by name and skips other files', async () => {
    const picked = [...Object.entries(modelFiles).map(([name, bytes]) => new File([new Uint8Array(bytes)], name)), new File(['x'], 'model.onnx')];
    const files = await readLocalModelFiles(picked);
    expect([...files.keys()].sort()).toEqual(Object.keys(modelFiles).sort());
    expect(files.get('model.safetensors')).toEqual(weights);
  });

  it('names what is missing and what was given', async () => {
    const error = await readLocalModelFiles([new File(['{}'], 'tokenizer.json'), new File(['x'], 'notes.txt')]).catch((e: unknown) => e as LocalModelFilesError);
    expect(error).toBeInstanceOf(LocalModelFilesError);
    const { missing, given, message } = error as LocalModelFilesError;
    expect(missing).toEqual(['config.json', 'a .safetensors weights file']);
    expect(given).toEqual(['tokenizer.json', 'notes.txt']);
    expect(message).toContain('missing config.json, a .safetensors weights file; given: tokenizer.json, notes.txt');
  });

  it('rejects a weights file with a corrupt header', async () => {
    const picked = [new File([new Uint8Array(modelFiles['config.json']!)], 'config.json'), new File([new Uint8Array(64)], 'model.safetensors')];
    await expect(readLocalModelFiles(picked)).rejects.toThrow(/model.safetensors is not a valid safetensors file/);
  });
});
