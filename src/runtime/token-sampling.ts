// Host-side next-token choice from a row of logits, in Hugging Face generate's order, plus the model's own
// log-probability of the chosen token. Pure TS (no runtime), so it is testable.
//
// Order, as transformers' GenerationMixin appends its warpers for sampling (_get_logits_warper up to v4.44, the
// same order inside _get_logits_processor since): TemperatureLogitsWarper (logits / T), then TopKLogitsWarper (keep every token whose tempered logit is at least
// the k-th largest: ties at the boundary are kept), then TopPLogitsWarper (on the softmax of what top-k kept,
// sorted ascending, remove tokens whose cumulative probability is <= 1 - topP, always keeping the most probable
// one; equivalently keep the smallest most-probable set whose mass reaches topP). Temperature does not change
// which tokens top-k keeps, but it changes top-p's set: top-p reads the tempered, top-k-renormalised mass.
import type { Rng } from '../random/mulberry32';

export interface TokenChoice {
  token: number;
  /** log p(token) under the untempered, untruncated model distribution. */
  logProb: number;
}

export interface SamplingWarpers {
  /** <= 0: greedy (argmax, no draw). */
  temperature: number;
  /** Keep the k most likely tokens (ties at the k-th kept); 0 disables. Hugging Face's default is 50. */
  topK: number;
  /** Then keep the smallest most-probable set whose (renormalised) mass reaches topP; >= 1 disables. */
  topP: number;
}

export interface TruncatedDistribution {
  /** Kept token ids, most probable first (ties: lower id first). */
  tokens: number[];
  /** Their probabilities after temperature, top-k and top-p, renormalised (sum 1). */
  probs: number[];
}

/** Token ids with the k largest logits among the first n (and every id tied with the k-th), unordered. */
function topKIds(logits: ArrayLike<number>, n: number, k: number): number[] {
  if (k <= 0 || k >= n) return Array.from({ length: n }, (_, i) => i);
  // The k largest values, ascending, by insertion: O(n) while most logits fall below the current k-th.
  const best: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = logits[i]!;
    if (best.length === k) {
      if (x <= best[0]!) continue;
      best.shift();
    }
    let at = 0;
    while (at < best.length && best[at]! < x) at++;
    best.splice(at, 0, x);
  }
  const threshold = best[0]!;
  const ids: number[] = [];
  for (let i = 0; i < n; i++) if (logits[i]! >= threshold) ids.push(i);
  return ids;
}

/**
 * The distribution sampleToken draws from (temperature > 0): logits / T, then top-k, then top-p, renormalised.
 * Only the first `vocabLimit` logits count (a padded vocabulary).
 */
export function truncatedDistribution(logits: ArrayLike<number>, warpers: SamplingWarpers, vocabLimit = logits.length): TruncatedDistribution {
  const n = Math.min(vocabLimit, logits.length);
  const { temperature, topK, topP } = warpers;
  const ids = topKIds(logits, n, topK);
  let max = -Infinity;
  for (const i of ids) max = Math.max(max, logits[i]!);
  const weight = new Map<number, number>();
  let total = 0;
  for (const i of ids) {
    const w = Math.exp((logits[i]! - max) / temperature);
    weight.set(i, w);
    total += w;
  }
  const order = ids.sort((a, b) => weight.get(b)! - weight.get(a)! || a - b); // the draw walks this order
  let kept = 0;
  let mass = 0;
  while (kept < order.length && (kept === 0 || mass < topP * total)) mass += weight.get(order[kept++]!)!;
  const tokens = order.slice(0, kept);
  return { tokens, probs: tokens.map((t) => weight.get(t)! / mass) };
}

/** The next token: argmax when temperature <= 0, else a seeded draw from truncatedDistribution. */
export function sampleToken(logits: ArrayLike<number>, warpers: SamplingWarpers, rng: Rng, vocabLimit = logits.length): TokenChoice {
  const n = Math.min(vocabLimit, logits.length);
  let best = 0; // the argmax (first among equals)
  for (let i = 1; i < n; i++) if (logits[i]! > logits[best]!) best = i;
  const max = logits[best]!;
  let z = 0;
  for (let i = 0; i < n; i++) z += Math.exp(logits[i]! - max);
  const logZ = max + Math.log(z);
  if (warpers.temperature <= 0) return { token: best, logProb: logits[best]! - logZ };
  const { tokens, probs } = truncatedDistribution(logits, warpers, n);
  let u = rng();
  let token = tokens[tokens.length - 1]!;
  for (let k = 0; k < tokens.length; k++) {
    u -= probs[k]!;
    if (u < 0) {
      token = tokens[k]!;
      break;
    }
  }
  return { token, logProb: logits[token]! - logZ };
}
