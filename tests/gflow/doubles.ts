// Test doubles for the GFlowPO loop (not models): a sampler that emits prompts from a fixed pool chosen by each
// request's seeds, scores them with fixed functions, implements the micro-batch contract (logZ EMA, accumulation,
// one update per step) in plain numbers and records every call; and a target whose score is a fixed function of
// (prompt, split).
import type { ApplyResult, MicroBatchResult, MicroBatchUpdate, PromptCandidate, PromptEvaluation, PromptSampler, SampledPrompt, SamplingRequest, SplitName, TargetLM } from '../../src/gflow/interfaces';
import { type Example, GENERATION_TEMPLATE, type Task, type TaskIdOptions, finishTask } from '../../src/tasks/task';

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

/** `n` distinct prompt texts. */
export function promptPool(n: number, stem = 'Add the two numbers'): string[] {
  return Array.from({ length: n }, (_, i) => `${stem}, variant ${i}${' please'.repeat(i % 4)}.`);
}

/** The token ids the double "samples" for a text: one id per word (a hash) and an end-of-sequence id 0. */
export function idsOf(text: string): number[] {
  return [...text.split(/\s+/).filter(Boolean).map((w) => 1 + (fnv(w) % 1000)), 0];
}

export interface AccumulateCall extends MicroBatchUpdate {
  /** What the double returned. */
  result: MicroBatchResult;
}

/** Picks pool[seed % pool.length] for every seed; logPrior and logPF are fixed functions of the texts. */
export class ScriptedSampler implements PromptSampler {
  readonly sampleRequests: SamplingRequest[] = [];
  readonly logPriorCalls: { metaPrompt: string; prompts: PromptCandidate[] }[] = [];
  readonly accumulateCalls: AccumulateCall[] = [];
  readonly applyCalls: { lr: number; microBatches: number; result: ApplyResult }[] = [];
  /** The adapter's state, as a checkpoint would hold it. */
  step = 0;
  logZ: number | null = null;
  private pending = 0;

  constructor(
    private readonly pool: readonly string[],
    private readonly scores: { logPrior?: (metaPrompt: string, prompt: string) => number; logPF?: (prompt: string) => number } = {},
  ) {}

  /** A double restored from a checkpoint (the adapter state of a saved run). */
  restored(state: { step: number; logZ: number | null }): this {
    this.step = state.step;
    this.logZ = state.logZ;
    return this;
  }

  protected pick(seed: number): string {
    return this.pool[seed % this.pool.length]!;
  }

  async sample(request: SamplingRequest): Promise<SampledPrompt[]> {
    this.sampleRequests.push({ ...request, seeds: [...request.seeds] });
    return request.seeds.map((seed) => {
      const text = this.pick(seed);
      const tokenIds = idsOf(text);
      return { text, tokenIds, tokens: tokenIds.length };
    });
  }

  /** Depends on the meta-prompt (its length) so a test can tell which meta-prompt was used. */
  async logPrior(metaPrompt: string, prompts: readonly PromptCandidate[]): Promise<number[]> {
    this.logPriorCalls.push({ metaPrompt, prompts: prompts.map((p) => ({ ...p })) });
    return prompts.map((p) => (this.scores.logPrior ?? ScriptedSampler.logPriorOf)(metaPrompt, p.text));
  }

  static logPriorOf(metaPrompt: string, prompt: string): number {
    return -0.5 * words(prompt) - (metaPrompt.length % 97) / 100;
  }

  static logPFOf(prompt: string): number {
    return -0.7 * words(prompt);
  }

  /** The contract in numbers: logZ from the batch mean (decay 0) or the EMA, the loss with the updated logZ. */
  async accumulate(batch: MicroBatchUpdate): Promise<MicroBatchResult> {
    if (batch.microBatch === 0) this.pending = 0;
    const logPF = batch.prompts.map((p) => (this.scores.logPF ?? ScriptedSampler.logPFOf)(p.text));
    const batchMean = batch.logRewards.reduce((s, r, i) => s + r - logPF[i]!, 0) / batch.prompts.length;
    const logZ = batch.logZ === null || batch.logZDecay === 0 ? batchMean : batch.logZDecay * batch.logZ + (1 - batch.logZDecay) * batchMean;
    const loss = batch.logRewards.reduce((s, r, i) => s + (logZ + logPF[i]! - r) ** 2, 0) / batch.prompts.length;
    this.pending++;
    this.logZ = logZ;
    const result = { loss, logZ, logPF };
    this.accumulateCalls.push({ ...batch, prompts: batch.prompts.map((p) => ({ ...p })), logRewards: [...batch.logRewards], result });
    return result;
  }

  async applyUpdate(options: { lr: number }): Promise<ApplyResult> {
    const result = { gradNorm: 0.25, finite: true };
    this.applyCalls.push({ lr: options.lr, microBatches: this.pending, result });
    this.pending = 0;
    this.step++;
    return result;
  }

  async adapterState(): Promise<{ step: number; logZ: number | null }> {
    return { step: this.step, logZ: this.logZ };
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

/** A checked task with its id (name, `options`, content hash), as the loaders return them. */
export function toyTask(name = 'builtin/toy-sum', trainSize = 8, options: TaskIdOptions = {}): Task {
  return finishTask(
    {
      name,
      family: 'generation',
      template: GENERATION_TEMPLATE,
      metric: 'exact_match',
      splits: { train: examples(trainSize, 0), validation: examples(8, 100), test: examples(8, 200) },
      description: 'toy addition task for loop tests',
    },
    options,
  );
}

/** Emits `sequence` in order (cycling), ignoring seeds: for tests that need to know which prompt comes when. */
export class SequenceSampler extends ScriptedSampler {
  private next = 0;

  constructor(
    private readonly sequence: readonly string[],
    scores: ConstructorParameters<typeof ScriptedSampler>[1] = {},
  ) {
    super(sequence, scores);
  }

  protected override pick(): string {
    return this.sequence[this.next++ % this.sequence.length]!;
  }
}

/** A ScriptedSampler whose `failOnAccumulate`-th accumulate call (1-based) throws once, as a lost device would. */
export class FlakySampler extends ScriptedSampler {
  private calls = 0;

  constructor(
    pool: readonly string[],
    private readonly failOnAccumulate: number,
  ) {
    super(pool);
  }

  override async accumulate(batch: MicroBatchUpdate): Promise<MicroBatchResult> {
    if (++this.calls === this.failOnAccumulate) throw new Error('device lost');
    return super.accumulate(batch);
  }
}
