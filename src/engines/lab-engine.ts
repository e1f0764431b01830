// The lab engine a worker exposes: one prompt-LM, one target-LM and a GFlowPO run on a task, stepped on
// request with typed events back, paused between steps, and its run state exported as JSON (the adapter's
// checkpoint travels separately as bytes). Composition only: the algorithm is src/gflow, the models src/runtime.
import type { StepEvent } from '../gflow/events';
import { type GflowpoRunState, GflowpoRun } from '../gflow/run';
import { type GflowpoSettingsInput, resolveSettings } from '../gflow/settings';
import type { DownloadProgress } from '../models/hub/hub';
import { LORA_TARGETS, type LoraTarget } from '../models/llama/lora';
import type { ModelCache } from '../models/hub/model-cache';
import type { Task } from '../tasks/task';
import type { BackendPreference } from '../runtime/device';
import type { Ort } from '../runtime/host-tensor';
import { type ModelInfo, type ModelSource, PromptLM } from './prompt-lm';
import { LabPromptSampler } from './prompt-sampler';
import { TargetEngine, type TargetImplementation, type TargetInfo, type TargetSource } from './target-engine';

export class LabEngineError extends Error {
  override name = 'LabEngineError';
}

export interface LabSetup {
  task: Task;
  promptLM: ModelSource;
  targetLM: TargetSource;
  targetImplementation?: TargetImplementation;
  backend?: BackendPreference;
  settings?: GflowpoSettingsInput;
}

export class LabEngine {
  private readonly promptLM: PromptLM;
  private readonly target: TargetEngine;
  private run: GflowpoRun | undefined;
  private stopRequested = false;

  constructor(loadOrt: () => Promise<Ort>, cache?: ModelCache) {
    this.promptLM = new PromptLM(loadOrt, cache);
    this.target = new TargetEngine(loadOrt, cache);
  }

  /** Loads both models and prepares the run (from `resume` when given: a state() of an earlier run on this task). */
  async setup(setup: LabSetup, onProgress?: (p: DownloadProgress) => void, resume?: GflowpoRunState): Promise<{ promptLM: ModelInfo; targetLM: TargetInfo }> {
    const settings = resolveSettings(setup.settings ?? {}, setup.task.name);
    const targets = settings.lora.targetModules.map((t) => {
      if (!(LORA_TARGETS as readonly string[]).includes(t)) throw new LabEngineError(`LoRA target '${t}' is not one of ${LORA_TARGETS.join(', ')}`);
      return t as LoraTarget;
    });
    const backend = setup.backend ?? 'auto';
    const { rank, alpha, dropout } = settings.lora;
    const promptLM = await this.promptLM.load(setup.promptLM, { backend, seed: settings.seed, lora: { rank, alpha, dropout, targets } }, onProgress);
    const targetLM = await this.target.load(setup.targetLM, { implementation: setup.targetImplementation ?? 'compiled', backend }, onProgress);
    const target = this.target;
    const targetView = { id: targetLM.id, get calls() { return target.calls; }, evaluate: target.evaluate.bind(target) };
    const sampler = new LabPromptSampler(this.promptLM);
    this.run = resume ? GflowpoRun.fromState(resume, setup.task, sampler, targetView) : new GflowpoRun(settings, setup.task, sampler, targetView);
    return { promptLM, targetLM };
  }

  private get current(): GflowpoRun {
    if (!this.run) throw new LabEngineError('no run is set up; call setup() first');
    return this.run;
  }

  /** One step of the schedule; its events (the last step's end with 'done'). */
  step(): Promise<StepEvent[]> {
    return this.current.step();
  }

  /**
   * Steps until done or stop(); events go to `onEvent` (a Comlink.proxy from the page), each awaited, so all
   * of a step's events have arrived when this resolves.
   */
  async start(onEvent: (event: StepEvent) => void | Promise<void>): Promise<boolean> {
    this.stopRequested = false;
    const run = this.current;
    while (!run.finished && !this.stopRequested) for (const e of await run.step()) await onEvent(e);
    return run.finished;
  }

  /** Stops start() after the step in progress. */
  stop(): void {
    this.stopRequested = true;
  }

  /** The run's state as plain JSON (settings, step, RNG, buffer, queue, cache, meta-prompt history). */
  state(): GflowpoRunState {
    return this.current.state();
  }

  /** The prompt-LM's adapter, optimiser state and logZ as bytes (pair it with state() to resume). */
  adapterCheckpoint(): Promise<Uint8Array> {
    return this.promptLM.saveCheckpoint();
  }

  restoreAdapter(bytes: Uint8Array): Promise<void> {
    return this.promptLM.loadCheckpoint(bytes);
  }

  async release(): Promise<void> {
    await this.promptLM.release();
    await this.target.release();
  }
}
