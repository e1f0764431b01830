// estimateRun: exact expected times and target calls from the schedule and rates (hand-computed cases), the budget
// stop, modes, progress; and against a real GflowpoRun on the test doubles with a fake clock, where a deterministic
// schedule (replay 0) must cost exactly what was estimated. PartTimer: measured means, fallbacks, per-example rates.
import { describe, expect, it } from 'vitest';
import { EstimateError, PartTimer, estimateRun, formatDuration, type PartRates } from '../../src/gflow/estimate';
import type { PromptSampler, TargetLM } from '../../src/gflow/interfaces';
import { GflowpoRun } from '../../src/gflow/run';
import { type GflowpoSettingsInput, resolveSettings } from '../../src/gflow/settings';
import { FixedTarget, ScriptedSampler, toyTask } from './doubles';
import { POOL } from './run-helpers';

const RATES: PartRates = { sampleMs: 100, priorMs: 10, targetMsPerExample: 1, accumulateMs: 50, applyMs: 7 };
const SPLITS = { train: 8, validation: 4, test: 20 };
const SMALL: GflowpoSettingsInput = { steps: 4, warmupSteps: 2, microBatches: 2, microBatchSize: 3, replayProbability: 0.5, queueSize: 5, conditionFreezeStep: 3, referencesFromStep: 4, lrWarmupUpdates: 1 };
const settings = (extra: GflowpoSettingsInput = {}) => resolveSettings({ ...SMALL, ...extra });

describe('estimateRun', () => {
  it('adds up filling steps, training steps with replay, and the final selection exactly', () => {
    // Steps 1-2 filling: 2 fresh micro-batches each (sampling 200, prior 20, scoring 2*3*8 = 48, 6 calls).
    // Steps 3-4 training, replay 0.5: 1 fresh expected (100, 20, 24, 3 calls) + update 2*50 + 7 = 107.
    // Selection: the queue (fed by the 4 training micro-batches: 4 of its 5 places) + step 1's 6 prompts on
    // validation and test: 10 * 24 = 240 ms, 20 calls.
    const e = estimateRun(settings(), SPLITS, RATES);
    expect(e.parts).toEqual({ sampling: 600, prior: 80, scoring: 144, update: 214, selection: 240 });
    expect(e.remainingMs).toBe(1278);
    expect(e.targetCalls).toBe(38);
    expect([e.steps, e.trainingSteps, e.freshMicroBatches, e.replayedMicroBatches]).toEqual([4, 2, 6, 2]);
  });

  it('estimates the rest of a run from its progress', () => {
    const e = estimateRun(settings(), SPLITS, RATES, { completedSteps: 3, targetCalls: 15 });
    expect(e.parts).toEqual({ sampling: 100, prior: 20, scoring: 24, update: 107, selection: 240 });
    expect(e.targetCalls).toBe(23);
    expect(estimateRun(settings(), SPLITS, RATES, { completedSteps: 4, targetCalls: 40 }).parts).toEqual({ sampling: 0, prior: 0, scoring: 0, update: 0, selection: 240 });
  });

  it('stops where the call budget stops the run (checked between steps)', () => {
    // 6 calls after step 1 (< 10: step 2 runs), 12 after step 2 (>= 10: stop). No step fed the queue: the buffer's
    // best 5 are scored.
    const e = estimateRun(settings({ targetCallBudget: 10 }), SPLITS, RATES);
    expect([e.steps, e.trainingSteps]).toEqual([2, 0]);
    expect(e.parts).toEqual({ sampling: 400, prior: 40, scoring: 96, update: 0, selection: 264 });
    expect(e.targetCalls).toBe(34);
  });

  it('follows the modes: prior-only and no-replay sample every micro-batch, manual scores one prompt', () => {
    const prior = estimateRun(settings({ mode: 'prior-only' }), SPLITS, RATES);
    expect(prior.parts).toEqual({ sampling: 800, prior: 80, scoring: 192, update: 0, selection: 264 });
    expect(prior.targetCalls).toBe(46);
    const noReplay = estimateRun(settings({ mode: 'no-replay' }), SPLITS, RATES);
    expect(noReplay.parts).toEqual({ sampling: 800, prior: 80, scoring: 192, update: 214, selection: 240 });
    const manual = estimateRun(settings({ mode: 'manual', manualPrompt: 'Add them.' }), SPLITS, RATES);
    expect([manual.remainingMs, manual.targetCalls, manual.steps]).toEqual([32, 3, 1]);
  });

  it('never replays the very first micro-batch of a run (the buffer is empty)', () => {
    // Training from step 1: micro-batch 0 fresh, micro-batch 1 fresh with probability 0.5; the queue gets 2.
    const e = estimateRun(settings({ steps: 1, warmupSteps: 0, conditionFreezeStep: 1, referencesFromStep: 1 }), SPLITS, RATES);
    expect(e.freshMicroBatches).toBe(1.5);
    expect(e.parts).toEqual({ sampling: 150, prior: 20, scoring: 36, update: 107, selection: 156 });
    expect(e.targetCalls).toBe(17.5);
  });

  it('refuses rates, sizes and progress that make no sense', () => {
    expect(() => estimateRun(settings(), SPLITS, { ...RATES, priorMs: Number.NaN })).toThrow(EstimateError);
    expect(() => estimateRun(settings(), SPLITS, { ...RATES, applyMs: -1 })).toThrow(/applyMs/);
    expect(() => estimateRun(settings(), { ...SPLITS, test: 1.5 }, RATES)).toThrow(/test/);
    expect(() => estimateRun(settings(), SPLITS, RATES, { completedSteps: 5, targetCalls: 0 })).toThrow(/completedSteps/);
  });
});

describe('formatDuration', () => {
  it('writes hours, minutes and seconds', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(245_000)).toBe('4 min 05 s');
    expect(formatDuration(3 * 3600_000 + 12 * 60_000 + 29_000)).toBe('3 h 12 min');
    expect(() => formatDuration(-1)).toThrow(EstimateError);
  });
});

/** A clock the doubles advance by fixed costs, so a run's cost is known exactly. */
function costed(clock: { now: number; selection: number }, sampler: PromptSampler, target: TargetLM, rates: PartRates): { sampler: PromptSampler; target: TargetLM } {
  const after = <T>(ms: number, p: Promise<T>): Promise<T> => p.then((v) => ((clock.now += ms), v));
  return {
    sampler: {
      sample: (r) => after(rates.sampleMs, sampler.sample(r)),
      logPrior: (m, p) => after(rates.priorMs, sampler.logPrior(m, p)),
      accumulate: (b) => after(rates.accumulateMs, sampler.accumulate(b)),
      applyUpdate: (o) => after(rates.applyMs, sampler.applyUpdate(o)),
      adapterState: () => sampler.adapterState(),
    },
    target: {
      id: target.id,
      get calls() {
        return target.calls;
      },
      evaluate: (task, prompt, split, examples) => {
        const ms = rates.targetMsPerExample * (examples ?? task.splits[split]).length;
        if (split !== 'train') clock.selection += ms; // only the final selection scores other splits
        return after(ms, target.evaluate(task, prompt, split, examples));
      },
    },
  };
}

describe('estimate against a run', () => {
  it('equals the time and target calls of a deterministic run (no replay), and the timer measures the rates back', async () => {
    const s = settings({ replayProbability: 0 });
    const task = toyTask();
    const clock = { now: 0, selection: 0 };
    const timer = new PartTimer(() => clock.now);
    const inner = costed(clock, new ScriptedSampler(POOL), new FixedTarget(), RATES);
    const run = new GflowpoRun(s, task, timer.sampler(inner.sampler), timer.target(inner.target));
    const estimate = estimateRun(s, { train: task.splits.train.length, validation: task.splits.validation.length, test: task.splits.test.length }, RATES);
    await run.run();
    expect(clock.now).toBe(estimate.remainingMs);
    expect(clock.selection).toBe(estimate.parts.selection);
    expect(run.targetCalls).toBe(estimate.targetCalls);
    expect(timer.rates()).toEqual(RATES);
  });

  it('equals the steps of a run that replays every micro-batch it can; its selection is at most the estimate', async () => {
    // Replayed micro-batches may feed the queue the same prompt twice (it keeps one), so the queue can be shorter.
    const s = settings({ replayProbability: 1 });
    const task = toyTask();
    const clock = { now: 0, selection: 0 };
    const inner = costed(clock, new ScriptedSampler(POOL), new FixedTarget(), RATES);
    const run = new GflowpoRun(s, task, inner.sampler, inner.target);
    const estimate = estimateRun(s, { train: task.splits.train.length, validation: task.splits.validation.length, test: task.splits.test.length }, RATES);
    await run.run();
    expect(estimate.replayedMicroBatches).toBe(4);
    expect(clock.now - clock.selection).toBe(estimate.remainingMs - estimate.parts.selection);
    expect(clock.selection).toBeLessThanOrEqual(estimate.parts.selection);
    expect(run.targetCalls).toBeLessThanOrEqual(estimate.targetCalls);
  });
});

describe('PartTimer', () => {
  it('uses measured means where measured and the fallback elsewhere', () => {
    const timer = new PartTimer(() => 0, { sampleMs: 1, priorMs: 2, targetMsPerExample: 3, accumulateMs: 4 });
    expect(timer.rates()).toBeNull(); // applyMs unknown
    timer.setFallback({ sampleMs: 1, priorMs: 2, targetMsPerExample: 3, accumulateMs: 4, applyMs: 5 });
    timer.record('sample', 30);
    timer.record('sample', 50);
    timer.record('target', 64, 32);
    expect(timer.rates()).toEqual({ sampleMs: 40, priorMs: 2, targetMsPerExample: 2, accumulateMs: 4, applyMs: 5 });
    expect(() => timer.record('apply', -1)).toThrow(EstimateError);
  });
});
