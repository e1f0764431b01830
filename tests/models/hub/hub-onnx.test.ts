// ONNX exports from the hub (issue 10, item 3): a repo without safetensors weights gets one transformers.js export,
// chosen from the hub API's file list by the folder loader's preference (ONNX_MODEL_FILES), with its external data
// file; a repo with safetensors gets them unless HubSettings.onnx asks for a variant. Against a local server in the
// hub's layout (hub-fixture-server.ts) holding a tiny Llama exported as onnx/model_q4.onnx + model_q4.onnx_data
// (MatMulNBits 4-bit, tests/support/onnx-community-export.ts): exactly the files requested, byte progress, a second
// load from the cache with no request, the same weights as the folder loader on the same files, typed errors.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadModelFiles } from '../../../src/models/formats/load-model';
import { readLocalModelFolder } from '../../../src/models/formats/local-folder-node';
import { ONNX_MODEL_FILES } from '../../../src/models/formats/onnx-files';
import {
  type DownloadProgress,
  FileNotFoundError,
  HubRequestError,
  MANIFEST_FILE,
  type OnnxVariant,
  UnsupportedModelFilesError,
  fetchModel,
  hubFileListUrl,
  onnxManifestFile,
} from '../../../src/models/hub/hub';
import { MemoryModelCache } from '../../../src/models/hub/model-cache';
import { tinyLlamaFixtureFiles } from '../../../src/models/llama/fixture';
import { modelSource } from '../../../scripts/model-source';
import { onnxCommunityExport, withExternalData } from '../../support/onnx-community-export';
import { HubFixtureServer } from './hub-fixture-server';

const hubFiles = tinyLlamaFixtureFiles({ seed: 21 });
const float = loadModelFiles(new Map(Object.entries(hubFiles)));
// Every linear 4-bit in blocks of 16 with zero points; the embedding and norms float, all in the external data file.
const q4 = onnxCommunityExport(float.config, float.weights, () => ({ bits: 4, block: 16, zeroPoints: true }));
const external = withExternalData(q4.bytes, 'model_q4.onnx_data');
const jsonFiles = Object.fromEntries(Object.entries(hubFiles).filter(([n]) => n.endsWith('.json')));
const junk = new Uint8Array([1, 2, 3, 4]); // files that must never be requested (their bytes are no model)

const fixtures: Record<string, Record<string, Uint8Array>> = {
  // Only one variant this app reads, plus exports it does not read and a README.
  'onnx-org/tiny-q4/main': {
    ...jsonFiles,
    'README.md': new TextEncoder().encode('# tiny'),
    'onnx/model_q4.onnx': external.model,
    'onnx/model_q4.onnx_data': external.data,
    'onnx/model_quantized.onnx': junk,
    'onnx/model_bnb4.onnx': junk,
  },
  // Safetensors and three ONNX variants.
  'onnx-org/both/main': { ...hubFiles, 'onnx/model.onnx': junk, 'onnx/model.onnx_data': junk, 'onnx/model_q4.onnx': external.model, 'onnx/model_q4.onnx_data': external.data, 'onnx/model_q4f16.onnx': junk },
  // No model.onnx: model_fp16 comes before model_q4 and model_q4f16; model_fp16's data is named .data.
  'onnx-org/prefer/main': { ...jsonFiles, 'onnx/model_q4f16.onnx': junk, 'onnx/model_q4.onnx': junk, 'onnx/model_fp16.onnx': junk, 'onnx/model_fp16.onnx.data': junk },
  'onnx-org/unsupported/main': { ...jsonFiles, 'onnx/decoder_model_merged.onnx': junk, 'onnx/model_quantized.onnx': junk, 'onnx/sub/model.onnx': junk },
  'onnx-org/split/main': { ...jsonFiles, 'onnx/model.onnx': junk, 'onnx/model.onnx_data': junk, 'onnx/model.onnx_data_1': junk },
};

let root: string;
let hub: HubFixtureServer;
let cache: MemoryModelCache;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'hub-onnx-'));
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

const options = (extra: { onnx?: OnnxVariant; onProgress?: (e: DownloadProgress) => void } = {}) => ({
  settings: { host: hub.host, ...(extra.onnx ? { onnx: extra.onnx } : {}) },
  cache,
  ...(extra.onProgress ? { onProgress: extra.onProgress } : {}),
});
const resolvePath = (modelId: string, file: string) => `/${modelId}/resolve/main/${file}`;
const listPath = (modelId: string) => `/api/models/${modelId}/revision/main`;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('an ONNX export from the hub', () => {
  it('a repo without safetensors: exactly config, tokenizer, onnx/model_q4.onnx and its data, with byte progress', async () => {
    const events: DownloadProgress[] = [];
    const files = await fetchModel('onnx-org/tiny-q4', options({ onProgress: (e) => events.push(e) }));
    const p = (f: string) => resolvePath('onnx-org/tiny-q4', f);
    expect(hub.requests).toEqual([
      p('config.json'),
      p('model.safetensors.index.json'), // 404: not sharded
      listPath('onnx-org/tiny-q4'), // the file list: no model.safetensors, onnx/model_q4.onnx the only variant read
      p('tokenizer.json'),
      p('tokenizer_config.json'),
      p('onnx/model_q4.onnx'),
      p('onnx/model_q4.onnx_data'),
      p('generation_config.json'),
    ]);
    expect([...files.keys()].sort()).toEqual(['config.json', 'generation_config.json', 'onnx/model_q4.onnx', 'onnx/model_q4.onnx_data', 'tokenizer.json', 'tokenizer_config.json']);
    expect(files.get('onnx/model_q4.onnx')).toEqual(external.model);
    expect(files.get('onnx/model_q4.onnx_data')).toEqual(external.data);
    expect(external.data.byteLength).toBeGreaterThan(5 * 4096); // several 4 KiB chunks

    // Per file: from 0 up to its size, strictly increasing, total its Content-Length; the last events sum to every byte.
    for (const [file, bytes] of files) {
      const mine = events.filter((e) => e.file === file);
      expect(mine.every((e) => e.total === bytes.byteLength && !e.fromCache), file).toBe(true);
      expect(mine[0]!.loaded).toBe(0);
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.loaded).toBeGreaterThan(mine[i - 1]!.loaded);
    }
    const finals = new Map(events.map((e) => [e.file, e.loaded]));
    expect([...finals.keys()].sort()).toEqual([...files.keys()].sort());
    expect([...finals.values()].reduce((a, b) => a + b, 0)).toBe([...files.values()].reduce((a, b) => a + b.byteLength, 0));
    expect(events.filter((e) => e.file === 'onnx/model_q4.onnx_data').length).toBeGreaterThan(5);
  });

  it('loads a second time from the cache with no request, even with the host unreachable', async () => {
    const first = await fetchModel('onnx-org/tiny-q4', options());
    expect(JSON.parse(new TextDecoder().decode(await cache.get('onnx-org/tiny-q4', 'main', MANIFEST_FILE))).files.sort()).toEqual([...first.keys()].sort());
    hub.requests.length = 0;
    const events: DownloadProgress[] = [];
    const second = await fetchModel('onnx-org/tiny-q4', { cache, settings: { host: 'http://127.0.0.1:9' }, onProgress: (e) => events.push(e) });
    expect(hub.requests).toEqual([]);
    expect(second).toEqual(first);
    expect(events.map((e) => e.file).sort()).toEqual([...first.keys()].sort());
    expect(events.every((e) => e.fromCache && e.loaded === e.total && e.loaded === first.get(e.file)!.byteLength)).toBe(true);
  });

  it('the downloaded files load to the folder loader’s weights on the same files, the hand-dequantised ones', async () => {
    const fromHub = loadModelFiles(await fetchModel('onnx-org/tiny-q4', options()));
    const fromFolder = loadModelFiles(await readLocalModelFolder(join(root, 'onnx-org/tiny-q4/main')));
    expect(fromHub.config).toEqual(fromFolder.config);
    expect(fromHub.config).toEqual(float.config);
    expect([...fromHub.weights.keys()].sort()).toEqual([...fromFolder.weights.keys()].sort());
    for (const [name, w] of fromFolder.weights) {
      expect(fromHub.weights.get(name)!.shape, name).toEqual(w.shape);
      expect(fromHub.weights.get(name)!.data, name).toEqual(w.data);
      expect(w.data, name).toEqual(q4.expected.get(name));
    }
    // Really quantised: a linear differs from the float model's.
    expect(fromHub.weights.get('model.layers.0.mlp.up_proj.weight')!.data).not.toEqual(float.weights.get('model.layers.0.mlp.up_proj.weight')!.data);
    expect(fromHub.tokenizer).toEqual(fromFolder.tokenizer);
    expect(fromHub.generationConfig).toEqual(fromFolder.generationConfig);
  });

  it('a repo with safetensors gets them; HubSettings.onnx asks for one variant, cached under its own manifest', async () => {
    const id = 'onnx-org/both';
    const safetensors = await fetchModel(id, options());
    expect([...safetensors.keys()].sort()).toEqual(Object.keys(hubFiles).sort());
    expect(hub.requests.filter((r) => r.includes('/onnx/'))).toEqual([]);

    hub.requests.length = 0;
    const variant = await fetchModel(id, options({ onnx: 'model_q4.onnx' }));
    // config.json and the tokenizer come from the cache; the first load's manifest names the safetensors, so this one plans anew.
    expect(hub.requests).toEqual([listPath(id), resolvePath(id, 'onnx/model_q4.onnx'), resolvePath(id, 'onnx/model_q4.onnx_data')]);
    expect([...variant.keys()].sort()).toEqual(['config.json', 'generation_config.json', 'onnx/model_q4.onnx', 'onnx/model_q4.onnx_data', 'tokenizer.json', 'tokenizer_config.json']);
    expect(loadModelFiles(variant).weights.get('model.layers.1.self_attn.o_proj.weight')!.data).toEqual(q4.expected.get('model.layers.1.self_attn.o_proj.weight'));

    hub.requests.length = 0;
    expect(await fetchModel(id, options({ onnx: 'model_q4.onnx' }))).toEqual(variant);
    expect(await fetchModel(id, options())).toEqual(safetensors);
    expect(hub.requests).toEqual([]);
    const listed = (await cache.list())[0]!.files.map((f) => f.file);
    expect(listed).toContain(MANIFEST_FILE);
    expect(listed).toContain(onnxManifestFile('model_q4.onnx'));
  });

  it('the command line asks for a variant with --onnx (npm run lm / npm run lab: scripts/model-source.ts)', async () => {
    const source = await modelSource('onnx-org/both', new Map([['hub-host', hub.host], ['onnx', 'model_q4.onnx']]));
    expect(source).toEqual({ kind: 'hub', modelId: 'onnx-org/both', settings: { host: hub.host, onnx: 'model_q4.onnx' } });
    if (source.kind !== 'hub') throw new Error('a hub source');
    const files = await fetchModel(source.modelId, { cache, ...(source.settings ? { settings: source.settings } : {}) });
    expect([...files.keys()].filter((f) => f.includes('model')).sort()).toEqual(['onnx/model_q4.onnx', 'onnx/model_q4.onnx_data']);
  });

  it('prefers model.onnx, model_fp16, model_q4, model_q4f16 in that order, with a data file named .data', async () => {
    expect(ONNX_MODEL_FILES).toEqual(['model.onnx', 'model_fp16.onnx', 'model_q4.onnx', 'model_q4f16.onnx']);
    const files = await fetchModel('onnx-org/prefer', options());
    expect([...files.keys()].filter((f) => f.startsWith('onnx/')).sort()).toEqual(['onnx/model_fp16.onnx', 'onnx/model_fp16.onnx.data']);
    expect(hub.requests.filter((r) => r.includes('/onnx/'))).toEqual([resolvePath('onnx-org/prefer', 'onnx/model_fp16.onnx'), resolvePath('onnx-org/prefer', 'onnx/model_fp16.onnx.data')]);
  });

  it('a host without the file list API: model.safetensors as before, or the variant asked for and whichever data file answers', async () => {
    hub.noFileList.add('onnx-org/tiny-q4');
    const noVariant = (await rejection(fetchModel('onnx-org/tiny-q4', options()))) as FileNotFoundError;
    expect(noVariant).toBeInstanceOf(FileNotFoundError);
    expect(noVariant.file).toBe('model.safetensors');

    hub.requests.length = 0;
    const files = await fetchModel('onnx-org/tiny-q4', options({ onnx: 'model_q4.onnx' }));
    expect([...files.keys()].filter((f) => f.startsWith('onnx/')).sort()).toEqual(['onnx/model_q4.onnx', 'onnx/model_q4.onnx_data']);
    expect(hub.requests).toEqual([
      listPath('onnx-org/tiny-q4'), // 404 (config.json and the tokenizer are cached from the failed load)
      resolvePath('onnx-org/tiny-q4', 'onnx/model_q4.onnx'),
      resolvePath('onnx-org/tiny-q4', 'generation_config.json'),
      resolvePath('onnx-org/tiny-q4', 'onnx/model_q4.onnx_data'),
      resolvePath('onnx-org/tiny-q4', 'onnx/model_q4.onnx.data'), // 404: optional
    ]);
    expect(loadModelFiles(files).weights.get('lm_head.weight')!.data).toEqual(q4.expected.get('lm_head.weight'));
    expect(noVariant.message).toContain('If the repo holds an ONNX export instead, ask for it by name (HubSettings.onnx, --onnx: model.onnx, model_fp16.onnx, model_q4.onnx, model_q4f16.onnx).');
  });

  it('a file list that fails (HTTP 500, unreachable) leaves a safetensors repo loading as before', async () => {
    hub.faults.set(listPath('onnx-org/both'), 'status500');
    const files = await fetchModel('onnx-org/both', options());
    expect([...files.keys()].sort()).toEqual(Object.keys(hubFiles).sort());
    expect(hub.requests).toContain(listPath('onnx-org/both'));
    // A fetch that throws for the list only (as a blocked or failed request does): the same files.
    const cache2 = new MemoryModelCache();
    const listFails: typeof globalThis.fetch = (input, init) => (String(input).includes('/api/') ? Promise.reject(new TypeError('fetch failed')) : globalThis.fetch(input, init));
    const again = await fetchModel('onnx-org/both', { cache: cache2, settings: { host: hub.host }, fetch: listFails });
    expect(again).toEqual(files);
  });
});

describe('ONNX errors', () => {
  it('a repo with neither safetensors nor a supported ONNX file: UnsupportedModelFilesError naming its files and what is read, nothing large fetched', async () => {
    const error = (await rejection(fetchModel('onnx-org/unsupported', options()))) as UnsupportedModelFilesError;
    expect(error).toBeInstanceOf(UnsupportedModelFilesError);
    expect(error.name).toBe('UnsupportedModelFilesError');
    expect(error.modelId).toBe('onnx-org/unsupported');
    expect([...error.files]).toEqual([...Object.keys(fixtures['onnx-org/unsupported/main']!)].sort());
    expect([...error.supported]).toEqual(['model.safetensors', 'model.safetensors.index.json', 'onnx/model.onnx', 'onnx/model_fp16.onnx', 'onnx/model_q4.onnx', 'onnx/model_q4f16.onnx']);
    expect(error.message).toBe(
      "model onnx-org/unsupported at revision 'main' has neither safetensors weights (model.safetensors, or model.safetensors.index.json with its shards) nor an ONNX export this app reads " +
        '(onnx/model.onnx, onnx/model_fp16.onnx, onnx/model_q4.onnx, onnx/model_q4f16.onnx, each with its external data file if any); its files: config.json, generation_config.json, ' +
        'onnx/decoder_model_merged.onnx, onnx/model_quantized.onnx, onnx/sub/model.onnx, tokenizer.json, tokenizer_config.json. Choose a model that has one of these.',
    );
    const p = (f: string) => resolvePath('onnx-org/unsupported', f);
    expect(hub.requests).toEqual([p('config.json'), p('model.safetensors.index.json'), listPath('onnx-org/unsupported')]);
    expect(await cache.get('onnx-org/unsupported', 'main', MANIFEST_FILE)).toBeUndefined();
  });

  it('a variant the repo lacks, and an export split over several data files, are UnsupportedModelFilesError', async () => {
    const missing = await rejection(fetchModel('onnx-org/tiny-q4', options({ onnx: 'model_fp16.onnx' })));
    expect(missing).toBeInstanceOf(UnsupportedModelFilesError);
    expect(missing.message).toBe(
      "model onnx-org/tiny-q4 at revision 'main' has no onnx/model_fp16.onnx; its ONNX files: onnx/model_bnb4.onnx, onnx/model_q4.onnx, onnx/model_quantized.onnx. Ask for one of model_q4.onnx, or leave the ONNX variant unset.",
    );
    const split = await rejection(fetchModel('onnx-org/split', options()));
    expect(split).toBeInstanceOf(UnsupportedModelFilesError);
    expect(split.message).toContain('onnx/model.onnx of onnx-org/split keeps its weights in 2 external data files (onnx/model.onnx_data, onnx/model.onnx_data_1); this app reads an export with at most one.');
    expect(hub.requests.filter((r) => r.includes('/onnx/'))).toEqual([]);
  });

  it('an abort before the file list rejects with AbortError, requests no list and caches no manifest', async () => {
    const controller = new AbortController();
    const onProgress = (e: DownloadProgress) => e.file === 'config.json' && e.loaded === e.total && e.loaded > 0 && controller.abort();
    const error = await rejection(fetchModel('onnx-org/tiny-q4', { ...options({ onnx: 'model_q4.onnx', onProgress }), signal: controller.signal }));
    expect(error.name).toBe('AbortError');
    expect(hub.requests).toEqual([resolvePath('onnx-org/tiny-q4', 'config.json')]);
    expect(await cache.get('onnx-org/tiny-q4', 'main', onnxManifestFile('model_q4.onnx'))).toBeUndefined();
  });

  it('an ONNX variant this app does not read is HubRequestError before any request', async () => {
    const error = await rejection(fetchModel('onnx-org/tiny-q4', { cache, settings: { host: hub.host, onnx: 'model_int8.onnx' as OnnxVariant } }));
    expect(error).toBeInstanceOf(HubRequestError);
    expect(error.message).toBe('ONNX variant "model_int8.onnx" is not one this app reads; use one of model.onnx, model_fp16.onnx, model_q4.onnx, model_q4f16.onnx (the file name under onnx/)');
    expect(hub.requests).toEqual([]);
    expect(hubFileListUrl('HuggingFaceTB/SmolLM2-135M-Instruct', { revision: 'refs/pr/1' })).toBe('https://huggingface.co/api/models/HuggingFaceTB/SmolLM2-135M-Instruct/revision/refs%2Fpr%2F1');
  });
});
