// The token sampler at its edges, each found by mutation testing (docs/mutation.md): the vocabulary limit
// with top-k on, logits far from 0 (the weights must be taken relative to the maximum), top-p above 1, the
// greedy log-prob of unnormalised logits, a draw u that lands exactly on a boundary of the inverse CDF, and a u
// beyond the rounded sum of the kept probabilities (the last kept token, not past the end).
import { describe, expect, it } from 'vitest';
import { sampleToken, truncatedDistribution } from '../../src/runtime/token-sampling';

const ALMOST_ONE = 1 - 2 ** -53; // the largest double below 1, the largest value mulberry32 can return

describe('token sampling edges', () => {
  it('top-k never keeps an id at or past vocabLimit, even when a padded logit is the largest', () => {
    const padded = [1, 3, 2, 0, 50, 60]; // ids 4 and 5 are padding
    const d = truncatedDistribution(padded, { temperature: 1, topK: 2, topP: 1 }, 4);
    expect(d.tokens).toEqual([1, 2]);
    expect(d.probs[0]).toBeCloseTo(Math.E / (Math.E + 1), 12);
    expect(d.probs[1]).toBeCloseTo(1 / (Math.E + 1), 12);
  });

  it('logits around ±1000 give the same finite probabilities as logits around 0 (weights relative to the maximum)', () => {
    const base = [0.5, 0.3, 0.2].map(Math.log);
    for (const shift of [1000, -1000]) {
      for (const temperature of [1, 0.5]) {
        const d = truncatedDistribution(base.map((l) => l + shift), { temperature, topK: 0, topP: 1 });
        const w = [0.5, 0.3, 0.2].map((p) => p ** (1 / temperature));
        const z = w[0]! + w[1]! + w[2]!;
        expect(d.tokens).toEqual([0, 1, 2]);
        d.probs.forEach((p, i) => expect(p).toBeCloseTo(w[i]! / z, 12));
      }
    }
  });

  it('top-p above 1 keeps every token with finite probabilities summing to 1 (the walk stops at the last token)', () => {
    const d = truncatedDistribution([0.1, 0.2, 0.3, 0.4].map(Math.log), { temperature: 1, topK: 0, topP: 1.5 });
    expect(d.tokens).toEqual([3, 2, 1, 0]);
    [0.4, 0.3, 0.2, 0.1].forEach((p, i) => expect(d.probs[i]).toBeCloseTo(p, 12));
  });

  it('greedy reports log softmax of unnormalised logits, not the raw logit', () => {
    const logits = [2, 5, 1]; // log-sum-exp 5.0659...
    const lse = Math.log(Math.exp(2) + Math.exp(5) + Math.exp(1));
    expect(sampleToken(logits, { temperature: 0, topK: 0, topP: 1 }, () => 0.5)).toEqual({ token: 1, logProb: expect.closeTo(5 - lse, 12) });
    expect(5 - lse).toBeCloseTo(-0.06588, 4);
  });

  it('u on a boundary of the inverse CDF belongs to the next token: [0, p0) is token 0, [p0, p0 + p1) token 1', () => {
    // Flat weights give exactly representable probabilities 1/2 and 1/4.
    const two = [0, 0];
    expect(sampleToken(two, { temperature: 1, topK: 0, topP: 1 }, () => 0.5).token).toBe(1);
    expect(sampleToken(two, { temperature: 1, topK: 0, topP: 1 }, () => 0.5 - 2 ** -53).token).toBe(0);
    const four = [0, 0, 0, 0];
    expect([0, 0.25, 0.5, 0.75].map((u) => sampleToken(four, { temperature: 1, topK: 0, topP: 1 }, () => u).token)).toEqual([0, 1, 2, 3]);
  });

  it('a u above the rounded sum of the kept probabilities draws the last kept token', () => {
    // Here 1 - 2^-53 minus the three probabilities in the draw's order stays >= 0: no token's interval holds u.
    const logits = [0.1, 0.2, 0.7].map(Math.log);
    const { probs } = truncatedDistribution(logits, { temperature: 1, topK: 0, topP: 1 });
    expect(probs.reduce((u, p) => u - p, ALMOST_ONE)).toBeGreaterThanOrEqual(0);
    expect(sampleToken(logits, { temperature: 1, topK: 0, topP: 1 }, () => ALMOST_ONE)).toEqual({ token: 0, logProb: expect.closeTo(Math.log(0.1), 12) });
    const flat = new Array<number>(10).fill(0);
    expect(sampleToken(flat, { temperature: 1, topK: 0, topP: 1 }, () => ALMOST_ONE)).toEqual({ token: 9, logProb: expect.closeTo(Math.log(0.1), 12) });
  });
});
