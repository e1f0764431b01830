// Training-mode dropout with an in-graph hash mask: the kept fraction, the scaling, a gradient that flows
// through kept elements only, and masks that change with the seed input and repeat for the same seed.
import { describe, expect, it } from 'vitest';
import { gradients } from '../../src/autodiff/grad';
import { Graph } from '../../src/autodiff/ir';
import { hashDropout } from '../../src/autodiff/nn';
import * as op from '../../src/autodiff/ops';
import { emitModel } from '../../src/onnx/emit';
import { hostTensor } from '../../src/runtime/host-tensor';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { GraphSession } from '../../src/runtime/run-graph';

describe('hashDropout', () => {
  it('keeps about 1-ratio, scales kept elements, passes gradients only through them, and follows the seed', async () => {
    const g = new Graph('float32');
    const x = g.input('x', ['B', 'T', 40]);
    const w = g.input('w', ['B', 'T', 40]);
    const seed = g.input('seed', []);
    const y = hashDropout(x, 0.25, seed, 3);
    const [gx] = gradients(op.reduceSum(op.mul(y, w)), [x]);
    const session = await GraphSession.open(await loadOrtNode(), emitModel(g, { y, gx: gx! }));
    const n = 4 * 25 * 40;
    const xs = Float32Array.from({ length: n }, (_, i) => 1 + (i % 7));
    const ws = Float32Array.from({ length: n }, (_, i) => Math.cos(i));
    const run = (s: number) => session.run({ x: hostTensor('float32', [4, 25, 40], xs), w: hostTensor('float32', [4, 25, 40], ws), seed: hostTensor('float32', [], Float32Array.from([s])) });
    const out = await run(11);
    const yv = out['y']!.data as Float32Array;
    const gv = out['gx']!.data as Float32Array;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      if (yv[i] !== 0) {
        kept++;
        expect(yv[i]).toBeCloseTo(xs[i]! / 0.75, 5);
        expect(gv[i]).toBeCloseTo(ws[i]! / 0.75, 5);
      } else expect(gv[i]).toBe(0);
    }
    expect(kept / n).toBeGreaterThan(0.72);
    expect(kept / n).toBeLessThan(0.78);
    const again = (await run(11))['y']!.data as Float32Array;
    expect(Array.from(again)).toEqual(Array.from(yv));
    const other = (await run(12))['y']!.data as Float32Array;
    const differ = other.reduce((k, v, i) => k + ((v === 0) !== (yv[i] === 0) ? 1 : 0), 0);
    expect(differ / n).toBeGreaterThan(0.2); // independent masks disagree on ~37.5% of elements
    expect(hashDropout(x, 0, seed, 1)).toBe(x);
    await session.release();
  });
});
