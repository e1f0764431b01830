// Before a run starts: how many target-LM calls its schedule will make (each fresh sample is scored once on
// train; replayed and repeated prompts are cache hits; the end scores the queue on validation and test and the
// initial prompts on validation and test), and how long it will take at a pace measured earlier. Pure.
import type { GflowpoSettings } from '../../gflow/settings';
import type { StepPoint } from '../run/run-log';

export interface CallEstimate {
  /** Fresh samples scored during the search, expected (replay coin at its probability). */
  search: number;
  /** Validation and test scores of the queue and the initial prompts at the end. */
  selection: number;
  /** search + selection, at most the budget plus the selection (the budget is checked between steps). */
  expected: number;
  /** With every micro-batch sampled fresh and no repeated prompt. */
  atMost: number;
}

type Schedule = Pick<GflowpoSettings, 'mode' | 'steps' | 'warmupSteps' | 'microBatches' | 'microBatchSize' | 'replayProbability' | 'queueSize' | 'targetCallBudget'>;

export function estimateCalls(s: Schedule): CallEstimate {
  const perStep = s.microBatches * s.microBatchSize;
  if (s.mode === 'manual') return { search: 0, selection: 3, expected: 3, atMost: 3 };
  const filling = Math.min(s.warmupSteps, s.steps);
  const training = s.steps - filling;
  const replays = s.mode === 'gflowpo' || s.mode === 'no-dmu';
  const trainingFresh = replays ? perStep * (1 - s.replayProbability) : perStep;
  let search = filling * perStep + training * trainingFresh;
  let atMost = s.steps * perStep;
  if (s.targetCallBudget !== null) {
    // The budget is checked between steps: the step that crosses it still runs.
    search = Math.min(search, s.targetCallBudget + perStep);
    atMost = Math.min(atMost, s.targetCallBudget + perStep);
  }
  const selection = 2 * s.queueSize + 2 * perStep;
  return { search: Math.round(search), selection, expected: Math.round(search) + selection, atMost: atMost + selection };
}

/** Measured pace of a model pair: mean ms of a buffer-filling step and of a training step. */
export interface Pace {
  fillingMs: number | null;
  trainingMs: number | null;
  /** When it was measured (ms since the epoch). */
  at: number;
}

/** Seconds for the schedule at `pace`; null when a phase the schedule has was never measured. */
export function estimateSeconds(s: Pick<GflowpoSettings, 'mode' | 'steps' | 'warmupSteps'>, pace: Pace | null): number | null {
  if (!pace) return null;
  const filling = Math.min(s.warmupSteps, s.steps);
  const trains = s.mode === 'gflowpo' || s.mode === 'no-replay' || s.mode === 'no-dmu';
  const training = s.steps - filling;
  const fillMs = pace.fillingMs ?? (trains ? null : pace.trainingMs);
  const trainMs = trains ? pace.trainingMs : (pace.fillingMs ?? pace.trainingMs);
  if ((filling > 0 && fillMs === null) || (training > 0 && trainMs === null)) return null;
  return (filling * (fillMs ?? 0) + training * (trainMs ?? 0)) / 1000;
}

/** The pace of measured steps (their ms by phase); null when no step has a duration. */
export function paceOf(steps: readonly Pick<StepPoint, 'phase' | 'ms' | 'loss'>[], at: number): Pace | null {
  const mean = (xs: number[]) => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const timed = steps.filter((p) => p.ms !== null && p.ms > 0);
  if (timed.length === 0) return null;
  return { fillingMs: mean(timed.filter((p) => p.phase === 'filling').map((p) => p.ms!)), trainingMs: mean(timed.filter((p) => p.phase === 'training').map((p) => p.ms!)), at };
}
