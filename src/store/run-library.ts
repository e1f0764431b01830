// The run library the lab's views read through LabEngine: every stored run with where it is open (here, in another
// tab or worker, or nowhere: then resumable, and "interrupted" when it was running), a read-only view of one run
// with who holds it, its events from any point, a subscription to its commits (announced on the run's channel by
// whichever context writes it), delete (refused while open), export, import (refuse, copy, replace) and storage
// figures. It runs no steps and holds no run open itself (the engine does).
import type { GflowpoSettings } from '../gflow/settings';
import { RunLockedError } from './errors';
import type { EvaluationRecord, EventRecord, MetaPromptRecord, RunRecord, RunSnapshot } from './records';
import { decodeRunFile } from './run-file';
import { type LockHolder, RunLock, findHolder, isLocked, watchRun } from './run-lock';
import { type ImportMode, type RunStore, type RunSummary, summaryOf } from './run-store';
import { type StorageState, storageState } from './storage';

/** A run in the library, with where it is open. */
export interface RunListing extends RunSummary {
  /** 'here': this engine has it open; 'elsewhere': another tab or worker does; null: nobody (resumable). */
  open: 'here' | 'elsewhere' | null;
  /** Its status says running but nobody has it open: the tab closed or crashed mid-run (resume continues it). */
  interrupted: boolean;
}

/** A stored run as a read-only view reads it (all but the checkpoint bytes). */
export interface RunView {
  summary: RunListing;
  /** Who has it open when that is not this engine (the view is then read-only and says where). */
  holder: LockHolder | null;
  settings: GflowpoSettings;
  events: EventRecord[];
  evaluations: EvaluationRecord[];
  metaPrompts: MetaPromptRecord[];
  buffer: RunSnapshot['buffer'];
  queue: RunSnapshot['queue'];
  checkpointBytes: number;
}

export interface LibraryContext {
  /** The run the engine has open for writing (null: none). */
  openHere(): string | null;
  /** How the engine describes itself to other tabs. */
  label(): string;
  newId?: () => string;
}

export class RunLibrary {
  private readonly watchers = new Map<number, () => void>();
  private nextWatcher = 1;

  constructor(
    private readonly store: () => Promise<RunStore>,
    private readonly context: LibraryContext,
  ) {}

  private async listing(run: RunRecord): Promise<RunListing> {
    const here = this.context.openHere() === run.id;
    const open = here ? 'here' : (await isLocked(run.id)) ? 'elsewhere' : null;
    return { ...summaryOf(run), open, interrupted: run.status === 'running' && open === null };
  }

  /** Every stored run, most recently changed first, with where it is open. */
  async list(): Promise<RunListing[]> {
    const store = await this.store();
    const out: RunListing[] = [];
    for (const s of await store.listRuns()) {
      const run = await store.getRun(s.id);
      if (run) out.push(await this.listing(run));
    }
    return out;
  }

  /** A stored run for reading (works while another tab has it open: then `holder` says where). */
  async view(runId: string): Promise<RunView> {
    const s = await (await this.store()).loadSnapshot(runId);
    const summary = await this.listing(s.run);
    const holder = summary.open === 'elsewhere' ? await findHolder(runId) : null;
    return { summary, holder, settings: s.run.core.settings, events: s.events, evaluations: s.evaluations, metaPrompts: s.metaPrompts, buffer: s.buffer, queue: s.queue, checkpointBytes: s.checkpoint?.bytes.byteLength ?? 0 };
  }

  /** A run's events from sequence number `from`. */
  async events(runId: string, from = 0): Promise<EventRecord[]> {
    return (await this.store()).events(runId, from);
  }

  /**
   * Calls `onEvents` with the events committed to the run after event `from` (by any tab or worker), in order, each
   * once: now, then after every commit announced on the run's channel. Returns an id for unsubscribe().
   */
  async subscribe(runId: string, from: number, onEvents: (events: EventRecord[]) => void | Promise<void>): Promise<number> {
    const store = await this.store();
    let next = from;
    let busy = Promise.resolve();
    const pull = () => {
      busy = busy
        .then(async () => {
          const events = await store.events(runId, next);
          if (events.length === 0) return;
          next = events.at(-1)!.seq + 1;
          await onEvents(events);
        })
        .catch(() => undefined);
    };
    const id = this.nextWatcher++;
    this.watchers.set(
      id,
      watchRun(runId, (m) => {
        if (m.type === 'committed') pull();
      }),
    );
    pull();
    return id;
  }

  unsubscribe(id: number): void {
    this.watchers.get(id)?.();
    this.watchers.delete(id);
  }

  /** Removes every record of a run; refuses one open here or in another tab. */
  async delete(runId: string): Promise<void> {
    const store = await this.store();
    if (this.context.openHere() === runId) throw new RunLockedError('this run is open here; stop and close it (release) before deleting it');
    const lock = await RunLock.acquire(runId, { label: `${this.context.label()} (deleting)`, step: -1 });
    if (!lock) {
      const holder = await findHolder(runId);
      throw new RunLockedError(`this run is open in ${holder?.label ?? 'another tab'}; close it there before deleting it`);
    }
    try {
      await store.delete(runId);
    } finally {
      await lock.release();
    }
  }

  /** The run as one run file; readable while it is open elsewhere (its last committed step). */
  async export(runId: string): Promise<Uint8Array> {
    return (await this.store()).exportRun(runId);
  }

  /**
   * Imports a run file (checked completely before anything is written). An existing run with its id is never
   * overwritten silently: 'refuse' (default) throws, 'copy' imports it under a new id, 'replace' replaces it
   * (refused while the existing run is open somewhere).
   */
  async import(bytes: Uint8Array, mode: ImportMode = 'refuse'): Promise<RunListing> {
    const store = await this.store();
    if (mode === 'replace') {
      const id = decodeRunFile(bytes).run.id;
      if (this.context.openHere() === id || (await isLocked(id))) throw new RunLockedError('the run this file would replace is open; close it first, or import the file as a copy');
    }
    const run = await store.importRun(bytes, { mode, ...(this.context.newId ? { newId: this.context.newId } : {}) });
    return this.listing(run);
  }

  /** Whether the site's storage is persistent, bytes used and allowed, and each run's share. */
  async storage(): Promise<StorageState & { runs: { id: string; name: string; bytes: number }[] }> {
    const runs = (await (await this.store()).listRuns()).map((r) => ({ id: r.id, name: r.name, bytes: r.bytes }));
    return { ...(await storageState()), runs };
  }

  /** Stops every subscription. */
  close(): void {
    for (const stop of this.watchers.values()) stop();
    this.watchers.clear();
  }
}
