// The GFlowPO loop's PromptSampler on the PromptLM engine: meta-prompts go through the model's chat template
// (user turn) with the assistant turn opened by a fixed prefix ("The Instruction is: "); prompts are text,
// re-tokenised with their first end-of-sequence token for the prior, logPF and the update.
import type { PromptSampler, PromptUpdate, SampledPrompt, SamplingRequest, UpdateResult } from '../gflow/interfaces';
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

  private promptIds(prompt: string): number[] {
    return [...this.lm.encodeText(prompt), this.lm.eosTokenId];
  }

  async sample(request: SamplingRequest): Promise<SampledPrompt[]> {
    const prefix = this.prefixIds(request.metaPrompt);
    const samples = await this.lm.sample(Array.from({ length: request.count }, () => prefix), {
      seeds: [...request.seeds],
      temperature: request.temperature,
      topP: request.topP,
      maxNewTokens: request.maxNewTokens,
      adapter: true,
      sharedPrefix: true,
    });
    return samples.map((s) => ({ text: s.text.trim(), tokens: s.tokens.length }));
  }

  logPrior(metaPrompt: string, prompts: readonly string[]): Promise<number[]> {
    const prefix = this.prefixIds(metaPrompt);
    return this.lm.score(prompts.map(() => prefix), prompts.map((p) => this.promptIds(p)), { adapter: false, sharedPrefix: true });
  }

  async update(pairs: readonly PromptUpdate[], options: { lr: number; logZDecay: number }): Promise<UpdateResult> {
    const r = await this.lm.trainStep(
      pairs.map((p) => ({ prefix: this.prefixIds(p.metaPrompt), prompt: this.promptIds(p.prompt), logReward: p.logReward })),
      options,
    );
    return { loss: r.loss, logZ: r.logZ, gradNorm: r.gradNorm, finite: r.finite, logPF: r.logPF };
  }
}
