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

/** An append-only journal beside a state file (the headless command: FILE.journal, one JSON line per answer). */
export interface JournalFile {
  append(line: string): Promise<void> | void;
  /** The whole journal ('' when there is none). */
  read(): string;
  clear(): Promise<void> | void;
}

/**
 * One run in memory, written whole through `write` (a run file) after every change; the in-memory copy moves on
 * only when the write succeeded. With a journal, each target-LM answer of the step in progress is appended to it
 * before the run uses it, so a step killed mid-way is redone without calling the target again for those answers;
 * without one, they are made again (and counted once: the written state counted none of them).
 */
export class RunFileRepository implements RunRepository {
  constructor(
    private readonly write: (bytes: Uint8Array) => Promise<void> | void,
    private snapshot: RunSnapshot | null = null,
    private readonly journal: JournalFile | null = null,
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
    await this.journal?.clear();
  }

  async commit(commit: StepCommit, expected: { step: number; events: number }): Promise<void> {
    const s = this.require(commit.run.id);
    if (s.run.step !== expected.step || s.run.counts.events !== expected.events) throw new RunStoreError(`the state file moved on (step ${s.run.step}) while this run followed step ${expected.step}`);
    await this.save(applyCommit(s, commit));
    await this.journal?.clear();
  }

  async setStatus(id: string, status: RunRecord['status'], error: string | null = null): Promise<RunRecord> {
    const s = this.require(id);
    const run = { ...s.run, status, error };
    await this.save({ ...s, run });
    return run;
  }

  async putPending(record: PendingEvaluation): Promise<void> {
    this.require(record.runId);
    await this.journal?.append(`${JSON.stringify(record)}\n`);
  }

  /** The journalled answers of this run (a last line cut by a kill is skipped). */
  async pending(id: string): Promise<PendingEvaluation[]> {
    if (!this.journal || this.snapshot?.run.id !== id) return [];
    const out: PendingEvaluation[] = [];
    for (const line of this.journal.read().split('\n')) {
      if (!line.trim()) continue;
      let r: PendingEvaluation;
      try {
        r = JSON.parse(line) as PendingEvaluation;
      } catch {
        continue;
      }
      const ok = r && r.runId === id && typeof r.key === 'string' && Number.isInteger(r.step) && typeof r.score === 'number' && Number.isFinite(r.score) && (r.perExample === null || Array.isArray(r.perExample));
      if (ok) out.push(r);
    }
    return out;
  }

  async clearPending(): Promise<void> {
    await this.journal?.clear();
  }
}
