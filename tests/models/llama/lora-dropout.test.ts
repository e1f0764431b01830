// LoRA dropout's in-graph hash mask: the drop rate, the kept scale, masks that depend on a row's seed and absolute
// positions only (not its place in the batch), a new mask per site and seed, and the run-time ratio switch.
import { describe, expect, it } from 'vitest';
import { Graph } from '../../../src/autodiff/ir';
import { emitModel } from '../../../src/onnx/emit';
import { loraDropout } from '../../../src/models/llama/lora-dropout';
import { hostTensor } from '../../../src/runtime/host-tensor';
import { loadOrtNode } from '../../../src/runtime/ort-node';
import { runGraph } from '../../../src/runtime/run-graph';

const C = 576;
const T = 40;

/** Runs loraDropout on ones (B, T, C) at two sites; ratio baked in (number) or fed ('ratio' input). */
async function masks(seeds: number[], positions: number[][], ratio: number | 'input', ratioValue = 0): Promise<[Float32Array, Float32Array]> {
  const g = new Graph('float32');
  const x = g.input('x', ['B', 'T', C]);
  const s = g.input('seeds', ['B']);
  const p = g.input('positions', ['B', 'T'], 'int64');
  const r = ratio === 'input' ? g.input('ratio', []) : ratio;
  const model = emitModel(g, { a: loraDropout(x, r, s, p, 3), b: loraDropout(x, r, s, p, 4) });
  const B = seeds.length;
  const feeds = {
    x: hostTensor('float32', [B, T, C], new Float32Array(B * T * C).fill(1)),
    seeds: hostTensor('float32', [B], Float32Array.from(seeds)),
    positions: hostTensor('int64', [B, T], BigInt64Array.from(positions.flat().map(BigInt))),
    ...(ratio === 'input' ? { ratio: hostTensor('float32', [], Float32Array.from([ratioValue])) } : {}),
  };
  const out = await runGraph(await loadOrtNode(), model, feeds);
  return [out['a']!.data as Float32Array, out['b']!.data as Float32Array];
}

const range = (from: number) => Array.from({ length: T }, (_, t) => from + t);

describe('loraDropout', () => {
  it('drops a fraction ratio of entries and scales the rest by 1 / (1 - ratio)', async () => {
    const [a] = await masks([17, 4000], [range(0), range(100)], 0.3);
    const kept = 1 / 0.7;
    expect(a.every((v) => v === 0 || Math.abs(v - kept) < 1e-6)).toBe(true);
    const n = a.length;
    const dropped = a.filter((v) => v === 0).length / n;
    expect(Math.abs(dropped - 0.3)).toBeLessThan(4 * Math.sqrt((0.3 * 0.7) / n));
  });

  it("a row's mask depends on its seed and positions only, not on its place in the batch", async () => {
    const [pair] = await masks([5, 9], [range(10), range(0)], 0.3);
    const [alone] = await masks([9], [range(0)], 0.3);
    expect(Array.from(pair.subarray(T * C))).toEqual(Array.from(alone));
    // The same row one step later in decoding (positions 1..T) sees the masks of those positions.
    const [shifted] = await masks([9], [range(1)], 0.3);
    expect(Array.from(shifted.subarray(0, (T - 1) * C))).toEqual(Array.from(alone.subarray(C)));
  });

  it('other seeds and other sites draw nearly independent masks (agreement about 0.3^2 + 0.7^2)', async () => {
    const [a, b] = await masks([5, 6], [range(0), range(0)], 0.3);
    const agree = (x: Float32Array, y: Float32Array) => x.reduce((n, v, i) => n + ((v === 0) === (y[i] === 0) ? 1 : 0), 0) / x.length;
    const independent = 0.3 ** 2 + 0.7 ** 2;
    expect(Math.abs(agree(a.subarray(0, T * C), a.subarray(T * C)) - independent)).toBeLessThan(0.02); // seeds 5 vs 6
    expect(Math.abs(agree(a, b) - independent)).toBeLessThan(0.02); // sites 3 vs 4
  });

  it('a fed ratio equals the baked one, and ratio 0 is the identity', async () => {
    const [baked] = await masks([5], [range(0)], 0.3);
    const [fed] = await masks([5], [range(0)], 'input', 0.3);
    expect(Array.from(fed)).toEqual(Array.from(baked));
    const [off] = await masks([5], [range(0)], 'input', 0);
    expect(off.every((v) => v === 1)).toBe(true);
  });
});
