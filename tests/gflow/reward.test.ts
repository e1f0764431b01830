// logR = logPrior / gamma + log(acc + eps) / beta, beta defaulting to 1 / |train|.
import { describe, expect, it } from 'vitest';
import { logReward, resolveBeta } from '../../src/gflow/reward';

describe('logReward', () => {
  const official = { gamma: 1, beta: 1 / 32, epsilon: 1e-8 };

  it('is logPrior + |D| log(acc + 1e-8) with the official gamma and beta', () => {
    expect(logReward(-12.5, 0.75, official)).toBeCloseTo(-12.5 + 32 * Math.log(0.75 + 1e-8), 12);
    expect(logReward(-12.5, 0.75, official)).toBeCloseTo(-21.7058259, 6);
    expect(logReward(-3, 1, official)).toBeCloseTo(-3 + 32 * 1e-8, 12);
  });

  it('is finite at zero accuracy thanks to epsilon', () => {
    expect(logReward(-2, 0, official)).toBeCloseTo(-2 + 32 * Math.log(1e-8), 9);
    expect(logReward(-2, 0, official)).toBeCloseTo(-591.4617838, 6);
  });

  it('divides the prior by gamma and the log-accuracy by beta', () => {
    expect(logReward(-10, 0.5, { gamma: 2, beta: 0.5, epsilon: 0 })).toBeCloseTo(-5 + 2 * Math.log(0.5), 12);
  });
});

describe('resolveBeta', () => {
  it('turns null into 1 / |train| and keeps an explicit beta', () => {
    expect(resolveBeta(null, 32)).toBe(1 / 32);
    expect(resolveBeta(0.2, 32)).toBe(0.2);
    expect(() => resolveBeta(null, 0)).toThrow(/non-empty train split/);
  });
});
