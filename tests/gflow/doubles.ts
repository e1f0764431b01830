// Test doubles for the GFlowPO loop (not models): a sampler that emits prompts from a fixed pool chosen by each
// request's seeds and records every call, and a target whose score is a fixed function of (prompt, split).
import type { PromptEvaluation, PromptSampler, PromptUpdate, SampledPrompt, SamplingRequest, SplitName, TargetLM, UpdateResult } from '../../src/gflow/interfaces';
import { type Example, GENERATION_TEMPLATE, type Task } from '../../src/tasks/task';

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

/** `n` distinct prompt texts. */
export function promptPool(n: number, stem = 'Add the two numbers'): string[] {
  return Array.from({ length: n }, (_, i) => `${stem}, variant ${i}${' please'.repeat(i % 4)}.`);
}

/** Picks pool[seed % pool.length] for every seed; logPrior and logPF are fixed functions of the texts. */
export class ScriptedSampler implements PromptSampler {
  readonly sampleRequests: SamplingRequest[] = [];
  readonly logPriorCalls: { metaPrompt: string; prompts: string[] }[] = [];
  readonly updateCalls: { pairs: PromptUpdate[]; lr: number; logZDecay: number }[] = [];

  constructor(private readonly pool: readonly string[]) {}

  async sample(request: SamplingRequest): Promise<SampledPrompt[]> {
    this.sampleRequests.push({ ...request, seeds: [...request.seeds] });
    return request.seeds.map((seed) => {
      const text = this.pool[seed % this.pool.length]!;
      return { text, tokens: words(text) + 1 };
    });
  }

  /** Depends on the meta-prompt (its length) so a test can tell which meta-prompt was used. */
  async logPrior(metaPrompt: string, prompts: readonly string[]): Promise<number[]> {
    this.logPriorCalls.push({ metaPrompt, prompts: [...prompts] });
    return prompts.map((p) => ScriptedSampler.logPriorOf(metaPrompt, p));
  }

  static logPriorOf(metaPrompt: string, prompt: string): number {
    return -0.5 * words(prompt) - (metaPrompt.length % 97) / 100;
  }

  /** Stateless: logZ is the batch mean of logR - logPF, so a resumed run needs no sampler state. */
  async update(pairs: readonly PromptUpdate[], options: { lr: number; logZDecay: number }): Promise<UpdateResult> {
    this.updateCalls.push({ pairs: pairs.map((p) => ({ ...p })), ...options });
    const logPF = pairs.map((p) => -0.7 * words(p.prompt));
    const logZ = pairs.reduce((s, p, i) => s + p.logReward - logPF[i]!, 0) / pairs.length;
    const loss = pairs.reduce((s, p, i) => s + (logZ + logPF[i]! - p.logReward) ** 2, 0) / pairs.length;
    return { loss, logZ, gradNorm: 0.25, finite: true, logPF };
  }
}

/** FNV-1a, 32 bit. */
export function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Default score: a hash of (prompt, split) in eighths. */
export const hashedScore = (prompt: string, split: SplitName): number => (fnv(`${split}|${prompt}`) % 9) / 8;

/** Scores with a fixed function; counts evaluate() calls and records what it scored. */
export class FixedTarget implements TargetLM {
  calls = 0;
  readonly scored: { prompt: string; split: SplitName }[] = [];

  constructor(
    private readonly scoreOf: (prompt: string, split: SplitName) => number = hashedScore,
    readonly id = 'fixed-target',
  ) {}

  async evaluate(task: Task, prompt: string, split: SplitName): Promise<PromptEvaluation> {
    this.calls++;
    this.scored.push({ prompt, split });
    const total = task.splits[split].length;
    return { task: task.name, split, score: this.scoreOf(prompt, split), total, predictions: Array.from({ length: total }, () => '') };
  }
}

function examples(n: number, offset: number): Example[] {
  return Array.from({ length: n }, (_, i) => ({ input: `${i + offset} ${2 * i}`, output: String(3 * i + offset) }));
}

export function toyTask(name = 'builtin/toy-sum', trainSize = 8): Task {
  return {
    name,
    family: 'generation',
    template: GENERATION_TEMPLATE,
    metric: 'exact_match',
    splits: { train: examples(trainSize, 0), validation: examples(8, 100), test: examples(8, 200) },
    description: 'toy addition task for loop tests',
  };
}

/** Emits `sequence` in order (cycling), ignoring seeds: for tests that need to know which prompt comes when. */
export class SequenceSampler extends ScriptedSampler {
  private next = 0;

  constructor(private readonly sequence: readonly string[]) {
    super(sequence);
  }

  override async sample(request: SamplingRequest): Promise<SampledPrompt[]> {
    await super.sample(request);
    return request.seeds.map(() => {
      const text = this.sequence[this.next++ % this.sequence.length]!;
      return { text, tokens: words(text) + 1 };
    });
  }
}

/** A ScriptedSampler whose `failOnUpdate`-th update call (1-based) throws once, as a lost device would. */
export class FlakySampler extends ScriptedSampler {
  private updates = 0;

  constructor(
    pool: readonly string[],
    private readonly failOnUpdate: number,
  ) {
    super(pool);
  }

  override async update(pairs: readonly PromptUpdate[], options: { lr: number; logZDecay: number }): Promise<UpdateResult> {
    if (++this.updates === this.failOnUpdate) throw new Error('device lost');
    return super.update(pairs, options);
  }
}
