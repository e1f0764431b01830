// Exact gradient values for cases finite differences cannot check: ReduceMax with tied maxima (the
// function has a kink there; our rule splits the gradient equally among the tied entries, as PyTorch's
// amax does). Run in float64 on onnxruntime-web's wasm backend.
import { describe, expect, it } from 'vitest';
import { gradients } from '../../src/autodiff/grad';
import { Graph, type Tensor } from '../../src/autodiff/ir';
import * as op from '../../src/autodiff/ops';
import { emitModel } from '../../src/onnx/emit';
import { hostTensor } from '../../src/runtime/host-tensor';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { runGraph } from '../../src/runtime/run-graph';

/**
 * d/dx of sum(f(x) * w) for a float64 input x of `dims` holding `values`; w has f(x)'s shape and
 * `weights` (distinct per output element, so a gradient landing in the wrong place shows).
 */
async function gradientOf(f: (x: Tensor) => Tensor, dims: number[], values: number[], weights: number[]): Promise<{ y: number[]; dx: number[] }> {
  const g = new Graph('float64');
  const x = g.input('x', dims, 'float64');
  const y = f(x);
  const w = g.input('w', y.shape, 'float64');
  const loss = op.reduceSum(op.mul(y, w));
  const [dx] = gradients(loss, [x]);
  const out = await runGraph(await loadOrtNode(), emitModel(g, { y, dx: dx! }), {
    x: hostTensor('float64', dims, Float64Array.from(values)),
    w: hostTensor('float64', y.shape.map(Number), Float64Array.from(weights)),
  }, { optimization: 'basic' });
  return { y: Array.from(out['y']!.data as Float64Array), dx: Array.from(out['dx']!.data as Float64Array) };
}

describe('ReduceMax gradient with ties', () => {
  it('splits each row gradient equally between its tied maxima (axis 1)', async () => {
    // rows [1,3,3] (max 3 twice), [2,0,2] (max 2 twice), [5,1,0] (one max); row weights 10, 100, 7
    const r = await gradientOf((x) => op.reduceMax(x, [1]), [3, 3], [1, 3, 3, 2, 0, 2, 5, 1, 0], [10, 100, 7]);
    expect(r.y).toEqual([3, 2, 5]);
    expect(r.dx).toEqual([0, 5, 5, 50, 0, 50, 7, 0, 0]);
  });

  it('three-way tie over all axes with keepdims: one third each', async () => {
    const r = await gradientOf((x) => op.reduceMax(x, undefined, true), [2, 2], [4, 4, -1, 4], [6]);
    expect(r.y).toEqual([4]);
    expect(r.dx).toEqual([2, 2, 0, 2]);
  });

  it('ties along axis 0 of a (2,3) input', async () => {
    const r = await gradientOf((x) => op.reduceMax(x, [0]), [2, 3], [1, 2, 3, 1, 0, 3], [8, 4, 2]);
    expect(r.y).toEqual([1, 2, 3]);
    expect(r.dx).toEqual([4, 4, 1, 4, 0, 1]);
  });
});
