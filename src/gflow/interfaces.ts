// What the GFlowPO loop needs from the outside world, as interfaces: the prompt-LM (sampler, prior, GFlowNet
// update) and the target-LM (src/tasks/evaluate.ts TargetLM). Implementations live in src/runtime.
export type { PromptEvaluation, SplitName, TargetLM } from '../tasks/evaluate';

export interface SampledPrompt {
  text: string;
  /** Number of prompt tokens including the first end-of-sequence token. */
  tokens: number;
}

export interface SamplingRequest {
  /** The meta-prompt text (instruction-induction template with demonstrations and references). */
  metaPrompt: string;
  count: number;
  temperature: number;
  topP: number;
  maxNewTokens: number;
  /** One seed per prompt. */
  seeds: readonly number[];
}

export interface PromptUpdate {
  metaPrompt: string;
  prompt: string;
  logReward: number;
}

export interface UpdateResult {
  loss: number;
  /** logZ after the update's EMA (or the batch mean under pure VarGrad). */
  logZ: number;
  gradNorm: number;
  finite: boolean;
  /** logPF of each pair under the adapter before the update. */
  logPF: number[];
}

/** The prompt-LM with its LoRA adapter, as the loop sees it. */
export interface PromptSampler {
  /** Samples with the adapter on (the current GFlowNet sampler). */
  sample(request: SamplingRequest): Promise<SampledPrompt[]>;
  /** log p_ref(prompt | metaPrompt) with the adapter off, summed over tokens incl. the first EOS. */
  logPrior(metaPrompt: string, prompts: readonly string[]): Promise<number[]>;
  /** One GFlowNet update on (metaPrompt, prompt, logR) pairs; `lr` is this step's learning rate. */
  update(pairs: readonly PromptUpdate[], options: { lr: number; logZDecay: number }): Promise<UpdateResult>;
}
