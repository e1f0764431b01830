// Training-mode dropout: the kept fraction, the scaling, and a gradient that flows through kept elements only.
import { describe, expect, it } from 'vitest';
import { gradients } from '../../src/autodiff/grad';
import { Graph } from '../../src/autodiff/ir';
import * as op from '../../src/autodiff/ops';
import { emitModel } from '../../src/onnx/emit';
import { hostTensor } from '../../src/runtime/host-tensor';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { runGraph } from '../../src/runtime/run-graph';

describe('dropout', () => {
  it('keeps about 1-ratio of the elements, scales them, and its gradient passes exactly through the kept ones', async () => {
    const g = new Graph('float32');
    const x = g.input('x', [4000]);
    const w = g.input('w', [4000]);
    const y = op.dropout(x, 0.25, 7);
    const [gx] = gradients(op.reduceSum(op.mul(y, w)), [x]);
    const xs = Float32Array.from({ length: 4000 }, (_, i) => 1 + (i % 7));
    const ws = Float32Array.from({ length: 4000 }, (_, i) => Math.cos(i));
    const out = await runGraph(await loadOrtNode(), emitModel(g, { y, gx: gx! }), { x: hostTensor('float32', [4000], xs), w: hostTensor('float32', [4000], ws) });
    const yv = out['y']!.data as Float32Array;
    const gv = out['gx']!.data as Float32Array;
    let kept = 0;
    for (let i = 0; i < 4000; i++) {
      if (yv[i] !== 0) {
        kept++;
        expect(yv[i]).toBeCloseTo(xs[i]! / 0.75, 5);
        expect(gv[i]).toBeCloseTo(ws[i]! / 0.75, 5);
      } else expect(gv[i]).toBe(0);
    }
    expect(kept / 4000).toBeGreaterThan(0.72);
    expect(kept / 4000).toBeLessThan(0.78);
    expect(op.dropout(x, 0, 1)).toBe(x);
  });
});
