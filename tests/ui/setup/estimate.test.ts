// Estimates before a run: target-LM calls counted from the schedule by hand, the budget cap, and time from a pace.
import { describe, expect, it } from 'vitest';
import { GFLOWPO_DEFAULTS } from '../../../src/gflow/settings';
import { estimateCalls, estimateSeconds, paceOf } from '../../../src/ui/setup/estimate';

describe('estimateCalls', () => {
  it('counts the paper schedule: 99 filling steps x 16 fresh, 101 training steps x 8 expected fresh, then selection', () => {
    // selection: 5 queue entries + 16 initial prompts, each on validation and test.
    expect(estimateCalls(GFLOWPO_DEFAULTS)).toEqual({ search: 99 * 16 + 101 * 8, selection: 42, expected: 99 * 16 + 101 * 8 + 42, atMost: 200 * 16 + 42 });
  });

  it('samples every micro-batch fresh without replay and in prior-only, and caps at the budget plus one step', () => {
    expect(estimateCalls({ ...GFLOWPO_DEFAULTS, mode: 'no-replay' }).search).toBe(3200);
    expect(estimateCalls({ ...GFLOWPO_DEFAULTS, mode: 'prior-only' }).search).toBe(3200);
    expect(estimateCalls({ ...GFLOWPO_DEFAULTS, mode: 'no-dmu' }).search).toBe(99 * 16 + 101 * 8);
    expect(estimateCalls({ ...GFLOWPO_DEFAULTS, targetCallBudget: 100 })).toMatchObject({ search: 116, atMost: 158 });
    expect(estimateCalls({ ...GFLOWPO_DEFAULTS, mode: 'manual' })).toEqual({ search: 0, selection: 3, expected: 3, atMost: 3 });
  });
});

describe('estimateSeconds', () => {
  const s = { mode: 'gflowpo' as const, steps: 30, warmupSteps: 14 };
  it('multiplies each phase by its measured pace, and is unknown for a phase never measured', () => {
    expect(estimateSeconds(s, { fillingMs: 1000, trainingMs: 3000, at: 0 })).toBe(14 + 48);
    expect(estimateSeconds(s, { fillingMs: 1000, trainingMs: null, at: 0 })).toBeNull();
    expect(estimateSeconds({ ...s, mode: 'prior-only' }, { fillingMs: 1000, trainingMs: null, at: 0 })).toBe(30);
    expect(estimateSeconds(s, null)).toBeNull();
  });

  it('measures the pace of timed steps by phase', () => {
    const steps = [
      { phase: 'filling' as const, ms: null, loss: null },
      { phase: 'filling' as const, ms: 800, loss: null },
      { phase: 'training' as const, ms: 2000, loss: 1 },
      { phase: 'training' as const, ms: 3000, loss: 1 },
    ];
    expect(paceOf(steps, 7)).toEqual({ fillingMs: 800, trainingMs: 2500, at: 7 });
    expect(paceOf([], 7)).toBeNull();
  });
});
