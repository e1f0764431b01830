// Classroom mode, engine side: for the step just made, each prompt's tokens and per-token log-probabilities under its
// micro-batch's meta-prompt, at temperature 1 (the model's own distribution; samples were drawn at the micro-batch's
// temperature with top-k/top-p, which these numbers do not include):
//   logPrior     adapter off (the reference prior): sums to the step event's logPrior;
//   logBefore    adapter on as it was before this step's update, eval mode (no LoRA dropout);
//   logAfter     adapter on after the update, eval mode;
//   logPFUpdate  adapter before the update with the LoRA dropout masks the update itself drew (train mode): sums to
//                the step event's logPF (null on steps without an update).
// A StepRecorder wraps the run's sampler and keeps, only while recording, what each micro-batch scored (meta-prompt,
// prompts with their ids, the accumulate call); explainStep scores them afterwards, swapping the adapter checkpoint
// from before the step in and restoring the one after it exactly. It samples nothing, draws from no random stream
// and leaves the run, adapter, optimiser and logZ as they were. Not a view: the token tree is src/ui/classroom.
import type { StepEvent } from '../gflow/events';
import type { ApplyResult, MicroBatchResult, MicroBatchUpdate, PromptCandidate, PromptSampler, SampledPrompt, SamplingRequest } from '../gflow/interfaces';
import type { PromptLM } from './prompt-lm';
import { LabPromptSampler } from './prompt-sampler';

export class ClassroomError extends Error {
  override name = 'ClassroomError';
}

export interface ClassroomToken {
  id: number;
  /** The token as text (what decoding it adds to the prompt; '' for an end-of-sequence token). */
  text: string;
  /** An end-of-sequence token (the prompt ends here). */
  end: boolean;
}

export interface ClassroomPrompt {
  microBatch: number;
  text: string;
  replayed: boolean;
  tokens: ClassroomToken[];
  /** Per token (same length as tokens), natural log, temperature 1; see the file header. */
  logPrior: number[];
  logBefore: number[];
  logAfter: number[];
  logPFUpdate: number[] | null;
}

export interface ClassroomStep {
  step: number;
  /** The step made a finite optimiser update (the adapter changed: logBefore and logAfter differ). */
  updated: boolean;
  /** LoRA dropout rate of the run's adapter (logPFUpdate differs from logBefore only through it). */
  dropout: number;
  /** Each micro-batch's meta-prompt text (index = ClassroomPrompt.microBatch). */
  metaPrompts: string[];
  /** In the step event's sample order. */
  prompts: ClassroomPrompt[];
}

/** What one micro-batch scored, as recorded. */
export interface RecordedMicroBatch {
  metaPrompt: string;
  prompts: PromptCandidate[];
  /** The accumulate call's options (training steps), null when the micro-batch made no gradient. */
  update: Pick<MicroBatchUpdate, 'logZ' | 'logZDecay' | 'microBatch'> | null;
}

/** The run's sampler, passed through; between begin() and end() it records each micro-batch's scoring calls. */
export class StepRecorder implements PromptSampler {
  private batches: RecordedMicroBatch[] | null = null;

  constructor(private readonly inner: PromptSampler) {}

  begin(): void {
    this.batches = [];
  }

  end(): RecordedMicroBatch[] {
    const batches = this.batches ?? [];
    this.batches = null;
    return batches;
  }

  sample(request: SamplingRequest): Promise<SampledPrompt[]> {
    return this.inner.sample(request);
  }

  async logPrior(metaPrompt: string, prompts: readonly PromptCandidate[]): Promise<number[]> {
    const result = await this.inner.logPrior(metaPrompt, prompts);
    this.batches?.push({ metaPrompt, prompts: prompts.map((p) => ({ text: p.text, ...(p.tokenIds ? { tokenIds: [...p.tokenIds] } : {}) })), update: null });
    return result;
  }

  async accumulate(batch: MicroBatchUpdate): Promise<MicroBatchResult> {
    const result = await this.inner.accumulate(batch);
    const last = this.batches?.at(-1);
    if (last) last.update = { logZ: batch.logZ, logZDecay: batch.logZDecay, microBatch: batch.microBatch };
    return result;
  }

  applyUpdate(options: { lr: number }): Promise<ApplyResult> {
    return this.inner.applyUpdate(options);
  }

  adapterState(): Promise<{ step: number; logZ: number | null }> {
    return this.inner.adapterState();
  }
}

/** Per-token values from cumulative sums: cum[k] is the sum over the first k + 1 tokens. */
export function differences(cumulative: readonly number[]): number[] {
  return cumulative.map((c, k) => (k === 0 ? c : c - cumulative[k - 1]!));
}

/** Each token's text: what decoding it adds after the tokens before it (byte-level pieces stay whole). */
function tokenTexts(lm: PromptLM, ids: readonly number[], eos: readonly number[]): ClassroomToken[] {
  const decode = (xs: readonly number[]): string => {
    try {
      return lm.decode(xs);
    } catch {
      return xs.map((x) => `⟨${x}⟩`).join('');
    }
  };
  let previous = '';
  return ids.map((id, k) => {
    const now = decode(ids.slice(0, k + 1));
    const text = now.startsWith(previous) ? now.slice(previous.length) : decode([id]);
    previous = now;
    return { id, text, end: eos.includes(id) };
  });
}

/** Rows per scoring call of perTokenScores (every prefix of every prompt is a row: keep a batch's memory bounded). */
const SCORE_ROWS = 16;

/**
 * Eval-mode per-token log-probs of each prompt after `prefix`: every prompt's every prefix scored as a row (cumulative
 * sums, differenced). The scoring API returns sums only, so this costs O(length²) tokens per prompt: cheap for the
 * demo world's short prompts, slow for long prompts on a large model.
 */
async function perTokenScores(lm: PromptLM, prefix: number[], prompts: readonly number[][], adapter: boolean): Promise<number[][]> {
  const continuations = prompts.flatMap((ids) => ids.map((_, k) => ids.slice(0, k + 1)));
  const sums: number[] = [];
  for (let i = 0; i < continuations.length; i += SCORE_ROWS) {
    const rows = continuations.slice(i, i + SCORE_ROWS);
    sums.push(...(await lm.score(rows.map(() => prefix), rows, { adapter, sharedPrefix: true })));
  }
  let at = 0;
  return prompts.map((ids) => {
    const cumulative = sums.slice(at, at + ids.length);
    at += ids.length;
    return differences(cumulative);
  });
}

/**
 * Train-mode per-token log-probs as the update computed them: the training graph's forward with the adapter loaded
 * now, rows in the micro-batch's order (each row's dropout seed follows its row and the adapter's update count), the
 * prompts cut after k tokens for k = 1..longest (dropout masks depend on absolute positions, not on the cut).
 */
async function perTokenAsTrained(lm: PromptLM, prefix: number[], prompts: readonly number[][], update: NonNullable<RecordedMicroBatch['update']>): Promise<number[][]> {
  const longest = Math.max(...prompts.map((p) => p.length));
  const cumulative = prompts.map(() => [] as number[]);
  for (let k = 1; k <= longest; k++) {
    const pairs = prompts.map((ids) => ({ prefix, prompt: ids.slice(0, Math.min(k, ids.length)), logReward: 0 }));
    const sums = await lm.forwardOnly(pairs, update);
    prompts.forEach((ids, j) => {
      if (k <= ids.length) cumulative[j]!.push(sums[j]!);
    });
  }
  return cumulative.map(differences);
}

export interface ExplainInput {
  lm: PromptLM;
  /** The adapter checkpoint saved just before the step (PromptLM.saveCheckpoint). */
  before: Uint8Array;
  batches: readonly RecordedMicroBatch[];
  events: readonly StepEvent[];
  eosTokenIds: readonly number[];
  dropout: number;
}

/**
 * The classroom view of the step whose events are given (the adapter loaded now is the one after it). Leaves the
 * adapter exactly as it found it, also when scoring throws.
 */
export async function explainStep(input: ExplainInput): Promise<ClassroomStep> {
  const { lm, batches, events } = input;
  const stepEvent = events.find((e) => e.type === 'step');
  if (stepEvent?.type !== 'step') throw new ClassroomError('these events hold no step (the call only ran the final selection): nothing to explain');
  const update = events.find((e) => e.type === 'update');
  const updated = update?.type === 'update' && update.finite;
  if (batches.length !== stepEvent.metaPrompts.length) throw new ClassroomError(`recorded ${batches.length} micro-batches for a step of ${stepEvent.metaPrompts.length}: was the step made with recording on?`);
  const sampler = new LabPromptSampler(lm);
  const prefixes = batches.map((b) => sampler.prefixIds(b.metaPrompt));
  const ids = batches.map((b) => b.prompts.map((p) => sampler.promptIds(p)));

  const prior: number[][][] = [];
  const after: number[][][] = [];
  for (let m = 0; m < batches.length; m++) {
    prior.push(await perTokenScores(lm, prefixes[m]!, ids[m]!, false));
    after.push(await perTokenScores(lm, prefixes[m]!, ids[m]!, true));
  }
  let before = after;
  const asTrained: (number[][] | null)[] = batches.map(() => null);
  if (batches.some((b) => b.update !== null)) {
    const now = await lm.saveCheckpoint();
    await lm.loadCheckpoint(input.before);
    try {
      if (updated) {
        before = [];
        for (let m = 0; m < batches.length; m++) before.push(await perTokenScores(lm, prefixes[m]!, ids[m]!, true));
      }
      for (let m = 0; m < batches.length; m++) {
        const u = batches[m]!.update;
        if (u) asTrained[m] = await perTokenAsTrained(lm, prefixes[m]!, ids[m]!, u);
      }
    } finally {
      await lm.loadCheckpoint(now);
    }
  }

  const prompts: ClassroomPrompt[] = [];
  batches.forEach((b, m) => {
    b.prompts.forEach((p, j) => {
      const sample = stepEvent.samples[prompts.length];
      if (!sample || sample.text !== p.text || sample.microBatch !== m) throw new ClassroomError(`the recorded prompt ${JSON.stringify(p.text)} (micro-batch ${m}) is not the step event's sample ${prompts.length}`);
      prompts.push({
        microBatch: m,
        text: p.text,
        replayed: sample.replayed,
        tokens: tokenTexts(lm, ids[m]![j]!, input.eosTokenIds),
        logPrior: prior[m]![j]!,
        logBefore: before[m]![j]!,
        logAfter: after[m]![j]!,
        logPFUpdate: asTrained[m]?.[j] ?? null,
      });
    });
  });
  if (prompts.length !== stepEvent.samples.length) throw new ClassroomError(`recorded ${prompts.length} prompts for a step of ${stepEvent.samples.length} samples`);
  return { step: stepEvent.step, updated, dropout: input.dropout, metaPrompts: batches.map((b) => b.metaPrompt), prompts };
}
