// Page state for the toy-training demo: owns the trainer worker, runs step() while running, keeps the loss history. No DOM.
import * as Comlink from 'comlink';
import type { Remote } from 'comlink';
import type { BackendInfo, DemoOptions, DemoStep, ToyTrainerApi } from '../../demo/contract';
import { type ShownError, toShownError } from '../common/errors';
import toyWorkerUrl from '../../../workers/toy-trainer.worker.ts?worker&url';
import { boundWorker } from '../shell/bound-worker';

export type TaskDescription = Awaited<ReturnType<ToyTrainerApi['describe']>>;

export type Phase = 'starting' | 'ready' | 'running' | 'failed';

export class TrainingState {
  phase = $state<Phase>('starting');
  backend = $state<BackendInfo | null>(null);
  task = $state<TaskDescription | null>(null);
  /** Loss of step i + 1 at index i (NaN-like values kept); replaced, never mutated, so the chart sees a new array. */
  losses = $state.raw<readonly number[]>([]);
  last = $state<DemoStep | null>(null);
  /** Steps whose loss or gradient was not finite (parameters left unchanged). */
  skipped = $state(0);
  error = $state<ShownError | null>(null);

  running = $derived(this.phase === 'running');

  #looping = false;
  #worker: Worker;
  #engine: Remote<ToyTrainerApi>;

  constructor() {
    this.#worker = boundWorker(toyWorkerUrl);
    // A worker that fails to load never answers comlink calls; surface it instead of waiting forever.
    this.#worker.addEventListener('error', (event) => {
      this.#fail({ name: 'WorkerError', message: event.message || 'the trainer worker failed to load or threw at top level' });
    });
    this.#engine = Comlink.wrap<ToyTrainerApi>(this.#worker);
  }

  /** Compiles the training bundle in the worker and reads the task description. */
  async init(options?: DemoOptions): Promise<void> {
    try {
      this.backend = await this.#engine.init(options);
      this.task = await this.#engine.describe();
      if (this.phase === 'starting') this.phase = 'ready';
    } catch (error) {
      this.#fail(toShownError(error));
    }
  }

  toggle(): void {
    if (this.phase === 'running') this.phase = 'ready';
    else if (this.phase === 'ready') void this.#loop();
  }

  dispose(): void {
    this.phase = 'ready';
    this.#engine[Comlink.releaseProxy]();
    this.#worker.terminate();
  }

  async #loop(): Promise<void> {
    this.phase = 'running';
    // After a quick pause/resume the previous loop is still awaiting its last step; it carries on.
    if (this.#looping) return;
    this.#looping = true;
    try {
      while (this.phase === 'running') {
        const step = await this.#engine.step();
        this.last = step;
        this.losses = [...this.losses, step.loss];
        if (!step.finite) this.skipped += 1;
      }
    } catch (error) {
      this.#fail(toShownError(error));
    } finally {
      this.#looping = false;
    }
  }

  #fail(error: ShownError): void {
    this.error = error;
    this.phase = 'failed';
  }
}
