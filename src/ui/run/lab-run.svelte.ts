// One GFlowPO run on the page: a new run (created in the run library when its models have loaded) or a stored run
// opened from the library (after a reload, an import, or in another tab). It owns the lab worker that runs it
// while it runs: loads the models with download progress, starts, pauses after the step in progress, resumes
// (also a stored run: its models are loaded again and the engine continues from the last committed step), stops
// (models released, the run stays resumable), and folds the events into the views' state. No DOM.
import * as Comlink from 'comlink';
import type { Remote } from 'comlink';
import type { ClassroomStep } from '../../engines/classroom';
import type { LabEngine, LabRunView } from '../../engines/lab-engine';
import type { ModelInfo } from '../../engines/prompt-lm';
import type { TargetInfo } from '../../engines/target-engine';
import type { RunEstimate } from '../../gflow/estimate';
import type { DoneEvent, QueueEventEntry, ScoredPrompt, StepEvent, StepSamplesEvent, UpdateEvent } from '../../gflow/events';
import { type GflowpoSettings, resolveSettings } from '../../gflow/settings';
import type { DownloadProgress } from '../../models/hub/hub';
import type { EvaluationRecord } from '../../store/records';
import type { LockHolder } from '../../store/run-lock';
import type { Task } from '../../tasks/task';
import { type ShownError, toShownError } from '../common/errors';
import { ratesKey, rememberRates } from '../setup/rates-memory';
import { type DownloadRow, DownloadTracker } from './download-tracker';
import { type MetaPromptRecord, type PromptRow, RunLog, type StepPoint } from './run-log';
import { MODE_LABELS, type RunSpec, modelLabel, modelSource } from './run-spec';
import { type StoredSpec, loadableChoice, saveSpec, storedSpec } from './spec-store';
import labWorkerUrl from '../../../workers/lab.worker.ts?worker&url';
import { boundWorker } from '../shell/bound-worker';

/**
 * queued: waits for the run before it; loading: models downloading/compiling; calibrating: one micro-batch of real
 * work measures the step's parts for the time estimate (nothing of the run changes); ready: loaded, not started;
 * running; pausing / stopping: the step in progress finishes first; paused: models loaded, resumable at once;
 * stopped: models released, resumable (its models load again); done: the schedule or budget ran out; failed: a
 * step or a load threw (see `error`; the run is back at its last committed step); elsewhere: another tab has it.
 */
export type RunStatus = 'queued' | 'loading' | 'calibrating' | 'ready' | 'running' | 'pausing' | 'paused' | 'stopping' | 'stopped' | 'done' | 'failed' | 'elsewhere';

/** What the views show about a run whatever its origin. */
export interface RunMeta {
  /** The library's name for it (an imported copy is "… (copy)"). */
  name: string;
  label: string;
  group: string | null;
  taskName: string;
  taskId: string;
  prompt: string;
  target: string;
  /** The target-LM's id (content hash, implementation, backend) once known: what the reward cache and resume check. */
  targetId: string | null;
  createdAt: number;
}

/** Classroom mode: the last step made there, with its events and the engine's per-token values (src/engines/classroom.ts). */
export interface ClassroomRecord {
  explained: ClassroomStep;
  step: StepSamplesEvent;
  update: UpdateEvent | null;
}

export class LabRun {
  /** The page's id for it: the spec's id for a new run, the library's id for a stored one. */
  readonly key: string;
  /** The run library's id (null until a new run is created in the library). */
  runId = $state<string | null>(null);
  meta: RunMeta;
  settings: Readonly<GflowpoSettings>;
  /** Task and model sources to load the run with; null for a stored run whose models or task must be chosen again. */
  spec = $state.raw<RunSpec | null>(null);
  status = $state<RunStatus>('queued');
  error = $state<ShownError | null>(null);
  holder = $state.raw<LockHolder | null>(null);
  downloads = $state.raw<DownloadRow[]>([]);
  promptInfo = $state.raw<ModelInfo | null>(null);
  targetInfo = $state.raw<TargetInfo | null>(null);
  steps = $state.raw<StepPoint[]>([]);
  prompts = $state.raw<PromptRow[]>([]);
  metaPrompts = $state.raw<MetaPromptRecord[]>([]);
  queue = $state.raw<QueueEventEntry[]>([]);
  initial = $state.raw<ScoredPrompt[]>([]);
  done = $state.raw<DoneEvent | null>(null);
  targetCalls = $state(0);
  cacheHits = $state(0);
  completedSteps = $state(0);
  /** Expected time and target-LM calls left (the engine's estimate from measured step parts); null until measured. */
  estimate = $state.raw<RunEstimate | null>(null);
  /** Reward-cache entries with per-example scores, as last read from the library (see loadEvaluations). */
  evaluations = $state.raw<EvaluationRecord[] | null>(null);
  /** Classroom mode: the last step made with classroomStep() (null before one). */
  classroom = $state.raw<ClassroomRecord | null>(null);

  #log: RunLog;
  #events = 0;
  #worker: Worker | undefined;
  #lab: Remote<LabEngine> | undefined;
  #running: Promise<void> | undefined;
  #publishScheduled = false;
  #evaluationsAt = -1;

  private constructor(key: string, meta: RunMeta, settings: Readonly<GflowpoSettings>) {
    this.key = key;
    this.meta = $state.raw(meta);
    this.settings = $state.raw(settings);
    this.#log = new RunLog(settings.bufferSize);
  }

  /** A new run, queued until the runs before it have ended. */
  static fromSpec(spec: RunSpec): LabRun {
    const name = `${spec.label} on ${spec.task.name}`;
    const meta: RunMeta = { name, label: spec.label, group: spec.group, taskName: spec.task.name, taskId: spec.task.id, prompt: modelLabel(spec.promptModel), target: modelLabel(spec.targetModel), targetId: null, createdAt: spec.createdAt };
    const run = new LabRun(spec.id, meta, resolveSettings(spec.settings, spec.task));
    run.spec = spec;
    return run;
  }

  /** A run from the library, its charts and prompts rebuilt from its stored events. */
  static fromStored(view: LabRunView, stored: StoredSpec | null): LabRun {
    const s = view.summary;
    const choice = (c: StoredSpec['targetModel']) => (c.kind === 'files' ? `${c.label} (local folder)` : modelLabel(c));
    const meta: RunMeta = {
      name: s.name,
      label: stored?.label ?? MODE_LABELS[s.mode as keyof typeof MODE_LABELS] ?? s.mode,
      group: stored?.group ?? null,
      taskName: stored?.task.name ?? s.task.split('[')[0]!.split('#')[0]!,
      taskId: s.task,
      prompt: stored ? choice(stored.promptModel) : s.promptLM.replace(/^hub:/, ''),
      target: stored ? choice(stored.targetModel) : s.target,
      targetId: s.target,
      createdAt: s.createdAt,
    };
    const run = new LabRun(s.id, meta, resolveSettings(view.settings));
    run.runId = s.id;
    const promptModel = stored && loadableChoice(stored.promptModel);
    const targetModel = stored && loadableChoice(stored.targetModel);
    if (stored && promptModel && targetModel) {
      run.spec = { id: s.id, label: meta.label, group: meta.group, task: stored.task, promptModel, targetModel, settings: view.settings, backend: stored.backend, ...(stored.weightPrecision ? { weightPrecision: stored.weightPrecision } : {}), createdAt: s.createdAt };
    }
    run.ingestStored(view.events.map((e) => e.event));
    run.evaluations = view.evaluations;
    run.#evaluationsAt = s.step;
    run.holder = view.holder;
    run.status = s.status === 'finished' ? 'done' : s.open === 'elsewhere' ? 'elsewhere' : s.status === 'failed' ? 'failed' : 'stopped';
    if (s.error) run.error = { name: 'Error', message: s.error };
    return run;
  }

  /** The task the run scores on, when the page has it. */
  get task(): Task | null {
    return this.spec?.task ?? null;
  }

  get title(): string {
    return this.meta.name;
  }

  /** A step is in progress or about to be: pause and stop wait for it. */
  get active(): boolean {
    return this.status === 'running' || this.status === 'pausing' || this.status === 'stopping';
  }

  /** Holds models (or is about to): the page runs one such run at a time. */
  get holdsModels(): boolean {
    return this.status === 'loading' || this.status === 'calibrating' || this.status === 'ready' || this.status === 'paused' || this.active;
  }

  /** Not running and not going to run by itself. */
  get finished(): boolean {
    return this.status === 'done' || this.status === 'stopped' || this.status === 'failed' || this.status === 'elsewhere';
  }

  /** Can continue: paused here, or stopped/failed/interrupted in the library (models load again). */
  get resumable(): boolean {
    return this.status === 'paused' || this.status === 'ready' || ((this.status === 'stopped' || this.status === 'failed') && this.runId !== null);
  }

  /** Expected seconds left (steps and the final selection); null before the models were measured, or when done. */
  get secondsLeft(): number | null {
    return this.estimate && !this.done ? this.estimate.remainingMs / 1000 : null;
  }

  /** Events of a stored run (or those another tab committed since), in order. */
  ingestStored(events: readonly StepEvent[]): void {
    for (const e of events) this.#log.ingest(e);
    this.#events += events.length;
    this.#publish();
  }

  /** Events received so far (the library's sequence number of the next one). */
  get eventCount(): number {
    return this.#events;
  }

  /**
   * Loads the models and creates the run in the library (a new run), or opens a stored run for writing and
   * continues from its last committed step (`resume`). `spec` replaces the run's own (models and task chosen again).
   */
  async load(spec: RunSpec | null = this.spec): Promise<void> {
    if (this.holdsModels) return;
    if (!spec) {
      this.#fail({ name: 'ResumeError', message: 'this run needs its models and task to continue: choose them in Setup, then press Resume with Setup’s choices' });
      return;
    }
    this.spec = spec;
    this.status = 'loading';
    this.error = null;
    try {
      this.#worker = boundWorker(labWorkerUrl);
      this.#worker.addEventListener('error', (e) => this.#fail({ name: 'WorkerError', message: e.message || 'the lab worker failed to load or threw at top level' }));
      const lab = (this.#lab = Comlink.wrap<LabEngine>(this.#worker));
      await lab.setLabel(`a lab tab opened at ${new Date().toLocaleTimeString()}`);
      const tracker = new DownloadTracker(['target-LM', 'prompt-LM']);
      const onProgress = Comlink.proxy((p: DownloadProgress) => {
        this.downloads = tracker.update(p, performance.now());
      });
      const models = { promptLM: await modelSource(spec.promptModel), targetLM: await modelSource(spec.targetModel), backend: spec.backend, ...(spec.weightPrecision ? { weightPrecision: spec.weightPrecision } : {}) };
      const info = this.runId === null
        ? await lab.createRun({ ...models, task: spec.task, settings: spec.settings }, { name: this.title }, onProgress)
        : await lab.resumeRun(this.runId, { ...models, task: spec.task }, onProgress);
      this.downloads = tracker.finish();
      this.promptInfo = info.promptLM;
      this.targetInfo = info.targetLM;
      this.meta = { ...this.meta, targetId: info.targetLM.id };
      if (info.runId !== null && this.runId === null) {
        this.runId = info.runId;
        await saveSpec(storedSpec(info.runId, spec));
      }
      if (this.status === 'loading') {
        await this.#calibrate(lab);
        // Stop may have been pressed meanwhile.
        if ((this.status as RunStatus) === 'calibrating') this.status = 'ready';
      }
    } catch (error) {
      this.#fail(toShownError(error));
    }
  }

  /** Starts (or resumes) stepping; resolves when the run pauses, stops, ends or fails. */
  start(): Promise<void> {
    if (this.status !== 'ready' && this.status !== 'paused') return this.#running ?? Promise.resolve();
    this.status = 'running';
    this.error = null;
    this.#running = this.#loop().finally(() => (this.#running = undefined));
    return this.#running;
  }

  /**
   * Classroom mode: exactly one step (the engine's classroomStep: the run continues as it would without it), its
   * events folded in as usual, and the step explained in `classroom`; the run is paused again after it (done after
   * the last). Resolves when the step is in; does nothing unless the run is ready or paused.
   */
  classroomStep(): Promise<void> {
    if (this.status !== 'ready' && this.status !== 'paused') return this.#running ?? Promise.resolve();
    this.status = 'running';
    this.error = null;
    this.#running = this.#classroomStep().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #classroomStep(): Promise<void> {
    const lab = this.#lab;
    if (!lab) return;
    try {
      const { events, explained } = await lab.classroomStep();
      for (const e of events) this.#onEvent(e);
      this.#publish();
      const step = events.find((e): e is StepSamplesEvent => e.type === 'step');
      if (explained && step) this.classroom = { explained, step, update: events.find((e): e is UpdateEvent => e.type === 'update') ?? null };
      if (events.some((e) => e.type === 'done')) {
        this.status = 'done';
        await this.#release();
      } else if (this.status === 'running' || this.status === 'pausing') this.status = 'paused';
    } catch (error) {
      this.#fail(toShownError(error));
    }
  }

  /** Pauses after the step in progress; the models stay loaded. */
  pause(): void {
    if (this.status !== 'running') return;
    this.status = 'pausing';
    void this.#lab?.stop();
  }

  /** Stops after the step in progress and releases the models; the run stays in the library, resumable. */
  async stop(): Promise<void> {
    if (this.status === 'running' || this.status === 'pausing') {
      this.status = 'stopping';
      void this.#lab?.stop();
      await this.#running;
    }
    if (this.status === 'paused' || this.status === 'ready' || this.status === 'stopping' || this.status === 'queued' || this.status === 'loading' || this.status === 'calibrating') {
      await this.#release();
      this.status = 'stopped';
    }
  }

  /** Reads the run's reward-cache entries (with per-example scores) from the library when steps were added since. */
  async loadEvaluations(read: (runId: string) => Promise<LabRunView>): Promise<void> {
    if (this.runId === null || this.#evaluationsAt === this.completedSteps) return;
    const at = this.completedSteps;
    this.evaluations = (await read(this.runId)).evaluations;
    this.#evaluationsAt = at;
  }

  async #loop(): Promise<void> {
    const lab = this.#lab;
    if (!lab) return;
    try {
      const finished = await lab.start(Comlink.proxy((event: StepEvent) => this.#onEvent(event)));
      this.#publish();
      if (finished) {
        this.status = 'done';
        await this.#release();
      } else if (this.status === 'pausing' || this.status === 'running') this.status = 'paused';
    } catch (error) {
      this.#fail(toShownError(error));
    }
  }

  #onEvent(event: StepEvent): void {
    this.#log.ingest(event, performance.now());
    this.#events++;
    // A step ended: the engine's estimate of what is left, from the parts it has measured so far.
    if (event.type === 'budget') void this.#refreshEstimate();
    // Coalesce a step's several events into one update of the views.
    if (!this.#publishScheduled) {
      this.#publishScheduled = true;
      setTimeout(() => this.#publish(), 0);
    }
  }

  #publish(): void {
    this.#publishScheduled = false;
    const log = this.#log;
    this.steps = [...log.steps];
    this.prompts = log.promptRows();
    if (log.metaPrompts.length !== this.metaPrompts.length) this.metaPrompts = [...log.metaPrompts];
    this.queue = log.queue;
    this.initial = log.initial;
    this.done = log.done;
    this.targetCalls = log.targetCalls;
    this.cacheHits = log.cacheHits;
    this.completedSteps = log.completedSteps;
  }

  /**
   * One micro-batch of real work measures the step's parts (the run itself does not change); the rates give the
   * first estimate here and the next setup's estimate for these models. A failure only leaves the estimate unknown.
   */
  async #calibrate(lab: Remote<LabEngine>): Promise<void> {
    this.status = 'calibrating';
    try {
      const rates = await lab.calibrate();
      if (this.spec) rememberRates(ratesKey(this.meta.prompt, this.meta.target, this.spec.backend, this.spec.weightPrecision), rates);
      this.estimate = await lab.estimate();
    } catch {
      this.estimate = null;
    }
  }

  async #refreshEstimate(): Promise<void> {
    try {
      const e = await this.#lab?.estimate();
      if (e !== undefined) this.estimate = e;
    } catch {
      // The run ended meanwhile (released): the last estimate stays until the view hides it.
    }
  }

  async #release(): Promise<void> {
    const lab = this.#lab;
    const worker = this.#worker;
    this.#lab = undefined;
    this.#worker = undefined;
    try {
      await lab?.release();
    } catch {
      // The worker is terminated next either way; a failed release frees nothing less.
    }
    lab?.[Comlink.releaseProxy]();
    worker?.terminate();
  }

  #fail(error: ShownError): void {
    this.error = error;
    this.status = 'failed';
    void this.#release();
  }

  /** Ends the worker without waiting (page teardown). */
  dispose(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#lab = undefined;
  }
}
