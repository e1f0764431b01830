// Layers written as compositions of IR ops (so their gradients come from the rule table): RMSNorm, RoPE,
// SiLU, causal masking, cross-entropy, finiteness checks. Nothing here knows about a particular model.
import { GraphError, ShapeError } from './errors';
import type { Tensor } from './ir';
import {
  abs, add, and, arange, cast, concat, cos, div, gatherElements, greater, less, lessOrEqual, logSoftmax, mul, neg,
  reduceMean, reduceSum, reshape, sigmoid, sin, slice, sqrt, sub, unsqueeze, where, constantLike, floor,
} from './ops';
import type { NBitsLayout } from './ops';
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

/** cos and sin of position * inverse frequency: positions (...) int64 -> (..., D/2) each. */
export function rotaryAngles(positions: Tensor, invFreq: readonly number[]): { cos: Tensor; sin: Tensor } {
  const g = positions.graph;
  const pos = unsqueeze(cast(positions, g.dtype), [-1]); // (..., 1)
  const angle = mul(pos, constantLike(pos, invFreq, [invFreq.length], g.dtype)); // (..., D/2)
  return { cos: cos(angle), sin: sin(angle) };
}

/**
 * RoPE on x (B, ..., T, D). cos/sin are (B, T, D/2) (per-row positions: broadcast over the middle axes) or
 * (T, D/2) (shared positions). rotate-half (Hugging Face): halves (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin);
 * interleaved (llama2.c): the same on pairs (2i, 2i+1).
 */
export function applyRotary(x: Tensor, cos: Tensor, sin: Tensor, layout: 'rotate-half' | 'interleaved'): Tensor {
  const D = x.shape[x.rank - 1];
  if (typeof D !== 'number' || D % 2 !== 0) throw new ShapeError(`RoPE: head dimension must be static and even, got ${formatShape(x.shape)}`);
  const middle = x.rank - 3; // axes between B and T
  const lift = (t: Tensor): Tensor => (t.rank === 3 && middle > 0 ? unsqueeze(t, Array.from({ length: middle }, (_, i) => i + 1)) : t); // (B,1..,T,D/2)
  const c = lift(cos);
  const s = lift(sin);
  if (layout === 'rotate-half') {
    const x1 = slice(x, -1, 0, D / 2); // (..., D/2)
    const x2 = slice(x, -1, D / 2); // (..., D/2)
    return concat([sub(mul(x1, c), mul(x2, s)), add(mul(x2, c), mul(x1, s))], -1); // (..., D)
  }
  const pairs = reshape(x, [...x.shape.slice(0, -1), D / 2, 2]); // (..., D/2, 2)
  const x0 = slice(pairs, -1, 0, 1); // (..., D/2, 1)
  const x1 = slice(pairs, -1, 1); // (..., D/2, 1)
  const c1 = unsqueeze(c, [-1]);
  const s1 = unsqueeze(s, [-1]);
  const rotated = concat([sub(mul(x0, c1), mul(x1, s1)), add(mul(x0, s1), mul(x1, c1))], -1); // (..., D/2, 2)
  return reshape(rotated, x.shape);
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

/**
 * The float32 weights packed MatMulNBits codes stand for: packed (...lead, K/block, block*bits/8) uint8, scales
 * (...lead, K/block) -> (...lead, K), value (code - 2^(bits-1)) * scale. With lead = (N) it is the (N, K) weight
 * (the transpose of the matmul's W; MatMulNBits' gradient uses it), with lead = (B, T) gathered embedding rows.
 */
export function dequantiseBlocks(packed: Tensor, scales: Tensor, layout: Pick<NBitsLayout, 'K' | 'bits' | 'block'>): Tensor {
  const { K, bits, block } = layout;
  if (packed.dtype !== 'uint8') throw new GraphError(`dequantiseBlocks: packed codes must be uint8, got ${packed.dtype}`);
  const lead = packed.shape.slice(0, -2);
  const blocks = packed.shape[packed.rank - 2]!;
  if (typeof blocks !== 'number' || blocks !== Math.ceil(K / block) || packed.shape[packed.rank - 1] !== (block * bits) / 8) {
    throw new ShapeError(`dequantiseBlocks: codes ${formatShape(packed.shape)} do not hold K=${K} in ${bits}-bit blocks of ${block}`);
  }
  const bytes = cast(packed, scales.dtype); // (...lead, nb, blob)
  let codes: Tensor; // (...lead, nb, block) unsigned codes
  if (bits === 8) codes = bytes;
  else {
    const high = floor(div(bytes, 16)); // (...lead, nb, blob)
    const low = sub(bytes, mul(high, 16));
    codes = reshape(concat([unsqueeze(low, [-1]), unsqueeze(high, [-1])], -1), [...lead, blocks, block]); // low nibble first
  }
  const w = mul(sub(codes, 2 ** (bits - 1)), unsqueeze(scales, [-1])); // (...lead, nb, block)
  const flat = reshape(w, [...lead, blocks * block]);
  return blocks * block === K ? flat : slice(flat, -1, 0, K); // (...lead, K)
}
