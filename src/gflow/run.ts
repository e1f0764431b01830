// The GFlowPO run loop: one step() per schedule step (demonstrations drawn once, then the micro-batches in order,
// each with its own references and meta-prompt (micro-batch.ts), then one optimiser update on training steps), the
// baselines, honest selection at the end (selection.ts), and state()/fromState() for exact resumption (run-state.ts).
// The adapter and optimiser live in the sampler; this file holds the run's bookkeeping and commits a step only
// when all of it succeeded.
import { manualPromptFor } from '../tasks/manual-prompts';
import type { Task } from '../tasks/task';
import { freezeConditionBuffer } from './dmu';
import type { BudgetEvent, BufferEvent, DoneEvent, InitialPromptsEvent, QueueEvent, StepEvent, StepSamplesEvent, UpdateEvent } from './events';
import type { ApplyResult, PromptSampler, SplitName, TargetLM } from './interfaces';
import type { MetaPrompt } from './meta-prompt';
import { GflowpoRunError, type MicroBatchContext, type MicroBatchOutcome, type StepWork, runMicroBatch } from './micro-batch';
import { PromptQueue } from './priority-queue';
import { ReplayBuffer } from './replay-buffer';
import { resolveBeta } from './reward';
import { RewardCache } from './reward-cache';
import { type GflowpoRunState, GflowpoStateError, RUN_STATE_VERSION, parseRunState } from './run-state';
import { RNG_PURPOSES, RngStream, type RngPurpose, type RngStates, initialRngStates } from './rng';
import { demonstrationCount, freezesConditionBuffer, isTrainingStep, learningRateAt, phaseOf } from './schedule';
import { scoreEverywhere, selectOnValidation } from './selection';
import { type GflowpoSettings, type GflowpoSettingsInput, type PresetName, resolveSettings } from './settings';

export { GflowpoRunError } from './micro-batch';
export { type GflowpoRunState, GflowpoStateError, RUN_STATE_VERSION } from './run-state';

export interface GflowpoRunOptions {
  /** Settings preset under the input (see settings.ts PRESETS); default 'paper'. */
  preset?: PresetName;
  /**
   * The prompt `manual` mode scores when settings.manualPrompt is null; absent: the task's built-in manual prompt
   * (tasks/manual-prompts.ts: the paper's GLUE prompts, the instruction-induction annotations), null: none.
   */
  manualPrompt?: string | null;
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
  private history: { step: number; metaPrompts: MetaPrompt[] }[] = [];
  private initialPrompts: string[] = [];
  private doneEvent: DoneEvent | null = null;
  private busy = false;
  private readonly manualPrompt: string | null;

  constructor(
    settings: GflowpoSettingsInput,
    private readonly task: Task,
    private readonly sampler: PromptSampler,
    private readonly target: TargetLM,
    options: GflowpoRunOptions = {},
  ) {
    this.settings = resolveSettings(settings, task, options.preset);
    const s = this.settings;
    if (task.splits.train.length === 0) throw new GflowpoRunError(`task ${task.name} has an empty train split; the reward needs training examples`);
    if (task.splits.validation.length === 0 && Math.max(s.demonstrationsFilling, s.demonstrationsTraining) > 0) {
      throw new GflowpoRunError(`task ${task.name} has an empty validation split; the meta-prompt's demonstrations are drawn from it (or set demonstrationsFilling and demonstrationsTraining to 0)`);
    }
    this.manualPrompt = s.manualPrompt ?? (options.manualPrompt === undefined ? manualPromptFor(task.id) : options.manualPrompt);
    if (s.mode === 'manual' && (this.manualPrompt === null || this.manualPrompt.trim() === '')) {
      const why = options.manualPrompt === undefined ? `task ${task.name} has no built-in manual prompt` : 'the caller gave none';
      throw new GflowpoRunError(`mode 'manual' needs a prompt: ${why}, so set manualPrompt`);
    }
    this.beta = resolveBeta(s.beta, task.splits.train.length);
    this.rng = streams(initialRngStates(s.seed));
    this.buffer = new ReplayBuffer(s.bufferSize);
    this.queue = new PromptQueue(s.queueSize);
  }

  /** Steps completed so far. */
  get completedSteps(): number {
    return this.stepsDone;
  }

  /** Optimiser updates applied so far (finite ones). */
  get completedUpdates(): number {
    return this.updates;
  }

  /** The running logZ after the last micro-batch (null before the first). */
  get currentLogZ(): number | null {
    return this.logZ;
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

  /** Copies of the meta-prompts of every completed step (one per micro-batch). */
  metaPromptHistory(): { step: number; metaPrompts: MetaPrompt[] }[] {
    return structuredClone(this.history);
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
   * changes no buffer, queue, logZ or counter but the cache's, so calling step() again retries it exactly (the
   * sampler's first accumulate of the retry zeroes what the failed attempt accumulated).
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
      const work: StepWork = {
        buffer: this.buffer.clone(),
        queue: this.queue.clone(),
        condition: this.condition ?? (freezesConditionBuffer(s, step) ? freezeConditionBuffer(this.buffer) : null),
        logZ: this.logZ,
      };
      // Demonstrations once per step, with replacement (the authors' random.randint per shot).
      const validation = this.task.splits.validation;
      const demonstrations = Array.from({ length: demonstrationCount(s, step) }, () => this.rng.demonstrations.int(validation.length));
      const training = isTrainingStep(s, step);
      const context: MicroBatchContext = { settings: s, beta: this.beta, task: this.task, sampler: this.sampler, target: this.target, cache: this.cache, rng: this.rng };
      const batches: MicroBatchOutcome[] = [];
      for (let m = 0; m < s.microBatches; m++) batches.push(await runMicroBatch(context, work, step, m, demonstrations, training));

      // One clipped AdamW step on the accumulated gradient.
      const lr = learningRateAt(s, this.updates);
      let applied: ApplyResult | null = null;
      if (training) applied = await this.sampler.applyUpdate({ lr });

      // Commit: nothing below awaits, so a failure above leaves the run where it was.
      this.buffer = work.buffer;
      this.queue = work.queue;
      this.condition = work.condition;
      this.logZ = work.logZ;
      if (applied?.finite) this.updates++;
      const samples = batches.flatMap((b) => b.samples);
      const metaPrompts = batches.map((b) => b.metaPrompt);
      if (step === 1) this.initialPrompts = [...new Set(samples.filter((x) => !x.replayed).map((x) => x.text))];
      this.history.push({ step, metaPrompts });
      this.stepsDone = step;

      const events: StepEvent[] = [{ type: 'step', step, phase: phaseOf(s, step), metaPrompts, samples, logZ: this.logZ! } satisfies StepSamplesEvent];
      if (applied) {
        const losses = batches.map((b) => b.loss!);
        const loss = losses.reduce((a, b) => a + b, 0) / losses.length;
        events.push({ type: 'update', step, loss, microBatchLosses: losses, logZ: this.logZ!, gradNorm: applied.gradNorm, lr, finite: applied.finite } satisfies UpdateEvent);
      }
      events.push(this.bufferEvent(step), this.queueEvent(step), this.budgetEvent(step));
      return events;
    } catch (error) {
      this.rng = streams(rewind);
      throw error;
    }
  }

  private async finish(reason: DoneEvent['reason']): Promise<StepEvent[]> {
    const step = this.stepsDone;
    const { selected, initial } = await selectOnValidation(this.queue, this.buffer, this.initialPrompts, (text, split) => this.score(text, split));
    const done: DoneEvent = { type: 'done', step, mode: this.settings.mode, reason, selected };
    this.doneEvent = done;
    return [this.queueEvent(step), { type: 'initial', step, prompts: initial } satisfies InitialPromptsEvent, this.budgetEvent(step), done];
  }

  private async scoreManualPrompt(): Promise<StepEvent[]> {
    const selected = await scoreEverywhere(this.manualPrompt!, (text, split) => this.score(text, split));
    this.stepsDone = 1;
    const done: DoneEvent = { type: 'done', step: 1, mode: 'manual', reason: 'steps', selected };
    this.doneEvent = done;
    return [this.budgetEvent(1), done];
  }

  private score(text: string, split: SplitName): Promise<number> {
    return this.cache.score(this.target, this.task, text, split);
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
      task: this.task.id,
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

  /**
   * Continues a saved run. Refuses (GflowpoStateError naming the field) a malformed state, another task or target,
   * and a sampler whose adapter is not the one saved with the state: its step must equal the run's updates and its
   * logZ the run's (null before the first training step, where the adapter has computed none).
   */
  static async fromState(raw: unknown, task: Task, sampler: PromptSampler, target: TargetLM, options: Omit<GflowpoRunOptions, 'preset'> = {}): Promise<GflowpoRun> {
    const { state, settings, buffer, queue, cache } = parseRunState(raw);
    if (state.task !== task.id) throw new GflowpoStateError('task', `the saved run is for task ${state.task}, not ${task.id} (the task id names its data and split options and hashes its content); load that task to continue it`);
    if (state.target !== target.id) throw new GflowpoStateError('target', `the saved run scored with target ${state.target}, not ${target.id}; load that target to continue it exactly`);
    const adapter = await sampler.adapterState();
    const expectedLogZ = isTrainingStep(settings, state.step) ? state.logZ : null;
    const differences: string[] = [];
    if (adapter.step !== state.updates) differences.push(`the adapter has made ${adapter.step} updates, the run ${state.updates}`);
    if (adapter.logZ !== expectedLogZ) differences.push(`the adapter's logZ is ${String(adapter.logZ)}, the run's ${String(expectedLogZ)}`);
    if (differences.length > 0) throw new GflowpoStateError('adapter', `the prompt-LM's adapter is not the one saved with this run state: ${differences.join('; ')}. Restore the adapter checkpoint saved with this state (after the same step).`);

    const run = new GflowpoRun(settings, task, sampler, target, options);
    run.stepsDone = state.step;
    run.updates = state.updates;
    run.rng = streams(state.rng);
    run.buffer = buffer;
    run.queue = queue;
    run.condition = state.conditionBuffer ? [...state.conditionBuffer] : null;
    run.cache = cache;
    run.logZ = state.logZ;
    run.history = structuredClone(state.metaPromptHistory);
    run.initialPrompts = [...state.initialPrompts];
    run.doneEvent = state.done ? structuredClone(state.done) : null;
    return run;
  }
}

function streams(states: RngStates): Record<RngPurpose, RngStream> {
  return Object.fromEntries(RNG_PURPOSES.map((p) => [p, new RngStream(states[p])])) as Record<RngPurpose, RngStream>;
}
