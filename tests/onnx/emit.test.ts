// The emitter: opset 17 models with symbolic dims as dimParam, raw-data initialisers, pruning of unused
// nodes, shapes of symbolic reshapes resolved at run time, and a named error for an unbound symbol.
import { describe, expect, it } from 'vitest';
import { GraphError } from '../../src/autodiff/errors';
import { Graph } from '../../src/autodiff/ir';
import { add, exp, fill, mul, reshape, slice, transpose } from '../../src/autodiff/ops';
import { emitModel } from '../../src/onnx/emit';
import { inspectModel } from '../support/inspect-model';
import { hostTensor } from '../../src/runtime/host-tensor';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { runGraph } from '../../src/runtime/run-graph';

describe('emitModel', () => {
  it('writes opset 17, symbolic dims, raw initialisers, and only the nodes the outputs need', () => {
    const g = new Graph('float32');
    const x = g.input('x', ['B', 3]);
    const y = add(x, g.constant(Float32Array.from([1, 2, 3]), [3], 'float32'));
    exp(x); // unused: must not be emitted
    const model = inspectModel(emitModel(g, { y }));
    expect(model.opset).toBe(17);
    expect(model.inputDims['x']).toEqual(['B', 3]);
    expect(model.nodes).toEqual(['Add', 'Identity']);
    expect(Array.from(new Float32Array(model.initializers[0]!.bytes.buffer))).toEqual([1, 2, 3]);
  });

  it('reshapes with symbolic dims use the run-time sizes of the inputs that carry them', async () => {
    const g = new Graph('float32');
    const x = g.input('x', ['B', 'T', 4]);
    const heads = transpose(reshape(x, ['B', 'T', 2, 2]), [0, 2, 1, 3]); // (B,2,T,2)
    const shifted = slice(heads, 2, 1); // (B,2,T-1,2)
    const y = reshape(mul(shifted, 2), ['B', 2, 'T-1', 2]);
    expect(y.shape).toEqual(['B', 2, 'T-1', 2]);
    const data = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    const out = await runGraph(await loadOrtNode(), emitModel(g, { y }), { x: hostTensor('float32', [2, 3, 4], data) });
    expect(out['y']!.dims).toEqual([2, 2, 2, 2]);
    // y[b,h,t,d] = 2 * x[b, t+1, 2h + d]
    const v = out['y']!.data as Float32Array;
    expect(v[0]).toBe(2 * data[4]!); // b0 h0 t0 d0 -> x[0,1,0]
    expect(v[1 * 8 + 1 * 4 + 1 * 2 + 1]).toBe(2 * data[12 + 2 * 4 + 3]!); // b1 h1 t1 d1 -> x[1,2,3]
  });

  it('names the symbol when no graph input binds it', () => {
    const g = new Graph('float32');
    const x = g.input('x', [2, 3]);
    const y = reshape(x, [6]);
    expect(() => emitModel(g, { y: reshape(y, [6]) })).not.toThrow();
    const g2 = new Graph('float32');
    const zeros = fill(g2, ['N', 2], 0); // 'N' is bound by no input
    expect(() => emitModel(g2, { out: zeros })).toThrow(GraphError);
    expect(() => emitModel(g2, { out: zeros })).toThrow(/symbolic dim 'N' does not appear in any graph input/);
  });
});
