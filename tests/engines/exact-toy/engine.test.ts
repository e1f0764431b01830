// ExactToyEngine in Node (wasm): what it reports is what it claims (the prior and R/Z from the same scores as the
// pure helpers, TV of the reported distributions, step and update counts, the replayed share), scoring all 64
// prompts between steps does not change training (one call of 20 steps equals 7 + 13 to the last bit), a second
// start() begins afresh, and bad options are refused by name before any model is built. The page's default
// schedule itself is checked in tests/gflow/toy-distribution.test.ts (Node) and tests/e2e/exact-toy.test.ts (Chromium).
import { afterEach, describe, expect, it } from 'vitest';
import { TOY_REWARD_PARAMETERS, ToyRewardError, accuraciesFromRewards, targetDistribution, totalVariation } from '../../../src/engines/exact-toy/distribution';
import { ExactToyEngine, ExactToyError, defaultLrWarmup } from '../../../src/engines/exact-toy/engine';
import { DEFAULT_REWARD_PRESET } from '../../../src/engines/exact-toy/rewards';
import { EXACT_TOY_LR_WARMUP, EXACT_TOY_STEPS, EXACT_TOY_WARMUP } from '../../../src/engines/exact-toy/schedule';
import { loadOrtNode } from '../../../src/runtime/ort-node';

const accuracies = accuraciesFromRewards(DEFAULT_REWARD_PRESET.rewards);
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const engines: ExactToyEngine[] = [];
const engine = () => {
  const e = new ExactToyEngine(loadOrtNode);
  engines.push(e);
  return e;
};
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.release()));
});

describe('ExactToyEngine', () => {
  it('refuses bad options by name before building anything', async () => {
    const e = engine();
    await expect(e.advance(1)).rejects.toThrow(ExactToyError);
    await expect(e.advance(1)).rejects.toThrow('no toy run: call start() first');
    await expect(e.start({ seed: 1, replay: false, accuracies: accuracies.slice(1) })).rejects.toThrow(ToyRewardError);
    await expect(e.start({ seed: 1, replay: false, accuracies: accuracies.map(() => 0) })).rejects.toThrow(/every accuracy is 0/);
    await expect(e.start({ seed: 1, replay: false, accuracies, steps: 5 })).rejects.toThrow('steps must be a whole number from 10 to 2000, got 5');
    await expect(e.start({ seed: 1, replay: false, accuracies, steps: 20.5 })).rejects.toThrow(ExactToyError);
    await expect(e.start({ seed: -1, replay: false, accuracies })).rejects.toThrow('seed must be a whole number from 0 to 4294967295, got -1');
    await expect(e.start({ seed: 1, replay: false, accuracies, steps: 20, lrWarmupUpdates: 16 })).rejects.toThrow('lrWarmupUpdates must be a whole number from 1 to 15 (fewer than the run\'s updates), got 16');
    await expect(e.start({ seed: 1, replay: false, accuracies, lrWarmupUpdates: 0 })).rejects.toThrow(ExactToyError);
    // The default warm-up: EXACT_TOY_LR_WARMUP updates, a quarter of a short run's.
    expect([defaultLrWarmup(10), defaultLrWarmup(20), defaultLrWarmup(84), defaultLrWarmup(EXACT_TOY_STEPS)]).toEqual([1, 4, 20, EXACT_TOY_LR_WARMUP]);
  });

  it('reports the prior, R/Z, TV and counts consistently, and scoring between steps leaves training unchanged', async () => {
    const chunked = engine();
    const start = await chunked.start({ seed: 5, replay: true, accuracies, steps: 20 });
    expect(sum(start.prior)).toBeCloseTo(1, 4); // the 64 prompts are the whole space
    expect(start.target).toEqual(targetDistribution(start.logPrior, accuracies, TOY_REWARD_PARAMETERS));
    expect(start.priorTv).toBe(totalVariation(start.prior, start.target));
    expect(start.priorTv).toBeGreaterThan(0.1); // the reward reshapes the prior: training has work to do
    expect([start.steps, start.warmupSteps, start.promptsPerStep]).toEqual([20, EXACT_TOY_WARMUP, 32]);

    const first = await chunked.advance(7);
    expect([first.step, first.updates, first.finished]).toEqual([7, 7 - EXACT_TOY_WARMUP, false]);
    expect(first.tv).toBe(totalVariation(first.distribution, start.target));
    const last = await chunked.advance(100); // stops at the end of the schedule
    expect([last.step, last.steps, last.updates, last.finished]).toEqual([20, 20, 20 - EXACT_TOY_WARMUP, true]);
    expect(sum(last.distribution)).toBeCloseTo(1, 4);
    expect(last.replayedFraction).toBeGreaterThan(0.2);
    expect(last.replayedFraction).toBeLessThan(0.8);
    expect(Number.isFinite(last.loss)).toBe(true);
    expect(Number.isFinite(last.logZ)).toBe(true);
    expect(last.tv).toBeLessThan(start.priorTv); // 16 updates already move it toward R/Z
    await expect(chunked.advance(1)).resolves.toMatchObject({ step: 20, finished: true });

    const whole = engine();
    await whole.start({ seed: 5, replay: true, accuracies, steps: 20 });
    const once = await whole.advance(20);
    expect(once.distribution).toEqual(last.distribution);
    expect(once.tv).toBe(last.tv);
  });

  it('on-policy replays nothing, refuses a second call while one runs, and starts afresh', async () => {
    const e = engine();
    const a = await e.start({ seed: 9, replay: false, accuracies, steps: 10 });
    const running = e.advance(10);
    await expect(e.advance(1)).rejects.toThrow('busy');
    const end = await running;
    expect([end.step, end.replayedFraction]).toEqual([10, 0]);
    const b = await e.start({ seed: 9, replay: false, accuracies, steps: 10 });
    expect(b.prior).toEqual(a.prior);
    expect((await e.advance(10)).distribution).toEqual(end.distribution);
  });
});
