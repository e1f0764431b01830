// The PromptSampler and TargetLM contracts for the exact toy, on the real PromptLM engine.
//
// Why the toy does not use LabPromptSampler: the toy prompt-LM has no tokenizer and no chat template, and its prompt
// space is fixed-length 3-token sequences with no end-of-sequence token (which is what makes it enumerable), so
// LabPromptSampler (chat template, text <-> tokens, an EOS appended to every scored prompt) cannot drive it.
// ToyPromptSampler is the same contract on the same PromptLM with two substitutions: every meta-prompt text becomes
// the one meta token (so demonstrations and DMU references, which are text, do not reach the toy model), and a
// prompt's text is its ids joined by commas. ToyTarget gives each prompt a fixed accuracy from a table instead of
// asking a language model. Everything else a run does (GflowpoRun, PromptLM, the graphs) is the real code.
import type { ApplyResult, MicroBatchResult, MicroBatchUpdate, PromptCandidate, PromptEvaluation, PromptSampler, SampledPrompt, SamplingRequest, TargetLM } from '../../gflow/interfaces';
import type { Task } from '../../tasks/task';
import type { PromptLM } from '../prompt-lm';
import { TOY_META, toyIds, toyIndex, toyText } from './space';

/** The target-LM: a prompt's "accuracy" on every split is its entry of the table (TOY_PROMPTS order), in [0, 1]. */
export class ToyTarget implements TargetLM {
  readonly id = 'toy-accuracy';
  calls = 0;

  constructor(private readonly accuracies: readonly number[]) {}

  async evaluate(task: Task, prompt: string, split: 'train' | 'validation' | 'test'): Promise<PromptEvaluation> {
    this.calls++;
    return { task: task.name, split, score: this.accuracies[toyIndex(toyIds(prompt))]!, total: 1, predictions: [''] };
  }
}

/** The PromptSampler contract on PromptLM for the toy (see the header): one meta token, prompts as comma-joined ids. */
export class ToyPromptSampler implements PromptSampler {
  constructor(private readonly lm: PromptLM) {}

  async sample(r: SamplingRequest): Promise<SampledPrompt[]> {
    const rows = r.seeds.map(() => [TOY_META]);
    const samples = await this.lm.sample(rows, { seeds: [...r.seeds], temperature: r.temperature, topK: r.topK, topP: r.topP, maxNewTokens: r.maxNewTokens, eosTokenIds: [] });
    return samples.map((s) => ({ text: toyText(s.tokens), tokenIds: s.tokens, tokens: s.tokens.length }));
  }

  logPrior(_metaPrompt: string, prompts: readonly PromptCandidate[]): Promise<number[]> {
    return this.lm.score(prompts.map(() => [TOY_META]), prompts.map((p) => [...(p.tokenIds ?? toyIds(p.text))]), { adapter: false });
  }

  accumulate(b: MicroBatchUpdate): Promise<MicroBatchResult> {
    const pairs = b.prompts.map((p, i) => ({ prefix: [TOY_META], prompt: p.tokenIds ?? toyIds(p.text), logReward: b.logRewards[i]! }));
    return this.lm.accumulate(pairs, { logZ: b.logZ, logZDecay: b.logZDecay, microBatches: b.microBatches, microBatch: b.microBatch });
  }

  applyUpdate(options: { lr: number }): Promise<ApplyResult> {
    return this.lm.applyUpdate(options);
  }

  async adapterState(): Promise<{ step: number; logZ: number | null }> {
    return this.lm.adapterState();
  }
}
