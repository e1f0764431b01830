// In real headless Chromium on wasm: transformers.js loads our exported folder from memory and gives our decoderGraph's
// logits (1e-4) and CausalLM's greedy continuation at temperature 0; onnxruntime-web stays on wasm from our origin.
import { describe, expect, it } from 'vitest';
import { maskAndPositions } from '../../src/models/llama/attention-mask';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { decoderGraph, io } from '../../src/models/llama/graphs';
import { toGraphLayout } from '../../src/models/llama/weights';
import { loadModelFiles } from '../../src/models/formats/load-model';
import { transformersJsFolderFiles } from '../../src/models/llama/transformersjs-export';
import { CausalLM, uploadLlamaWeights } from '../../src/runtime/causal-lm';
import { hostTensor } from '../../src/runtime/host-tensor';
import { loadOrtWeb } from '../../src/runtime/ort-web';
import { GraphSession } from '../../src/runtime/run-graph';
import { TransformersLM, TransformersLMError } from '../../src/runtime/transformers-lm';

const hubFiles = tinyLlamaFixtureFiles({ seed: 11 });
const model = loadModelFiles(new Map(Object.entries(hubFiles)));
const { config } = model;
const graphWeights = toGraphLayout(config, model.weights);
const folder = transformersJsFolderFiles(hubFiles, config, graphWeights);
const PAD = 3;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

async function referenceLogits(row: readonly number[]): Promise<Float32Array> {
  const session = await GraphSession.open(await loadOrtWeb(), decoderGraph(config, { weights: { kind: 'initialisers', weights: graphWeights }, cache: false, logits: 'all' }));
  const T = row.length;
  const { mask, positions } = maskAndPositions([0], 0, T);
  const out = await session.run({
    [io.ids]: hostTensor('int64', [1, T], BigInt64Array.from(row.map(BigInt))),
    [io.positions]: hostTensor('int64', [1, T], positions),
    [io.mask]: hostTensor('bool', [1, T, T], mask),
  });
  await session.release();
  return out['logits']!.data as Float32Array;
}

describe('TransformersLM in the browser (wasm)', () => {
  it('gives our logits within 1e-4, batched with left padding', async () => {
    const lm = await TransformersLM.fromFiles(folder, { device: 'wasm' });
    const rows = [[1, 10, 11, 12, 13, 14], [1, 25, 26]];
    const got = await lm.logits(rows, PAD);
    for (const [b, row] of rows.entries()) expect(maxAbsDiff(got[b]!, await referenceLogits(row))).toBeLessThan(1e-4);
    await lm.release();
  });

  it('continues greedily exactly as CausalLM at temperature 0', async () => {
    const ort = await loadOrtWeb();
    const ours = await CausalLM.create(ort, config, await uploadLlamaWeights(ort, 'wasm', config, model.weights));
    const theirs = await TransformersLM.fromFiles(folder, { device: 'wasm' });
    const prompts = [[1, 10, 11, 12], [1, 40], [1, 7, 8, 9, 33, 34]];
    const maxNewTokens = 16;
    const samples = await ours.sample(prompts, { temperature: 0, topP: 1, maxNewTokens, eosTokenIds: [], seeds: [1, 2, 3], adapter: false, padTokenId: PAD });
    const generated = await theirs.generate(prompts, { maxNewTokens, doSample: false, eosTokenIds: [], padTokenId: PAD });
    expect(generated.map((g) => g.length)).toEqual([maxNewTokens, maxNewTokens, maxNewTokens]);
    expect(generated).toEqual(samples.map((s) => s.tokens));
    expect(new Set(generated.flat()).size).toBeGreaterThan(1);
    await Promise.all([ours.release(), theirs.release()]);
  });

  it('keeps onnxruntime-web on wasm files from our origin and refuses cpu in a browser', async () => {
    const ort = await loadOrtWeb();
    await TransformersLM.fromFiles(folder, { device: 'wasm' }).then((lm) => lm.release());
    const paths = ort.env.wasm.wasmPaths;
    expect(paths).toBeTypeOf('object');
    for (const url of Object.values(paths as Record<string, string>)) expect(new URL(url, location.href).origin).toBe(location.origin);
    await expect(TransformersLM.fromFiles(folder, { device: 'cpu' })).rejects.toThrow(TransformersLMError);
  });
});
