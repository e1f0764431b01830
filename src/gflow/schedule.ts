// The schedule as pure functions of (settings, step): phase, updates, demonstrations, replay, DMU, queue
// feeding, learning rate and logZ decay, and the logZ update itself. Steps are 1-based; run.ts asks these, it
// decides nothing itself.
import type { Phase } from './events';
import type { GflowpoMode, GflowpoSettings } from './settings';

type Schedule = Pick<
  GflowpoSettings,
  | 'mode'
  | 'steps'
  | 'warmupSteps'
  | 'microBatches'
  | 'demonstrationsFilling'
  | 'demonstrationsTraining'
  | 'replayProbability'
  | 'conditionFreezeStep'
  | 'referencesFromStep'
  | 'learningRate'
  | 'lrWarmupUpdates'
  | 'lrDecayUpdates'
  | 'loss'
  | 'logZDecay'
>;

const TRAINING_MODES: readonly GflowpoMode[] = ['gflowpo', 'no-replay', 'no-dmu'];
const DMU_MODES: readonly GflowpoMode[] = ['gflowpo', 'no-replay'];

export function phaseOf(s: Pick<Schedule, 'warmupSteps'>, step: number): Phase {
  return step <= s.warmupSteps ? 'filling' : 'training';
}

/** Whether the step ends with a GFlowNet update (accumulate per micro-batch, one applyUpdate). */
export function isTrainingStep(s: Pick<Schedule, 'mode' | 'warmupSteps'>, step: number): boolean {
  return TRAINING_MODES.includes(s.mode) && step > s.warmupSteps;
}

/** Demonstrations shown in the step's meta-prompts (the paper: 5 in both phases; MMLU 3). */
export function demonstrationCount(s: Pick<Schedule, 'warmupSteps' | 'demonstrationsFilling' | 'demonstrationsTraining'>, step: number): number {
  return step <= s.warmupSteps ? s.demonstrationsFilling : s.demonstrationsTraining;
}

/** Whether a micro-batch of this step tosses the replay coin (training steps, not under no-replay). */
export function replayEnabled(s: Schedule, step: number): boolean {
  return isTrainingStep(s, step) && s.mode !== 'no-replay' && s.replayProbability > 0;
}

export function usesDmu(s: Pick<Schedule, 'mode'>): boolean {
  return DMU_MODES.includes(s.mode);
}

/** The condition buffer is frozen at the start of the first step at or after conditionFreezeStep. */
export function freezesConditionBuffer(s: Schedule, step: number): boolean {
  return usesDmu(s) && step >= s.conditionFreezeStep;
}

export function referencesEnabled(s: Schedule, step: number): boolean {
  return usesDmu(s) && step >= s.referencesFromStep;
}

/**
 * Whether the micro-batch bests enter the queue: from the first training step (official), and from step 1
 * under prior-only, where every step samples the same base model.
 */
export function feedsQueue(s: Pick<Schedule, 'mode' | 'warmupSteps'>, step: number): boolean {
  return s.mode === 'prior-only' || step > s.warmupSteps;
}

/** The update at which the linear decay reaches 0: the setting, or the authors' t_total = steps x micro-batches. */
export function lrDecayEnd(s: Pick<Schedule, 'steps' | 'microBatches' | 'lrDecayUpdates'>): number {
  return s.lrDecayUpdates ?? s.steps * s.microBatches;
}

/**
 * The learning rate of update `updateIndex` (0 = the first training step): Hugging Face's linear schedule with
 * warm-up W and end T, lr * min(u'/W, max(0, (T - u') / max(1, T - W))) at u' = updateIndex + 1. The authors'
 * scheduler is one call behind (their first update runs at lr 0); we start the ramp at lr / W instead.
 */
export function learningRateAt(s: Schedule, updateIndex: number): number {
  const u = updateIndex + 1;
  const end = lrDecayEnd(s);
  const warm = s.lrWarmupUpdates;
  const ramp = warm === 0 ? 1 : Math.min(1, u / warm);
  const decay = u <= warm ? 1 : Math.max(0, (end - u) / Math.max(1, end - warm));
  return s.learningRate * Math.min(ramp, decay);
}

/** The EMA decay of logZ: 0 under pure VarGrad (logZ = the micro-batch mean). */
export function logZDecayOf(s: Pick<Schedule, 'loss' | 'logZDecay'>): number {
  return s.loss === 'vargrad' ? 0 : s.logZDecay;
}

/**
 * logZ after one micro-batch whose mean of (logR - logPF) is `batchMean`: the batch mean on the run's very first
 * micro-batch (previous null) or at decay 0, else decay * previous + (1 - decay) * batchMean (the authors' EMA).
 */
export function nextLogZ(previous: number | null, batchMean: number, decay: number): number {
  return previous === null || decay === 0 ? batchMean : decay * previous + (1 - decay) * batchMean;
}
