// Top-k then top-p in Hugging Face generate's order (temperature, top-k, top-p): top-k keeps the k most likely
// tokens (ties at the k-th too), top-p then reads the mass renormalised over them, and seeded draws follow the
// kept distribution and never leave it. Brute-force references on random vocabularies check the fast selection
// (the full 49152-token vocabulary: token-sampling-large.test.ts).
import { describe, expect, it } from 'vitest';
import { mulberry32, randn } from '../../src/random/mulberry32';
import { sampleToken, truncatedDistribution } from '../../src/runtime/token-sampling';
import { bruteForce } from './token-sampling-reference';

const log = (ps: number[]) => ps.map(Math.log);

function asMap(d: { tokens: number[]; probs: number[] }): Map<number, number> {
  return new Map(d.tokens.map((t, i) => [t, d.probs[i]!]));
}

describe('top-k', () => {
  it('keeps exactly the k most likely tokens, renormalised (temperature does not change the set)', () => {
    const logits = log([0.05, 0.3, 0.1, 0.4, 0.15]);
    for (const temperature of [0.5, 1, 2]) {
      const d = truncatedDistribution(logits, { temperature, topK: 2, topP: 1 });
      expect(d.tokens).toEqual([3, 1]);
      const w = [0.4 ** (1 / temperature), 0.3 ** (1 / temperature)];
      expect(d.probs[0]).toBeCloseTo(w[0]! / (w[0]! + w[1]!), 12);
      expect(d.probs[1]).toBeCloseTo(w[1]! / (w[0]! + w[1]!), 12);
    }
    expect(truncatedDistribution(logits, { temperature: 1, topK: 1, topP: 1 }).tokens).toEqual([3]);
    expect(truncatedDistribution(logits, { temperature: 1, topK: 0, topP: 1 }).tokens).toEqual([3, 1, 4, 2, 0]); // 0: off
    expect(truncatedDistribution(logits, { temperature: 1, topK: 9, topP: 1 }).tokens).toEqual([3, 1, 4, 2, 0]); // k > V
  });

  it('ties with the k-th logit are kept, as TopKLogitsWarper keeps every score >= the k-th largest', () => {
    const d = truncatedDistribution([0, 2, 1, 1, 1, -1], { temperature: 1, topK: 2, topP: 1 });
    expect(d.tokens).toEqual([1, 2, 3, 4]);
  });

  it('top-p reads the mass renormalised over top-k (top-k first): k 2 then p 0.6 keeps one token', () => {
    const logits = log([0.5, 0.3, 0.15, 0.05]);
    // Over all four tokens 0.5 < 0.6 needs two; over the top 2, 0.5 / 0.8 = 0.625 >= 0.6 is enough.
    expect(truncatedDistribution(logits, { temperature: 1, topK: 0, topP: 0.6 }).tokens).toEqual([0, 1]);
    expect(truncatedDistribution(logits, { temperature: 1, topK: 2, topP: 0.6 }).tokens).toEqual([0]);
    expect(truncatedDistribution(logits, { temperature: 1, topK: 2, topP: 0.7 }).tokens).toEqual([0, 1]);
  });

  it('temperature comes before top-p: at T = 2 the same p keeps more tokens', () => {
    const logits = log([0.5, 0.3, 0.15, 0.05]);
    expect(truncatedDistribution(logits, { temperature: 1, topK: 3, topP: 0.75 }).tokens).toEqual([0, 1]); // 0.8 / 0.95 = 0.84
    // T = 2: sqrt weights 0.707, 0.548, 0.387 (of 1.642): 0.431, 0.333 -> 0.764 >= 0.75 still two; p 0.8 needs three.
    expect(truncatedDistribution(logits, { temperature: 2, topK: 3, topP: 0.75 }).tokens).toEqual([0, 1]);
    expect(truncatedDistribution(logits, { temperature: 1, topK: 3, topP: 0.8 }).tokens).toEqual([0, 1]);
    expect(truncatedDistribution(logits, { temperature: 2, topK: 3, topP: 0.8 }).tokens).toEqual([0, 1, 2]);
  });

  it('equals a brute-force sort on random vocabularies (up to 2000 tokens; k 50, p 0.9 at several temperatures)', () => {
    const rng = mulberry32(5);
    for (const [V, k, p, t] of [[2000, 50, 0.9, 1], [2000, 50, 0.9, 2], [2000, 50, 0.9, 0.5], [1000, 7, 0.5, 1.3], [300, 0, 0.8, 1]] as const) {
      const logits = Array.from({ length: V }, () => 3 * randn(rng));
      const got = asMap(truncatedDistribution(logits, { temperature: t, topK: k, topP: p }));
      const want = bruteForce(logits, t, k, p);
      expect([...got.keys()]).toEqual([...want.keys()]);
      for (const [tok, q] of want) expect(got.get(tok)).toBeCloseTo(q, 12);
      if (k > 0) expect(got.size).toBeLessThanOrEqual(k);
    }
  });
});

describe('seeded draws follow the kept distribution', () => {
  const N = 5000;
  function frequencies(logits: number[], warpers: { temperature: number; topK: number; topP: number }, seed: number): Map<number, number> {
    const rng = mulberry32(seed);
    const counts = new Map<number, number>();
    for (let i = 0; i < N; i++) {
      const { token } = sampleToken(logits, warpers, rng);
      counts.set(token, (counts.get(token) ?? 0) + 1);
    }
    return counts;
  }
  /** Every drawn token is kept, and each kept token's frequency is within 4 standard deviations of its probability. */
  function expectFollows(counts: Map<number, number>, want: Map<number, number>): void {
    for (const t of counts.keys()) expect(want.has(t)).toBe(true);
    for (const [t, q] of want) {
      const f = (counts.get(t) ?? 0) / N;
      expect(Math.abs(f - q)).toBeLessThan(4 * Math.sqrt((q * (1 - q)) / N) + 1e-9);
    }
  }

  it('top-k 5 of 100 random logits: samples stay in the 5 most likely tokens, with their renormalised probabilities', () => {
    const rng = mulberry32(9);
    const logits = Array.from({ length: 100 }, () => randn(rng));
    const top5 = logits.map((_, i) => i).sort((a, b) => logits[b]! - logits[a]!).slice(0, 5);
    const counts = frequencies(logits, { temperature: 1, topK: 5, topP: 1 }, 1);
    expect([...counts.keys()].every((t) => top5.includes(t))).toBe(true);
    expect(counts.size).toBe(5);
    expectFollows(counts, bruteForce(logits, 1, 5, 1));
  });

  it('top-p 0.65 on p = 0.4, 0.3, 0.2, 0.1 keeps exactly tokens 0 and 1 (one more would draw token 2 about 22% of the time)', () => {
    const counts = frequencies(log([0.4, 0.3, 0.2, 0.1]), { temperature: 1, topK: 50, topP: 0.65 }, 2);
    expect(counts.get(2) ?? 0).toBe(0);
    expect(counts.get(3) ?? 0).toBe(0);
    expectFollows(counts, new Map([[0, 4 / 7], [1, 3 / 7]]));
  });
});
