// The short schedule a run started from the classroom page uses: one buffer-filling step (the untrained sampler
// equals the prior), training from step 2 with a learning rate high enough that one update visibly moves the
// branches of the token tree, references (DMU) from step 4, 12 steps of 2 micro-batches x 4 prompts. The algorithm
// is the paper's; only the schedule's numbers are scaled down for a lesson. Pure data.
import type { GflowpoSettingsInput } from '../../gflow/settings';
import type { RunSpec } from '../run/run-spec';

export const CLASSROOM_SCHEDULE = Object.freeze({
  steps: 12,
  warmupSteps: 1,
  conditionFreezeStep: 2,
  referencesFromStep: 4,
  microBatches: 2,
  microBatchSize: 4,
  maxNewTokens: 16,
  learningRate: 0.005,
  lrWarmupUpdates: 1,
  lrDecayUpdates: null,
  targetCallBudget: null,
} satisfies GflowpoSettingsInput);

/** One GFlowPO run of Setup's first choice (its models, task and other settings) on the classroom schedule. */
export function classroomSpec(spec: RunSpec): RunSpec {
  return { ...spec, label: 'GFlowPO (classroom)', group: null, settings: { ...spec.settings, ...CLASSROOM_SCHEDULE, mode: 'gflowpo' } };
}
