// The lab's IndexedDB database: one typed DBSchema (idb), its versioned migrations, and opening it with every
// version-change case handled (upgrade: run each migration from the stored version up; blocked: another tab
// holds an older version open; blocking: this connection holds up a newer version, so it closes; terminated:
// the browser closed it). Records are src/store/records.ts; reading and writing them is run-store.ts.
import { type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames, openDB } from 'idb';
import type { BufferRecord, CheckpointRecord, EvaluationRecord, EventRecord, MetaPromptRecord, PendingEvaluation, QueueRecord, RunRecord } from './records';
import { StoreVersionError } from './errors';

export const DB_NAME = 'gflowpo-lab';

/** Every key of a run's records starts with its id: [runId, seq] or [runId, index]. */
type RunKey = [string, number];

export interface LabDB extends DBSchema {
  runs: { key: string; value: RunRecord; indexes: { 'by-updated': number } };
  /** The reward cache: one record per (prompt, split, target, template) a run scored. */
  evaluations: { key: RunKey; value: EvaluationRecord; indexes: { 'by-prompt': [string, string] } };
  events: { key: RunKey; value: EventRecord };
  metaPrompts: { key: RunKey; value: MetaPromptRecord };
  buffer: { key: RunKey; value: BufferRecord };
  queue: { key: RunKey; value: QueueRecord };
  /** The latest checkpoint of each run (replaced by each step). */
  checkpoints: { key: string; value: CheckpointRecord };
  /** v2: target-LM answers of the step in progress, keyed [runId, cache key]; cleared by the step's commit. */
  pending: { key: [string, string]; value: PendingEvaluation };
}

export type LabStore = StoreNames<LabDB>;
export type Migration = (db: IDBPDatabase<LabDB>, tx: IDBPTransaction<LabDB, LabStore[], 'versionchange'>) => void;

/**
 * MIGRATIONS[v - 1] takes a database from version v - 1 to v. Never edit a released migration: append one.
 * v1: runs, evaluations (reward cache), events, meta-prompt history, buffer slots, queue, checkpoints.
 * v2: pending, the journal of a step's target-LM answers before its commit (a crash mid-step loses no call).
 */
export const MIGRATIONS: readonly Migration[] = [
  (db) => {
    const runs = db.createObjectStore('runs', { keyPath: 'id' });
    runs.createIndex('by-updated', 'updatedAt');
    const evaluations = db.createObjectStore('evaluations', { keyPath: ['runId', 'seq'] });
    evaluations.createIndex('by-prompt', ['runId', 'promptId']);
    db.createObjectStore('events', { keyPath: ['runId', 'seq'] });
    db.createObjectStore('metaPrompts', { keyPath: ['runId', 'seq'] });
    db.createObjectStore('buffer', { keyPath: ['runId', 'index'] });
    db.createObjectStore('queue', { keyPath: ['runId', 'index'] });
    db.createObjectStore('checkpoints', { keyPath: 'runId' });
  },
  (db) => {
    db.createObjectStore('pending', { keyPath: ['runId', 'key'] });
  },
];

export const DB_VERSION = MIGRATIONS.length;

/** What happened to the connection; the views show `message`. */
export type StoreNotice =
  | { kind: 'blocked'; message: string }
  | { kind: 'unblocked'; message: string }
  | { kind: 'version-change'; message: string }
  | { kind: 'terminated'; message: string };

export interface OpenOptions {
  name?: string;
  /** Open at this version (tests of migrations); default DB_VERSION. */
  version?: number;
  onNotice?: (notice: StoreNotice) => void;
  /** Called when this connection closed itself (blocking) or was closed by the browser (terminated). */
  onClose?: () => void;
}

/** Opens (creating or migrating) the lab's database. */
export async function openLabDB(options: OpenOptions = {}): Promise<IDBPDatabase<LabDB>> {
  const version = options.version ?? DB_VERSION;
  if (!Number.isInteger(version) || version < 1 || version > DB_VERSION) throw new StoreVersionError(`database version ${version} is not one this build knows (1..${DB_VERSION})`);
  let wasBlocked = false;
  let db: IDBPDatabase<LabDB> | undefined;
  try {
    db = await openDB<LabDB>(options.name ?? DB_NAME, version, {
      upgrade(database, oldVersion, _newVersion, tx) {
        for (let v = oldVersion + 1; v <= version; v++) MIGRATIONS[v - 1]!(database, tx);
      },
      blocked(current) {
        wasBlocked = true;
        options.onNotice?.({ kind: 'blocked', message: `another tab has the lab's storage open at version ${current}; close or reload the other lab tabs to continue (this tab needs version ${version})` });
      },
      blocking(_current, next) {
        db?.close();
        options.onClose?.();
        options.onNotice?.({ kind: 'version-change', message: `a newer version of the lab (storage version ${next ?? '?'}) opened in another tab; this tab closed its storage: reload it` });
      },
      terminated() {
        options.onClose?.();
        options.onNotice?.({ kind: 'terminated', message: 'the browser closed the lab\'s storage (storage cleared or a disk error); it is reopened on the next action' });
      },
    });
  } catch (error) {
    const e = error as DOMException;
    if (e?.name === 'VersionError') throw new StoreVersionError(`the lab's storage is at a newer version than this build reads (it asked for ${version}): reload the page to get the newer lab`);
    throw error;
  }
  if (wasBlocked) options.onNotice?.({ kind: 'unblocked', message: 'the other tabs closed their storage; continuing' });
  return db;
}
