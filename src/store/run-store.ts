// Runs in IndexedDB: list, load, create, commit a step (one transaction over every store, or nothing), delete,
// export to and import from a run file, and space per run. A quota error leaves the store as it was and names
// what to delete. It does not run steps or hold locks (see lab-engine.ts and run-lock.ts).
import type { IDBPDatabase, IDBPTransaction } from 'idb';
import { RunFileError, RunStoreError, StoreQuotaError } from './errors';
import { type PendingEvaluation, type RunRecord, type RunSnapshot, type StepCommit, totalBytes } from './records';
import { decodeRunFile, encodeRunFile } from './run-file';
import { type LabDB, type LabStore, type OpenOptions, openLabDB } from './schema';

/** The stores a step writes (its transaction spans them all). */
const STEP_STORES: LabStore[] = ['runs', 'evaluations', 'events', 'metaPrompts', 'buffer', 'queue', 'checkpoints', 'pending'];
const RUN_PARTS = ['evaluations', 'events', 'metaPrompts', 'buffer', 'queue', 'pending'] as const;

/** Every key of run `id` in a store keyed [runId, ...]: [id] sorts before them and [id, []] after them. */
function runRange(id: string): IDBKeyRange {
  return IDBKeyRange.bound([id], [id, []]);
}

/** A run as the views list it. */
export interface RunSummary {
  id: string;
  name: string;
  status: RunRecord['status'];
  task: string;
  target: string;
  promptLM: string;
  seed: number;
  step: number;
  steps: number;
  mode: string;
  createdAt: number;
  updatedAt: number;
  /** Approximate bytes of all its records. */
  bytes: number;
  error: string | null;
}

export function summaryOf(run: RunRecord): RunSummary {
  const s = run.core.settings;
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    task: run.task,
    target: run.target,
    promptLM: run.promptLM,
    seed: run.seed,
    step: run.step,
    steps: s.steps,
    mode: s.mode,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    bytes: totalBytes(run.bytes),
    error: run.error,
  };
}

export type ImportMode = 'refuse' | 'copy' | 'replace';

export interface RunStoreOptions extends OpenOptions {
  /**
   * Called before each write of a transaction with the store and the write's index in it; a throw aborts the
   * transaction. Tests inject failures (and quota errors) here; the lab leaves it unset.
   */
  beforeWrite?: (store: LabStore, index: number) => void;
  /** New run ids (default crypto.randomUUID). */
  newId?: () => string;
}

function isQuotaError(error: unknown): boolean {
  const e = error as { name?: string; inner?: { name?: string } } | null;
  return e?.name === 'QuotaExceededError' || e?.inner?.name === 'QuotaExceededError';
}

function megabytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

type WriteTx = IDBPTransaction<LabDB, LabStore[], 'readwrite'>;
/** Queues one write request of the transaction (after the beforeWrite hook). */
type Write = (store: LabStore, request: () => Promise<unknown>) => void;

export class RunStore {
  private db: IDBPDatabase<LabDB> | undefined;

  private constructor(private readonly options: RunStoreOptions) {}

  static async open(options: RunStoreOptions = {}): Promise<RunStore> {
    const store = new RunStore(options);
    await store.connection();
    return store;
  }

  /** The open connection, reopened when the browser or a newer tab closed it. */
  private async connection(): Promise<IDBPDatabase<LabDB>> {
    if (!this.db) {
      this.db = await openLabDB({
        ...this.options,
        onClose: () => {
          this.db = undefined;
          this.options.onClose?.();
        },
      });
    }
    return this.db;
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }

  async listRuns(): Promise<RunSummary[]> {
    const db = await this.connection();
    const runs = await db.getAllFromIndex('runs', 'by-updated');
    return runs.reverse().map(summaryOf);
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    return (await this.connection()).get('runs', id);
  }

  private async requireRun(id: string): Promise<RunRecord> {
    const run = await this.getRun(id);
    if (!run) throw new RunStoreError(`there is no run with id ${id} in this browser's storage (deleted, or stored in another browser profile)`);
    return run;
  }

  /** Every record of a run, read in one transaction (a consistent committed state). */
  async loadSnapshot(id: string): Promise<RunSnapshot> {
    const db = await this.connection();
    const tx = db.transaction(STEP_STORES, 'readonly');
    const range = runRange(id);
    const [run, evaluations, events, metaPrompts, buffer, queue, checkpoint] = await Promise.all([
      tx.objectStore('runs').get(id),
      tx.objectStore('evaluations').getAll(range),
      tx.objectStore('events').getAll(range),
      tx.objectStore('metaPrompts').getAll(range),
      tx.objectStore('buffer').getAll(range),
      tx.objectStore('queue').getAll(range),
      tx.objectStore('checkpoints').get(id),
      tx.done,
    ]);
    if (!run) throw new RunStoreError(`there is no run with id ${id} in this browser's storage (deleted, or stored in another browser profile)`);
    return { run, evaluations, events, metaPrompts, buffer, queue, checkpoint: checkpoint ?? null };
  }

  /** A run's events from sequence number `from` on (charts read them as steps commit). */
  async events(id: string, from = 0): Promise<RunSnapshot['events']> {
    return (await this.connection()).getAll('events', IDBKeyRange.bound([id, from], [id, []]));
  }

  /**
   * Runs `write` in one read-write transaction over the step's stores; any failure (a throw, a failed request,
   * the quota) aborts it, so either every write lands or none does.
   */
  private async transaction(what: string, runName: string, write: (tx: WriteTx, w: Write) => Promise<void>): Promise<void> {
    const db = await this.connection();
    const tx = db.transaction(STEP_STORES, 'readwrite');
    const requests: Promise<unknown>[] = [];
    const w: Write = (store, request) => {
      this.options.beforeWrite?.(store, requests.length);
      const r = request();
      r.catch(() => undefined); // observed below through Promise.all / tx.done
      requests.push(r);
    };
    try {
      await write(tx, w);
      await Promise.all(requests);
      await tx.done;
    } catch (error) {
      try {
        tx.abort();
      } catch {
        // already finished or aborted
      }
      await tx.done.catch(() => undefined);
      if (isQuotaError(error) || isQuotaError(tx.error)) throw await this.quotaError(what, runName);
      throw error;
    }
  }

  /** A quota error that says what was not saved and which runs to delete (largest first). */
  private async quotaError(what: string, runName: string): Promise<StoreQuotaError> {
    let runs: RunSummary[] = [];
    try {
      runs = (await this.listRuns()).sort((a, b) => b.bytes - a.bytes);
    } catch {
      runs = [];
    }
    const estimate = await storageEstimate();
    const used = estimate ? ` (${megabytes(estimate.usage)} of ${megabytes(estimate.quota)} used)` : '';
    const candidates = runs.slice(0, 3).map((r) => `'${r.name}' (${megabytes(r.bytes)}, ${r.status}, step ${r.step}/${r.steps})`);
    const advice = candidates.length > 0 ? `delete a run you no longer need (export it first to keep it): ${candidates.join(', ')}` : 'free space in the browser (other sites\' data) or allow persistent storage';
    return new StoreQuotaError(`the browser's storage for this site is full${used}: ${what} of run '${runName}' was not saved and the store is as it was before it. To continue, ${advice}; then retry.`);
  }

  /** Writes a new run (all its records); refuses an id that exists unless `replace`. */
  async create(snapshot: RunSnapshot, options: { replace?: boolean } = {}): Promise<void> {
    const { run } = snapshot;
    await this.transaction('the new run', run.name, async (tx, w) => {
      const existing = await tx.objectStore('runs').get(run.id);
      if (existing && !options.replace) throw new RunStoreError(`a run with id ${run.id} ('${existing.name}') already exists; import it as a copy, or delete the existing run first`);
      if (existing) this.deleteRecords(tx, w, run.id);
      w('runs', () => tx.objectStore('runs').put(run));
      for (const r of snapshot.evaluations) w('evaluations', () => tx.objectStore('evaluations').put(r));
      for (const r of snapshot.events) w('events', () => tx.objectStore('events').put(r));
      for (const r of snapshot.metaPrompts) w('metaPrompts', () => tx.objectStore('metaPrompts').put(r));
      for (const r of snapshot.buffer) w('buffer', () => tx.objectStore('buffer').put(r));
      for (const r of snapshot.queue) w('queue', () => tx.objectStore('queue').put(r));
      if (snapshot.checkpoint) w('checkpoints', () => tx.objectStore('checkpoints').put(snapshot.checkpoint!));
    });
  }

  /**
   * Commits one step: its evaluations, events, meta-prompts, buffer and queue changes, checkpoint and the run
   * record, in one transaction. Refuses a commit that does not follow the stored run (another writer committed,
   * or this one is stale), so two writers can never interleave steps.
   */
  async commit(commit: StepCommit, expected: { step: number; events: number }): Promise<void> {
    const id = commit.run.id;
    await this.transaction(`step ${commit.run.step}`, commit.run.name, async (tx, w) => {
      const stored = await tx.objectStore('runs').get(id);
      if (!stored) throw new RunStoreError(`run ${id} is not in this browser's storage any more (deleted in another tab?); its step was not saved`);
      if (stored.step !== expected.step || stored.counts.events !== expected.events) {
        throw new RunStoreError(`run '${stored.name}' changed under this tab (stored: step ${stored.step}, ${stored.counts.events} events; this tab follows step ${expected.step}, ${expected.events} events): reopen it`);
      }
      for (const r of commit.evaluations) w('evaluations', () => tx.objectStore('evaluations').put(r));
      for (const r of commit.events) w('events', () => tx.objectStore('events').put(r));
      for (const r of commit.metaPrompts) w('metaPrompts', () => tx.objectStore('metaPrompts').put(r));
      for (const r of commit.buffer) w('buffer', () => tx.objectStore('buffer').put(r));
      if (commit.bufferLength < stored.counts.buffer) w('buffer', () => tx.objectStore('buffer').delete(IDBKeyRange.bound([id, commit.bufferLength], [id, []])));
      w('queue', () => tx.objectStore('queue').delete(runRange(id)));
      for (const r of commit.queue) w('queue', () => tx.objectStore('queue').put(r));
      if (commit.checkpoint) w('checkpoints', () => tx.objectStore('checkpoints').put(commit.checkpoint!));
      w('pending', () => tx.objectStore('pending').delete(runRange(id)));
      w('runs', () => tx.objectStore('runs').put(commit.run));
    });
  }

  /**
   * Journals one target-LM answer of the step in progress (its own small transaction), so a crash before the
   * step commits does not lose the call: the resumed step reads it back instead of calling the model again.
   */
  async putPending(record: PendingEvaluation): Promise<void> {
    const run = await this.requireRun(record.runId);
    await this.transaction(`step ${record.step}`, run.name, async (tx, w) => {
      w('pending', () => tx.objectStore('pending').put(record));
    });
  }

  /** The journalled answers of a run's uncommitted step. */
  async pending(runId: string): Promise<PendingEvaluation[]> {
    return (await this.connection()).getAll('pending', runRange(runId));
  }

  /** Drops a run's journalled answers (after a failed step whose store must stay as it was). */
  async clearPending(runId: string): Promise<void> {
    const db = await this.connection();
    await db.delete('pending', runRange(runId));
  }

  /** Changes a run's status (and error) only. */
  async setStatus(id: string, status: RunRecord['status'], error: string | null = null): Promise<RunRecord> {
    let updated: RunRecord | undefined;
    const run = await this.requireRun(id);
    await this.transaction('the run status', run.name, async (tx, w) => {
      const current = await tx.objectStore('runs').get(id);
      if (!current) throw new RunStoreError(`there is no run with id ${id}`);
      updated = { ...current, status, error, updatedAt: Date.now() };
      w('runs', () => tx.objectStore('runs').put(updated!));
    });
    return updated!;
  }

  async rename(id: string, name: string): Promise<void> {
    const run = await this.requireRun(id);
    await this.transaction('the new name', run.name, async (tx, w) => {
      const current = await tx.objectStore('runs').get(id);
      if (current) w('runs', () => tx.objectStore('runs').put({ ...current, name }));
    });
  }

  private deleteRecords(tx: WriteTx, w: Write, id: string): void {
    w('runs', () => tx.objectStore('runs').delete(id));
    for (const part of RUN_PARTS) w(part, () => tx.objectStore(part).delete(runRange(id)));
    w('checkpoints', () => tx.objectStore('checkpoints').delete(id));
  }

  /** Removes every record of a run, in one transaction. */
  async delete(id: string): Promise<void> {
    const run = await this.requireRun(id);
    await this.transaction('the deletion', run.name, async (tx, w) => this.deleteRecords(tx, w, id));
  }

  /** The run as one run file (the same format as the headless command's state file). */
  async exportRun(id: string): Promise<Uint8Array> {
    return encodeRunFile(await this.loadSnapshot(id));
  }

  /**
   * Imports a run file: validated completely before anything is written, then written in one transaction.
   * An existing run with the same id is never overwritten silently: 'refuse' (default) throws, 'copy' imports
   * under a new id and name, 'replace' replaces it (the caller asked).
   */
  async importRun(bytes: Uint8Array | ArrayBuffer, options: { mode?: ImportMode; newId?: () => string } = {}): Promise<RunRecord> {
    const snapshot = decodeRunFile(bytes);
    const mode = options.mode ?? 'refuse';
    const existing = await this.getRun(snapshot.run.id);
    if (existing && mode === 'refuse') throw new RunStoreError(`this browser already has the run '${existing.name}' (id ${existing.id}, step ${existing.step}); import it as a copy or replace it explicitly`);
    const newId = options.newId ?? this.options.newId ?? (() => crypto.randomUUID());
    const imported = existing && mode === 'copy' ? renamed(snapshot, newId(), `${snapshot.run.name} (copy)`) : snapshot;
    // A run imported while it was running elsewhere is paused here: this tab has not opened it.
    const run: RunRecord = { ...imported.run, status: imported.run.status === 'running' ? 'paused' : imported.run.status };
    await this.create({ ...imported, run }, { replace: mode === 'replace' });
    return run;
  }
}

/** The same run under another id and name (every record's runId rewritten). */
export function renamed(s: RunSnapshot, id: string, name: string): RunSnapshot {
  if (!id) throw new RunFileError('a run needs a non-empty id');
  const re = <T extends { runId: string }>(xs: T[]) => xs.map((x) => ({ ...x, runId: id }));
  return {
    run: { ...s.run, id, name },
    evaluations: re(s.evaluations),
    events: re(s.events),
    metaPrompts: re(s.metaPrompts),
    buffer: re(s.buffer),
    queue: re(s.queue),
    checkpoint: s.checkpoint ? { ...s.checkpoint, runId: id } : null,
  };
}

/** navigator.storage.estimate(), or null where there is none (Node). */
export async function storageEstimate(): Promise<{ usage: number; quota: number } | null> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (!storage?.estimate) return null;
  const e = await storage.estimate();
  return { usage: e.usage ?? 0, quota: e.quota ?? 0 };
}
