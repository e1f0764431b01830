// How long a GFlowPO run will take and how many target-LM calls it will make: a pure function of the settings'
// schedule (steps, filling vs training phases, micro-batches, replay probability, budget, mode), the task's split
// sizes and measured per-part rates; and PartTimer, which measures those rates as a run goes by wrapping the
// sampler and target-LM the run is given (or during a short calibration before it starts). Figures are expected
// values (replay is a coin per micro-batch); target calls count every fresh prompt as new, so duplicates (cache hits)
// can make the real count lower. It runs no model and decides nothing about the run.
import type { PromptSampler, TargetLM } from './interfaces';
import { feedsQueue, isTrainingStep, replayEnabled } from './schedule';
import type { GflowpoSettings } from './settings';

/** Measured cost of each part of a step, in milliseconds. */
export interface PartRates {
  /** Sampling one fresh micro-batch (microBatchSize prompts). */
  sampleMs: number;
  /** logPrior of one micro-batch's prompts. */
  priorMs: number;
  /** Target-LM time per example scored (one prompt on n examples costs n times this). */
  targetMsPerExample: number;
  /** One micro-batch's forward and backward (accumulate). */
  accumulateMs: number;
  /** One optimiser update (applyUpdate). */
  applyMs: number;
}

export interface SplitSizes {
  train: number;
  validation: number;
  test: number;
}

/** Where the run stands: steps done and target-LM calls made so far. */
export interface RunProgress {
  completedSteps: number;
  targetCalls: number;
}

export interface RunEstimate {
  /** Expected milliseconds until the run is done (steps left plus the final selection). */
  remainingMs: number;
  /** The same, by part. */
  parts: { sampling: number; prior: number; scoring: number; update: number; selection: number };
  /** Expected target-LM calls left (fresh prompts on train, then validation and test in the final selection). */
  targetCalls: number;
  /** Steps left that will run (fewer than the schedule's when the call budget stops the run first). */
  steps: number;
  /** Of those, steps that end with an update. */
  trainingSteps: number;
  /** Expected fresh and replayed micro-batches in those steps. */
  freshMicroBatches: number;
  replayedMicroBatches: number;
}

export class EstimateError extends Error {
  override name = 'EstimateError';
}

const PART_NAMES: readonly (keyof PartRates)[] = ['sampleMs', 'priorMs', 'targetMsPerExample', 'accumulateMs', 'applyMs'];

function check(rates: PartRates, splits: SplitSizes, progress: RunProgress, steps: number): void {
  for (const k of PART_NAMES) {
    if (!(Number.isFinite(rates[k]) && rates[k] >= 0)) throw new EstimateError(`rate ${k} must be a non-negative number of milliseconds, got ${rates[k]}; calibrate first`);
  }
  for (const k of ['train', 'validation', 'test'] as const) {
    if (!(Number.isInteger(splits[k]) && splits[k] >= 0)) throw new EstimateError(`split size ${k} must be a non-negative integer, got ${splits[k]}`);
  }
  if (!(Number.isInteger(progress.completedSteps) && progress.completedSteps >= 0 && progress.completedSteps <= steps)) {
    throw new EstimateError(`completedSteps must be an integer in [0, ${steps}], got ${progress.completedSteps}`);
  }
  if (!(Number.isInteger(progress.targetCalls) && progress.targetCalls >= 0)) throw new EstimateError(`targetCalls must be a non-negative integer, got ${progress.targetCalls}`);
}

/**
 * The expected rest of a run from `progress` (a fresh run by default). Per step: fresh micro-batches sample,
 * every micro-batch computes logPrior, each fresh prompt is scored on train (replayed ones hit the reward cache),
 * training steps accumulate every micro-batch and apply one update. The very first micro-batch of a run cannot
 * replay (the buffer is empty). A call budget stops the run after the step that reaches it. At the end, the queue's
 * prompts (at most queueSize, at most one per micro-batch of the steps that fed it) and step 1's fresh prompts are
 * scored on validation and test (a prompt in both, or sampled twice, is scored once: the real count can be lower); `manual` mode scores one
 * prompt on every split.
 */
export function estimateRun(settings: Readonly<GflowpoSettings>, splits: SplitSizes, rates: PartRates, progress: RunProgress = { completedSteps: 0, targetCalls: 0 }): RunEstimate {
  const s = settings;
  check(rates, splits, progress, s.mode === 'manual' ? 1 : s.steps);
  const parts = { sampling: 0, prior: 0, scoring: 0, update: 0, selection: 0 };
  const total = (): number => parts.sampling + parts.prior + parts.scoring + parts.update + parts.selection;
  if (s.mode === 'manual') {
    const left = progress.completedSteps >= 1 ? 0 : 1;
    parts.selection = left * (splits.train + splits.validation + splits.test) * rates.targetMsPerExample;
    return { remainingMs: total(), parts, targetCalls: 3 * left, steps: left, trainingSteps: 0, freshMicroBatches: 0, replayedMicroBatches: 0 };
  }
  const M = s.microBatches;
  const B = s.microBatchSize;
  let calls = progress.targetCalls;
  let steps = 0;
  let trainingSteps = 0;
  let fresh = 0;
  let replayed = 0;
  let firstStepFresh = 0;
  // The queue takes the best prompt of each micro-batch of the steps that feed it (no duplicates: at most this many).
  let queueFeeds = 0;
  for (let step = 1; step <= progress.completedSteps; step++) if (feedsQueue(s, step)) queueFeeds += M;
  for (let step = progress.completedSteps + 1; step <= s.steps; step++) {
    if (s.targetCallBudget !== null && calls >= s.targetCallBudget) break;
    const training = isTrainingStep(s, step);
    const replayProbability = replayEnabled(s, step) ? s.replayProbability : 0;
    let stepFresh = 0;
    for (let m = 0; m < M; m++) stepFresh += step === 1 && m === 0 ? 1 : 1 - replayProbability;
    fresh += stepFresh;
    replayed += M - stepFresh;
    if (step === 1) firstStepFresh = stepFresh;
    parts.sampling += stepFresh * rates.sampleMs;
    parts.prior += M * rates.priorMs;
    parts.scoring += stepFresh * B * splits.train * rates.targetMsPerExample;
    calls += stepFresh * B;
    if (training) {
      parts.update += M * rates.accumulateMs + rates.applyMs;
      trainingSteps++;
    }
    if (feedsQueue(s, step)) queueFeeds += M;
    steps++;
  }
  // Final selection: the queue (or, when no step fed it, the buffer's best queueSize) and step 1's prompts.
  const candidates = Math.min(s.queueSize, queueFeeds > 0 ? queueFeeds : progress.completedSteps > 0 ? s.queueSize : fresh * B);
  const initial = progress.completedSteps >= 1 ? M * B : firstStepFresh * B;
  const selectionCalls = 2 * (candidates + initial);
  parts.selection = (candidates + initial) * (splits.validation + splits.test) * rates.targetMsPerExample;
  calls += selectionCalls;
  return { remainingMs: total(), parts, targetCalls: calls - progress.targetCalls, steps, trainingSteps, freshMicroBatches: fresh, replayedMicroBatches: replayed };
}

/** "3 h 12 min", "4 min 05 s", "12 s": a duration for people. */
export function formatDuration(ms: number): string {
  if (!(Number.isFinite(ms) && ms >= 0)) throw new EstimateError(`a duration must be a non-negative number of milliseconds, got ${ms}`);
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const min = Math.floor((seconds % 3600) / 60);
  const sec = seconds % 60;
  if (h > 0) return `${h} h ${String(min).padStart(2, '0')} min`;
  if (min > 0) return `${min} min ${String(sec).padStart(2, '0')} s`;
  return `${sec} s`;
}

type Part = 'sample' | 'prior' | 'target' | 'accumulate' | 'apply';

/**
 * Measures step parts as a run goes: wrap the run's sampler and target-LM with sampler() and target(), and read
 * rates() at any time. A part not measured yet falls back to `fallback` (a calibration's rates); rates() is null
 * while some part has neither. The clock is injected (performance.now by default).
 */
export class PartTimer {
  private readonly totals = new Map<Part, { ms: number; units: number }>();

  constructor(
    private readonly clock: () => number = () => performance.now(),
    private fallback: Partial<PartRates> = {},
  ) {}

  /** Rates to use for parts that were not measured yet (e.g. from a calibration). */
  setFallback(rates: Partial<PartRates>): void {
    this.fallback = { ...rates };
  }

  /** Adds one measurement: `units` micro-batches (sample, prior, accumulate), examples (target) or updates (apply). */
  record(part: Part, ms: number, units = 1): void {
    if (!(Number.isFinite(ms) && ms >= 0 && units > 0)) throw new EstimateError(`a measurement needs ms >= 0 and units > 0, got ${ms} ms for ${units}`);
    const t = this.totals.get(part) ?? { ms: 0, units: 0 };
    this.totals.set(part, { ms: t.ms + ms, units: t.units + units });
  }

  /** Measured means where measured, else the fallback; null when any part has neither. */
  rates(): PartRates | null {
    const mean = (part: Part): number | undefined => {
      const t = this.totals.get(part);
      return t ? t.ms / t.units : undefined;
    };
    const r = {
      sampleMs: mean('sample') ?? this.fallback.sampleMs,
      priorMs: mean('prior') ?? this.fallback.priorMs,
      targetMsPerExample: mean('target') ?? this.fallback.targetMsPerExample,
      accumulateMs: mean('accumulate') ?? this.fallback.accumulateMs,
      applyMs: mean('apply') ?? this.fallback.applyMs,
    };
    return PART_NAMES.every((k) => r[k] !== undefined) ? (r as PartRates) : null;
  }

  private async time<T>(part: Part, units: number | ((value: T) => number), run: () => Promise<T>): Promise<T> {
    const start = this.clock();
    const value = await run();
    const n = typeof units === 'number' ? units : units(value);
    if (n > 0) this.record(part, this.clock() - start, n);
    return value;
  }

  /** The same sampler, timed: sample and logPrior per micro-batch, accumulate, applyUpdate. */
  sampler(inner: PromptSampler): PromptSampler {
    return {
      sample: (request) => this.time('sample', 1, () => inner.sample(request)),
      logPrior: (metaPrompt, prompts) => this.time('prior', 1, () => inner.logPrior(metaPrompt, prompts)),
      accumulate: (batch) => this.time('accumulate', 1, () => inner.accumulate(batch)),
      applyUpdate: (options) => this.time('apply', 1, () => inner.applyUpdate(options)),
      adapterState: () => inner.adapterState(),
    };
  }

  /** The same target-LM, timed per example scored. */
  target(inner: TargetLM): TargetLM {
    const time = this.time.bind(this);
    return {
      get id() {
        return inner.id;
      },
      get calls() {
        return inner.calls;
      },
      evaluate: (task, prompt, split, examples) => time('target', (examples ?? task.splits[split]).length, () => inner.evaluate(task, prompt, split, examples)),
    };
  }
}
