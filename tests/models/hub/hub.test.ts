// Hub download against a local server in the hub's URL layout (hub-fixture-server.ts): progress, cache hits with zero
// requests, named errors (404, truncation, corrupt headers, offline) that leave nothing cached, sharded models, local
// folders. ONNX exports from the hub: hub-onnx.test.ts.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CorruptFileError,
  DownloadError,
  type DownloadProgress,
  FileNotFoundError,
  FileTooLargeError,
  HubRequestError,
  InvalidModelIdError,
  MANIFEST_FILE,
  ModelNotFoundError,
  fetchModel,
  fetchModelFiles,
  hubFileUrl,
} from '../../../src/models/hub/hub';
import { LocalModelFilesError, readLocalModelFiles } from '../../../src/models/formats/local-files';
import { readLocalModelFolder } from '../../../src/models/formats/local-folder-node';
import { MemoryModelCache } from '../../../src/models/hub/model-cache';
import { type RawTensor, SafetensorsError, bytesOf, decodeSafetensors, encodeSafetensors } from '../../../src/onnx/safetensors';
import { HubFixtureServer } from './hub-fixture-server';

function pattern(length: number, seed: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => Math.sin(i * 0.37 + seed));
}

const f32 = (shape: number[], seed: number): RawTensor => ({ dtype: 'F32', shape, bytes: bytesOf(pattern(shape.reduce((a, b) => a * b, 1), seed)) });
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** Tensors of the small model: the embedding (64 KiB) is bigger than several chunks. */
const tensors: Record<string, RawTensor> = {
  'model.embed_tokens.weight': f32([128, 128], 1),
  'model.norm.weight': f32([128], 2),
  'lm_head.weight': f32([16, 128], 3),
};
const weights = encodeSafetensors(tensors);
const shard1 = encodeSafetensors({ 'model.embed_tokens.weight': tensors['model.embed_tokens.weight']! });
const shard2 = encodeSafetensors({ 'model.norm.weight': tensors['model.norm.weight']!, 'lm_head.weight': tensors['lm_head.weight']! });
const shardIndex = {
  metadata: { total_size: weights.byteLength },
  weight_map: {
    'model.embed_tokens.weight': 'model-00001-of-00002.safetensors',
    'model.norm.weight': 'model-00002-of-00002.safetensors',
    'lm_head.weight': 'model-00002-of-00002.safetensors',
  },
};
const common = {
  'config.json': json({ model_type: 'llama', hidden_size: 128, vocab_size: 128 }),
  'tokenizer.json': json({ version: '1.0', model: { type: 'WordLevel', vocab: { a: 0 } } }),
  'tokenizer_config.json': json({ chat_template: '{{ messages }}' }),
};
/** A header length of 16 followed by bytes that are not JSON. */
const corruptHeader = Uint8Array.from([16, 0, 0, 0, 0, 0, 0, 0, ...new TextEncoder().encode('<html>oops</html>'), 0, 0, 0]);

const fixtures: Record<string, Record<string, Uint8Array>> = {
  'test-org/tiny/main': { ...common, 'model.safetensors': weights },
  'test-org/sharded/main': {
    ...common,
    'generation_config.json': json({ eos_token_id: 0 }),
    'model.safetensors.index.json': json(shardIndex),
    'model-00001-of-00002.safetensors': shard1,
    'model-00002-of-00002.safetensors': shard2,
  },
  'test-org/bad-index/main': {
    ...common,
    'model.safetensors.index.json': json({ weight_map: { ...shardIndex.weight_map, 'model.extra.weight': 'model-00002-of-00002.safetensors' } }),
    'model-00001-of-00002.safetensors': shard1,
    'model-00002-of-00002.safetensors': shard2,
  },
  'test-org/corrupt/main': { ...common, 'model.safetensors': corruptHeader },
  'test-org/cut/main': { ...common, 'model.safetensors': weights.slice(0, weights.byteLength - 4) },
  'test-org/html/main': { ...common, 'config.json': new TextEncoder().encode('<!doctype html><p>Sign in</p>'), 'model.safetensors': weights },
  'test-org/no-config/main': { 'tokenizer.json': common['tokenizer.json'] },
  'tiny-single/main': { 'config.json': common['config.json'] },
};

let root: string;
let hub: HubFixtureServer;
let cache: MemoryModelCache;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'hub-fixture-'));
  for (const [dir, files] of Object.entries(fixtures)) {
    for (const [file, bytes] of Object.entries(files)) {
      await mkdir(dirname(join(root, dir, file)), { recursive: true });
      await writeFile(join(root, dir, file), bytes);
    }
  }
  hub = new HubFixtureServer(root);
  await hub.start();
});

afterAll(async () => {
  await hub.stop();
  await rm(root, { recursive: true, force: true });
});

beforeEach(() => {
  hub.reset();
  cache = new MemoryModelCache();
});

const options = (extra: { onProgress?: (e: DownloadProgress) => void; signal?: AbortSignal } = {}) => ({ settings: { host: hub.host }, cache, ...extra });
const resolvePath = (modelId: string, file: string, revision = 'main') => `/${modelId}/resolve/${revision}/${file}`;

function tensorsOf(files: Map<string, Uint8Array>): Record<string, RawTensor> {
  const all: Record<string, RawTensor> = {};
  for (const [name, bytes] of files) if (name.endsWith('.safetensors')) Object.assign(all, decodeSafetensors(bytes).tensors);
  return all;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('hub URLs and ids', () => {
  it('builds the resolve layout with each path segment encoded', () => {
    expect(hubFileUrl('HuggingFaceTB/SmolLM2-135M-Instruct', 'config.json')).toBe('https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct/resolve/main/config.json');
    expect(hubFileUrl('gpt2', 'onnx/model q.onnx', { host: 'http://mirror.test/hf/', revision: 'refs/pr/1' })).toBe(
      'http://mirror.test/hf/gpt2/resolve/refs%2Fpr%2F1/onnx/model%20q.onnx',
    );
  });

  it('rejects ids that are not owner/name or name, and bad hosts, before any request', async () => {
    for (const id of ['', 'a/b/c', '../etc', 'owner/', '/name', 'owner/na me', 'owner/..', 'owner/a..b', '.x/y', '-x/y']) {
      expect(() => hubFileUrl(id, 'config.json'), id).toThrow(InvalidModelIdError);
      expect(await rejection(fetchModel(id, options()))).toBeInstanceOf(InvalidModelIdError);
    }
    expect(() => hubFileUrl('a/b', 'config.json', { host: 'ftp://x' })).toThrow(HubRequestError);
    expect(() => hubFileUrl('a/b', '../secret.json')).toThrow(HubRequestError);
    expect(hub.requests).toEqual([]);
  });
});

describe('fetchModel from the hub', () => {
  it('downloads config, tokenizer and weights with monotonic byte progress; skips an absent generation_config.json', async () => {
    const events: DownloadProgress[] = [];
    const files = await fetchModel('test-org/tiny', options({ onProgress: (e) => events.push(e) }));
    expect([...files.keys()].sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    expect(files.get('config.json')).toEqual(common['config.json']);
    expect(tensorsOf(files)).toEqual(tensors);

    const weightEvents = events.filter((e) => e.file === 'model.safetensors');
    expect(weightEvents.length).toBeGreaterThanOrEqual(4); // 64 KiB in 4 KiB writes
    expect(weightEvents.every((e) => e.total === weights.byteLength && !e.fromCache)).toBe(true);
    expect(weightEvents[0]!.loaded).toBe(0);
    expect(weightEvents.at(-1)!.loaded).toBe(weights.byteLength);
    for (let i = 1; i < weightEvents.length; i++) expect(weightEvents[i]!.loaded).toBeGreaterThan(weightEvents[i - 1]!.loaded);

    const p = (f: string) => resolvePath('test-org/tiny', f);
    expect(hub.requests).toEqual([
      p('config.json'),
      p('model.safetensors.index.json'), // 404: not sharded
      `/api/models/test-org/tiny/revision/main`, // the file list: model.safetensors is there
      p('tokenizer.json'),
      p('tokenizer_config.json'),
      p('model.safetensors'),
      p('generation_config.json'), // 404: optional
    ]);
  });

  it('loads a second time from the cache with zero requests, even with the host unreachable', async () => {
    const first = await fetchModel('test-org/tiny', options());
    hub.requests.length = 0;
    const events: DownloadProgress[] = [];
    const second = await fetchModel('test-org/tiny', { ...options({ onProgress: (e) => events.push(e) }), settings: { host: 'http://127.0.0.1:9' } });
    expect(hub.requests).toEqual([]);
    expect(second).toEqual(first);
    expect(events.map((e) => e.file).sort()).toEqual([...first.keys()].sort());
    expect(events.every((e) => e.fromCache && e.loaded === e.total && e.loaded === first.get(e.file)!.byteLength)).toBe(true);
  });

  it('fetches every shard listed by model.safetensors.index.json, never model.safetensors', async () => {
    const files = await fetchModel('test-org/sharded', options());
    expect([...files.keys()].sort()).toEqual([
      'config.json',
      'generation_config.json',
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
      'model.safetensors.index.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(tensorsOf(files)).toEqual(tensors);
    expect(hub.requests).not.toContain(resolvePath('test-org/sharded', 'model.safetensors'));
    expect(hub.requests.filter((r) => r.endsWith('.safetensors'))).toHaveLength(2);
    hub.requests.length = 0;
    await fetchModel('test-org/sharded', options());
    expect(hub.requests).toEqual([]);
  });

  it('reports a shard whose header lacks a tensor the index places in it', async () => {
    const error = await rejection(fetchModel('test-org/bad-index', options()));
    expect(error).toBeInstanceOf(CorruptFileError);
    expect(error.message).toContain('model-00002-of-00002.safetensors');
    expect(error.message).toContain('model.extra.weight');
    expect(await cache.get('test-org/bad-index', 'main', MANIFEST_FILE)).toBeUndefined();
  });

  it('lists cached models with sizes, and delete makes the next load download again', async () => {
    const files = await fetchModel('test-org/tiny', options());
    const [listed, ...others] = await cache.list();
    expect(others).toEqual([]);
    expect(listed!.modelId).toBe('test-org/tiny');
    expect(listed!.revision).toBe('main');
    expect(listed!.files.map((f) => f.file)).toEqual([MANIFEST_FILE, ...[...files.keys()].sort()]);
    const sizes = Object.fromEntries(listed!.files.map((f) => [f.file, f.bytes]));
    for (const [name, bytes] of files) expect(sizes[name]).toBe(bytes.byteLength);
    expect(listed!.totalBytes).toBe(listed!.files.reduce((a, f) => a + f.bytes, 0));

    await cache.delete('test-org/tiny');
    expect(await cache.list()).toEqual([]);
    hub.requests.length = 0;
    await fetchModel('test-org/tiny', options());
    expect(hub.requests).toContain(resolvePath('test-org/tiny', 'model.safetensors'));
  });
});

describe('fetchModelFiles errors', () => {
  it('a missing file is FileNotFoundError naming the model, file and URL', async () => {
    const error = (await rejection(fetchModelFiles('test-org/tiny', ['missing.bin'], options()))) as FileNotFoundError;
    expect(error).toBeInstanceOf(FileNotFoundError);
    expect(error).not.toBeInstanceOf(ModelNotFoundError);
    expect(error.name).toBe('FileNotFoundError');
    expect(error.url).toBe(`${hub.host}/test-org/tiny/resolve/main/missing.bin`);
    expect(error.status).toBe(404);
    for (const part of ['test-org/tiny', 'missing.bin', error.url, 'Check the model id, the revision and the hub host setting']) expect(error.message).toContain(part);
  });

  it('a missing model, revision or config.json is ModelNotFoundError', async () => {
    const noRepo = await rejection(fetchModel('test-org/nope', options()));
    expect(noRepo.name).toBe('ModelNotFoundError');
    expect(noRepo.message).toContain(`${hub.host}/test-org/nope/resolve/main/config.json`);
    const noRevision = await rejection(fetchModel('test-org/tiny', { ...options(), settings: { host: hub.host, revision: 'v9' } }));
    expect(noRevision.name).toBe('ModelNotFoundError');
    expect(noRevision.message).toContain("has no revision 'v9'");
    const noConfig = await rejection(fetchModel('test-org/no-config', options()));
    expect(noConfig.name).toBe('ModelNotFoundError');
    expect(noConfig.message).toContain('config.json');
  });

  it('a body shorter than Content-Length is DownloadError with expected and received bytes, and nothing is cached', async () => {
    hub.faults.set(resolvePath('test-org/tiny', 'model.safetensors'), 'truncate');
    const error = (await rejection(fetchModelFiles('test-org/tiny', ['model.safetensors'], options()))) as DownloadError;
    expect(error.name).toBe('DownloadError');
    expect(error.file).toBe('model.safetensors');
    expect(error.expectedBytes).toBe(weights.byteLength + 1000);
    expect(error.receivedBytes).toBe(weights.byteLength);
    expect(error.message).toContain(`expected ${weights.byteLength + 1000} bytes, received ${weights.byteLength}`);
    expect(await cache.list()).toEqual([]);
  });

  it('a corrupt safetensors header is CorruptFileError wrapping the SafetensorsError, and nothing is cached', async () => {
    const error = (await rejection(fetchModelFiles('test-org/corrupt', ['model.safetensors'], options()))) as CorruptFileError;
    expect(error).toBeInstanceOf(CorruptFileError);
    expect(error).toBeInstanceOf(DownloadError);
    expect(error.cause).toBeInstanceOf(SafetensorsError);
    expect(error.message).toContain('model.safetensors of test-org/corrupt is corrupt');
    expect(await cache.list()).toEqual([]);

    const viaModel = await rejection(fetchModel('test-org/corrupt', options()));
    expect(viaModel.name).toBe('CorruptFileError');
    expect(await cache.get('test-org/corrupt', 'main', 'model.safetensors')).toBeUndefined();
    expect(await cache.get('test-org/corrupt', 'main', MANIFEST_FILE)).toBeUndefined();
  });

  it('a safetensors file shorter than its header says, or JSON that is an HTML page, is CorruptFileError', async () => {
    const cut = await rejection(fetchModelFiles('test-org/cut', ['model.safetensors'], options()));
    expect(cut.name).toBe('CorruptFileError');
    expect(cut.message).toContain(`data ends at byte ${weights.byteLength} but the file has ${weights.byteLength - 4} bytes`);
    const html = await rejection(fetchModelFiles('test-org/html', ['config.json'], options()));
    expect(html.name).toBe('CorruptFileError');
    expect(await cache.list()).toEqual([]);
  });

  it('other HTTP errors are DownloadError with the status; an unreachable host says offline or unreachable', async () => {
    hub.faults.set(resolvePath('test-org/tiny', 'config.json'), 'status500');
    const server = (await rejection(fetchModelFiles('test-org/tiny', ['config.json'], options()))) as DownloadError;
    expect(server.name).toBe('DownloadError');
    expect(server.status).toBe(500);
    const offline = (await rejection(fetchModelFiles('test-org/tiny', ['config.json'], { cache, settings: { host: 'http://127.0.0.1:9' } }))) as DownloadError;
    expect(offline.name).toBe('DownloadError');
    expect(offline.message).toMatch(/offline/);
    expect(offline.message).toMatch(/unreachable/);
    expect(await cache.list()).toEqual([]);
  });

  it('without Content-Length progress has total null; single-name ids work', async () => {
    hub.faults.set(resolvePath('tiny-single', 'config.json'), 'no-length');
    const events: DownloadProgress[] = [];
    const files = await fetchModelFiles('tiny-single', ['config.json'], options({ onProgress: (e) => events.push(e) }));
    expect(files.get('config.json')).toEqual(common['config.json']);
    expect(events.every((e) => e.total === null)).toBe(true);
    expect(events.at(-1)!.loaded).toBe(common['config.json'].byteLength);
  });

  it('an abort mid-download rejects with AbortError and caches nothing', async () => {
    hub.faults.set(resolvePath('test-org/tiny', 'model.safetensors'), 'slow');
    const controller = new AbortController();
    const onProgress = (e: DownloadProgress) => e.loaded > 0 && controller.abort();
    const error = await rejection(fetchModelFiles('test-org/tiny', ['model.safetensors'], options({ onProgress, signal: controller.signal })));
    expect(error.name).toBe('AbortError');
    expect(await cache.list()).toEqual([]);
  });
});

describe('download sizes (issue 9)', () => {
  /** A fetch that answers every request with `body` chunks and `headers`; counts body reads. */
  function fakeFetch(chunks: Uint8Array[], headers: Record<string, string>) {
    const state = { pulls: 0, maxArrayBuffers: 0 };
    const fetch = (async () => {
      let k = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          state.pulls++; // the stream pulls once on creation, then after each read: the later pulls see the client's buffer
          state.maxArrayBuffers = Math.max(state.maxArrayBuffers, process.memoryUsage().arrayBuffers);
          if (k < chunks.length) controller.enqueue(chunks[k++]!);
          else controller.close();
        },
      });
      return new Response(body, { headers });
    }) as typeof globalThis.fetch;
    return { fetch, state };
  }
  const fakeOptions = (fetch: typeof globalThis.fetch) => ({ settings: { host: 'http://hub.test' }, cache, fetch });

  it('a Content-Length of 4e9 is not allocated before the bytes arrive: a 10-byte body is an incomplete download', async () => {
    const { fetch, state } = fakeFetch([new Uint8Array(10)], { 'content-length': '4000000000' });
    const before = process.memoryUsage().arrayBuffers;
    const error = (await rejection(fetchModelFiles('o/m', ['model.safetensors'], fakeOptions(fetch)))) as DownloadError;
    expect(state.pulls).toBe(2);
    expect(state.maxArrayBuffers - before).toBeLessThan(16 * 2 ** 20);
    expect(error.name).toBe('DownloadError');
    expect([error.expectedBytes, error.receivedBytes]).toEqual([4e9, 10]);
    expect(error.message).toContain('expected 4000000000 bytes, received 10 (the body ended early)');
    expect(await cache.list()).toEqual([]);
  });

  it('a shard announced above 4 GiB is FileTooLargeError before a byte is read (it was a RangeError)', async () => {
    const { fetch } = fakeFetch([new Uint8Array(10)], { 'content-length': String(5 * 2 ** 30) });
    const error = (await rejection(fetchModelFiles('o/m', ['model-00001-of-00002.safetensors'], fakeOptions(fetch)))) as DownloadError;
    expect(error).toBeInstanceOf(FileTooLargeError);
    expect(error.receivedBytes).toBe(0);
    expect(error.message).toMatch(/^model-00001-of-00002\.safetensors of o\/m \(http:\/\/hub\.test\/o\/m\/resolve\/main\/model-00001-of-00002\.safetensors\) is too large: the server announces 5368709120 bytes/);
    expect(error.message).toContain('use a checkpoint saved in smaller shards');
  });

  it('a JSON file without Content-Length is cut off past its cap (16 MiB for config.json)', async () => {
    const chunk = new Uint8Array(2 ** 20).fill(0x20);
    const { fetch, state } = fakeFetch(Array.from({ length: 40 }, () => chunk), {});
    const error = (await rejection(fetchModelFiles('o/m', ['config.json'], fakeOptions(fetch)))) as DownloadError;
    expect(error).toBeInstanceOf(FileTooLargeError);
    expect(error.receivedBytes).toBe(17 * 2 ** 20);
    expect(state.pulls).toBeLessThanOrEqual(18);
  });
});

describe('local model files', () => {
  it('a folder on disk reads the same files as the hub download', async () => {
    const fromHub = await fetchModel('test-org/sharded', options());
    const fromDisk = await readLocalModelFolder(join(root, 'test-org/sharded/main'));
    expect(new Map([...fromDisk].sort())).toEqual(new Map([...fromHub].sort()));
  });

  it('names what is missing and what was given', async () => {
    const error = (await rejection(readLocalModelFolder(join(root, 'test-org/no-config/main')))) as LocalModelFilesError;
    expect(error.name).toBe('LocalModelFilesError');
    expect(error.missing).toEqual(['config.json', 'a .safetensors weights file']);
    expect(error.given).toEqual(['tokenizer.json']);
    expect(error.message).toContain('given: tokenizer.json');
  });

  it('File objects: keyed by base name, other files skipped, a missing shard named', async () => {
    const sharded = fixtures['test-org/sharded/main']!;
    const picked = Object.entries(sharded).map(([name, bytes]) => new File([new Uint8Array(bytes)], `snapshot/${name}`));
    picked.push(new File(['ignored'], 'snapshot/README.md'));
    const files = await readLocalModelFiles(picked);
    expect([...files.keys()].sort()).toEqual(Object.keys(sharded).sort());
    expect(files.get('model-00001-of-00002.safetensors')).toEqual(shard1);

    const withoutShard = picked.filter((f) => !f.name.endsWith('model-00002-of-00002.safetensors'));
    const error = (await rejection(readLocalModelFiles(withoutShard))) as LocalModelFilesError;
    expect(error.missing).toEqual(['model-00002-of-00002.safetensors']);
  });
});
