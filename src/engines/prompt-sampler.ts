// The GFlowPO loop's PromptSampler on the PromptLM engine: meta-prompts go through the model's chat template
// (user turn) with the assistant turn opened by a fixed prefix ("The Instruction is: "); fresh samples are drawn
// with the adapter on in train mode (LoRA dropout active, top-k then top-p), and scored and trained on the token
// ids actually sampled; replayed prompts (text only) are re-tokenised with the end-of-sequence token appended.
import type {
  ApplyResult, MicroBatchResult, MicroBatchUpdate, PromptCandidate, PromptSampler, SampledPrompt, SamplingRequest,
} from '../gflow/interfaces';
import { ASSISTANT_PREFIX } from '../gflow/meta-prompt';
import type { PromptLM } from './prompt-lm';

export class LabPromptSampler implements PromptSampler {
  private readonly prefixCache = new Map<string, number[]>();

  constructor(
    private readonly lm: PromptLM,
    private readonly assistantPrefix = ASSISTANT_PREFIX,
  ) {}

  /** Token ids of the meta-prompt as the model reads it: chat template, then the assistant prefix. */
  prefixIds(metaPrompt: string): number[] {
    let ids = this.prefixCache.get(metaPrompt);
    if (!ids) {
      const chat = this.lm.encodeChat([{ role: 'user', content: metaPrompt }], true);
      ids = [...chat, ...this.lm.encodeText(this.assistantPrefix)];
      if (this.prefixCache.size > 64) this.prefixCache.clear();
      this.prefixCache.set(metaPrompt, ids);
    }
    return ids;
  }

  /** The ids a prompt is scored and trained on: the sampled ids, or the text re-tokenised plus end-of-sequence. */
  promptIds(prompt: PromptCandidate): number[] {
    return prompt.tokenIds ? [...prompt.tokenIds] : [...this.lm.encodeText(prompt.text), this.lm.eosTokenId];
  }

  async sample(request: SamplingRequest): Promise<SampledPrompt[]> {
    const prefix = this.prefixIds(request.metaPrompt);
    const samples = await this.lm.sample(Array.from({ length: request.count }, () => prefix), {
      seeds: [...request.seeds],
      temperature: request.temperature,
      topK: request.topK,
      topP: request.topP,
      maxNewTokens: request.maxNewTokens,
      adapter: true,
      dropout: true,
      sharedPrefix: true,
    });
    return samples.map((s) => ({ text: s.text.trim(), tokenIds: s.tokens, tokens: s.tokens.length }));
  }

  logPrior(metaPrompt: string, prompts: readonly PromptCandidate[]): Promise<number[]> {
    const prefix = this.prefixIds(metaPrompt);
    return this.lm.score(prompts.map(() => prefix), prompts.map((p) => this.promptIds(p)), { adapter: false, sharedPrefix: true });
  }

  async accumulate(batch: MicroBatchUpdate): Promise<MicroBatchResult> {
    if (batch.logRewards.length !== batch.prompts.length) throw new RangeError(`got ${batch.logRewards.length} log-rewards for ${batch.prompts.length} prompts`);
    const prefix = this.prefixIds(batch.metaPrompt);
    const pairs = batch.prompts.map((p, i) => ({ prefix, prompt: this.promptIds(p), logReward: batch.logRewards[i]! }));
    const r = await this.lm.accumulate(pairs, { logZ: batch.logZ, logZDecay: batch.logZDecay, microBatches: batch.microBatches, microBatch: batch.microBatch });
    return { loss: r.loss, logZ: r.logZ, logPF: r.logPF };
  }

  async applyUpdate(options: { lr: number }): Promise<ApplyResult> {
    const r = await this.lm.applyUpdate(options);
    return { gradNorm: r.gradNorm, finite: r.finite };
  }

  async adapterState(): Promise<{ step: number; logZ: number | null }> {
    return this.lm.adapterState();
  }
}
