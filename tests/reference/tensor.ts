// Float64 kernels shared by the reference models (checked reads/writes, matmul, cross-entropy), forward and backward by hand; no autodiff, no broadcasting, no GPU.
// All tensors are row-major Float64Array; shapes are given in the `// (N,K)` comments and as explicit sizes.

/** Parameters (or gradients, or optimiser moments) keyed by name. */
export type Tensors = Record<string, Float64Array>;

/**
 * Bounds-checked read. Under `noUncheckedIndexedAccess` a typed-array read is `number | undefined`;
 * this turns an out-of-range index into an error instead of a silent NaN.
 */
export function get(a: Float64Array | Int32Array, i: number): number {
  const x = a[i];
  if (x === undefined) throw new RangeError(`index ${i} out of range for length ${a.length}`);
  return x;
}

/** a[i] += x, bounds-checked. */
export function addAt(a: Float64Array, i: number, x: number): void {
  a[i] = get(a, i) + x;
}

/** Named tensor from a record, or an error naming the missing key. */
export function need(t: Tensors, name: string): Float64Array {
  const x = t[name];
  if (x === undefined) throw new Error(`missing tensor "${name}"`);
  return x;
}

/** Checks that every expected tensor exists with the expected element count. */
export function checkSizes(t: Tensors, sizes: Record<string, number>, what: string): void {
  for (const [name, size] of Object.entries(sizes)) {
    const x = need(t, name);
    if (x.length !== size) throw new Error(`${what} "${name}": length ${x.length}, expected ${size}`);
  }
}

/** Deep copy of a tensor record (new arrays, same keys). */
export function cloneTensors(t: Tensors): Tensors {
  const out: Tensors = {};
  for (const [name, x] of Object.entries(t)) out[name] = Float64Array.from(x);
  return out;
}

/** Zeros with the same keys and sizes. */
export function zerosLike(t: Tensors): Tensors {
  const out: Tensors = {};
  for (const [name, x] of Object.entries(t)) out[name] = new Float64Array(x.length);
  return out;
}

/**
 * out = inp @ w (+ bias).
 * out (N,M), inp (N,K), w (K,M), bias (M) or null.
 */
export function matmulForward(
  out: Float64Array, inp: Float64Array, w: Float64Array, bias: Float64Array | null,
  N: number, K: number, M: number,
): void {
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < M; o++) {
      let acc = bias === null ? 0 : get(bias, o);
      for (let k = 0; k < K; k++) acc += get(inp, n * K + k) * get(w, k * M + o);
      out[n * M + o] = acc;
    }
  }
}

/**
 * Backward of matmulForward; ACCUMULATES (+=) into dinp, dw, dbias.
 * dinp (N,K) or null, dw (K,M), dbias (M) or null, dout (N,M), inp (N,K), w (K,M).
 *   dinp += dout @ w^T;  dw += inp^T @ dout;  dbias += sum_n dout.
 */
export function matmulBackward(
  dinp: Float64Array | null, dw: Float64Array, dbias: Float64Array | null,
  dout: Float64Array, inp: Float64Array, w: Float64Array,
  N: number, K: number, M: number,
): void {
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < M; o++) {
      const d = get(dout, n * M + o);
      if (dbias !== null) addAt(dbias, o, d);
      for (let k = 0; k < K; k++) {
        addAt(dw, k * M + o, get(inp, n * K + k) * d);
        if (dinp !== null) addAt(dinp, n * K + k, get(w, k * M + o) * d);
      }
    }
  }
}

/**
 * Mean cross-entropy: loss = mean_n -log_softmax(logits[n])[targets[n]].
 * logits (N,V), targets (N) in 0..V-1. Writes probs (N,V) = softmax(logits) for the backward.
 */
export function crossEntropyForward(
  probs: Float64Array, logits: Float64Array, targets: Int32Array, N: number, V: number,
): number {
  let total = 0;
  for (let n = 0; n < N; n++) {
    const tgt = get(targets, n);
    if (!Number.isInteger(tgt) || tgt < 0 || tgt >= V) throw new RangeError(`target ${tgt} at ${n} not in 0..${V - 1}`);
    let max = -Infinity;
    for (let c = 0; c < V; c++) max = Math.max(max, get(logits, n * V + c));
    let sum = 0;
    for (let c = 0; c < V; c++) sum += Math.exp(get(logits, n * V + c) - max);
    const logSum = Math.log(sum) + max; // logsumexp over V
    for (let c = 0; c < V; c++) probs[n * V + c] = Math.exp(get(logits, n * V + c) - logSum);
    total += logSum - get(logits, n * V + tgt);
  }
  return total / N;
}

/**
 * Backward of crossEntropyForward with dloss = 1: dlogits = (probs - onehot(targets)) / N.
 * dlogits (N,V) is OVERWRITTEN, probs (N,V), targets (N).
 */
export function crossEntropyBackward(
  dlogits: Float64Array, probs: Float64Array, targets: Int32Array, N: number, V: number,
): void {
  for (let n = 0; n < N; n++) {
    const tgt = get(targets, n);
    for (let c = 0; c < V; c++) {
      dlogits[n * V + c] = (get(probs, n * V + c) - (c === tgt ? 1 : 0)) / N;
    }
  }
}
