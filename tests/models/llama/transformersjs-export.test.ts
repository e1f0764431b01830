// The transformers.js-layout export of our Llama graph: on onnxruntime-web it gives the decoderGraph's logits and cache
// (prefill with left padding, then one cached step) to 1e-5; loaded by transformers.js (onnxruntime-node, 'cpu') from
// the in-memory folder it gives the same logits to 1e-4 and the same greedy continuation as CausalLM at temperature 0.
import { describe, expect, it } from 'vitest';
import { maskAndPositions } from '../../../src/models/llama/attention-mask';
import { tinyLlamaFixtureFiles } from '../../../src/models/llama/fixture';
import { decoderGraph, io } from '../../../src/models/llama/graphs';
import { toGraphLayout } from '../../../src/models/llama/weights';
import { loadModelFiles } from '../../../src/models/formats/load-model';
import { transformersJsFolderFiles, transformersJsGraph, transformersJsIo } from '../../../src/models/llama/transformersjs-export';
import { CausalLM, uploadLlamaWeights } from '../../../src/runtime/causal-lm';
import { type HostTensor, hostTensor } from '../../../src/runtime/host-tensor';
import { loadOrtNode } from '../../../src/runtime/ort-node';
import { GraphSession } from '../../../src/runtime/run-graph';
import { TransformersLM, TransformersLMError } from '../../../src/runtime/transformers-lm';

const hubFiles = tinyLlamaFixtureFiles({ seed: 11 });
const model = loadModelFiles(new Map(Object.entries(hubFiles)));
const { config } = model;
const graphWeights = toGraphLayout(config, model.weights);
const { numLayers: L, numKvHeads: KV, headDim: D, vocabSize: V } = config;
const PAD = 3;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const int64 = (dims: number[], values: readonly number[]): HostTensor => hostTensor('int64', dims, BigInt64Array.from(values.map(BigInt)));

/** Full-forward logits of one unpadded row from our decoderGraph, (T, V). */
async function referenceLogits(row: readonly number[]): Promise<Float32Array> {
  const session = await GraphSession.open(await loadOrtNode(), decoderGraph(config, { weights: { kind: 'initialisers', weights: graphWeights }, cache: false, logits: 'all' }));
  const T = row.length;
  const { mask, positions } = maskAndPositions([0], 0, T);
  const out = await session.run({
    [io.ids]: int64([1, T], row),
    [io.positions]: hostTensor('int64', [1, T], positions),
    [io.mask]: hostTensor('bool', [1, T, T], mask),
  });
  await session.release();
  return out['logits']!.data as Float32Array;
}

describe('transformersJsGraph on onnxruntime-web', () => {
  it('equals decoderGraph on a left-padded prefill and one cached step (logits and cache, 1e-5)', async () => {
    const ort = await loadOrtNode();
    const ours = await GraphSession.open(ort, decoderGraph(config, { weights: { kind: 'initialisers', weights: graphWeights }, cache: true, logits: 'all' }));
    const theirs = await GraphSession.open(ort, transformersJsGraph(config, graphWeights));
    const prompts = [[1, 10, 11, 12, 13], [1, 20, 21]];
    const B = prompts.length;
    const W = 5;
    const padding = prompts.map((p) => W - p.length);
    const ids = prompts.flatMap((p, b) => [...new Array<number>(padding[b]!).fill(PAD), ...p]);
    const empty = hostTensor('float32', [B, KV, 0, D], new Float32Array(0));
    const oursPast: Record<string, HostTensor> = {};
    const theirsPast: Record<string, HostTensor> = {};
    for (let l = 0; l < L; l++) {
      oursPast[io.pastKey(l)] = oursPast[io.pastValue(l)] = empty;
      theirsPast[transformersJsIo.pastKey(l)] = theirsPast[transformersJsIo.pastValue(l)] = empty;
    }
    const step = async (input: number[], past: number): Promise<void> => {
      const T = input.length / B;
      const { mask, positions } = maskAndPositions(padding, past, T);
      const attention = prompts.flatMap((_, b) => Array.from({ length: past + T }, (_, s) => (s < padding[b]! ? 0 : 1)));
      const a = await ours.run({
        ...oursPast,
        [io.ids]: int64([B, T], input),
        [io.positions]: hostTensor('int64', [B, T], positions),
        [io.mask]: hostTensor('bool', [B, T, past + T], mask),
      });
      const b = await theirs.run({
        ...theirsPast,
        [transformersJsIo.ids]: int64([B, T], input),
        [transformersJsIo.positions]: hostTensor('int64', [B, T], positions),
        [transformersJsIo.attentionMask]: int64([B, past + T], attention),
      });
      expect(b['logits']!.dims).toEqual([B, T, V]);
      expect(maxAbsDiff(a['logits']!.data as Float32Array, b['logits']!.data as Float32Array)).toBeLessThan(1e-5);
      for (let l = 0; l < L; l++) {
        expect(b[transformersJsIo.presentKey(l)]!.dims).toEqual([B, KV, past + T, D]);
        expect(maxAbsDiff(a[io.presentKey(l)]!.data as Float32Array, b[transformersJsIo.presentKey(l)]!.data as Float32Array)).toBeLessThan(1e-5);
        expect(maxAbsDiff(a[io.presentValue(l)]!.data as Float32Array, b[transformersJsIo.presentValue(l)]!.data as Float32Array)).toBeLessThan(1e-5);
        oursPast[io.pastKey(l)] = a[io.presentKey(l)]!;
        oursPast[io.pastValue(l)] = a[io.presentValue(l)]!;
        theirsPast[transformersJsIo.pastKey(l)] = b[transformersJsIo.presentKey(l)]!;
        theirsPast[transformersJsIo.pastValue(l)] = b[transformersJsIo.presentValue(l)]!;
      }
    };
    await step(ids, 0);
    await step([30, 31], W);
    await Promise.all([ours.release(), theirs.release()]);
  });

  it('names the I/O dims as transformers.js expects, so its empty first-step cache gets the batch size', async () => {
    const ort = await loadOrtNode();
    const session = await ort.InferenceSession.create(transformersJsGraph(config, graphWeights));
    const shapes = Object.fromEntries(session.inputMetadata.map((m) => [m.name, 'shape' in m ? m.shape : undefined]));
    expect(shapes[transformersJsIo.attentionMask]).toEqual(['batch_size', 'total_sequence_length']);
    expect(shapes[transformersJsIo.pastKey(0)]).toEqual(['batch_size', KV, 'past_sequence_length', D]);
    expect(session.outputNames).toEqual(['logits', ...Array.from({ length: L }, (_, l) => [transformersJsIo.presentKey(l), transformersJsIo.presentValue(l)]).flat()]);
    await session.release();
  });
});

describe('transformers.js on the exported folder (Node, onnxruntime-node cpu)', () => {
  const folder = transformersJsFolderFiles(hubFiles, config, graphWeights);

  it('writes the folder transformers.js loads', () => {
    expect(Object.keys(folder).sort()).toEqual(['config.json', 'generation_config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json']);
    const json = JSON.parse(new TextDecoder().decode(folder['config.json'])) as Record<string, unknown>;
    expect(json['architectures']).toEqual(['LlamaForCausalLM']);
    expect(json['model_type']).toBe('llama');
    expect(json['transformers.js_config']).toEqual({ dtype: 'fp32', use_external_data_format: false });
    expect(json['vocab_size']).toBe(V);
  });

  it('gives our logits (1e-4), batched with left padding too', async () => {
    const lm = await TransformersLM.fromFiles(folder, { device: 'cpu' });
    const rows = [[1, 10, 11, 12, 13, 14], [1, 25, 26]];
    const got = await lm.logits(rows, PAD);
    for (const [b, row] of rows.entries()) {
      expect(got[b]!.length).toBe(row.length * V);
      expect(maxAbsDiff(got[b]!, await referenceLogits(row))).toBeLessThan(1e-4);
    }
    await lm.release();
  });

  it('continues greedily exactly as CausalLM at temperature 0 (no end-of-sequence stop)', async () => {
    const ort = await loadOrtNode();
    const ours = await CausalLM.create(ort, config, await uploadLlamaWeights(ort, 'wasm', config, model.weights));
    const theirs = await TransformersLM.fromFiles(folder, { device: 'cpu' });
    const prompts = [[1, 10, 11, 12], [1, 40], [1, 7, 8, 9, 33, 34]];
    const maxNewTokens = 16;
    const samples = await ours.sample(prompts, { temperature: 0, topP: 1, maxNewTokens, eosTokenIds: [], seeds: [1, 2, 3], adapter: false, padTokenId: PAD });
    const generated = await theirs.generate(prompts, { maxNewTokens, doSample: false, eosTokenIds: [], padTokenId: PAD });
    expect(generated.map((g) => g.length)).toEqual([maxNewTokens, maxNewTokens, maxNewTokens]);
    expect(generated).toEqual(samples.map((s) => s.tokens));
    expect(new Set(generated.flat()).size).toBeGreaterThan(1); // a constant continuation would hide a broken cache
    await Promise.all([ours.release(), theirs.release()]);
  });

  it('refuses devices transformers.js lacks in Node, saying which exist', async () => {
    await expect(TransformersLM.fromFiles(folder, { device: 'wasm' })).rejects.toThrow(TransformersLMError);
    await expect(TransformersLM.fromFiles(folder, { device: 'wasm' })).rejects.toThrow(/cpu, webgpu/);
  });
});
