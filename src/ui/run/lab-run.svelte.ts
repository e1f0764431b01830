// One GFlowPO run on the page: owns its lab worker (models and the run live there), loads the models with
// download progress, starts, pauses after the step in progress, resumes, stops (models released), and folds
// the worker's events into the views' state. No DOM; the views are thin readers of these fields.
import * as Comlink from 'comlink';
import type { Remote } from 'comlink';
import type { LabEngine } from '../../engines/lab-engine';
import type { ModelInfo } from '../../engines/prompt-lm';
import type { TargetInfo } from '../../engines/target-engine';
import type { DoneEvent, QueueEventEntry, ScoredPrompt, StepEvent } from '../../gflow/events';
import { type GflowpoSettings, resolveSettings } from '../../gflow/settings';
import type { DownloadProgress } from '../../models/hub/hub';
import { type ShownError, toShownError } from '../common/errors';
import { type DownloadRow, DownloadTracker } from './download-tracker';
import { type MetaPromptRecord, type PromptRow, RunLog, type StepPoint } from './run-log';
import { type RunSpec, modelLabel, modelSource } from './run-spec';

/**
 * queued: waits for the run before it; loading: models downloading/compiling; ready: loaded, not started;
 * running; pausing / stopping: the step in progress finishes first; paused: models loaded, resumable;
 * stopped: models released; done: the schedule or budget ran out and the result is in; failed: see `error`.
 */
export type RunStatus = 'queued' | 'loading' | 'ready' | 'running' | 'pausing' | 'paused' | 'stopping' | 'stopped' | 'done' | 'failed';

export class LabRun {
  readonly spec: RunSpec;
  readonly settings: Readonly<GflowpoSettings>;
  status = $state<RunStatus>('queued');
  error = $state<ShownError | null>(null);
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
  /** Wall time of the run's steps so far (ms), for the time-left estimate. */
  stepMs = $state.raw<number[]>([]);

  /** Every event in arrival order (what an export holds). */
  readonly events: StepEvent[] = [];
  #log: RunLog;
  #worker: Worker | undefined;
  #lab: Remote<LabEngine> | undefined;
  #running: Promise<void> | undefined;
  #publishScheduled = false;
  #lastStepAt: number | null = null;

  constructor(spec: RunSpec) {
    this.spec = spec;
    this.settings = resolveSettings(spec.settings, spec.task.name);
    this.#log = new RunLog(this.settings.bufferSize);
  }

  get id(): string {
    return this.spec.id;
  }

  get title(): string {
    return `${this.spec.label} on ${this.spec.task.name}`;
  }

  get models(): { prompt: string; target: string } {
    return { prompt: modelLabel(this.spec.promptModel), target: modelLabel(this.spec.targetModel) };
  }

  /** A step is in progress or about to be: pause and stop wait for it. */
  get active(): boolean {
    return this.status === 'running' || this.status === 'pausing' || this.status === 'stopping';
  }

  get finished(): boolean {
    return this.status === 'done' || this.status === 'stopped' || this.status === 'failed';
  }

  /** Seconds left at the mean pace of the last ten steps; null before two steps or when not running. */
  get secondsLeft(): number | null {
    const recent = this.stepMs.slice(-10);
    if (recent.length === 0 || this.done) return null;
    const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
    return ((this.settings.steps - this.completedSteps) * mean) / 1000;
  }

  /** Creates the worker and loads both models (download progress in `downloads`). */
  async load(): Promise<void> {
    if (this.status !== 'queued') return;
    this.status = 'loading';
    try {
      this.#worker = new Worker(new URL('../../../workers/lab.worker.ts', import.meta.url), { type: 'module' });
      this.#worker.addEventListener('error', (e) => this.#fail({ name: 'WorkerError', message: e.message || 'the lab worker failed to load or threw at top level' }));
      this.#lab = Comlink.wrap<LabEngine>(this.#worker);
      const tracker = new DownloadTracker(['prompt-LM', 'target-LM']);
      const onProgress = Comlink.proxy((p: DownloadProgress) => {
        this.downloads = tracker.update(p, performance.now());
      });
      const { task, promptModel, targetModel, settings, backend } = this.spec;
      const info = await this.#lab.setup({ task, promptLM: modelSource(promptModel), targetLM: modelSource(targetModel), settings, backend }, onProgress);
      this.downloads = tracker.finish();
      this.promptInfo = info.promptLM;
      this.targetInfo = info.targetLM;
      if (this.status === 'loading') this.status = 'ready';
    } catch (error) {
      this.#fail(toShownError(error));
    }
  }

  /** Starts (or resumes) stepping; resolves when the run pauses, stops, ends or fails. */
  start(): Promise<void> {
    if (this.status !== 'ready' && this.status !== 'paused') return this.#running ?? Promise.resolve();
    this.status = 'running';
    this.#lastStepAt = performance.now();
    this.#running = this.#loop().finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Pauses after the step in progress; the models stay loaded. */
  pause(): void {
    if (this.status !== 'running') return;
    this.status = 'pausing';
    void this.#lab?.stop();
  }

  resume(): Promise<void> {
    return this.start();
  }

  /** Stops after the step in progress and releases the models; what the run found stays on the page. */
  async stop(): Promise<void> {
    if (this.status === 'running' || this.status === 'pausing') {
      this.status = 'stopping';
      void this.#lab?.stop();
      await this.#running;
    }
    if (this.status === 'paused' || this.status === 'ready' || this.status === 'stopping' || this.status === 'queued') {
      await this.#release();
      this.status = 'stopped';
    }
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
    const now = performance.now();
    this.events.push(event);
    this.#log.ingest(event, now);
    if (event.type === 'budget' && this.#lastStepAt !== null && event.step > this.completedSteps) {
      this.stepMs = [...this.stepMs, now - this.#lastStepAt];
      this.#lastStepAt = now;
    }
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
