// Classroom mode's controls for one run: Next step (exactly one GFlowNet step, then paused), auto-play at a chosen
// pace (one step, a pause, the next; stops at the end, on a failure, or when asked), and getting the run ready to
// step (pausing it if it runs on its own, loading its models if they were released). No DOM.
import type { Lab } from '../lab.svelte';
import type { LabRun } from '../run/lab-run.svelte';

/** Auto-play paces: the pause between two steps. */
export const AUTOPLAY_PACES = [
  { ms: 500, label: 'fast (½ s between steps)' },
  { ms: 2000, label: 'normal (2 s between steps)' },
  { ms: 6000, label: 'slow (6 s between steps)' },
] as const;

export class ClassroomPlayer {
  playing = $state(false);
  /** A step asked for here is in progress (the run's status is then 'running' because of us, not by itself). */
  stepping = $state(false);
  paceMs = $state<number>(AUTOPLAY_PACES[1].ms);
  /** Why the run cannot step here now (null when it can, or will once loaded/paused). */
  blocked = $state<string | null>(null);
  #wake: (() => void) | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly lab: Lab,
    readonly run: LabRun,
  ) {}

  /** The run waits for Next step. */
  get canStep(): boolean {
    return this.run.status === 'ready' || this.run.status === 'paused';
  }

  /** Pauses the run when it steps by itself (it may have been started from Setup); call it whenever the status changes. */
  holdStill(): void {
    if (this.run.status === 'running' && !this.stepping) this.run.pause();
  }

  /** Loads a stopped run's models (when no other run holds models); a running run is paused (holdStill). */
  async prepare(): Promise<void> {
    const run = this.run;
    this.blocked = null;
    this.holdStill();
    if ((run.status === 'stopped' || run.status === 'failed') && run.runId !== null) {
      if (!run.spec) {
        this.blocked = 'This page does not have this run’s models and task (it was imported, or its model was a local folder): open the run view and resume it with Setup’s choices first.';
        return;
      }
      const other = this.lab.runs.find((r) => r !== run && (r.holdsModels || r.status === 'queued'));
      if (other) {
        this.blocked = `Another run (${other.title}) is using the models: stop it in its run view first.`;
        return;
      }
      await run.load();
    }
  }

  /** Exactly one step. */
  async next(): Promise<void> {
    if (!this.canStep) return;
    await this.#step();
  }

  async #step(): Promise<void> {
    this.stepping = true;
    try {
      await this.run.classroomStep();
    } finally {
      this.stepping = false;
    }
    await this.#afterStep();
  }

  /** Steps until the end (or stop()), pausing `paceMs` between steps. */
  async play(): Promise<void> {
    if (this.playing || !this.canStep) return;
    this.playing = true;
    try {
      while (this.playing && this.canStep) {
        await this.#step();
        if (!this.playing || !this.canStep) break;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          this.#timer = setTimeout(resolve, this.paceMs);
        });
      }
    } finally {
      this.playing = false;
      this.#wake = null;
    }
  }

  /** Stops auto-play after the step in progress (at once between steps). */
  stop(): void {
    this.playing = false;
    clearTimeout(this.#timer);
    this.#wake?.();
  }

  async #afterStep(): Promise<void> {
    // A finished run lets the runs queued behind it go on.
    if (this.run.status === 'done') await this.lab.advance();
  }

  dispose(): void {
    this.stop();
  }
}
