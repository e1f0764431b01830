// The gradient rule table: one entry per differentiable op, mapping output gradients to input gradients.
// Each rule builds ordinary IR nodes, so the backward pass is itself a graph. Broadcasting is undone by sumTo.
import { GraphError, NoGradientError } from './errors';
import type { Attrs, Node, Tensor } from './ir';
import {
  add, cast, concat, cos, sin, dimProduct, div, equal, exp, expand, fill, less, matmul, mul, neg, pad, pow, reduceSum,
  reshape, scalarLike, scatterElementsAdd, scatterNDAdd, slice, split, squeeze, sub, transpose, transposeLast,
  unsqueeze, where, END,
} from './ops';
import { dequantiseBlocks } from './nn';
import type { NBitsLayout } from './ops';
import { type Shape, formatShape, sameShape } from './shape';

export interface GradContext {
  node: Node;
  /** The node's inputs. */
  x: readonly Tensor[];
  /** The node's outputs. */
  y: readonly Tensor[];
  /** Gradient of the first output (always present for single-output ops). */
  g: Tensor;
  /** Gradients of every output; undefined where an output does not reach the loss. */
  gy: readonly (Tensor | undefined)[];
  attrs: Attrs;
}

/** Returns one gradient per input; undefined for inputs that have none (indices, conditions). */
export type GradRule = (c: GradContext) => readonly (Tensor | undefined)[];

/** Sums a broadcast gradient back down to `shape` (the inverse of numpy broadcasting). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  let r = lead > 0 ? reduceSum(g, Array.from({ length: lead }, (_, i) => i), false) : g;
  const axes = shape.flatMap((d, i) => (d === 1 && r.shape[i] !== 1 ? [i] : []));
  if (axes.length > 0) r = reduceSum(r, axes, true);
  if (!sameShape(r.shape, shape)) throw new GraphError(`sumTo: cannot reduce ${formatShape(g.shape)} to ${formatShape(shape)}`);
  return r;
}

const num = (attrs: Attrs, key: string): number => attrs[key] as number;
const nums = (attrs: Attrs, key: string): readonly number[] => attrs[key] as readonly number[];
const oneMinus = (t: Tensor): Tensor => sub(scalarLike(t, 1), t);
const zerosLike = (t: Tensor): Tensor => fill(t.graph, t.shape, 0, t.dtype);
const x0 = (c: GradContext): Tensor => c.x[0]!;
const x1 = (c: GradContext): Tensor => c.x[1]!;
const y0 = (c: GradContext): Tensor => c.y[0]!;

/** g reshaped so that it broadcasts against the reduction's input (reduced axes kept as 1). */
function keepReduced(c: GradContext, t: Tensor): Tensor {
  return c.attrs['keepdims'] ? t : unsqueeze(t, nums(c.attrs, 'axes'));
}

export const gradientRules: Readonly<Record<string, GradRule>> = {
  Add: (c) => [sumTo(c.g, x0(c).shape), sumTo(c.g, x1(c).shape)],
  Sub: (c) => [sumTo(c.g, x0(c).shape), sumTo(neg(c.g), x1(c).shape)],
  Mul: (c) => [sumTo(mul(c.g, x1(c)), x0(c).shape), sumTo(mul(c.g, x0(c)), x1(c).shape)],
  Div: (c) => [sumTo(div(c.g, x1(c)), x0(c).shape), sumTo(neg(div(mul(c.g, y0(c)), x1(c))), x1(c).shape)],
  // d(a^p)/da = p a^(p-1); the exponent gets no gradient (the driver refuses if it needs one).
  Pow: (c) => [sumTo(mul(c.g, mul(x1(c), pow(x0(c), sub(x1(c), scalarLike(x1(c), 1))))), x0(c).shape), undefined],
  Neg: (c) => [neg(c.g)],
  Exp: (c) => [mul(c.g, y0(c))],
  Log: (c) => [div(c.g, x0(c))],
  Sqrt: (c) => [div(c.g, mul(y0(c), 2))],
  Reciprocal: (c) => [neg(mul(c.g, mul(y0(c), y0(c))))],
  Sigmoid: (c) => [mul(c.g, mul(y0(c), oneMinus(y0(c))))],
  Tanh: (c) => [mul(c.g, oneMinus(mul(y0(c), y0(c))))],
  Sin: (c) => [mul(c.g, cos(x0(c)))],
  Cos: (c) => [neg(mul(c.g, sin(x0(c))))],
  Abs: (c) => [where(less(x0(c), 0), neg(c.g), c.g)],
  Softmax: (c) => [mul(y0(c), sub(c.g, reduceSum(mul(c.g, y0(c)), [num(c.attrs, 'axis')], true)))],
  LogSoftmax: (c) => [sub(c.g, mul(exp(y0(c)), reduceSum(c.g, [num(c.attrs, 'axis')], true)))],
  ReduceSum: (c) => [expand(keepReduced(c, c.g), x0(c).shape)],
  ReduceMean: (c) => {
    const count = dimProduct(c.g.graph, nums(c.attrs, 'axes').map((a) => x0(c).shape[a]!), c.g.dtype);
    return [div(expand(keepReduced(c, c.g), x0(c).shape), count)];
  },
  // Ties share the gradient equally.
  ReduceMax: (c) => {
    const mask = cast(equal(x0(c), keepReduced(c, y0(c))), c.g.dtype);
    const count = reduceSum(mask, nums(c.attrs, 'axes'), true);
    return [mul(mask, div(keepReduced(c, c.g), count))];
  },
  MatMul: (c) => [
    sumTo(matmul(c.g, transposeLast(x1(c))), x0(c).shape), // (...,n,m) @ (...,m,k) -> (...,n,k)
    sumTo(matmul(transposeLast(x0(c)), c.g), x1(c).shape), // (...,k,n) @ (...,n,m) -> (...,k,m)
  ],
  // Quantised frozen weight: dx = g @ W^T, with W^T (N,K) dequantised from the codes; codes and scales get none.
  MatMulNBits: (c) => [matmul(c.g, dequantiseBlocks(x1(c), c.x[2]!, c.attrs as unknown as NBitsLayout)), undefined, undefined], // (...,N) @ (N,K)
  // Embedding lookup: scatter-add the rows' gradients into a zero table (repeated ids accumulate).
  Gather: (c) => {
    if (num(c.attrs, 'axis') !== 0) throw new NoGradientError('Gather: gradients exist only for axis 0 (embedding lookups)');
    const ids = x1(c).dtype === 'int64' ? x1(c) : cast(x1(c), 'int64');
    return [scatterNDAdd(zerosLike(x0(c)), unsqueeze(ids, [-1]), c.g), undefined]; // (...I,1), (...I,...rest)
  },
  GatherElements: (c) => [scatterElementsAdd(zerosLike(x0(c)), x1(c), c.g, num(c.attrs, 'axis')), undefined],
  Transpose: (c) => {
    const perm = nums(c.attrs, 'perm');
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [transpose(c.g, inverse)];
  },
  Reshape: (c) => [reshape(c.g, x0(c).shape)],
  Unsqueeze: (c) => [squeeze(c.g, nums(c.attrs, 'axes'))],
  Squeeze: (c) => [unsqueeze(c.g, nums(c.attrs, 'axes'))],
  Concat: (c) => {
    const axis = num(c.attrs, 'axis');
    const sizes = c.x.map((t) => t.shape[axis]!);
    if (sizes.some((d) => typeof d !== 'number')) throw new NoGradientError(`Concat: no gradient along symbolic axis ${axis}; concatenate along a static axis`);
    return split(c.g, axis, sizes as number[]);
  },
  Slice: (c) => {
    const axis = num(c.attrs, 'axis');
    const start = num(c.attrs, 'start');
    const end = num(c.attrs, 'end');
    const d = x0(c).shape[axis]!;
    const after = typeof d === 'number' ? d - end : end === END ? 0 : -end;
    const pads = new Array<number>(2 * x0(c).rank).fill(0);
    pads[axis] = start;
    pads[axis + x0(c).rank] = after;
    return [pad(c.g, pads)];
  },
  Pad: (c) => {
    const pads = nums(c.attrs, 'pads');
    const rank = x0(c).rank;
    let g = c.g;
    for (let a = 0; a < rank; a++) {
      const before = pads[a]!;
      const after = pads[a + rank]!;
      if (before > 0 || after > 0) g = slice(g, a, before, after > 0 ? -after : END);
    }
    return [g];
  },
  Split: (c) => [concat(c.y.map((y, i) => c.gy[i] ?? zerosLike(y)), num(c.attrs, 'axis'))],
  Expand: (c) => [sumTo(c.g, x0(c).shape)],
  Where: (c) => [undefined, sumTo(where(c.x[0]!, c.g, 0), x1(c).shape), sumTo(where(c.x[0]!, 0, c.g), c.x[2]!.shape)],
  Cast: (c) => [x0(c).isFloat ? cast(c.g, x0(c).dtype) : undefined],
};

/** Adds two gradient contributions to the same tensor. */
export function accumulate(a: Tensor | undefined, b: Tensor): Tensor {
  return a ? add(a, b) : b;
}
