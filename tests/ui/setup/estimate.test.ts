// The setup's estimate: target-LM calls from the schedule whatever the speed (the paper's schedule counted by hand),
// and time only with measured rates, equal to estimateRun's.
import { describe, expect, it } from 'vitest';
import { estimateRun } from '../../../src/gflow/estimate';
import { resolveSettings } from '../../../src/gflow/settings';
import { builtinTask } from '../../../src/tasks/builtin';
import { setupEstimate } from '../../../src/ui/setup/estimate';

const task = builtinTask('sum'); // 32 / 32 / 100
const rates = { sampleMs: 400, priorMs: 100, targetMsPerExample: 2, accumulateMs: 300, applyMs: 50 };

describe('setupEstimate', () => {
  it('counts the calls of the paper schedule without rates, and leaves the time unknown', () => {
    // Step 1: micro-batch 1 cannot replay; filling steps 1..99 are all fresh (16 prompts); training steps 100..200
    // replay half their micro-batches: 101 x 8. Selection: 5 queue entries and step 1's 16 prompts, on 2 splits.
    expect(setupEstimate(resolveSettings({}), task, null)).toEqual({ targetCalls: 99 * 16 + 101 * 8 + 2 * (5 + 16), ms: null });
    expect(setupEstimate(resolveSettings({ mode: 'no-replay' }), task, null).targetCalls).toBe(200 * 16 + 42);
  });

  it('gives estimateRun’s time with measured rates', () => {
    const s = resolveSettings({}, task, 'quick');
    const e = setupEstimate(s, task, rates);
    expect(e.ms).toBe(estimateRun(s, { train: 32, validation: 32, test: 100 }, rates).remainingMs);
    expect(e.ms).toBeGreaterThan(0);
  });
});
