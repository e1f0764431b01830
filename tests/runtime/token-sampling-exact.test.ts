// The host-side token sampler, exactly, on known distributions: which tokens top-p keeps (the smallest
// most-probable set whose mass reaches topP, boundary included), how the draw splits [0, 1) among them
// (each kept token gets its renormalised tempered probability), greedy choice, the vocabulary limit, and
// the reported log-prob (untempered, untruncated). The draw is driven by a fixed uniform u, so the whole
// inverse CDF is read off a grid of u values instead of estimated from random samples.
import { describe, expect, it } from 'vitest';
import { sampleToken } from '../../src/runtime/token-sampling';

const GRID = 4096;

/** Fraction of a uniform grid of u in (0, 1) that lands on each token: the sampler's exact distribution up to 1/GRID. */
function drawDistribution(logits: number[], temperature: number, topP: number, vocabLimit?: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (let k = 0; k < GRID; k++) {
    const u = (k + 0.5) / GRID;
    const { token } = sampleToken(logits, { temperature, topK: 0, topP }, () => u, vocabLimit);
    counts.set(token, (counts.get(token) ?? 0) + 1 / GRID);
  }
  return counts;
}

/** Renormalised softmax(logits / T) over `kept`. */
function expected(logits: number[], temperature: number, kept: number[]): Map<number, number> {
  const w = kept.map((i) => Math.exp(logits[i]! / temperature));
  const z = w.reduce((a, b) => a + b, 0);
  return new Map(kept.map((i, k) => [i, w[k]! / z]));
}

function expectDistribution(actual: Map<number, number>, want: Map<number, number>): void {
  expect([...actual.keys()].sort((a, b) => a - b)).toEqual([...want.keys()].sort((a, b) => a - b));
  for (const [token, p] of want) expect(Math.abs(actual.get(token)! - p)).toBeLessThanOrEqual(1 / GRID + 1e-12);
}

// p = 0.4, 0.3, 0.2, 0.1 on tokens 0..3, listed out of order so the sort matters: token ids 2, 0, 3, 1.
const q = [0.3, 0.1, 0.4, 0.2];
const logits = q.map(Math.log);

describe('sampleToken: top-p keeps the smallest top set reaching topP', () => {
  it.each([
    [0.3, [2]], // 0.4 >= 0.3
    [0.4 - 1e-9, [2]],
    [0.5, [2, 0]], // 0.4 < 0.5 <= 0.7
    [0.69, [2, 0]],
    [0.71, [2, 0, 3]], // 0.7 < 0.71 <= 0.9
    [0.95, [2, 0, 3, 1]],
    [1, [2, 0, 3, 1]],
  ])('topP %f keeps tokens %j, each with its renormalised probability', (topP, kept) => {
    expectDistribution(drawDistribution(logits, 1, topP), expected(logits, 1, kept));
  });

  it('a set that reaches topP exactly is enough (no extra token at the boundary)', () => {
    // Exactly representable: p = 1/2, 1/4, 1/8, 1/8; top-p 0.75 is met by the first two.
    const exact = [Math.log(4), Math.log(2), 0, 0];
    expectDistribution(drawDistribution(exact, 1, 0.75), new Map([[0, 2 / 3], [1, 1 / 3]]));
    expectDistribution(drawDistribution(exact, 1, 0.5), new Map([[0, 1]]));
    expectDistribution(drawDistribution(exact, 1, 0.875), new Map([[0, 4 / 7], [1, 2 / 7], [2, 1 / 7]]));
  });

  it('any topP keeps at least the most probable token; ties are kept in token order', () => {
    expectDistribution(drawDistribution(logits, 1, 0), new Map([[2, 1]]));
    const flat = [0, 0, 0, 0];
    expectDistribution(drawDistribution(flat, 1, 0.3), new Map([[0, 0.5], [1, 0.5]]));
    expectDistribution(drawDistribution(flat, 1, 0.6), new Map([[0, 1 / 3], [1, 1 / 3], [2, 1 / 3]]));
  });

  it('top-p applies to the tempered distribution', () => {
    // T = 2: weights sqrt(p) = 0.632, 0.548, 0.447, 0.316 (of 1.943): 0.325, 0.282, 0.230, 0.163.
    expectDistribution(drawDistribution(logits, 2, 1), expected(logits, 2, [2, 0, 3, 1]));
    expectDistribution(drawDistribution(logits, 2, 0.6), expected(logits, 2, [2, 0])); // 0.607 >= 0.6
    expectDistribution(drawDistribution(logits, 2, 0.61), expected(logits, 2, [2, 0, 3]));
    // T = 0.5: weights p^2 = 0.16, 0.09, 0.04, 0.01 (of 0.30): 0.533, 0.3, 0.133, 0.033; 0.55 needs two tokens, 0.5 one.
    expectDistribution(drawDistribution(logits, 0.5, 0.55), expected(logits, 0.5, [2, 0]));
    expectDistribution(drawDistribution(logits, 0.5, 0.5), expected(logits, 0.5, [2]));
  });
});

describe('sampleToken: greedy, vocabulary limit, log-prob', () => {
  it('temperature 0 is the argmax (first index among equals) and draws no random number', () => {
    const rng = () => {
      throw new Error('greedy must not draw');
    };
    expect(sampleToken(logits, { temperature: 0, topK: 0, topP: 0.5 }, rng)).toEqual({ token: 2, logProb: expect.closeTo(Math.log(0.4), 12) });
    expect(sampleToken([1, 3, 3, 2], { temperature: 0, topK: 0, topP: 1 }, rng).token).toBe(1);
    expect(sampleToken([-5, -1, -2], { temperature: -1, topK: 0, topP: 1 }, rng).token).toBe(1);
  });

  it('the log-prob is log softmax of the untempered logits, whatever the temperature and top-p', () => {
    for (const [t, p] of [[1, 1], [2, 0.5], [0.5, 0.3], [0, 1]] as const) {
      for (const u of [0.01, 0.5, 0.99]) {
        const c = sampleToken(logits, { temperature: t, topK: 0, topP: p }, () => u);
        expect(c.logProb).toBeCloseTo(Math.log(q[c.token]!), 12);
      }
    }
    // Shifting every logit changes nothing.
    const shifted = logits.map((l) => l + 100);
    expect(sampleToken(shifted, { temperature: 1, topK: 0, topP: 0.5 }, () => 0.9)).toEqual({ token: 0, logProb: expect.closeTo(Math.log(0.3), 12) });
  });

  it('tokens at or beyond vocabLimit are never drawn and do not count in the normalisation', () => {
    // Padded vocabulary: the last two logits are huge but outside the limit.
    const padded = [...logits, 50, 60];
    expectDistribution(drawDistribution(padded, 1, 1, 4), expected(logits, 1, [2, 0, 3, 1]));
    expectDistribution(drawDistribution(padded, 1, 0.5, 4), expected(logits, 1, [2, 0]));
    expect(sampleToken(padded, { temperature: 0, topK: 0, topP: 1 }, () => 0.5, 4)).toEqual({ token: 2, logProb: expect.closeTo(Math.log(0.4), 12) });
    expect(sampleToken(padded, { temperature: 1, topK: 0, topP: 1 }, () => 0.5, 4).logProb).toBeCloseTo(Math.log(q[sampleToken(padded, { temperature: 1, topK: 0, topP: 1 }, () => 0.5, 4).token]!), 12);
    // A limit above the row length is the row length.
    expectDistribution(drawDistribution(logits, 1, 1, 99), expected(logits, 1, [0, 1, 2, 3]));
  });

  it('u close to 1 lands on the last kept token, u = 0 on the first', () => {
    expect(sampleToken(logits, { temperature: 1, topK: 0, topP: 0.5 }, () => 1 - 2 ** -53).token).toBe(0);
    expect(sampleToken(logits, { temperature: 1, topK: 0, topP: 0.5 }, () => 0).token).toBe(2);
    expect(sampleToken(logits, { temperature: 1, topK: 0, topP: 1 }, () => 1 - 2 ** -53).token).toBe(1);
  });
});
