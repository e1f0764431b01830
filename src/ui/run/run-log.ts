// A run as the views see it, rebuilt from its event stream (live from the lab worker, or replayed from a stored
// run): one point per step for the charts, one row per distinct prompt for the explorer, the meta-prompt of each
// step, the queue, the initial prompts and the result. Pure TS: no DOM, no Svelte, no worker; it never re-scores.
import type { DoneEvent, Phase, QueueEventEntry, ScoredPrompt, StepEvent } from '../../gflow/events';
import type { MetaPrompt } from '../../gflow/meta-prompt';
import { ReplayBuffer } from '../../gflow/replay-buffer';
import { promptDiversity } from './diversity';

/** One completed step: what each chart draws (null where the step has no such value). */
export interface StepPoint {
  step: number;
  phase: Phase;
  /** Fresh samples of the step (replayed prompts are not counted in the accuracy and diversity series). */
  fresh: number;
  replayed: number;
  /** Mean and best training accuracy of the step's fresh samples; null when every micro-batch replayed. */
  meanAccuracy: number | null;
  bestAccuracy: number | null;
  /** Mean and best logR over all of the step's prompts (fresh and replayed). */
  meanLogReward: number;
  bestLogReward: number;
  /** The GFlowNet loss of the step's update; null in steps without one (buffer filling, baselines). */
  loss: number | null;
  /** The running logZ after the step (tracked from step 1, also while the buffer fills). */
  logZ: number | null;
  gradNorm: number | null;
  /** Cumulative target-LM calls and reward-cache hits after the step. */
  targetCalls: number;
  cacheHits: number;
  /** Best training accuracy of any prompt seen so far (the compare chart's y). */
  bestSoFar: number;
  /** Distinct prompts / fresh samples, and distinct word bigrams / bigrams among the fresh samples (diversity.ts). */
  uniqueFraction: number | null;
  distinctBigrams: number | null;
  /** References DMU put in the step's meta-prompts (all micro-batches). */
  references: number;
  /** Milliseconds between this step's events and the previous step's (null for the first one seen). */
  ms: number | null;
}

/** One distinct prompt of the run, as the prompt explorer lists it. */
export interface PromptRow {
  text: string;
  firstStep: number;
  /** Times it was freshly sampled, and times it was replayed from the buffer. */
  sampled: number;
  replayed: number;
  trainAccuracy: number;
  validationAccuracy: number | null;
  testAccuracy: number | null;
  /** Highest logR it had (the prior term changes with the meta-prompt). */
  bestLogReward: number;
  /** In the train buffer now (replayed prompts can be drawn from it). */
  inBuffer: boolean;
  /** One of the first step's fresh samples (the "initial prompts"). */
  initial: boolean;
}

/** The meta-prompts of one step: one per micro-batch (same demonstrations, each with its own DMU references). */
export interface MetaPromptRecord {
  step: number;
  phase: Phase;
  metaPrompts: MetaPrompt[];
}

export class RunLog {
  readonly steps: StepPoint[] = [];
  readonly metaPrompts: MetaPromptRecord[] = [];
  queue: QueueEventEntry[] = [];
  initial: ScoredPrompt[] = [];
  done: DoneEvent | null = null;
  bufferSize = 0;
  targetCalls = 0;
  cacheHits = 0;
  budget: number | null = null;
  private readonly prompts = new Map<string, PromptRow>();
  private readonly buffer: ReplayBuffer;
  private bestSoFar = 0;
  private pending: StepPoint | null = null;
  private lastAt: number | null = null;

  /** `bufferCapacity`: the run's bufferSize setting, so "in buffer" matches the engine's buffer exactly. */
  constructor(bufferCapacity: number) {
    this.buffer = new ReplayBuffer(bufferCapacity);
  }

  /** Completed steps. */
  get completedSteps(): number {
    return this.steps.at(-1)?.step ?? 0;
  }

  /** Folds one event in; `at` is when it arrived (ms, any clock), for step durations. */
  ingest(event: StepEvent, at: number | null = null): void {
    switch (event.type) {
      case 'step': {
        this.flush();
        const fresh = event.samples.filter((s) => !s.replayed);
        const acc = fresh.map((s) => s.trainAccuracy);
        const logR = event.samples.map((s) => s.logReward);
        for (const s of event.samples) this.notePrompt(s.text, event.step, s.replayed, s.trainAccuracy, s.logReward);
        for (const s of fresh) this.offerToBuffer(s.text, s.trainAccuracy, event.step);
        if (event.step === 1) for (const s of fresh) this.prompts.get(s.text)!.initial = true;
        if (acc.length > 0) this.bestSoFar = Math.max(this.bestSoFar, ...acc);
        const diversity = promptDiversity(fresh.map((s) => s.text));
        this.pending = {
          step: event.step,
          phase: event.phase,
          fresh: fresh.length,
          replayed: event.samples.length - fresh.length,
          meanAccuracy: acc.length > 0 ? mean(acc) : null,
          bestAccuracy: acc.length > 0 ? Math.max(...acc) : null,
          meanLogReward: logR.length > 0 ? mean(logR) : Number.NaN,
          bestLogReward: logR.length > 0 ? Math.max(...logR) : Number.NaN,
          loss: null,
          logZ: Number.isFinite(event.logZ) ? event.logZ : null,
          gradNorm: null,
          targetCalls: this.targetCalls,
          cacheHits: this.cacheHits,
          bestSoFar: this.bestSoFar,
          uniqueFraction: diversity.uniqueFraction,
          distinctBigrams: diversity.distinctBigrams,
          references: event.metaPrompts.reduce((n, m) => n + m.references.length, 0),
          ms: at !== null && this.lastAt !== null ? at - this.lastAt : null,
        };
        if (at !== null) this.lastAt = at;
        this.metaPrompts.push({ step: event.step, phase: event.phase, metaPrompts: event.metaPrompts });
        break;
      }
      case 'update':
        if (this.pending && this.pending.step === event.step) Object.assign(this.pending, { loss: event.loss, logZ: event.logZ, gradNorm: event.gradNorm });
        break;
      case 'buffer':
        this.bufferSize = event.size;
        break;
      case 'queue':
        this.queue = event.entries;
        for (const e of event.entries) this.noteScores(e.text, e.validationAccuracy, e.testAccuracy);
        break;
      case 'budget':
        this.targetCalls = event.targetCalls;
        this.cacheHits = event.cacheHits;
        this.budget = event.budget;
        if (this.pending) Object.assign(this.pending, { targetCalls: event.targetCalls, cacheHits: event.cacheHits });
        // The budget event closes a step: the charts get the point now rather than at the next step.
        this.flush();
        break;
      case 'initial':
        this.initial = event.prompts;
        for (const p of event.prompts) this.noteScores(p.text, p.validationAccuracy, p.testAccuracy);
        break;
      case 'done':
        this.flush();
        this.done = event;
        if (event.selected) this.noteScores(event.selected.text, event.selected.validationAccuracy, event.selected.testAccuracy);
        break;
    }
  }

  /** Every distinct prompt, best training accuracy first (then validation, then the earlier first step). */
  promptRows(): PromptRow[] {
    const v = (x: number | null) => x ?? -1;
    return [...this.prompts.values()]
      .map((r) => ({ ...r }))
      .sort((a, b) => b.trainAccuracy - a.trainAccuracy || v(b.validationAccuracy) - v(a.validationAccuracy) || a.firstStep - b.firstStep || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  }

  get promptCount(): number {
    return this.prompts.size;
  }

  private flush(): void {
    if (!this.pending) return;
    const last = this.steps.at(-1);
    if (!last || last.step < this.pending.step) this.steps.push(this.pending);
    this.pending = null;
  }

  private notePrompt(text: string, step: number, replayed: boolean, trainAccuracy: number, logReward: number): void {
    let row = this.prompts.get(text);
    if (!row) {
      row = { text, firstStep: step, sampled: 0, replayed: 0, trainAccuracy, validationAccuracy: null, testAccuracy: null, bestLogReward: logReward, inBuffer: false, initial: false };
      this.prompts.set(text, row);
    }
    if (replayed) row.replayed++;
    else row.sampled++;
    row.trainAccuracy = trainAccuracy;
    row.bestLogReward = Math.max(row.bestLogReward, logReward);
  }

  private noteScores(text: string, validation: number | null, test: number | null): void {
    const row = this.prompts.get(text);
    if (!row) return;
    if (validation !== null) row.validationAccuracy = validation;
    if (test !== null) row.testAccuracy = test;
  }

  /** The engine's buffer rule (ReplayBuffer itself), fed the same fresh samples in the same order. */
  private offerToBuffer(text: string, trainAccuracy: number, step: number): void {
    const size = this.buffer.size;
    if (!this.buffer.add({ text, trainAccuracy, step })) return;
    this.prompts.get(text)!.inBuffer = true;
    if (this.buffer.size > size) return;
    // Full buffer: the new prompt evicted the worst one.
    for (const row of this.prompts.values()) if (row.inBuffer && !this.buffer.has(row.text)) row.inBuffer = false;
  }
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
