// What the GFlowPO loop needs from the outside world, as interfaces: the prompt-LM (sampler, prior, GFlowNet
// update by micro-batches with gradient accumulation) and the target-LM (src/tasks/evaluate.ts TargetLM).
// Implementations live in src/engines; test doubles in tests/gflow/doubles.ts.
export type { PromptEvaluation, SplitName, TargetLM } from '../tasks/evaluate';

/** A prompt as the prompt-LM scores it: fresh samples carry the ids actually sampled, replayed ones only text. */
export interface PromptCandidate {
  text: string;
  /**
   * The sampled token ids (including the first end-of-sequence token when the sample finished); scoring and
   * training use them instead of re-tokenising `text`. Absent for replayed prompts (re-tokenised from text).
   */
  tokenIds?: readonly number[];
}

export interface SampledPrompt {
  text: string;
  /** The sampled ids, including the first end-of-sequence token when the sample finished. */
  tokenIds: number[];
  /** tokenIds.length (kept for reports and charts). */
  tokens: number;
}

export interface SamplingRequest {
  /** The meta-prompt text (instruction-induction template with demonstrations and references). */
  metaPrompt: string;
  count: number;
  temperature: number;
  /** Keep the k most likely tokens before top-p (Hugging Face generate's default 50); 0 disables. */
  topK: number;
  topP: number;
  maxNewTokens: number;
  /** One seed per prompt. */
  seeds: readonly number[];
}

/** One micro-batch of the GFlowNet objective: prompts under one meta-prompt with their log-rewards. */
export interface MicroBatchUpdate {
  metaPrompt: string;
  prompts: readonly PromptCandidate[];
  logRewards: readonly number[];
  /** logZ before this micro-batch; the run keeps it (null before the very first micro-batch of the run). */
  logZ: number | null;
  /** EMA decay for this micro-batch: 0 when logZ is null (logZ <- the batch mean) and under pure VarGrad. */
  logZDecay: number;
  /** The loss is divided by this (the step's micro-batch count) before its gradient is accumulated. */
  microBatches: number;
  /**
   * 0-based index of this micro-batch in its step. Index 0 zeroes the accumulated gradient first (the authors'
   * optimizer.zero_grad() at the start of each step), so a step retried after a failure midway starts clean.
   */
  microBatch: number;
}

export interface MicroBatchResult {
  /** mean_b((logZ' + logPF - logR)^2) with logZ' the updated logZ (not divided by microBatches). */
  loss: number;
  /** logZ after this micro-batch's EMA update (the batch mean when logZDecay is 0). */
  logZ: number;
  /** logPF of each prompt under the adapter before this step's optimiser update. */
  logPF: number[];
}

export interface ApplyResult {
  /** Global gradient norm of the accumulated gradient, before clipping. */
  gradNorm: number;
  /** False when a loss or gradient was not finite: then nothing changed (adapter, moments, step). */
  finite: boolean;
}

/** The prompt-LM with its LoRA adapter, as the loop sees it. */
export interface PromptSampler {
  /** Samples with the adapter on (the current GFlowNet sampler), top-k then top-p. */
  sample(request: SamplingRequest): Promise<SampledPrompt[]>;
  /** log p_ref(prompt | metaPrompt) with the adapter off, summed over tokens incl. the first EOS. */
  logPrior(metaPrompt: string, prompts: readonly PromptCandidate[]): Promise<number[]>;
  /** Forward and backward of one micro-batch; adds grad(loss_b / microBatches) to the accumulated gradient. */
  accumulate(batch: MicroBatchUpdate): Promise<MicroBatchResult>;
  /** One clipped AdamW step on the accumulated gradient at learning rate `lr`, then zeroes the accumulator. */
  applyUpdate(options: { lr: number }): Promise<ApplyResult>;
  /**
   * Optimiser updates applied so far (finite ones) and the logZ the last accumulate returned, exactly (null before
   * any), as its checkpoint holds them: GflowpoRun.fromState refuses to continue when they differ from its saved
   * state (updates, and logZ once a training step completed; logZ null before that).
   */
  adapterState(): Promise<{ step: number; logZ: number | null }>;
}
