// Gradient rules and the optimiser at their edges, each found by mutation testing (docs/mutation.md): sumTo's
// refusal, the Gather rule with int32 ids (cast to int64 for ScatterND) and off axis 0, Concat along a symbolic
// axis, the Cast rule's exact values through a float32 detour, and adamw's one-entry-per-parameter check.
import { describe, expect, it } from 'vitest';
import { GraphError, NoGradientError } from '../../src/autodiff/errors';
import { gradients } from '../../src/autodiff/grad';
import { sumTo } from '../../src/autodiff/gradients';
import { Graph, type Tensor } from '../../src/autodiff/ir';
import * as op from '../../src/autodiff/ops';
import { adamw, declareHyperInputs } from '../../src/autodiff/optimizer';
import { emitModel } from '../../src/onnx/emit';
import { type HostTensor, hostTensor } from '../../src/runtime/host-tensor';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { runGraph } from '../../src/runtime/run-graph';

/** Runs `outputs` of a float64 graph on onnxruntime (wasm, basic optimisation) and returns them as plain arrays. */
async function run(g: Graph, outputs: Record<string, Tensor>, feeds: Record<string, HostTensor>): Promise<Record<string, number[]>> {
  const out = await runGraph(await loadOrtNode(), emitModel(g, outputs), feeds, { optimization: 'basic' });
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.data as Float64Array, Number)]));
}

describe('gradient rules at their edges', () => {
  it('sumTo refuses a shape the gradient cannot be reduced to, naming both shapes', () => {
    const g = new Graph('float32');
    expect(() => sumTo(g.input('t', [2, 3]), [4])).toThrow(GraphError);
    expect(() => sumTo(g.input('u', [2, 3]), [4])).toThrow('sumTo: cannot reduce (2,3) to (4)');
    expect(sumTo(g.input('v', [2, 3]), [1, 3]).shape).toEqual([1, 3]);
  });

  it('Gather with int32 ids scatters each row gradient into its id (repeats add up)', async () => {
    const g = new Graph('float64');
    const w = g.input('w', [4, 2], 'float64');
    const ids = g.input('ids', [3], 'int32');
    const c = g.input('c', [3, 2], 'float64');
    const loss = op.reduceSum(op.mul(op.gather(w, ids), c));
    const [dw] = gradients(loss, [w]);
    const r = await run(g, { dw: dw! }, {
      w: hostTensor('float64', [4, 2], Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8])),
      ids: hostTensor('int32', [3], Int32Array.from([2, 0, 2])),
      c: hostTensor('float64', [3, 2], Float64Array.from([1, 10, 100, 1000, 3, 30])),
    });
    // row 0 <- c[1]; row 2 <- c[0] + c[2]; rows 1 and 3 untouched.
    expect(r['dw']).toEqual([100, 1000, 0, 0, 4, 40, 0, 0]);
  });

  it('Gather off axis 0 has no gradient and says so', () => {
    const g = new Graph('float32');
    const w = g.input('w', [3, 4]);
    const y = op.gather(w, g.input('ids', [2], 'int64'), 1);
    expect(() => gradients(op.reduceSum(y), [w])).toThrow(NoGradientError);
    expect(() => gradients(op.reduceSum(y), [w])).toThrow('Gather: gradients exist only for axis 0 (embedding lookups)');
  });

  it('Concat along a symbolic axis has no gradient and names the axis', () => {
    const g = new Graph('float32');
    const a = g.input('a', [2, 'T']);
    const b = g.input('b', [2, 'T']);
    const y = op.concat([a, b], 1);
    expect(() => gradients(op.reduceSum(y), [a])).toThrow(NoGradientError);
    expect(() => gradients(op.reduceSum(y), [a])).toThrow('Concat: no gradient along symbolic axis 1; concatenate along a static axis');
    // One symbolic size among static ones is enough to refuse.
    const c = g.input('c', [2, 3]);
    const mixed = op.concat([c, a], 1);
    expect(() => gradients(op.reduceSum(mixed), [c])).toThrow('Concat: no gradient along symbolic axis 1; concatenate along a static axis');
  });

  it('Pad takes back the window of the padded gradient (padding after the last axis, before the first)', async () => {
    const g = new Graph('float64');
    const x = g.input('x', [2, 3], 'float64');
    const w = g.input('w', [4, 4], 'float64');
    const y = op.pad(x, [0, 1, 2, 0]); // (2,3) -> (4,4): two rows after, one column before
    const [dx] = gradients(op.reduceSum(op.mul(y, w)), [x]);
    const r = await run(g, { dx: dx! }, { x: hostTensor('float64', [2, 3], new Float64Array(6)), w: hostTensor('float64', [4, 4], Float64Array.from({ length: 16 }, (_, i) => i)) });
    expect(r['dx']).toEqual([1, 2, 3, 5, 6, 7]); // w[0:2, 1:4]
  });

  it('Cast passes the gradient through, cast back to the input dtype', async () => {
    const g = new Graph('float64');
    const x = g.input('x', [3], 'float64');
    const w = g.input('w', [3], 'float64');
    const y = op.cast(op.mul(op.cast(x, 'float32'), 2), 'float64'); // 2x through float32
    const [dx] = gradients(op.reduceSum(op.mul(y, w)), [x]);
    expect(dx!.dtype).toBe('float64');
    const r = await run(g, { dx: dx! }, { x: hostTensor('float64', [3], Float64Array.from([0.5, -1, 3])), w: hostTensor('float64', [3], Float64Array.from([1, -3, 0.25])) });
    expect(r['dx']).toEqual([2, -6, 0.5]);
  });
});

describe('adamw', () => {
  it('refuses lists that do not hold one entry per parameter', () => {
    const g = new Graph('float32');
    const p = g.input('p', [2]);
    const loss = op.reduceSum(op.mul(p, p));
    const hp = declareHyperInputs(g);
    const m = g.input('m', [2]);
    const v = g.input('v', [2]);
    const message = 'adamw: params, grads, m and v must have one entry per parameter';
    expect(() => adamw(loss, [p], [], [m], [v], hp)).toThrow(GraphError);
    expect(() => adamw(loss, [p], [], [m], [v], hp)).toThrow(message);
    expect(() => adamw(loss, [p], [p], [], [v], hp)).toThrow(message);
    expect(() => adamw(loss, [p], [p], [m], [], hp)).toThrow(message);
    expect(adamw(loss, [p], [p], [m], [v], hp).params).toHaveLength(1);
  });
});
