// Where an engine commits a run: the interface both stores implement (RunStore in IndexedDB; RunFileRepository,
// one run held in memory and written as a run file after every change, for the headless command's --state).
import { RunStoreError } from './errors';
import type { PendingEvaluation, RunRecord, RunSnapshot, StepCommit } from './records';
import { encodeRunFile } from './run-file';
import { applyCommit } from './step-commit';

export interface RunRepository {
  loadSnapshot(id: string): Promise<RunSnapshot>;
  /** A new run's records; refuses an id that exists. */
  create(snapshot: RunSnapshot): Promise<void>;
  /** One step's records, all or nothing; refuses a commit that does not follow `expected`. */
  commit(commit: StepCommit, expected: { step: number; events: number }): Promise<void>;
  setStatus(id: string, status: RunRecord['status'], error?: string | null): Promise<RunRecord>;
  /** The journal of the uncommitted step's target-LM answers (a no-op where there is none). */
  putPending(record: PendingEvaluation): Promise<void>;
  pending(id: string): Promise<PendingEvaluation[]>;
  clearPending(id: string): Promise<void>;
}

/**
 * One run in memory, written whole through `write` (a run file) after every change; the in-memory copy moves on
 * only when the write succeeded. It keeps no journal: a step interrupted before its write is redone from the
 * last written step (its target-LM calls are made again and counted once, as the written state counted them).
 */
export class RunFileRepository implements RunRepository {
  constructor(
    private readonly write: (bytes: Uint8Array) => Promise<void> | void,
    private snapshot: RunSnapshot | null = null,
  ) {}

  /** The run as last written. */
  current(): RunSnapshot | null {
    return this.snapshot;
  }

  private require(id: string): RunSnapshot {
    if (!this.snapshot || this.snapshot.run.id !== id) throw new RunStoreError(`this state file holds ${this.snapshot ? `run ${this.snapshot.run.id}` : 'no run'}, not run ${id}`);
    return this.snapshot;
  }

  private async save(next: RunSnapshot): Promise<void> {
    await this.write(encodeRunFile(next));
    this.snapshot = next;
  }

  async loadSnapshot(id: string): Promise<RunSnapshot> {
    return this.require(id);
  }

  async create(snapshot: RunSnapshot): Promise<void> {
    if (this.snapshot) throw new RunStoreError(`this state file already holds run ${this.snapshot.run.id}; resume it, or write the new run to another file`);
    await this.save(snapshot);
  }

  async commit(commit: StepCommit, expected: { step: number; events: number }): Promise<void> {
    const s = this.require(commit.run.id);
    if (s.run.step !== expected.step || s.run.counts.events !== expected.events) throw new RunStoreError(`the state file moved on (step ${s.run.step}) while this run followed step ${expected.step}`);
    await this.save(applyCommit(s, commit));
  }

  async setStatus(id: string, status: RunRecord['status'], error: string | null = null): Promise<RunRecord> {
    const s = this.require(id);
    const run = { ...s.run, status, error };
    await this.save({ ...s, run });
    return run;
  }

  async putPending(): Promise<void> {}

  async pending(): Promise<PendingEvaluation[]> {
    return [];
  }

  async clearPending(): Promise<void> {}
}
