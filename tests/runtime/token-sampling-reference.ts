// Test support: a brute-force reference of the token sampler's truncation (temperature, top-k, top-p), sorting
// every token, for comparing against src/runtime/token-sampling.ts's fast selection.

/** Reference: sort every token, keep k (and ties), renormalise, keep the smallest prefix reaching p. */
export function bruteForce(logits: number[], temperature: number, topK: number, topP: number): Map<number, number> {
  const order = logits.map((_, i) => i).sort((a, b) => logits[b]! - logits[a]! || a - b);
  const kth = topK > 0 && topK < logits.length ? logits[order[topK - 1]!]! : -Infinity;
  const kept = order.filter((i) => logits[i]! >= kth);
  const w = kept.map((i) => Math.exp(logits[i]! / temperature));
  const total = w.reduce((a, b) => a + b, 0);
  const out = new Map<number, number>();
  let mass = 0;
  for (let j = 0; j < kept.length && (j === 0 || mass < topP * total); j++) {
    mass += w[j]!;
    out.set(kept[j]!, w[j]!);
  }
  for (const [t, x] of out) out.set(t, x / mass);
  return out;
}
