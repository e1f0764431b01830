// estimateRun and formatDuration at their edges (mutation testing, docs/mutation.md): a per-example rate other than
// 1 (so rates multiply, not divide), manual mode before and after its one step, the input checks at their limits,
// a budget reached exactly, the first micro-batch of three, where the final selection's candidates come from, and
// the zero-padded minutes.
import { describe, expect, it } from 'vitest';
import { EstimateError, PartTimer, estimateRun, formatDuration, type PartRates } from '../../src/gflow/estimate';
import type { PromptSampler, TargetLM } from '../../src/gflow/interfaces';
import { type GflowpoSettingsInput, resolveSettings } from '../../src/gflow/settings';

const RATES: PartRates = { sampleMs: 100, priorMs: 10, targetMsPerExample: 2, accumulateMs: 50, applyMs: 7 };
const SPLITS = { train: 8, validation: 4, test: 20 };
const SMALL: GflowpoSettingsInput = { steps: 4, warmupSteps: 2, microBatches: 2, microBatchSize: 3, replayProbability: 0.5, queueSize: 5, conditionFreezeStep: 3, referencesFromStep: 4, lrWarmupUpdates: 1 };
const settings = (extra: GflowpoSettingsInput = {}) => resolveSettings({ ...SMALL, ...extra });

describe('estimateRun edges', () => {
  it('multiplies by the per-example rate (2 ms here): scoring and selection double', () => {
    // As estimate.test.ts's first case at 1 ms per example: scoring 144 -> 288, selection 240 -> 480.
    const e = estimateRun(settings(), SPLITS, RATES);
    expect(e.parts).toEqual({ sampling: 600, prior: 80, scoring: 288, update: 214, selection: 480 });
    expect(e.targetCalls).toBe(38);
  });

  it('manual mode: one step scoring one prompt on every split, nothing left after it, at most one step done', () => {
    const manual = settings({ mode: 'manual', manualPrompt: 'Add them.' });
    const before = estimateRun(manual, SPLITS, RATES);
    expect([before.parts.selection, before.targetCalls, before.steps]).toEqual([64, 3, 1]);
    const after = estimateRun(manual, SPLITS, RATES, { completedSteps: 1, targetCalls: 3 });
    expect([after.remainingMs, after.targetCalls, after.steps]).toEqual([0, 0, 0]);
    expect(() => estimateRun(manual, SPLITS, RATES, { completedSteps: 2, targetCalls: 3 })).toThrow('completedSteps must be an integer in [0, 1], got 2');
  });

  it('accepts zero rates and empty splits; refuses bad progress with messages naming the value', () => {
    const zero: PartRates = { sampleMs: 0, priorMs: 0, targetMsPerExample: 0, accumulateMs: 0, applyMs: 0 };
    expect(estimateRun(settings(), { train: 0, validation: 0, test: 0 }, zero).remainingMs).toBe(0);
    expect(() => estimateRun(settings(), { ...SPLITS, validation: -1 }, RATES)).toThrow('split size validation must be a non-negative integer, got -1');
    expect(() => estimateRun(settings(), SPLITS, RATES, { completedSteps: -1, targetCalls: 0 })).toThrow('completedSteps must be an integer in [0, 4], got -1');
    expect(() => estimateRun(settings(), SPLITS, RATES, { completedSteps: 1.5, targetCalls: 0 })).toThrow('completedSteps must be an integer in [0, 4], got 1.5');
    expect(() => estimateRun(settings(), SPLITS, RATES, { completedSteps: 0, targetCalls: -1 })).toThrow('targetCalls must be a non-negative integer, got -1');
    expect(() => estimateRun(settings(), SPLITS, RATES, { completedSteps: 0, targetCalls: 2.5 })).toThrow('targetCalls must be a non-negative integer, got 2.5');
    expect(estimateRun(settings(), SPLITS, RATES, { completedSteps: 4, targetCalls: 0 }).steps).toBe(0);
    let caught: unknown;
    try {
      estimateRun(settings(), SPLITS, { ...RATES, sampleMs: -1 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(EstimateError);
    expect((caught as Error).name).toBe('EstimateError');
  });

  it('a budget reached exactly stops the run (12 calls after step 2, budget 12)', () => {
    const e = estimateRun(settings({ targetCallBudget: 12 }), SPLITS, RATES);
    expect([e.steps, e.trainingSteps]).toEqual([2, 0]);
  });

  it('only micro-batch 0 of step 1 is sure to be fresh: with three, 1 + 0.5 + 0.5', () => {
    const e = estimateRun(settings({ steps: 1, warmupSteps: 0, microBatches: 3, conditionFreezeStep: 1, referencesFromStep: 1 }), SPLITS, RATES);
    expect(e.freshMicroBatches).toBe(2);
    expect(e.replayedMicroBatches).toBe(1);
  });

  it("the final selection's candidates: fresh prompts when fewer than the queue, the queue size after unfed steps", () => {
    // Budget 10 stops after 2 filling steps: 12 fresh prompts, none fed the queue of 50: 12 candidates + step 1's 6.
    const few = estimateRun(settings({ targetCallBudget: 10, queueSize: 50 }), SPLITS, RATES);
    expect(few.parts.selection).toBe((12 + 6) * 24 * 2);
    // Resumed after 2 unfed steps with the budget spent: the buffer's best 5, and step 1's M * B = 6.
    const resumed = estimateRun(settings({ targetCallBudget: 10 }), SPLITS, RATES, { completedSteps: 2, targetCalls: 12 });
    expect(resumed.steps).toBe(0);
    expect(resumed.parts.selection).toBe((5 + 6) * 24 * 2);
    // Resumed after step 1 only: step 1's prompts were M * B = 6 (none of them are in this estimate's steps).
    const afterOne = estimateRun(settings({ targetCallBudget: 6 }), SPLITS, RATES, { completedSteps: 1, targetCalls: 6 });
    expect(afterOne.parts.selection).toBe((5 + 6) * 24 * 2);
  });
});

describe('formatDuration edges', () => {
  it('pads minutes under an hour with a zero and names a bad duration', () => {
    expect(formatDuration(3_900_000)).toBe('1 h 05 min');
    expect(() => formatDuration(-1)).toThrow('a duration must be a non-negative number of milliseconds, got -1');
  });
});

describe('PartTimer edges', () => {
  const FALLBACK: PartRates = { sampleMs: 1, priorMs: 2, targetMsPerExample: 3, accumulateMs: 4, applyMs: 5 };

  it('a 0 ms measurement counts; 0 units is refused with a message naming both', () => {
    const t = new PartTimer(() => 0, FALLBACK);
    t.record('sample', 0);
    expect(t.rates()).toEqual({ ...FALLBACK, sampleMs: 0 });
    expect(() => t.record('prior', 5, 0)).toThrow(new EstimateError('a measurement needs ms >= 0 and units > 0, got 5 ms for 0'));
  });

  it('times the target per example scored, skips a call that scored none, and passes id, calls and adapterState through', async () => {
    let now = 0;
    const t = new PartTimer(() => now, FALLBACK);
    const inner = {
      id: 'target-x',
      calls: 7,
      evaluate: async (_task: unknown, _prompt: string, _split: string, examples: unknown[]) => {
        now += 10 * examples.length;
        return { accuracy: 1 };
      },
    } as unknown as TargetLM;
    const target = t.target(inner);
    expect([target.id, target.calls]).toEqual(['target-x', 7]);
    await target.evaluate({ splits: {} } as never, 'p', 'train', [1, 2, 3, 4] as never);
    expect(t.rates()!.targetMsPerExample).toBe(10);
    await target.evaluate({ splits: {} } as never, 'p', 'train', [] as never); // nothing scored: not a measurement
    expect(t.rates()!.targetMsPerExample).toBe(10);
    const sampler = t.sampler({ adapterState: () => ({ step: 3 }) } as unknown as PromptSampler);
    expect(sampler.adapterState()).toEqual({ step: 3 });
  });

  it('the default clock is performance.now: a timed call records a finite, non-negative time', async () => {
    const t = new PartTimer(undefined, FALLBACK);
    const sampler = t.sampler({ accumulate: async () => undefined } as unknown as PromptSampler);
    await sampler.accumulate({} as never);
    const ms = t.rates()!.accumulateMs;
    expect(Number.isFinite(ms) && ms >= 0 && ms < 1000).toBe(true);
  });
});
