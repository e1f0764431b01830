// Bad graphs fail at build time with named errors that name the op and the shapes involved.
import { describe, expect, it } from 'vitest';
import { GraphError, NoGradientError, ShapeError } from '../../src/autodiff/errors';
import { gradients } from '../../src/autodiff/grad';
import { Graph } from '../../src/autodiff/ir';
import * as op from '../../src/autodiff/ops';

describe('shape errors', () => {
  const g = new Graph('float32');
  const a = g.input('a', ['B', 3, 4]);
  const b = g.input('b', [5, 2]);

  it('MatMul names both shapes and the inner dims', () => {
    expect(() => op.matmul(a, b)).toThrow(ShapeError);
    expect(() => op.matmul(a, b)).toThrow('MatMul: inner dimensions differ in (B,3,4) @ (5,2) (4 vs 5)');
  });

  it('broadcasting names the op and both shapes', () => {
    expect(() => op.add(a, b)).toThrow('Add: shapes (B,3,4) and (5,2) do not broadcast');
    expect(() => op.mul(a, g.input('c', ['T', 4]))).toThrow(/Mul: shapes \(B,3,4\) and \(T,4\) do not broadcast \(dimension 1 is 3 vs T\)/);
  });

  it('reshape, concat, slice, split, gather and squeeze check their shapes', () => {
    expect(() => op.reshape(a, ['B', 5])).toThrow('Reshape: cannot reshape (B,3,4) to (B,5)');
    expect(() => op.reshape(a, [12, 2])).toThrow(/symbolic dims differ/);
    expect(() => op.concat([a, b], 0)).toThrow(/Concat/);
    expect(() => op.slice(a, 1, 3)).toThrow(/Slice: \[3:.*\] of axis 1 in \(B,3,4\) is empty/);
    expect(() => op.slice(a, 0, -2, -1)).toThrow(/symbolic axis 0/);
    expect(() => op.split(b, 0, [2, 2])).toThrow('Split: sizes [2,2] do not add up to axis 0 of (5,2)');
    expect(() => op.squeeze(a, [1])).toThrow('Squeeze: axis 1 of (B,3,4) is not 1');
    expect(() => op.gatherElements(b, g.input('i', [5], 'int64'), 0)).toThrow(/same rank/);
    expect(() => op.transpose(a, [0, 0, 1])).toThrow(/not a permutation/);
  });

  it('dtype misuse is a GraphError', () => {
    const ids = g.input('ids', ['B'], 'int64');
    expect(() => op.exp(ids)).toThrow(GraphError);
    expect(() => op.gather(b, g.input('f', [2]))).toThrow(/indices must be int64 or int32, got float32/);
  });
});

describe('gradient errors', () => {
  it('differentiating through an op without a rule names the op', () => {
    const g = new Graph('float32');
    const w = g.input('w', [3]);
    const idx = g.input('idx', [2, 1], 'int64');
    const scattered = op.scatterNDAdd(w, idx, g.input('u', [2]));
    expect(() => gradients(op.reduceSum(scattered), [w])).toThrow(NoGradientError);
    expect(() => gradients(op.reduceSum(scattered), [w])).toThrow('no gradient rule for op ScatterND');
  });

  it('a parameter in the exponent of Pow is refused', () => {
    const g = new Graph('float32');
    const w = g.input('w', [3]);
    expect(() => gradients(op.reduceSum(op.pow(g.scalar(2), w)), [w])).toThrow(/Pow: input 1 has no gradient rule/);
  });

  it('the loss must be a float scalar', () => {
    const g = new Graph('float32');
    const w = g.input('w', [3]);
    expect(() => gradients(op.mul(w, w), [w])).toThrow('gradients: the loss must be a scalar, got shape (3); reduce it first');
  });

  it('a parameter that does not reach the loss gets an exact zero gradient', () => {
    const g = new Graph('float32');
    const w = g.input('w', [3]);
    const unused = g.input('v', [2]);
    const [gw, gv] = gradients(op.reduceSum(op.mul(w, w)), [w, unused]);
    expect(gw!.shape).toEqual([3]);
    expect(g.producer(gv!)?.op).toBe('ConstantOfShape');
  });
});
