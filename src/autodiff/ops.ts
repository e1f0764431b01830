// The builder's ops: one function per IR op, each checking dtypes and shapes and recording one node.
// Ops mirror ONNX operators (emission is one-to-one, see src/onnx/emit.ts); compositions live in nn.ts.
import { GraphError, ShapeError } from './errors';
import { type Attrs, type DType, type FloatDType, type Graph, type Tensor, dataOf } from './ir';
import { type Dim, type Shape, broadcastShapes, formatShape, normalizeAxis, offsetDim, sameShape, staticSize } from './shape';

function one(op: string, inputs: readonly Tensor[], attrs: Attrs, dtype: DType, shape: Shape): Tensor {
  return inputs[0]!.graph.addNode(op, inputs, attrs, [{ dtype, shape }])[0]!;
}

function requireFloat(op: string, ...xs: Tensor[]): void {
  for (const x of xs) {
    if (!x.isFloat) throw new GraphError(`${op}: expects a float tensor, got ${x.dtype}; Cast it first`);
  }
}

function requireSameDtype(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) throw new GraphError(`${op}: dtypes differ (${a.dtype} vs ${b.dtype}); Cast one of them`);
}

/** A float scalar in x's graph and dtype. */
export function scalarLike(x: Tensor, value: number): Tensor {
  return x.graph.scalar(value, x.dtype);
}

function lift(x: Tensor, v: Tensor | number): Tensor {
  return typeof v === 'number' ? scalarLike(x, v) : v;
}

// ---- elementwise binary (broadcasting) ----
function binary(op: string, a: Tensor, b: Tensor | number): Tensor {
  const bt = lift(a, b);
  requireSameDtype(op, a, bt);
  return one(op, [a, bt], {}, a.dtype, broadcastShapes(op, a.shape, bt.shape));
}
export const add = (a: Tensor, b: Tensor | number): Tensor => binary('Add', a, b);
export const sub = (a: Tensor, b: Tensor | number): Tensor => binary('Sub', a, b);
export const mul = (a: Tensor, b: Tensor | number): Tensor => binary('Mul', a, b);
export const div = (a: Tensor, b: Tensor | number): Tensor => binary('Div', a, b);
/** a ** p. Differentiable in a; the exponent must be a constant for gradients. */
export const pow = (a: Tensor, p: Tensor | number): Tensor => binary('Pow', a, p);

function compare(op: string, a: Tensor, b: Tensor | number): Tensor {
  const bt = lift(a, b);
  requireSameDtype(op, a, bt);
  return one(op, [a, bt], {}, 'bool', broadcastShapes(op, a.shape, bt.shape));
}
export const equal = (a: Tensor, b: Tensor | number): Tensor => compare('Equal', a, b);
export const less = (a: Tensor, b: Tensor | number): Tensor => compare('Less', a, b);
export const lessOrEqual = (a: Tensor, b: Tensor | number): Tensor => compare('LessOrEqual', a, b);
export const greater = (a: Tensor, b: Tensor | number): Tensor => compare('Greater', a, b);

export function and(a: Tensor, b: Tensor): Tensor {
  if (a.dtype !== 'bool' || b.dtype !== 'bool') throw new GraphError(`And: expects bool tensors, got ${a.dtype} and ${b.dtype}`);
  return one('And', [a, b], {}, 'bool', broadcastShapes('And', a.shape, b.shape));
}

// ---- elementwise unary ----
function unary(op: string, x: Tensor): Tensor {
  requireFloat(op, x);
  return one(op, [x], {}, x.dtype, x.shape);
}
export const neg = (x: Tensor): Tensor => unary('Neg', x);
export const exp = (x: Tensor): Tensor => unary('Exp', x);
export const log = (x: Tensor): Tensor => unary('Log', x);
export const sqrt = (x: Tensor): Tensor => unary('Sqrt', x);
export const reciprocal = (x: Tensor): Tensor => unary('Reciprocal', x);
export const sigmoid = (x: Tensor): Tensor => unary('Sigmoid', x);
export const tanh = (x: Tensor): Tensor => unary('Tanh', x);
export const abs = (x: Tensor): Tensor => unary('Abs', x);
export const sin = (x: Tensor): Tensor => unary('Sin', x);
export const cos = (x: Tensor): Tensor => unary('Cos', x);
/** Largest integer <= x (no gradient: used for masks and hashes). */
export const floor = (x: Tensor): Tensor => unary('Floor', x);

export function cast(x: Tensor, to: DType): Tensor {
  return one('Cast', [x], { to }, to, x.shape);
}

/** where(cond, a, b): a where cond is true, else b (all three broadcast). */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  if (cond.dtype !== 'bool') throw new GraphError(`Where: the condition must be bool, got ${cond.dtype}`);
  const ref = typeof a === 'number' ? (typeof b === 'number' ? undefined : b) : a;
  if (!ref) throw new GraphError('Where: at least one branch must be a tensor (it fixes the dtype)');
  const at = lift(ref, a);
  const bt = lift(ref, b);
  requireSameDtype('Where', at, bt);
  const shape = broadcastShapes('Where', broadcastShapes('Where', cond.shape, at.shape), bt.shape);
  return one('Where', [cond, at, bt], {}, at.dtype, shape);
}

// ---- softmax family ----
export function softmax(x: Tensor, axis = -1): Tensor {
  requireFloat('Softmax', x);
  return one('Softmax', [x], { axis: normalizeAxis('Softmax', axis, x.rank) }, x.dtype, x.shape);
}
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  requireFloat('LogSoftmax', x);
  return one('LogSoftmax', [x], { axis: normalizeAxis('LogSoftmax', axis, x.rank) }, x.dtype, x.shape);
}

// ---- reductions ----
function reduce(op: string, x: Tensor, axes: readonly number[] | undefined, keepdims: boolean): Tensor {
  const all = axes ?? x.shape.map((_, i) => i);
  const norm = [...new Set(all.map((a) => normalizeAxis(op, a, x.rank)))].sort((a, b) => a - b);
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!norm.includes(i)) shape.push(d);
    else if (keepdims) shape.push(1);
  });
  return one(op, [x], { axes: norm, keepdims }, x.dtype, shape);
}
/** Sum over `axes` (all axes when omitted). */
export const reduceSum = (x: Tensor, axes?: readonly number[], keepdims = false): Tensor => reduce('ReduceSum', x, axes, keepdims);
export const reduceMean = (x: Tensor, axes?: readonly number[], keepdims = false): Tensor => {
  requireFloat('ReduceMean', x);
  return reduce('ReduceMean', x, axes, keepdims);
};
export const reduceMax = (x: Tensor, axes?: readonly number[], keepdims = false): Tensor => reduce('ReduceMax', x, axes, keepdims);

// ---- matmul ----
/** Batched matrix product (..., n, k) @ (..., k, m) -> (..., n, m); batch dims broadcast. Both ranks >= 2. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  requireFloat('MatMul', a, b);
  requireSameDtype('MatMul', a, b);
  if (a.rank < 2 || b.rank < 2) {
    throw new ShapeError(`MatMul: both operands need rank >= 2, got ${formatShape(a.shape)} and ${formatShape(b.shape)}; Unsqueeze vectors`);
  }
  const [n, k1] = a.shape.slice(-2) as [Dim, Dim];
  const [k2, m] = b.shape.slice(-2) as [Dim, Dim];
  if (k1 !== k2) {
    throw new ShapeError(`MatMul: inner dimensions differ in ${formatShape(a.shape)} @ ${formatShape(b.shape)} (${k1} vs ${k2})`);
  }
  const batch = broadcastShapes('MatMul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  return one('MatMul', [a, b], {}, a.dtype, [...batch, n, m]);
}

/** Attributes of a blockwise weight-only quantised matmul (onnxruntime's com.microsoft MatMulNBits). */
export interface NBitsLayout {
  /** Input features (the reduced dimension). */
  K: number;
  /** Output features. */
  N: number;
  bits: 4 | 8;
  /** Input features per block (a power of two >= 16); one scale per (output feature, block). */
  block: number;
}

/** (N, ceil(K / block), block * bits / 8): the packed codes' shape; scales are (N, ceil(K / block)). */
export function nbitsShapes(l: NBitsLayout): { packed: [number, number, number]; scales: [number, number] } {
  const blocks = Math.ceil(l.K / l.block);
  return { packed: [l.N, blocks, (l.block * l.bits) / 8], scales: [l.N, blocks] };
}

/**
 * x @ W with W stored quantised: x (..., K) float32, packed (N, K/block, block*bits/8) uint8 codes offset by
 * 2^(bits-1) (4-bit: two per byte, low nibble first), scales (N, K/block) float32; W[k, n] =
 * (code[n, k] - 2^(bits-1)) * scale[n, k / block]. -> (..., N). Differentiable in x only.
 */
export function matMulNBits(x: Tensor, packed: Tensor, scales: Tensor, layout: NBitsLayout): Tensor {
  const { K, N, bits, block } = layout;
  if (bits !== 4 && bits !== 8) throw new GraphError(`MatMulNBits: bits must be 4 or 8, got ${String(bits)}`);
  if (!(Number.isInteger(block) && block >= 16 && (block & (block - 1)) === 0)) throw new GraphError(`MatMulNBits: block must be a power of two >= 16, got ${block}`);
  if (x.dtype !== 'float32' || scales.dtype !== 'float32') throw new GraphError(`MatMulNBits: x and scales must be float32, got ${x.dtype} and ${scales.dtype}`);
  if (packed.dtype !== 'uint8') throw new GraphError(`MatMulNBits: packed codes must be uint8, got ${packed.dtype}`);
  const want = nbitsShapes(layout);
  if (!sameShape(packed.shape, want.packed) || !sameShape(scales.shape, want.scales)) {
    throw new ShapeError(`MatMulNBits: K=${K} N=${N} ${bits}-bit block ${block} needs codes ${formatShape(want.packed)} and scales ${formatShape(want.scales)}, got ${formatShape(packed.shape)} and ${formatShape(scales.shape)}`);
  }
  if (x.rank < 2 || x.shape[x.rank - 1] !== K) throw new ShapeError(`MatMulNBits: x ${formatShape(x.shape)} needs rank >= 2 and last dim K=${K}`);
  return one('MatMulNBits', [x, packed, scales], { K, N, bits, block }, 'float32', [...x.shape.slice(0, -1), N]);
}

// ---- indexing ----
function requireIndices(op: string, idx: Tensor): void {
  if (idx.dtype !== 'int64' && idx.dtype !== 'int32') throw new GraphError(`${op}: indices must be int64 or int32, got ${idx.dtype}`);
}

/** Gather along `axis` (an embedding lookup with axis 0): data (V, C), ids (B, T) -> (B, T, C). */
export function gather(data: Tensor, indices: Tensor, axis = 0): Tensor {
  requireIndices('Gather', indices);
  const a = normalizeAxis('Gather', axis, data.rank);
  const shape = [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)];
  return one('Gather', [data, indices], { axis: a }, data.dtype, shape);
}

/** GatherElements: out[i][j] = data[i][idx[i][j]] along `axis`; out has the indices' shape. */
export function gatherElements(data: Tensor, indices: Tensor, axis: number): Tensor {
  requireIndices('GatherElements', indices);
  if (data.rank !== indices.rank) {
    throw new ShapeError(`GatherElements: data ${formatShape(data.shape)} and indices ${formatShape(indices.shape)} need the same rank`);
  }
  const a = normalizeAxis('GatherElements', axis, data.rank);
  data.shape.forEach((d, i) => {
    if (i !== a && d !== indices.shape[i]) {
      throw new ShapeError(`GatherElements: data ${formatShape(data.shape)} and indices ${formatShape(indices.shape)} differ off axis ${a}`);
    }
  });
  return one('GatherElements', [data, indices], { axis: a }, data.dtype, indices.shape);
}

/** ScatterND with reduction 'add' into `data`: indices (..., 1) address rows of data. Used by gradients. */
export function scatterNDAdd(data: Tensor, indices: Tensor, updates: Tensor): Tensor {
  requireIndices('ScatterND', indices);
  const k = indices.shape[indices.rank - 1];
  if (typeof k !== 'number' || k > data.rank) throw new ShapeError(`ScatterND: last indices dimension must be static and <= data rank`);
  const expected = [...indices.shape.slice(0, -1), ...data.shape.slice(k)];
  if (!sameShape(expected, updates.shape)) {
    throw new ShapeError(`ScatterND: updates ${formatShape(updates.shape)} should be ${formatShape(expected)}`);
  }
  return one('ScatterND', [data, indices, updates], { reduction: 'add' }, data.dtype, data.shape);
}

/** ScatterElements with reduction 'add' along `axis`. Used by gradients. */
export function scatterElementsAdd(data: Tensor, indices: Tensor, updates: Tensor, axis: number): Tensor {
  requireIndices('ScatterElements', indices);
  if (!sameShape(indices.shape, updates.shape)) {
    throw new ShapeError(`ScatterElements: indices ${formatShape(indices.shape)} and updates ${formatShape(updates.shape)} differ`);
  }
  const a = normalizeAxis('ScatterElements', axis, data.rank);
  return one('ScatterElements', [data, indices, updates], { axis: a, reduction: 'add' }, data.dtype, data.shape);
}

// ---- layout ----
export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== x.rank || sorted.some((p, i) => p !== i)) {
    throw new ShapeError(`Transpose: perm [${perm.join(',')}] is not a permutation of the axes of ${formatShape(x.shape)}`);
  }
  return one('Transpose', [x], { perm: [...perm] }, x.dtype, perm.map((p) => x.shape[p]!));
}

/** Swaps the last two axes. */
export function transposeLast(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  perm[x.rank - 1] = x.rank - 2;
  perm[x.rank - 2] = x.rank - 1;
  return transpose(x, perm);
}

function symbolCounts(shape: Shape): Map<string, number> {
  const m = new Map<string, number>();
  for (const d of shape) if (typeof d === 'string') m.set(d, (m.get(d) ?? 0) + 1);
  return m;
}

/**
 * Reshape to `shape`. Static parts must have equal products and symbolic dims must appear the same
 * number of times on both sides (symbols cannot be split or merged).
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const staticIn = x.shape.filter((d): d is number => typeof d === 'number').reduce((a, b) => a * b, 1);
  const staticOut = shape.filter((d): d is number => typeof d === 'number').reduce((a, b) => a * b, 1);
  const si = symbolCounts(x.shape);
  const so = symbolCounts(shape);
  const sameSymbols = si.size === so.size && [...si].every(([k, v]) => so.get(k) === v);
  if (staticIn !== staticOut || !sameSymbols || shape.some((d) => typeof d === 'number' && (d < 0 || !Number.isInteger(d)))) {
    throw new ShapeError(`Reshape: cannot reshape ${formatShape(x.shape)} to ${formatShape(shape)}; element counts or symbolic dims differ`);
  }
  return one('Reshape', [x], { shape: [...shape] }, x.dtype, shape);
}

export function unsqueeze(x: Tensor, axes: readonly number[]): Tensor {
  const rank = x.rank + axes.length;
  const norm = axes.map((a) => normalizeAxis('Unsqueeze', a, rank)).sort((a, b) => a - b);
  if (new Set(norm).size !== norm.length) throw new ShapeError(`Unsqueeze: repeated axes [${axes.join(',')}]`);
  const out: Dim[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : x.shape[j++]!);
  return one('Unsqueeze', [x], { axes: norm }, x.dtype, out);
}

export function squeeze(x: Tensor, axes: readonly number[]): Tensor {
  const norm = axes.map((a) => normalizeAxis('Squeeze', a, x.rank));
  for (const a of norm) {
    if (x.shape[a] !== 1) throw new ShapeError(`Squeeze: axis ${a} of ${formatShape(x.shape)} is not 1`);
  }
  return one('Squeeze', [x], { axes: [...norm].sort((a, b) => a - b) }, x.dtype, x.shape.filter((_, i) => !norm.includes(i)));
}

/**
 * Concatenates along `axis`. A static axis sums its sizes; a symbolic one gives the dim expression 'P+T'
 * (forward only: the gradient of Concat needs static sizes).
 */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  const first = xs[0];
  if (!first) throw new GraphError('Concat: needs at least one tensor');
  const a = normalizeAxis('Concat', axis, first.rank);
  let total = 0;
  const symbolic: string[] = [];
  for (const x of xs) {
    requireSameDtype('Concat', first, x);
    const bad = x.rank !== first.rank || x.shape.some((d, i) => i !== a && d !== first.shape[i]);
    if (bad) throw new ShapeError(`Concat: ${formatShape(first.shape)} and ${formatShape(x.shape)} differ off axis ${a}`);
    const d = x.shape[a]!;
    if (typeof d === 'number') total += d;
    else symbolic.push(d);
  }
  const shape = [...first.shape];
  shape[a] = symbolic.length === 0 ? total : [...symbolic, ...(total ? [String(total)] : [])].join('+');
  return one('Concat', xs, { axis: a }, first.dtype, shape);
}

/** The identity in the forward pass; no gradient flows back through it (logZ, baselines). */
export function stopGradient(x: Tensor): Tensor {
  return one('StopGradient', [x], {}, x.dtype, x.shape);
}

/** Greatest end index; `slice(x, axis, start)` runs to the end. */
export const END = Number.MAX_SAFE_INTEGER;

/**
 * x[start:end] along one axis (step 1). Negative indices count from the end. On a symbolic axis the start
 * must be >= 0 and the end negative or END, so that the result is 'T-k' ('T-1' for [:-1]).
 */
export function slice(x: Tensor, axis: number, start: number, end: number = END): Tensor {
  const a = normalizeAxis('Slice', axis, x.rank);
  const d = x.shape[a]!;
  let s: number;
  let e: number;
  let len: Dim;
  if (typeof d === 'number') {
    s = Math.min(Math.max(start < 0 ? start + d : start, 0), d);
    e = Math.min(Math.max(end < 0 ? end + d : end, 0), d);
    len = Math.max(e - s, 0);
    if (len === 0) throw new ShapeError(`Slice: [${start}:${end}] of axis ${a} in ${formatShape(x.shape)} is empty`);
  } else {
    if (start < 0 || (end >= 0 && end !== END)) {
      throw new ShapeError(`Slice: on symbolic axis ${a} (${d}) of ${formatShape(x.shape)} use start >= 0 and a negative end or END`);
    }
    s = start;
    e = end;
    len = offsetDim(d, -(start + (end === END ? 0 : -end)));
  }
  const shape = [...x.shape];
  shape[a] = len;
  return one('Slice', [x], { axis: a, start: s, end: e }, x.dtype, shape);
}

/** Splits along a static axis into pieces of the given sizes. */
export function split(x: Tensor, axis: number, sizes: readonly number[]): Tensor[] {
  const a = normalizeAxis('Split', axis, x.rank);
  const d = x.shape[a];
  const total = sizes.reduce((p, q) => p + q, 0);
  if (d !== total || sizes.some((s) => s <= 0 || !Number.isInteger(s))) {
    throw new ShapeError(`Split: sizes [${sizes.join(',')}] do not add up to axis ${a} of ${formatShape(x.shape)}`);
  }
  const outs = sizes.map((s) => {
    const shape = [...x.shape];
    shape[a] = s;
    return { dtype: x.dtype, shape };
  });
  return x.graph.addNode('Split', [x], { axis: a, sizes: [...sizes] }, outs);
}

/** Broadcasts x to `shape` (ONNX Expand). */
export function expand(x: Tensor, shape: Shape): Tensor {
  const out = broadcastShapes('Expand', x.shape, shape);
  if (!sameShape(out, shape)) throw new ShapeError(`Expand: ${formatShape(x.shape)} does not expand to ${formatShape(shape)}`);
  return one('Expand', [x], { shape: [...shape] }, x.dtype, shape);
}

/** Zero padding: pads = [begin_0, ..., begin_{r-1}, end_0, ..., end_{r-1}] (ONNX layout). */
export function pad(x: Tensor, pads: readonly number[]): Tensor {
  if (pads.length !== 2 * x.rank || pads.some((p) => p < 0 || !Number.isInteger(p))) {
    throw new ShapeError(`Pad: needs ${2 * x.rank} non-negative pads for ${formatShape(x.shape)}, got [${pads.join(',')}]`);
  }
  const shape = x.shape.map((d, i) => offsetDim(d, pads[i]! + pads[i + x.rank]!));
  return one('Pad', [x], { pads: [...pads] }, x.dtype, shape);
}

// ---- shape-derived values (no tensor inputs: symbolic dims are resolved from the graph's inputs) ----
/** A tensor of the given shape filled with `value` (ONNX ConstantOfShape). */
export function fill(g: Graph, shape: Shape, value: number, dtype: DType = g.dtype): Tensor {
  return g.addNode('ConstantOfShape', [], { shape: [...shape], value, dtype }, [{ dtype, shape }])[0]!;
}

/** 0, 1, ..., length-1 as int64, where length may be symbolic. */
export function arange(g: Graph, length: Dim): Tensor {
  return g.addNode('Arange', [], { length }, [{ dtype: 'int64', shape: [length] }])[0]!;
}

/** The product of `dims` (static or symbolic) as a scalar of the given dtype. */
export function dimProduct(g: Graph, dims: Shape, dtype: DType = g.dtype): Tensor {
  const n = staticSize(dims);
  if (n !== undefined) return g.scalar(n, dtype);
  return g.addNode('DimProduct', [], { dims: [...dims], dtype }, [{ dtype, shape: [] }])[0]!;
}

/** A constant of the given dtype and shape in x's graph. */
export function constantLike(x: Tensor, values: readonly number[], shape: readonly number[], dtype: DType = x.dtype): Tensor {
  return x.graph.constant(dataOf(dtype, values), shape, dtype);
}

export type { FloatDType };
