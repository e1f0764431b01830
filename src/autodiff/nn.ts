// Layers written as compositions of IR ops (so their gradients come from the rule table): RMSNorm, RoPE,
// SiLU, causal masking, cross-entropy, finiteness checks. Nothing here knows about a particular model.
import { GraphError, ShapeError } from './errors';
import type { Tensor } from './ir';
import {
  abs, add, and, arange, cast, concat, cos, div, gatherElements, greater, less, lessOrEqual, logSoftmax, matmul, mul, neg,
  reduceMean, reduceSum, reshape, sigmoid, sin, slice, sqrt, sub, unsqueeze, where, constantLike, floor,
} from './ops';
import { type Dim, formatShape } from './shape';

/** x * sigmoid(x). */
export function silu(x: Tensor): Tensor {
  return mul(x, sigmoid(x));
}

/** RMSNorm over the last axis: x / sqrt(mean(x^2) + eps) * weight. */
export function rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
  const ms = reduceMean(mul(x, x), [-1], true); // (..., 1)
  return mul(div(x, sqrt(add(ms, eps))), weight); // (..., C)
}

/**
 * cos and sin tables for rotary embeddings, (T, D) each, computed in the graph for positions
 * 0..T-1 (T may be symbolic). `invFreq` has D/2 entries; the tables repeat it as [f, f] (rotate-half layout).
 */
export function ropeTables(like: Tensor, positions: Dim, invFreq: readonly number[]): { cos: Tensor; sin: Tensor } {
  const g = like.graph;
  const t = unsqueeze(cast(arange(g, positions), g.dtype), [1]); // (T, 1)
  const f = constantLike(like, [...invFreq, ...invFreq], [1, 2 * invFreq.length], g.dtype); // (1, D)
  const angle = matmul(t, f); // (T,1) @ (1,D) -> (T, D)
  return { cos: cos(angle), sin: sin(angle) };
}

/** Rotate-half RoPE (Hugging Face layout): x (B,H,T,D), cos/sin broadcastable to it. */
export function applyRope(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const d = x.shape[x.rank - 1];
  if (typeof d !== 'number' || d % 2 !== 0) throw new ShapeError(`RoPE: head dimension must be static and even, got ${formatShape(x.shape)}`);
  const x1 = slice(x, -1, 0, d / 2); // (..., D/2)
  const x2 = slice(x, -1, d / 2); // (..., D/2)
  const rotated = concat([neg(x2), x1], -1); // (..., D)
  return add(mul(x, cos), mul(rotated, sin));
}

/** (T, T) bool mask, true where key position <= query position. T may be symbolic. */
export function causalMask(like: Tensor, t: Dim): Tensor {
  const pos = arange(like.graph, t); // (T)
  return lessOrEqual(unsqueeze(pos, [0]), unsqueeze(pos, [1])); // (1,T) <= (T,1) -> (T,T): key <= query
}

/** Sets scores to `fill` where mask is false (before a softmax). */
export function maskScores(scores: Tensor, mask: Tensor, fill = -1e9): Tensor {
  return where(mask, scores, fill);
}

/**
 * Mean cross-entropy of integer targets under logits (..., V): mean(-log_softmax(logits)[target]).
 * Targets have the logits' shape without the last axis.
 */
export function crossEntropy(logits: Tensor, targets: Tensor): Tensor {
  const logp = logSoftmax(logits, -1); // (..., V)
  const picked = gatherElements(logp, unsqueeze(targets, [-1]), -1); // (..., 1)
  return neg(reduceMean(picked)); // ()
}

/** Summed log-probability of `targets` under logits (B,T,V), weighted by a float mask (B,T): (B). */
export function sequenceLogProb(logits: Tensor, targets: Tensor, mask: Tensor): Tensor {
  const logp = logSoftmax(logits, -1); // (B,T,V)
  const picked = reshape(gatherElements(logp, unsqueeze(targets, [-1]), -1), targets.shape); // (B,T)
  return reduceSum(mul(picked, mask), [-1]); // (B)
}

/** True where |x| is finite (false for NaN and +-Inf). */
export function isFinite(x: Tensor): Tensor {
  const max = x.dtype === 'float64' ? Number.MAX_VALUE : 3.4028234663852886e38;
  return less(abs(x), max);
}

export function allTrue(a: Tensor, b: Tensor): Tensor {
  return and(a, b);
}

/** Elementwise minimum of a and b (ties take a). */
export function minimum(a: Tensor, b: Tensor | number): Tensor {
  const bt = typeof b === 'number' ? a.graph.scalar(b, a.dtype) : b;
  return where(greater(a, bt), bt, a);
}

/**
 * Training-mode dropout on x (B, T, C) with the mask drawn in the graph from a hash of (position, seed, site):
 * u = fract(sin(b * 12.9898 + t * 78.233 + c * 37.719 + seed * 4.1414 + site * 1.618) * 43758.5453), kept where
 * u >= ratio and scaled by 1 / (1 - ratio). `seed` is a () input, so each step draws a new, reproducible mask.
 * (onnxruntime-web's browser builds have no Dropout kernel, hence the hash.)
 */
export function hashDropout(x: Tensor, ratio: number, seed: Tensor, site: number): Tensor {
  if (!(ratio >= 0 && ratio < 1)) throw new GraphError(`dropout: ratio must be in [0, 1), got ${ratio}`);
  if (ratio === 0) return x;
  if (x.rank !== 3) throw new ShapeError(`dropout: expects (B, T, C), got ${formatShape(x.shape)}`);
  const g = x.graph;
  const axis = (d: number, at: number, k: number): Tensor => {
    const idx = mul(cast(arange(g, x.shape[d]!), x.dtype), k); // (n)
    return unsqueeze(idx, [0, 1, 2].filter((i) => i !== at));
  };
  let h = add(add(axis(0, 0, 12.9898), axis(1, 1, 78.233)), axis(2, 2, 37.719)); // (B,T,C)
  h = add(h, add(mul(seed, 4.1414), site * 1.618));
  const s = mul(sin(h), 43758.5453);
  const u = sub(s, floor(s)); // in [0, 1)
  return where(less(u, ratio), 0, mul(x, 1 / (1 - ratio)));
}
