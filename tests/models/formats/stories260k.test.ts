// Our Llama graph on llama2.c's stories260K equals run.c's reference: logits of 16 positions within 1e-4,
// the 64 greedy ids, and key/value-cache decoding equal to full recomputation.
import { describe, expect, it } from 'vitest';
import { maskAndPositions } from '../../../src/models/llama/attention-mask';
import { decoderGraph, io } from '../../../src/models/llama/graphs';
import { toGraphLayout } from '../../../src/models/llama/weights';
import { readLlama2c } from '../../../src/models/formats/llama2c';
import { type HostTensor, hostTensor } from '../../../src/runtime/host-tensor';
import { loadOrtNode } from '../../../src/runtime/ort-node';
import { GraphSession } from '../../../src/runtime/run-graph';
import { readShared } from '../../support/shared-data';

const { config, weights } = readLlama2c(readShared('models/stories260K/stories260K.bin'));
const golden = new Float32Array(readShared('models/stories260K/golden/logits.f32').slice().buffer); // (16, 512)
const greedy = new TextDecoder().decode(readShared('models/stories260K/golden/greedy_ids.txt')).trim().split(/\s+/).map(Number);
const placement = { kind: 'initialisers' as const, weights: toGraphLayout(config, weights) };
const V = config.vocabSize;

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

function feeds(ids: number[], past: number): Record<string, HostTensor> {
  const { mask, positions } = maskAndPositions([0], past, ids.length);
  return {
    [io.ids]: hostTensor('int64', [1, ids.length], BigInt64Array.from(ids.map(BigInt))),
    [io.positions]: hostTensor('int64', [1, ids.length], positions),
    [io.mask]: hostTensor('bool', [1, ids.length, past + ids.length], mask),
  };
}

describe('stories260K against llama2.c run.c', () => {
  it('reads the documented architecture', () => {
    expect([config.hiddenSize, config.intermediateSize, config.numLayers, config.numHeads, config.numKvHeads, V]).toEqual([64, 172, 5, 8, 4, 512]);
    expect(config.ropeLayout).toBe('interleaved');
    expect(greedy).toHaveLength(64);
  });

  it('full-forward logits of 16 positions equal the reference within 1e-4', async () => {
    const session = await GraphSession.open(await loadOrtNode(), decoderGraph(config, { weights: placement, cache: false, logits: 'all' }));
    const out = await session.run(feeds(greedy.slice(0, 16), 0));
    const logits = out['logits']!.data as Float32Array; // (1,16,512)
    let maxErr = 0;
    for (let i = 0; i < 16 * V; i++) maxErr = Math.max(maxErr, Math.abs(logits[i]! - golden[i]!));
    expect(maxErr).toBeLessThan(1e-4);
    await session.release();
  });

  it('cached greedy decoding reproduces the 64 reference ids, and each step equals full recomputation', async () => {
    const ort = await loadOrtNode();
    const step = await GraphSession.open(ort, decoderGraph(config, { weights: placement, cache: true, logits: 'last' }));
    const full = await GraphSession.open(ort, decoderGraph(config, { weights: placement, cache: false, logits: 'last' }));
    const { numLayers: L, numKvHeads: KV, headDim: D } = config;
    let cache: Record<string, HostTensor> = {};
    for (let l = 0; l < L; l++) {
      cache[io.pastKey(l)] = hostTensor('float32', [1, KV, 0, D], new Float32Array(0));
      cache[io.pastValue(l)] = hostTensor('float32', [1, KV, 0, D], new Float32Array(0));
    }
    const ids = [greedy[0]!];
    let maxDiff = 0;
    while (ids.length < 64) {
      const past = ids.length - 1;
      const out = await step.run({ ...feeds([ids[past]!], past), ...cache });
      const logits = out['logits']!.data as Float32Array; // (1,V)
      if (ids.length <= 12) {
        // Full recomputation of the same prefix gives the same next-token logits.
        const ref = (await full.run(feeds(ids, 0)))['logits']!.data as Float32Array;
        for (let i = 0; i < V; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i]! - logits[i]!));
      }
      if (ids.length <= 16) {
        const row = golden.subarray((ids.length - 1) * V, ids.length * V);
        for (let i = 0; i < V; i++) expect(Math.abs(row[i]! - logits[i]!)).toBeLessThan(1e-4);
      }
      ids.push(argmax(logits));
      cache = {};
      for (let l = 0; l < L; l++) {
        cache[io.pastKey(l)] = out[io.presentKey(l)]!;
        cache[io.pastValue(l)] = out[io.presentValue(l)]!;
      }
    }
    expect(ids).toEqual(greedy);
    expect(maxDiff).toBeLessThan(1e-4); // float32 rounding of a different summation order
    await Promise.all([step.release(), full.release()]);
  });
});
