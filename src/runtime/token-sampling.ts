// Host-side next-token choice from a row of logits: temperature, nucleus (top-p) truncation, and a seeded
// draw; plus the model's own log-probability of the chosen token. Pure TS (no runtime), so it is testable.
import type { Rng } from '../random/mulberry32';

export interface TokenChoice {
  token: number;
  /** log p(token) under the untempered, untruncated model distribution. */
  logProb: number;
}

/** Softmax of logits / temperature restricted to the smallest top set of mass >= topP, then a draw. */
export function sampleToken(logits: ArrayLike<number>, temperature: number, topP: number, rng: Rng, vocabLimit = logits.length): TokenChoice {
  const n = Math.min(vocabLimit, logits.length);
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[i]!);
  let z = 0;
  for (let i = 0; i < n; i++) z += Math.exp(logits[i]! - max);
  const logZ = max + Math.log(z);
  if (temperature <= 0) {
    let best = 0;
    for (let i = 1; i < n; i++) if (logits[i]! > logits[best]!) best = i;
    return { token: best, logProb: logits[best]! - logZ };
  }
  const probs = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) total += probs[i] = Math.exp((logits[i]! - max) / temperature);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probs[b]! - probs[a]! || a - b);
  let kept = 0;
  let mass = 0;
  while (kept < n && (kept === 0 || mass < topP * total)) mass += probs[order[kept++]!]!;
  let u = rng() * mass;
  let token = order[kept - 1]!;
  for (let k = 0; k < kept; k++) {
    u -= probs[order[k]!]!;
    if (u < 0) {
      token = order[k]!;
      break;
    }
  }
  return { token, logProb: logits[token]! - logZ };
}
