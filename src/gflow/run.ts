// The GFlowPO run loop: one step() per schedule step (meta-prompt, sample or replay per micro-batch, logPrior,
// train accuracy through the reward cache, logR, one update, buffer and queue), honest selection at the end,
// the baselines, and state()/fromState() for exact resumption. The adapter and optimiser live in the sampler.
import type { Task } from '../tasks/task';
import { chooseReferences, freezeConditionBuffer } from './dmu';
import type { BudgetEvent, BufferEvent, DoneEvent, InitialPromptsEvent, QueueEvent, SampleRecord, ScoredPrompt, StepEvent, StepSamplesEvent, UpdateEvent } from './events';
import type { PromptSampler, SplitName, TargetLM, UpdateResult } from './interfaces';
import { type MetaPrompt, buildMetaPrompt } from './meta-prompt';
import { PromptQueue, type PromptQueueState, type QueueEntry } from './priority-queue';
import { ReplayBuffer, type ReplayBufferState } from './replay-buffer';
import { logReward, resolveBeta } from './reward';
import { RewardCache, type RewardCacheState } from './reward-cache';
import { RNG_PURPOSES, RngStream, type RngPurpose, type RngStates, initialRngStates, sampleWithoutReplacement } from './rng';
import { demonstrationCount, feedsQueue, freezesConditionBuffer, isTrainingStep, learningRateAt, logZDecayOf, phaseOf, referencesEnabled, replayEnabled } from './schedule';
import { type GflowpoSettings, type GflowpoSettingsInput, resolveSettings } from './settings';

export const RUN_STATE_VERSION = 1;

/** Everything a run needs to continue exactly, as plain JSON (the sampler's adapter and optimiser are not here). */
export interface GflowpoRunState {
  version: typeof RUN_STATE_VERSION;
  settings: GflowpoSettings;
  task: string;
  target: string;
  /** Steps completed. */
  step: number;
  /** GFlowNet updates made (the learning-rate warm-up position). */
  updates: number;
  rng: RngStates;
  buffer: ReplayBufferState;
  queue: PromptQueueState;
  /** Frozen at conditionFreezeStep under DMU; null before, and always in modes without DMU. */
  conditionBuffer: string[] | null;
  cache: RewardCacheState;
  /** The sampler's logZ after the last update; null before the first. */
  logZ: number | null;
  metaPromptHistory: { step: number; metaPrompt: MetaPrompt }[];
  /** The first step's fresh samples, reported on every split at the end. */
  initialPrompts: string[];
  done: DoneEvent | null;
}

/** A misuse of a run (step after the end, concurrent steps) or a sampler answer of the wrong shape. */
export class GflowpoRunError extends Error {
  override name = 'GflowpoRunError';
}

/** A saved state that cannot continue with the given task and target. */
export class GflowpoStateError extends Error {
  override name = 'GflowpoStateError';
}

interface MicroBatch {
  texts: string[];
  replayed: boolean;
  tokens: (number | null)[];
  temperature: number | null;
}

export class GflowpoRun {
  readonly settings: Readonly<GflowpoSettings>;
  /** beta after resolving null to 1 / |train|. */
  readonly beta: number;
  private stepsDone = 0;
  private updates = 0;
  private rng: Record<RngPurpose, RngStream>;
  private buffer: ReplayBuffer;
  private queue: PromptQueue;
  private condition: string[] | null = null;
  private cache = new RewardCache();
  private logZ: number | null = null;
  private history: { step: number; metaPrompt: MetaPrompt }[] = [];
  private initialPrompts: string[] = [];
  private doneEvent: DoneEvent | null = null;
  private busy = false;

  constructor(
    settings: GflowpoSettingsInput,
    private readonly task: Task,
    private readonly sampler: PromptSampler,
    private readonly target: TargetLM,
  ) {
    this.settings = resolveSettings(settings, task.name);
    if (task.splits.train.length === 0) throw new GflowpoRunError(`task ${task.name} has an empty train split; the reward needs training examples`);
    this.beta = resolveBeta(this.settings.beta, task.splits.train.length);
    this.rng = streams(initialRngStates(this.settings.seed));
    this.buffer = new ReplayBuffer(this.settings.bufferSize);
    this.queue = new PromptQueue(this.settings.queueSize);
  }

  /** Steps completed so far. */
  get completedSteps(): number {
    return this.stepsDone;
  }

  get finished(): boolean {
    return this.doneEvent !== null;
  }

  get done(): DoneEvent | null {
    return this.doneEvent;
  }

  get targetCalls(): number {
    return this.cache.targetCalls;
  }

  get cacheHits(): number {
    return this.cache.cacheHits;
  }

  /** Copies: the buffer best first, the queue best first, the frozen condition buffer. */
  bufferEntries() {
    return this.buffer.entries();
  }

  queueEntries() {
    return this.queue.entries();
  }

  conditionBuffer(): string[] | null {
    return this.condition ? [...this.condition] : null;
  }

  /** Runs steps until the end (or until `signal` aborts between steps: then null, and the run can go on later). */
  async run(onEvent?: (event: StepEvent) => void | Promise<void>, options: { signal?: AbortSignal } = {}): Promise<DoneEvent | null> {
    while (!this.finished) {
      if (options.signal?.aborted) return null;
      for (const event of await this.step()) await onEvent?.(event);
    }
    return this.doneEvent;
  }

  /**
   * One step of the schedule; the call that completes the schedule (or reaches the budget) also runs the final
   * selection and returns its events, ending with `done`. A step that throws rewinds the random streams and
   * changes no buffer, queue or counter but the cache's (a condition buffer frozen at its start is the same copy
   * a retry would make), so calling step() again retries it exactly.
   */
  async step(): Promise<StepEvent[]> {
    if (this.finished) throw new GflowpoRunError('the run is finished; read its report (done, state()) or start a new run');
    if (this.busy) throw new GflowpoRunError('step() is already running; await it before calling step() again');
    this.busy = true;
    try {
      if (this.settings.mode === 'manual') return await this.scoreManualPrompt();
      const before = this.stopReason();
      if (before) return await this.finish(before);
      const events = await this.runStep(this.stepsDone + 1);
      const after = this.stopReason();
      if (after) events.push(...(await this.finish(after)));
      return events;
    } finally {
      this.busy = false;
    }
  }

  private stopReason(): DoneEvent['reason'] | null {
    if (this.stepsDone >= this.settings.steps) return 'steps';
    const budget = this.settings.targetCallBudget;
    if (budget !== null && this.cache.targetCalls >= budget) return 'budget';
    return null;
  }

  private async runStep(step: number): Promise<StepEvent[]> {
    const s = this.settings;
    const rewind = this.rngStates();
    try {
      // Meta-prompt: DMU freeze, demonstrations from validation, references.
      if (this.condition === null && freezesConditionBuffer(s, step)) this.condition = freezeConditionBuffer(this.buffer);
      const validation = this.task.splits.validation;
      const indices = validation.map((_, i) => i);
      const demonstrations = sampleWithoutReplacement(indices, demonstrationCount(s, step), this.rng.demonstrations.next);
      const references = referencesEnabled(s, step) ? chooseReferences(this.queue.texts(), this.condition ?? [], { fromQueue: s.referencesFromQueue, fromCondition: s.referencesFromCondition }, this.rng.references.next) : [];
      const metaPrompt = buildMetaPrompt(validation, demonstrations, references);

      // Micro-batches: replay from the buffer (coin) or sample with the current adapter.
      const training = isTrainingStep(s, step);
      const replayOn = replayEnabled(s, step);
      const batches: MicroBatch[] = [];
      for (let m = 0; m < s.microBatches; m++) {
        const coin = replayOn ? this.rng.replay.next() : 1;
        if (coin < s.replayProbability && this.buffer.size > 0) {
          const texts = this.buffer.draw(s.microBatchSize, this.rng.replay.next).map((e) => e.text);
          batches.push({ texts, replayed: true, tokens: texts.map(() => null), temperature: null });
          continue;
        }
        const temperature = s.temperatureMin + (s.temperatureMax - s.temperatureMin) * this.rng.temperature.next();
        const seeds = Array.from({ length: s.microBatchSize }, () => this.rng.sampling.uint32());
        const sampled = await this.sampler.sample({ metaPrompt: metaPrompt.text, count: s.microBatchSize, temperature, topP: s.topP, maxNewTokens: s.maxNewTokens, seeds });
        if (sampled.length !== s.microBatchSize) throw new GflowpoRunError(`the sampler returned ${sampled.length} prompts for a request of ${s.microBatchSize}`);
        batches.push({ texts: sampled.map((p) => p.text), replayed: false, tokens: sampled.map((p) => p.tokens), temperature });
      }

      // Rewards: logPrior under this step's meta-prompt for every prompt, accuracy through the cache.
      const texts = batches.flatMap((b) => b.texts);
      const logPriors = await this.sampler.logPrior(metaPrompt.text, texts);
      if (logPriors.length !== texts.length) throw new GflowpoRunError(`the sampler returned ${logPriors.length} log-priors for ${texts.length} prompts`);
      const accuracies: number[] = [];
      for (const text of texts) accuracies.push(await this.cache.score(this.target, this.task, text, 'train'));
      const reward = { gamma: s.gamma, beta: this.beta, epsilon: s.rewardEpsilon };
      const logRewards = texts.map((_, i) => logReward(logPriors[i]!, accuracies[i]!, reward));

      // One GFlowNet update over all micro-batches.
      let update: UpdateResult | null = null;
      const lr = learningRateAt(s, this.updates);
      if (training) {
        const pairs = texts.map((prompt, i) => ({ metaPrompt: metaPrompt.text, prompt, logReward: logRewards[i]! }));
        update = await this.sampler.update(pairs, { lr, logZDecay: logZDecayOf(s) });
        if (update.logPF.length !== texts.length) throw new GflowpoRunError(`the sampler's update returned ${update.logPF.length} logPF values for ${texts.length} pairs`);
      }

      // Commit: nothing below awaits, so a failure above leaves the run where it was.
      const samples: SampleRecord[] = [];
      let i = 0;
      batches.forEach((b, m) => {
        b.texts.forEach((text, j) => {
          samples.push({ text, microBatch: m, replayed: b.replayed, tokens: b.tokens[j]!, temperature: b.temperature, logPrior: logPriors[i]!, trainAccuracy: accuracies[i]!, logReward: logRewards[i]!, logPF: update ? update.logPF[i]! : null });
          i++;
        });
      });
      for (const x of samples) if (!x.replayed) this.buffer.add({ text: x.text, trainAccuracy: x.trainAccuracy, step });
      if (feedsQueue(s, step)) {
        for (let m = 0; m < batches.length; m++) {
          const best = samples.filter((x) => x.microBatch === m).reduce<SampleRecord | null>((a, x) => (a === null || x.trainAccuracy > a.trainAccuracy ? x : a), null);
          if (best) this.queue.add(best.text, best.trainAccuracy, step);
        }
      }
      if (step === 1) this.initialPrompts = [...new Set(samples.filter((x) => !x.replayed).map((x) => x.text))];
      if (update) {
        this.updates++;
        this.logZ = update.logZ;
      }
      this.history.push({ step, metaPrompt });
      this.stepsDone = step;

      const events: StepEvent[] = [{ type: 'step', step, phase: phaseOf(s, step), metaPrompt, samples } satisfies StepSamplesEvent];
      if (update) events.push({ type: 'update', step, loss: update.loss, logZ: update.logZ, gradNorm: update.gradNorm, lr, finite: update.finite } satisfies UpdateEvent);
      events.push(this.bufferEvent(step), this.queueEvent(step), this.budgetEvent(step));
      return events;
    } catch (error) {
      this.rng = streams(rewind);
      throw error;
    }
  }

  /**
   * Honest selection: every queue entry is scored on validation (through the cache), the best on validation is
   * chosen (ties: the queue's order, training accuracy first), and every entry's test score is kept; the initial
   * prompts are scored on every split. An empty queue (stopped before training) takes the buffer's best.
   */
  private async finish(reason: DoneEvent['reason']): Promise<StepEvent[]> {
    const step = this.stepsDone;
    if (this.queue.size === 0) for (const e of this.buffer.entries().slice(0, this.settings.queueSize)) this.queue.add(e.text, e.trainAccuracy, e.step);
    const candidates = this.queue.entries();
    for (const entry of candidates) this.queue.setValidation(entry.text, await this.score(entry.text, 'validation'));
    for (const entry of candidates) this.queue.setTest(entry.text, await this.score(entry.text, 'test'));
    // entries() is in training-accuracy order, so the first validation maximum wins ties by training accuracy.
    const best = this.queue.entries().reduce<QueueEntry | null>((a, e) => (a === null || e.validationAccuracy! > a.validationAccuracy! ? e : a), null);
    const selected: ScoredPrompt | null = best ? { text: best.text, trainAccuracy: best.trainAccuracy, validationAccuracy: best.validationAccuracy!, testAccuracy: best.testAccuracy! } : null;
    const initial: ScoredPrompt[] = [];
    for (const text of this.initialPrompts) initial.push(await this.scoreEverywhere(text));
    const done: DoneEvent = { type: 'done', step, mode: this.settings.mode, reason, selected };
    this.doneEvent = done;
    return [this.queueEvent(step), { type: 'initial', step, prompts: initial } satisfies InitialPromptsEvent, this.budgetEvent(step), done];
  }

  private async scoreManualPrompt(): Promise<StepEvent[]> {
    const selected = await this.scoreEverywhere(this.settings.manualPrompt!);
    this.stepsDone = 1;
    const done: DoneEvent = { type: 'done', step: 1, mode: 'manual', reason: 'steps', selected };
    this.doneEvent = done;
    return [this.budgetEvent(1), done];
  }

  private score(text: string, split: SplitName): Promise<number> {
    return this.cache.score(this.target, this.task, text, split);
  }

  private async scoreEverywhere(text: string): Promise<ScoredPrompt> {
    return { text, trainAccuracy: await this.score(text, 'train'), validationAccuracy: await this.score(text, 'validation'), testAccuracy: await this.score(text, 'test') };
  }

  private bufferEvent(step: number): BufferEvent {
    const best = this.buffer.best();
    return { type: 'buffer', step, size: this.buffer.size, best: best ? { text: best.text, trainAccuracy: best.trainAccuracy } : null };
  }

  private queueEvent(step: number): QueueEvent {
    return { type: 'queue', step, entries: this.queue.entries().map((e) => ({ text: e.text, step: e.step, trainAccuracy: e.trainAccuracy, validationAccuracy: e.validationAccuracy, testAccuracy: e.testAccuracy })) };
  }

  private budgetEvent(step: number): BudgetEvent {
    return { type: 'budget', step, targetCalls: this.cache.targetCalls, cacheHits: this.cache.cacheHits, budget: this.settings.targetCallBudget };
  }

  private rngStates(): RngStates {
    return Object.fromEntries(RNG_PURPOSES.map((p) => [p, this.rng[p].state])) as RngStates;
  }

  /** A plain-JSON copy of everything the run holds (see GflowpoRunState). */
  state(): GflowpoRunState {
    const state: GflowpoRunState = {
      version: RUN_STATE_VERSION,
      settings: this.settings as GflowpoSettings,
      task: this.task.name,
      target: this.target.id,
      step: this.stepsDone,
      updates: this.updates,
      rng: this.rngStates(),
      buffer: this.buffer.toJSON(),
      queue: this.queue.toJSON(),
      conditionBuffer: this.condition,
      cache: this.cache.toJSON(),
      logZ: this.logZ,
      metaPromptHistory: this.history,
      initialPrompts: this.initialPrompts,
      done: this.doneEvent,
    };
    return JSON.parse(JSON.stringify(state)) as GflowpoRunState;
  }

  /** Continue a saved run with the same task and target (and a sampler restored to the same adapter state). */
  static fromState(state: GflowpoRunState, task: Task, sampler: PromptSampler, target: TargetLM): GflowpoRun {
    if (!state || state.version !== RUN_STATE_VERSION) throw new GflowpoStateError(`unsupported run-state version ${String(state?.version)}; this build reads version ${RUN_STATE_VERSION}`);
    if (state.task !== task.name) throw new GflowpoStateError(`the saved run is for task ${state.task}, not ${task.name}; load task ${state.task} to continue it`);
    if (state.target !== target.id) throw new GflowpoStateError(`the saved run scored with target ${state.target}, not ${target.id}; load that target to continue it exactly`);
    const run = new GflowpoRun(state.settings, task, sampler, target);
    for (const p of RNG_PURPOSES) {
      const v = state.rng?.[p];
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new GflowpoStateError(`run-state rng.${p} must be a 32-bit unsigned integer, got ${String(v)}`);
    }
    if (!Number.isInteger(state.step) || state.step < 0 || state.step > run.settings.steps) throw new GflowpoStateError(`run-state step must be an integer in [0, ${run.settings.steps}], got ${String(state.step)}`);
    if (!Number.isInteger(state.updates) || state.updates < 0 || state.updates > state.step) throw new GflowpoStateError(`run-state updates must be an integer in [0, step = ${state.step}], got ${String(state.updates)}`);
    run.stepsDone = state.step;
    run.updates = state.updates;
    run.rng = streams(state.rng);
    run.buffer = ReplayBuffer.fromJSON(state.buffer);
    run.queue = PromptQueue.fromJSON(state.queue);
    run.condition = state.conditionBuffer ? [...state.conditionBuffer] : null;
    run.cache = RewardCache.fromJSON(state.cache);
    run.logZ = state.logZ;
    run.history = state.metaPromptHistory.map((h) => ({ step: h.step, metaPrompt: structuredClone(h.metaPrompt) }));
    run.initialPrompts = [...state.initialPrompts];
    run.doneEvent = state.done ? structuredClone(state.done) : null;
    return run;
  }

  /** Copies of the meta-prompt of every completed step. */
  metaPromptHistory(): { step: number; metaPrompt: MetaPrompt }[] {
    return structuredClone(this.history);
  }
}

function streams(states: RngStates): Record<RngPurpose, RngStream> {
  return Object.fromEntries(RNG_PURPOSES.map((p) => [p, new RngStream(states[p])])) as Record<RngPurpose, RngStream>;
}
