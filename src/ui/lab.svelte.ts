// The page's runs: new ones from the setup view, stored ones opened from the library (after a reload, an import,
// or while another tab runs them). Runs that load models go one at a time in order (a group launched together —
// GFlowPO and its baselines — queues behind the run in progress). Each LabRun owns its worker; the Library reads
// the store. No DOM.
import { Library } from './library.svelte';
import { LabRun } from './run/lab-run.svelte';
import type { RunSpec } from './run/run-spec';
import { loadSpec } from './run/spec-store';

/** How often a run open in another tab is checked for having been let go. */
const WATCH_MS = 2000;

export class Lab {
  runs = $state.raw<LabRun[]>([]);
  readonly library = new Library();
  #asked = false;
  #following = new Map<string, () => void>();
  #opening = new Map<string, Promise<LabRun | null>>();
  #watch: ReturnType<typeof setInterval> | undefined;

  /** A run of the page by its page key or its library id. */
  get(id: string): LabRun | undefined {
    return this.runs.find((r) => r.key === id || r.runId === id);
  }

  /** Adds new runs (queued) and advances the queue; returns them in order. */
  add(specs: readonly RunSpec[]): LabRun[] {
    const created = specs.map((s) => LabRun.fromSpec(s));
    this.runs = [...this.runs, ...created];
    if (!this.#asked) {
      this.#asked = true;
      void this.library.persist();
    }
    void this.advance();
    return created;
  }

  /**
   * A stored run brought onto the page (read-only until resumed; followed live when another tab runs it), or null
   * when the library has no such run (the reason is in library.error).
   */
  open(runId: string): Promise<LabRun | null> {
    const here = this.get(runId);
    if (here) return Promise.resolve(here);
    let pending = this.#opening.get(runId);
    if (!pending) {
      pending = this.#openStored(runId).finally(() => this.#opening.delete(runId));
      this.#opening.set(runId, pending);
    }
    return pending;
  }

  async #openStored(runId: string): Promise<LabRun | null> {
    try {
      const view = await this.library.view(runId);
      const run = LabRun.fromStored(view, await loadSpec(runId));
      this.runs = [...this.runs, run];
      if (run.status === 'elsewhere') await this.#follow(run);
      return run;
    } catch (error) {
      this.library.error = { name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error) };
      return null;
    }
  }

  /**
   * Follows a run another tab writes: each step it commits arrives here too, and when that tab lets go of it (closed,
   * reloaded, crashed: its lock is released) the run becomes resumable here.
   */
  async #follow(run: LabRun): Promise<void> {
    if (!run.runId || this.#following.has(run.runId)) return;
    const stop = await this.library.follow(run.runId, run.eventCount, (events) => {
      run.ingestStored(events.map((e) => e.event));
      if (events.some((e) => e.event.type === 'done')) run.status = 'done';
    });
    this.#following.set(run.runId, stop);
    this.#watch ??= setInterval(() => void this.#checkElsewhere(), WATCH_MS);
  }

  async #checkElsewhere(): Promise<void> {
    const away = this.runs.filter((r) => r.status === 'elsewhere');
    if (away.length === 0) {
      clearInterval(this.#watch);
      this.#watch = undefined;
      return;
    }
    await this.library.refresh();
    for (const run of away) {
      const s = this.library.runs.find((x) => x.id === run.runId);
      if (!s || s.open === 'elsewhere') continue;
      this.#unfollow(run);
      run.holder = null;
      run.status = s.status === 'finished' ? 'done' : 'stopped';
    }
  }

  /** Runs in the same group as `run` (itself included), in page order. */
  group(run: LabRun): LabRun[] {
    return run.meta.group === null ? [run] : this.runs.filter((r) => r.meta.group === run.meta.group);
  }

  /** Starts the first queued run when no other run holds models. */
  async advance(): Promise<void> {
    if (this.runs.some((r) => r.holdsModels)) return;
    const next = this.runs.find((r) => r.status === 'queued');
    if (!next) {
      await this.library.refresh();
      return;
    }
    await next.load();
    if (next.status === 'ready') await next.start();
    await this.library.refresh();
    if (next.finished) await this.advance();
  }

  /**
   * Continues a run: at once when its models are loaded, else through the queue (its models load again and the
   * engine resumes from the last committed step). `spec` supplies models and task a stored run lacks.
   */
  async resume(run: LabRun, spec?: RunSpec): Promise<void> {
    if (run.status === 'paused' || run.status === 'ready') {
      await run.start();
      await this.library.refresh();
      if (run.finished) await this.advance();
      return;
    }
    if (!run.resumable) return;
    if (spec) run.spec = spec;
    run.error = null;
    run.status = 'queued';
    await this.advance();
  }

  /** Stops `run` (after its step in progress), releases its models and moves the queue on. */
  async stop(run: LabRun): Promise<void> {
    await run.stop();
    await this.advance();
  }

  /** Deletes a run from the library (and the page); a run that holds models here is stopped first. */
  async deleteRun(run: LabRun): Promise<void> {
    await run.stop();
    if (run.runId) await this.library.deleteRun(run.runId);
    this.#unfollow(run);
    this.runs = this.runs.filter((r) => r !== run);
    await this.advance();
  }

  #unfollow(run: LabRun): void {
    if (!run.runId) return;
    this.#following.get(run.runId)?.();
    this.#following.delete(run.runId);
  }

  dispose(): void {
    clearInterval(this.#watch);
    for (const stop of this.#following.values()) stop();
    for (const r of this.runs) r.dispose();
    this.library.dispose();
  }
}
