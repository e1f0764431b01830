// The lab engine a worker exposes (and the headless command drives): one prompt-LM, one target-LM and a GFlowPO
// run on a task, stepped on request with typed events back and paused between steps; with a repository, every
// completed step is committed (state, events, evaluations, checkpoint) so a run survives a reload or a crash and
// resumes exactly, one writer per run (a Web Lock), and the run library (list, view, follow, delete, export,
// import, storage) is served from the same store. Composition only: the algorithm is src/gflow, persistence
// src/store, the models src/runtime.
import type { StepEvent } from '../gflow/events';
import { PartTimer, type PartRates, type RunEstimate, estimateRun } from '../gflow/estimate';
import type { PromptSampler } from '../gflow/interfaces';
import { GflowpoRun, type GflowpoRunState } from '../gflow/run';
import { type GflowpoSettings, resolveSettings } from '../gflow/settings';
import type { DownloadProgress } from '../models/hub/hub';
import type { ModelCache } from '../models/hub/model-cache';
import type { Ort } from '../runtime/host-tensor';
import { RunLockedError, RunMismatchError, StoreQuotaError } from '../store/errors';
import { type EventRecord, runStateOf } from '../store/records';
import type { RunRepository } from '../store/repository';
import { RunLibrary } from '../store/run-library';
import { RunLock, findHolder } from '../store/run-lock';
import { RunRecorder } from '../store/run-recorder';
import { type ImportMode, RunStore } from '../store/run-store';
import type { StoreNotice } from '../store/schema';
import type { StorageState } from '../store/storage';
import type { Task } from '../tasks/task';
import { type ModelInfo, PromptLM } from './prompt-lm';
import { LabPromptSampler } from './prompt-sampler';
import { type ClassroomStep, type RecordedMicroBatch, StepRecorder, explainStep } from './classroom';
import { calibrateRates } from './run-calibration';
import { describeSource, perExampleScores } from './run-records';
import type { LabEngineOptions, LabInfo, LabModels, LabResume, LabRunSummary, LabRunView, LabSetup } from './lab-contract';
import { LabEngineError } from './lab-contract';
import { TargetEngine, type TargetInfo } from './target-engine';

export { LabEngineError, type LabEngineOptions, type LabInfo, type LabModels, type LabResume, type LabRunSummary, type LabRunView, type LabSetup } from './lab-contract';

interface Current {
  run: GflowpoRun;
  task: Task;
  sampler: PromptSampler;
  target: GflowpoRunTarget;
  recorder: RunRecorder | null;
  lock: RunLock | null;
}

type GflowpoRunTarget = ConstructorParameters<typeof GflowpoRun>[3];

export class LabEngine {
  private readonly promptLM: PromptLM;
  private readonly target: TargetEngine;
  private current: Current | undefined;
  /** Step parts measured as runs go (reset when models load), for estimate(). */
  private timer = new PartTimer();
  private stopRequested = false;
  private repositoryPromise: Promise<RunRepository> | undefined;
  private label: string;
  private readonly runLibrary: RunLibrary;
  private readonly noticeListeners = new Set<(notice: StoreNotice) => void | Promise<void>>();
  /** The loaded target-LM's id (its content hash, implementation and backend). */
  private targetId = '';
  /** The open run's sampler records its micro-batches for classroomStep() (only while that call runs). */
  private stepRecorder: StepRecorder | undefined;
  private promptEos: number[] = [];

  constructor(
    loadOrt: () => Promise<Ort>,
    cache?: ModelCache,
    private readonly options: LabEngineOptions = {},
  ) {
    this.promptLM = new PromptLM(loadOrt, cache);
    this.target = new TargetEngine(loadOrt, cache);
    this.label = options.label ?? `a lab tab opened at ${new Date().toLocaleTimeString()}`;
    this.runLibrary = new RunLibrary(() => this.library(), { openHere: () => this.runId, label: () => this.label, ...(options.newId ? { newId: options.newId } : {}) });
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** How this context describes itself to other tabs (the page sets it, e.g. with its title and opening time). */
  setLabel(label: string): void {
    this.label = label;
  }

  private async repository(): Promise<RunRepository> {
    if (!this.options.repository) throw new LabEngineError('this lab engine keeps no runs (it was made without a repository): runs live in memory only');
    this.repositoryPromise ??= this.options.repository((notice) => {
      for (const listener of this.noticeListeners) void listener(notice);
    });
    return this.repositoryPromise;
  }

  private async library(): Promise<RunStore> {
    const repository = await this.repository();
    if (!(repository instanceof RunStore)) throw new LabEngineError('this lab engine keeps one run in a state file, not a run library');
    return repository;
  }

  private async loadModels(models: LabModels, settings: GflowpoSettings, onProgress?: (p: DownloadProgress) => void): Promise<{ promptLM: ModelInfo; targetLM: TargetInfo }> {
    const backend = models.backend ?? 'auto';
    this.timer = new PartTimer();
    const targetLM = await this.target.load(models.targetLM, { implementation: models.targetImplementation ?? 'compiled', backend, ...(models.weightPrecision ? { weightPrecision: models.weightPrecision } : {}) }, onProgress);
    this.targetId = targetLM.id;
    const promptLM = await this.promptLM.load(models.promptLM, settings, { backend, ...(models.weightPrecision ? { weightPrecision: models.weightPrecision } : {}) }, onProgress);
    this.promptEos = promptLM.eosTokenIds;
    return { promptLM, targetLM };
  }

  /** The sampler a run steps with (timed; recorded for classroomStep()). */
  private runSampler(): PromptSampler {
    this.stepRecorder = new StepRecorder(new LabPromptSampler(this.promptLM));
    return this.timer.sampler(this.stepRecorder);
  }

  private targetView(): GflowpoRunTarget {
    const target = this.target;
    const id = this.targetId;
    return this.timer.target({
      id,
      get calls() {
        return target.calls;
      },
      evaluate: target.evaluate.bind(target),
    });
  }

  /**
   * A short calibration of the open run's step parts (run-calibration.ts: one micro-batch of real work, nothing of
   * the run changes; one target-LM call counted by the target), used by estimate() until the run measures its own.
   */
  async calibrate(): Promise<PartRates> {
    const c = this.open;
    const rates = await calibrateRates({ sampler: new LabPromptSampler(this.promptLM), promptLM: this.promptLM, target: this.target }, c.task, c.run.settings);
    this.timer.setFallback(rates);
    return rates;
  }

  /** Expected remaining time and target-LM calls of the open run (estimate.ts); null before calibrate() or a first step. */
  estimate(): RunEstimate | null {
    const c = this.open;
    const rates = this.timer.rates();
    if (!rates) return null;
    const { train, validation, test } = c.task.splits;
    return estimateRun(c.run.settings, { train: train.length, validation: validation.length, test: test.length }, rates, { completedSteps: c.run.completedSteps, targetCalls: c.run.targetCalls });
  }

  /**
   * Loads both models and prepares a run kept in memory only (from `resume` when given: a state() of an earlier
   * run on this task, with the adapter restored by restoreAdapter first). For stored runs see createRun/resumeRun.
   */
  async setup(setup: LabSetup, onProgress?: (p: DownloadProgress) => void, resume?: GflowpoRunState): Promise<{ promptLM: ModelInfo; targetLM: TargetInfo }> {
    await this.closeRun();
    const settings = resume ? resolveSettings(resume.settings) : resolveSettings(setup.settings ?? {}, setup.task, setup.preset);
    const info = await this.loadModels(setup, settings, onProgress);
    const sampler = this.runSampler();
    const target = this.targetView();
    const run = resume ? await GflowpoRun.fromState(resume, setup.task, sampler, target) : new GflowpoRun(settings, setup.task, sampler, target);
    this.current = { run, task: setup.task, sampler, target, recorder: null, lock: null };
    return info;
  }

  /** Loads both models and starts a stored run (step 0 committed: settings, random streams, initial adapter). */
  /**
   * `options.name` names the run in the library; `options.promptLM` says where its prompt-LM came from (a hub id or
   * a folder: what to load to resume it; default: the hub id, or the names of the files).
   */
  async createRun(setup: LabSetup, options: { name?: string; promptLM?: string } = {}, onProgress?: (p: DownloadProgress) => void): Promise<LabInfo> {
    await this.closeRun();
    const repository = await this.repository();
    const settings = resolveSettings(setup.settings ?? {}, setup.task, setup.preset);
    const info = await this.loadModels(setup, settings, onProgress);
    const id = this.options.newId?.() ?? crypto.randomUUID();
    const lock = await RunLock.acquire(id, { label: this.label, step: 0 });
    if (!lock) throw new RunLockedError(`run id ${id} is already open elsewhere; create the run again`);
    try {
      const sampler = this.runSampler();
      const inner = this.targetView();
      const name = options.name ?? `${settings.mode} on ${setup.task.name}, seed ${settings.seed}`;
      const probe = new GflowpoRun(settings, setup.task, sampler, inner);
      const recorder = await RunRecorder.create(repository, { id, name, promptLM: options.promptLM ?? describeSource(setup.promptLM), createdAt: this.now() }, probe.state(), await this.promptLM.saveCheckpoint(), this.now());
      const target = recorder.target(inner, perExampleScores);
      const run = new GflowpoRun(settings, setup.task, sampler, target);
      this.current = { run, task: setup.task, sampler, target, recorder, lock };
      return { ...info, runId: id, step: 0 };
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /**
   * Opens a stored run for writing and continues it from its last committed step: the task and the target-LM must
   * be the saved run's (their ids are compared), the prompt-LM takes the saved adapter, optimiser and logZ, and a
   * step interrupted mid-way is redone with the target-LM answers it had already journalled.
   */
  async resumeRun(runId: string, resume: LabResume, onProgress?: (p: DownloadProgress) => void): Promise<LabInfo> {
    await this.closeRun();
    const repository = await this.repository();
    const lock = await RunLock.acquireUnlessAnswered(runId, { label: this.label, step: 0 });
    if (!lock) {
      const holder = await findHolder(runId);
      throw new RunLockedError(`this run is open in ${holder?.label ?? 'another tab'}${holder && holder.step >= 0 ? ` (step ${holder.step})` : ''}: it is shown read-only here; close it there to continue it here`);
    }
    try {
      const snapshot = await repository.loadSnapshot(runId);
      const state = runStateOf(snapshot);
      if (state.task !== resume.task.id) {
        throw new RunMismatchError(`the saved run is for task ${state.task}, not ${resume.task.id}${state.task.split('[')[0] === resume.task.id.split('[')[0] ? ' (same task, other data, split or scoring options)' : ''}: load the task it was made with`);
      }
      if (!snapshot.checkpoint) throw new RunMismatchError(`the saved run ${runId} has no prompt-LM checkpoint; it cannot continue exactly`);
      const settings = resolveSettings(state.settings);
      const info = await this.loadModels(resume, settings, onProgress);
      if (info.targetLM.id !== state.target) throw new RunMismatchError(`the saved run scored with target-LM ${state.target}, not ${info.targetLM.id}: load the target-LM it was made with (its weights, implementation and backend)`);
      try {
        await this.promptLM.loadCheckpoint(snapshot.checkpoint.bytes);
      } catch (error) {
        throw new RunMismatchError(`the prompt-LM does not take the saved run's adapter (${(error as Error).message}): load the prompt-LM it was made with (${snapshot.run.promptLM})`);
      }
      const recorder = await RunRecorder.resume(repository, snapshot);
      const sampler = this.runSampler();
      const target = recorder.target(this.targetView(), perExampleScores);
      const run = await GflowpoRun.fromState(state, resume.task, sampler, target);
      lock.committed(snapshot.run.step, snapshot.run.counts.events, snapshot.run.status);
      this.current = { run, task: resume.task, sampler, target, recorder, lock };
      return { ...info, runId, step: snapshot.run.step };
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  private get open(): Current {
    if (!this.current) throw new LabEngineError('no run is set up; call setup(), createRun() or resumeRun() first');
    return this.current;
  }

  /** Target-LM model calls (evaluate batches) this engine made since its target loaded; journalled answers make none. */
  get targetModelCalls(): number {
    return this.target.calls;
  }

  /** A remote target-LM's answered requests, retries, prompt and generated tokens since it loaded (this run); null for a local one. */
  get targetUsage(): TargetEngine['usage'] {
    return this.target.usage;
  }

  /** A remote target-LM whose server was gone: send the next request now (the user says the server is back). */
  resetTargetConnection(): void {
    this.target.resetConnection();
  }

  /** The id of the stored run this engine has open (null: none, or a run in memory only). */
  get runId(): string | null {
    return this.current?.recorder?.runId ?? null;
  }

  /**
   * One step of the schedule; its events (the last step's end with 'done'). A stored run commits the step before
   * returning; when the step or its commit fails, the run rewinds to its last committed step (nothing of the step
   * is stored) and the error is thrown: calling step() again retries it without repeating a target-LM call.
   */
  async step(): Promise<StepEvent[]> {
    const c = this.open;
    let events: StepEvent[];
    try {
      events = await c.run.step();
      if (c.recorder) await c.recorder.commit(c.run.state(), events, await this.promptLM.saveCheckpoint(), c.run.finished ? 'finished' : 'running', this.now());
    } catch (error) {
      if (c.recorder) await this.rewind(c, error as Error);
      throw error;
    }
    if (c.recorder && c.lock) c.lock.committed(c.recorder.record.step, c.recorder.record.counts.events, c.recorder.record.status);
    return events;
  }

  /**
   * Classroom mode: one step() (committed as usual), then each of its prompts' tokens with per-token log-probs under
   * the prior and under the adapter before and after the step's update (src/engines/classroom.ts); null when the
   * call only ran the final selection. The run continues exactly as it would without it (same adapter, optimiser,
   * logZ, random streams).
   */
  async classroomStep(): Promise<{ events: StepEvent[]; explained: ClassroomStep | null }> {
    const c = this.open;
    const recorder = this.stepRecorder;
    if (!recorder) throw new LabEngineError('the open run has no step recorder; set the run up again');
    const before = await this.promptLM.saveCheckpoint();
    recorder.begin();
    let events: StepEvent[];
    let batches: RecordedMicroBatch[];
    try {
      events = await this.step();
    } finally {
      batches = recorder.end();
    }
    if (!events.some((e) => e.type === 'step')) return { events, explained: null };
    const explained = await explainStep({ lm: this.promptLM, before, batches, events, eosTokenIds: this.promptEos, dropout: c.run.settings.lora.dropout });
    return { events, explained };
  }

  /** Back to the last committed step: the in-memory run and the adapter as stored, the store as before the step. */
  private async rewind(c: Current, error: Error): Promise<void> {
    const recorder = c.recorder!;
    await recorder.abandonStep().catch(() => undefined);
    const { state, checkpoint } = recorder.committed();
    if (checkpoint) await this.promptLM.loadCheckpoint(checkpoint);
    c.run = await GflowpoRun.fromState(state, c.task, c.sampler, c.target);
    // A full disk leaves the store exactly as before the step; other failures are noted on the run for the views.
    if (!(error instanceof StoreQuotaError)) await recorder.setStatus('paused', `${error.name}: ${error.message}`).catch(() => undefined);
  }

  /**
   * Steps until done or stop(); events go to `onEvent` (a Comlink.proxy from the page), each awaited, so all
   * of a step's events have arrived when this resolves.
   */
  async start(onEvent: (event: StepEvent) => void | Promise<void>): Promise<boolean> {
    this.stopRequested = false;
    const c = this.open;
    while (!c.run.finished && !this.stopRequested) for (const e of await this.step()) await onEvent(e);
    if (!c.run.finished && c.recorder) await c.recorder.setStatus('paused');
    return c.run.finished;
  }

  /** Stops start() after the step in progress. */
  stop(): void {
    this.stopRequested = true;
  }

  /** The run's state as plain JSON (settings, step, RNG, buffer, queue, cache, meta-prompt history). */
  state(): GflowpoRunState {
    return this.open.run.state();
  }

  /** The prompt-LM's adapter, optimiser state and logZ as bytes (pair it with state() to resume). */
  adapterCheckpoint(): Promise<Uint8Array> {
    return this.promptLM.saveCheckpoint();
  }

  restoreAdapter(bytes: Uint8Array): Promise<void> {
    return this.promptLM.loadCheckpoint(bytes);
  }

  /** Closes the open run (its lock released; a stored run not finished is left paused). */
  private async closeRun(): Promise<void> {
    const c = this.current;
    this.current = undefined;
    if (!c) return;
    if (c.recorder && !c.run.finished && c.recorder.record.status === 'running') await c.recorder.setStatus('paused').catch(() => undefined);
    await c.lock?.release();
  }

  async release(): Promise<void> {
    await this.closeRun();
    this.runLibrary.close();
    await this.promptLM.release();
    await this.target.release();
  }

  // ---- The run library (a RunStore repository: the lab worker), src/store/run-library.ts ----

  /**
   * Calls `onNotice` when the store's connection is blocked by an older tab, closed for a newer version of the lab
   * (reload), or closed by the browser (reopened on the next action): the views show the notice's message.
   */
  watchStore(onNotice: (notice: StoreNotice) => void | Promise<void>): void {
    this.noticeListeners.add(onNotice);
  }

  /** Every stored run, most recently changed first, with where it is open and whether it was interrupted. */
  listRuns(): Promise<LabRunSummary[]> {
    return this.runLibrary.list();
  }

  /** A stored run for reading (works while another tab has it open: then `holder` says where). */
  viewRun(runId: string): Promise<LabRunView> {
    return this.runLibrary.view(runId);
  }

  /** A run's events from sequence number `from` (charts fetch what a subscription announced). */
  runEvents(runId: string, from = 0): Promise<EventRecord[]> {
    return this.runLibrary.events(runId, from);
  }

  /**
   * Calls `onEvents` with the events committed to the run after event `from` (in any tab or worker, this one
   * included), in order, each once; returns an id for unsubscribe(). Pass a Comlink.proxy from the page.
   */
  subscribe(runId: string, from: number, onEvents: (events: EventRecord[]) => void | Promise<void>): Promise<number> {
    return this.runLibrary.subscribe(runId, from, onEvents);
  }

  unsubscribe(id: number): void {
    this.runLibrary.unsubscribe(id);
  }

  /** Removes every record of a run; refuses one open here or in another tab. */
  deleteRun(runId: string): Promise<void> {
    return this.runLibrary.delete(runId);
  }

  /** The run as one run file (the headless command's --state format); readable while it is open elsewhere. */
  exportRun(runId: string): Promise<Uint8Array> {
    return this.runLibrary.export(runId);
  }

  /** Imports a run file, checked before anything is written; an existing run: 'refuse' (default), 'copy' or 'replace'. */
  importRun(bytes: Uint8Array, mode: ImportMode = 'refuse'): Promise<LabRunSummary> {
    return this.runLibrary.import(bytes, mode);
  }

  /** Whether the site's storage is persistent, bytes used and allowed, and each run's share. */
  storage(): Promise<StorageState & { runs: { id: string; name: string; bytes: number }[] }> {
    return this.runLibrary.storage();
  }
}
