// The target LM behind one interface, on two backends: our compiled Llama graphs (CausalLM, with prompt-
// prefix reuse: a prompt's examples share its cache) and transformers.js (TransformersLM, any onnx-community
// causal LM). Both evaluate prompts through src/tasks/evaluate.ts, so they differ only in how they compute.
import { type PromptEvaluation, type SplitName, type TargetBackend, type TargetLM, evaluatePrompt } from '../tasks/evaluate';
import type { Example, Task } from '../tasks/task';
import type { CausalLM } from '../runtime/causal-lm';
import type { PromptTokenizer } from '../runtime/tokenizer';
import type { TransformersLM } from '../runtime/transformers-lm';

export type { TargetLM };

abstract class TokenizedTarget implements TargetLM {
  calls = 0;
  constructor(
    readonly id: string,
    protected readonly tokenizer: PromptTokenizer,
    protected readonly eos: readonly number[],
    protected readonly padTokenId: number,
  ) {}
  protected abstract backend(): TargetBackend;
  async evaluate(task: Task, prompt: string, split: SplitName, examples?: readonly Example[]): Promise<PromptEvaluation> {
    this.calls++;
    return evaluatePrompt(task, prompt, split, this.backend(), this.tokenizer, examples);
  }
}

/** Our Llama graphs; `prefixReuse` false scores every example on its own (for checks and the benchmark). */
export class CompiledTargetLM extends TokenizedTarget {
  constructor(id: string, private readonly lm: CausalLM, tokenizer: PromptTokenizer, eos: readonly number[], padTokenId: number, private readonly prefixReuse = true) {
    super(id, tokenizer, eos, padTokenId);
  }
  protected backend(): TargetBackend {
    const opts = { adapter: false, padTokenId: this.padTokenId };
    return {
      score: (p, c) => (this.prefixReuse ? this.lm.scoreSharedPrefix(p, c, opts) : this.lm.score(p, c, opts)),
      greedy: async (prompts, maxNewTokens) => {
        const options = { temperature: 0, topP: 1, maxNewTokens, eosTokenIds: this.eos, seeds: prompts.map(() => 0), adapter: false, padTokenId: this.padTokenId };
        const samples = this.prefixReuse ? await this.lm.sampleSharedPrefix(prompts, options) : await this.lm.sample(prompts, options);
        return samples.map((s) => s.tokens);
      },
    };
  }
}

/** transformers.js: continuation log-probs from its logits, greedy continuations from generate(). */
export class TransformersTargetLM extends TokenizedTarget {
  constructor(id: string, private readonly lm: TransformersLM, tokenizer: PromptTokenizer, eos: readonly number[], padTokenId: number) {
    super(id, tokenizer, eos, padTokenId);
  }
  protected backend(): TargetBackend {
    return {
      score: async (prefixes, continuations) => {
        const rows = prefixes.map((p, i) => [...p, ...continuations[i]!]);
        const logits = await this.lm.logits(rows, this.padTokenId);
        return rows.map((row, i) => {
          const l = logits[i]!;
          const V = l.length / row.length;
          let total = 0;
          for (let t = prefixes[i]!.length; t < row.length; t++) {
            const at = (t - 1) * V;
            let max = -Infinity;
            for (let v = 0; v < V; v++) max = Math.max(max, l[at + v]!);
            let z = 0;
            for (let v = 0; v < V; v++) z += Math.exp(l[at + v]! - max);
            total += l[at + row[t]!]! - max - Math.log(z);
          }
          return total;
        });
      },
      greedy: async (prompts, maxNewTokens) => {
        const out = await this.lm.generate(prompts, { maxNewTokens, doSample: false, eosTokenIds: [...this.eos], padTokenId: this.padTokenId });
        return out;
      },
    };
  }
}
