// Before a run starts: its expected target-LM calls and time, from the schedule (gflow/estimate.ts estimateRun, the
// same model the run view uses) and part rates measured earlier with the same models and backend (rates-memory.ts).
// Without rates, the calls are still known (they do not depend on speed) and the time is not. Pure.
import { type PartRates, estimateRun } from '../../gflow/estimate';
import type { GflowpoSettings } from '../../gflow/settings';
import type { Task } from '../../tasks/task';

export interface SetupEstimate {
  /** Expected target-LM calls (fresh prompts on train, then the final selection on validation and test). */
  targetCalls: number;
  /** Expected milliseconds; null without measured rates. */
  ms: number | null;
}

const NO_TIME: PartRates = { sampleMs: 0, priorMs: 0, targetMsPerExample: 0, accumulateMs: 0, applyMs: 0 };

export function setupEstimate(settings: Readonly<GflowpoSettings>, task: Pick<Task, 'splits'>, rates: PartRates | null): SetupEstimate {
  const splits = { train: task.splits.train.length, validation: task.splits.validation.length, test: task.splits.test.length };
  const e = estimateRun(settings, splits, rates ?? NO_TIME);
  return { targetCalls: Math.round(e.targetCalls), ms: rates ? e.remainingMs : null };
}
