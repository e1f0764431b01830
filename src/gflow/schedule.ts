// The schedule as pure functions of (settings, step): phase, updates, demonstrations, replay, DMU, queue
// feeding, learning rate and logZ decay. Steps are 1-based; run.ts asks these, it decides nothing itself.
import type { Phase } from './events';
import type { GflowpoMode, GflowpoSettings } from './settings';

type Schedule = Pick<
  GflowpoSettings,
  'mode' | 'warmupSteps' | 'demonstrationsFilling' | 'demonstrationsTraining' | 'replayProbability' | 'conditionFreezeStep' | 'referencesFromStep' | 'learningRate' | 'lrWarmupUpdates' | 'loss' | 'logZDecay'
>;

const TRAINING_MODES: readonly GflowpoMode[] = ['gflowpo', 'on-policy', 'no-dmu'];
const DMU_MODES: readonly GflowpoMode[] = ['gflowpo', 'on-policy'];

export function phaseOf(s: Schedule, step: number): Phase {
  return step <= s.warmupSteps ? 'filling' : 'training';
}

/** Whether the step ends with a GFlowNet update. */
export function isTrainingStep(s: Schedule, step: number): boolean {
  return TRAINING_MODES.includes(s.mode) && step > s.warmupSteps;
}

export function demonstrationCount(s: Schedule, step: number): number {
  return step <= s.warmupSteps ? s.demonstrationsFilling : s.demonstrationsTraining;
}

/** Whether a micro-batch of this step tosses the replay coin (training steps, not on-policy). */
export function replayEnabled(s: Schedule, step: number): boolean {
  return isTrainingStep(s, step) && s.mode !== 'on-policy' && s.replayProbability > 0;
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
 * Whether the step's micro-batch bests enter the queue: from the first training step (official), and from step 1
 * under prior-only, where every step samples the same base model.
 */
export function feedsQueue(s: Schedule, step: number): boolean {
  return s.mode === 'prior-only' || step > s.warmupSteps;
}

/**
 * The learning rate of update `updateIndex` (0 = the first training step): lr * min(1, (u + 1) / warm-up). The
 * official HF schedule gives 0 to the first update and would decay after steps x 4 updates, never reached.
 */
export function learningRateAt(s: Schedule, updateIndex: number): number {
  if (s.lrWarmupUpdates === 0) return s.learningRate;
  return s.learningRate * Math.min(1, (updateIndex + 1) / s.lrWarmupUpdates);
}

/** What PromptSampler.update receives: the EMA decay, 0 under pure VarGrad (logZ = the batch mean). */
export function logZDecayOf(s: Schedule): number {
  return s.loss === 'vargrad' ? 0 : s.logZDecay;
}
