// The page's runs: created from the setup view, run one at a time in creation order (a group of runs launched
// together — GFlowPO and its baselines — queues behind the run in progress), looked up by id for the views.
// Holds no model itself: each LabRun owns its worker. No DOM.
import { LabRun } from './run/lab-run.svelte';
import type { RunSpec } from './run/run-spec';

export class Lab {
  runs = $state.raw<LabRun[]>([]);

  get(id: string): LabRun | undefined {
    return this.runs.find((r) => r.id === id);
  }

  /** Adds runs (queued) and advances the queue; returns them in order. */
  add(specs: readonly RunSpec[]): LabRun[] {
    const created = specs.map((s) => new LabRun(s));
    this.runs = [...this.runs, ...created];
    void this.advance();
    return created;
  }

  /** Runs in the same group as `run` (itself included), in creation order. */
  group(run: LabRun): LabRun[] {
    return run.spec.group === null ? [run] : this.runs.filter((r) => r.spec.group === run.spec.group);
  }

  /** Starts the first queued run when no other run holds models (loading, ready, running or paused). */
  async advance(): Promise<void> {
    const busy = this.runs.some((r) => r.status === 'loading' || r.status === 'ready' || r.active || r.status === 'paused');
    const next = this.runs.find((r) => r.status === 'queued');
    if (busy || !next) return;
    await next.load();
    if (next.status === 'ready') await next.start();
    // The run ended, stopped, paused or failed: a later call (or this one, when it ended) moves the queue on.
    if (next.finished) await this.advance();
  }

  /** Resumes a paused run; when it ends, the queue moves on. */
  async resume(run: LabRun): Promise<void> {
    await run.resume();
    if (run.finished) await this.advance();
  }

  /** Stops `run` (after its step in progress) and moves the queue on. */
  async stop(run: LabRun): Promise<void> {
    await run.stop();
    await this.advance();
  }

  /** Stops `run` if it is going and drops it from the page. */
  async remove(run: LabRun): Promise<void> {
    await run.stop();
    this.runs = this.runs.filter((r) => r !== run);
    await this.advance();
  }

  dispose(): void {
    for (const r of this.runs) r.dispose();
  }
}
