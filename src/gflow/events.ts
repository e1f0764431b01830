// What a GFlowPO run reports, step by step, as one discriminated union (on `type`), and its JSON-lines form.
// Every event carries the step it belongs to; the final ones (queue, initial, budget, done) carry the last step.
import type { MetaPrompt } from './meta-prompt';
import type { GflowpoMode } from './settings';

/** filling: steps 1..warmupSteps (buffer filling, no updates); training: the rest of the schedule. */
export type Phase = 'filling' | 'training';

export interface SampleRecord {
  text: string;
  microBatch: number;
  /** Drawn from the train buffer instead of sampled. */
  replayed: boolean;
  /** Sampled token ids incl. the first EOS, as the sampler reported; null for replayed prompts. */
  tokens: number | null;
  /** The micro-batch's sampling temperature; null for replayed prompts. */
  temperature: number | null;
  /** Under its micro-batch's meta-prompt. */
  logPrior: number;
  trainAccuracy: number;
  logReward: number;
  /** Under the adapter before this step's update; null when the step made no update. */
  logPF: number | null;
}

export interface StepSamplesEvent {
  type: 'step';
  step: number;
  phase: Phase;
  /** One per micro-batch (index = SampleRecord.microBatch): the step's demonstrations, each its own references. */
  metaPrompts: MetaPrompt[];
  samples: SampleRecord[];
  /** The running logZ after the step's last micro-batch (tracked from step 1, also while filling the buffer). */
  logZ: number;
}

export interface UpdateEvent {
  type: 'update';
  step: number;
  /** The step's objective: the mean of its micro-batch losses (each with its micro-batch's logZ). */
  loss: number;
  /** Each micro-batch's loss, in order. */
  microBatchLosses: number[];
  logZ: number;
  gradNorm: number;
  lr: number;
  /** False when a loss or gradient was not finite: the adapter did not change and the update is not counted. */
  finite: boolean;
}

export interface BufferEvent {
  type: 'buffer';
  step: number;
  size: number;
  best: { text: string; trainAccuracy: number } | null;
}

export interface QueueEventEntry {
  text: string;
  step: number;
  trainAccuracy: number;
  validationAccuracy: number | null;
  testAccuracy: number | null;
}

export interface QueueEvent {
  type: 'queue';
  step: number;
  entries: QueueEventEntry[];
}

export interface BudgetEvent {
  type: 'budget';
  step: number;
  targetCalls: number;
  cacheHits: number;
  /** The setting: null when unlimited. */
  budget: number | null;
}

export interface ScoredPrompt {
  text: string;
  trainAccuracy: number;
  validationAccuracy: number;
  testAccuracy: number;
}

/** The first step's fresh samples (the base prompt-LM's prompts) on every split: the "initial prompts" row. */
export interface InitialPromptsEvent {
  type: 'initial';
  step: number;
  prompts: ScoredPrompt[];
}

export interface DoneEvent {
  type: 'done';
  step: number;
  mode: GflowpoMode;
  /** steps: the schedule ran out (manual mode: its one scoring); budget: the target-call budget was reached. */
  reason: 'steps' | 'budget';
  /** Best on validation among the candidates, reported with its test score; null when nothing was sampled. */
  selected: ScoredPrompt | null;
}

export type StepEvent = StepSamplesEvent | UpdateEvent | BufferEvent | QueueEvent | BudgetEvent | InitialPromptsEvent | DoneEvent;

/** One JSON line ending in "\n" (non-finite numbers become null, as JSON.stringify writes them). */
export function toJsonl(event: StepEvent): string {
  return `${JSON.stringify(event)}\n`;
}
