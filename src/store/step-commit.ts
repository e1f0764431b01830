// Turns a run's state after a step into the records that step adds or replaces (a StepCommit), relative to the
// last committed run record and buffer heap, and applies a commit to an in-memory snapshot (the headless state
// file and the tests' model of the database). Pure: the writing itself is run-store.ts (IndexedDB) or the caller.
import type { StepEvent } from '../gflow/events';
import type { GflowpoRunState } from '../gflow/run';
import {
  type BufferRecord,
  type EvaluationRecord,
  type EventRecord,
  type HeapEntry,
  type MetaPromptRecord,
  type QueueRecord,
  type RunRecord,
  type RunSnapshot,
  type RunStatus,
  type StepCommit,
  cacheKey,
  emptyBytes,
  promptId,
  sizeOf,
  splitRunState,
} from './records';
import { RunStoreError } from './errors';

/** What a new run record is made of (the rest comes from the state). */
export interface RunIdentity {
  id: string;
  name: string;
  /** Where the prompt-LM came from (a hub id or a description of the files). */
  promptLM: string;
  createdAt: number;
}

/** The last committed run record and buffer heap: what the next commit is computed against. */
export interface CommittedHead {
  run: RunRecord;
  heap: HeapEntry[];
}

export interface StepOutcome {
  state: GflowpoRunState;
  /** The events the step returned, in order. */
  events: readonly StepEvent[];
  /** The prompt-LM checkpoint after the step (null: keep the stored one). */
  checkpoint: Uint8Array | null;
  status: RunStatus;
  error?: string | null;
  now: number;
  /** Per-example scores of a cache entry by its key, when the target reported them. */
  perExample?: (key: string) => number[] | null;
}

/** A run record before its first commit: nothing stored yet. */
export function newRunRecord(identity: RunIdentity, state: GflowpoRunState): RunRecord {
  const { core } = splitRunState(state);
  return {
    id: identity.id,
    name: identity.name,
    createdAt: identity.createdAt,
    updatedAt: identity.createdAt,
    status: 'paused',
    seed: state.settings.seed,
    task: state.task,
    target: state.target,
    promptLM: identity.promptLM,
    step: 0,
    error: null,
    core,
    counts: { evaluations: 0, events: 0, metaPrompts: 0, buffer: 0, queue: 0 },
    bytes: emptyBytes(),
  };
}

/** Sampled token ids of each fresh prompt in the step events, when the events carry them. */
function sampledIds(events: readonly StepEvent[]): Map<string, number[]> {
  const ids = new Map<string, number[]>();
  for (const e of events) {
    if (e.type !== 'step') continue;
    for (const s of e.samples) {
      const t = (s as { tokenIds?: unknown }).tokenIds ?? (s as { tokens?: unknown }).tokens;
      if (Array.isArray(t) && !ids.has(s.text)) ids.set(s.text, t as number[]);
    }
  }
  return ids;
}

/** The records a step adds or replaces, given the head it follows. */
export function stepCommit(head: CommittedHead, outcome: StepOutcome): StepCommit {
  const prev = head.run;
  const { core, heap, queue, cache, history } = splitRunState(outcome.state);
  if (outcome.state.task !== prev.task || outcome.state.target !== prev.target) throw new RunStoreError(`run ${prev.id} is for task ${prev.task} and target ${prev.target}; a state for ${outcome.state.task} / ${outcome.state.target} cannot be committed to it`);
  if (cache.length < prev.counts.evaluations) throw new RunStoreError(`the reward cache shrank from ${prev.counts.evaluations} to ${cache.length} entries; a run's cache only grows`);
  if (history.length < prev.counts.metaPrompts) throw new RunStoreError(`the meta-prompt history shrank from ${prev.counts.metaPrompts} to ${history.length} entries`);
  const runId = prev.id;
  const step = outcome.state.step;
  const ids = sampledIds(outcome.events);

  const evaluations: EvaluationRecord[] = cache.slice(prev.counts.evaluations).map((entry, i) => ({
    ...entry,
    runId,
    seq: prev.counts.evaluations + i,
    step,
    promptId: promptId(entry.prompt),
    tokenIds: ids.get(entry.prompt) ?? null,
    perExample: outcome.perExample?.(cacheKey(entry)) ?? null,
  }));
  const events: EventRecord[] = outcome.events.map((event, i) => ({ runId, seq: prev.counts.events + i, step: event.step, event: structuredClone(event) }));
  const metaPrompts: MetaPromptRecord[] = history.slice(prev.counts.metaPrompts).map((entry, i) => ({ runId, seq: prev.counts.metaPrompts + i, step: entry.step, entry }));
  const buffer: BufferRecord[] = [];
  heap.forEach((entry, index) => {
    const old = head.heap[index];
    if (!old || old.text !== entry.text || old.seq !== entry.seq || old.trainAccuracy !== entry.trainAccuracy || old.step !== entry.step) buffer.push({ runId, index, entry });
  });
  const queueRecords: QueueRecord[] = queue.map((entry, index) => ({ runId, index, entry }));

  const bytes = { ...prev.bytes };
  bytes.evaluations += evaluations.reduce((n, r) => n + sizeOf(r), 0);
  bytes.events += events.reduce((n, r) => n + sizeOf(r), 0);
  bytes.metaPrompts += metaPrompts.reduce((n, r) => n + sizeOf(r), 0);
  bytes.buffer = sizeOf(heap);
  bytes.queue = sizeOf(queue);
  if (outcome.checkpoint) bytes.checkpoint = outcome.checkpoint.byteLength;
  const run: RunRecord = {
    ...prev,
    updatedAt: outcome.now,
    status: outcome.status,
    step,
    error: outcome.error ?? null,
    core,
    counts: {
      evaluations: cache.length,
      events: prev.counts.events + events.length,
      metaPrompts: history.length,
      buffer: heap.length,
      queue: queue.length,
    },
    bytes,
  };
  run.bytes.run = sizeOf({ ...run, bytes: undefined });
  return {
    run,
    evaluations,
    events,
    metaPrompts,
    buffer,
    bufferLength: heap.length,
    queue: queueRecords,
    checkpoint: outcome.checkpoint ? { runId, step, bytes: outcome.checkpoint } : null,
  };
}

/** The head after a commit. */
export function headAfter(head: CommittedHead, commit: StepCommit): CommittedHead {
  const heap = head.heap.slice(0, commit.bufferLength);
  for (const r of commit.buffer) heap[r.index] = r.entry;
  return { run: commit.run, heap };
}

/** The head of a stored run (its record and heap). */
export function headOf(snapshot: RunSnapshot): CommittedHead {
  return { run: snapshot.run, heap: [...snapshot.buffer].sort((a, b) => a.index - b.index).map((r) => r.entry) };
}

/** A snapshot with a commit applied (what the database holds after the commit's transaction). */
export function applyCommit(snapshot: RunSnapshot, commit: StepCommit): RunSnapshot {
  if (snapshot.run.id !== commit.run.id) throw new RunStoreError(`a commit for run ${commit.run.id} cannot apply to run ${snapshot.run.id}`);
  const buffer = new Map(snapshot.buffer.filter((r) => r.index < commit.bufferLength).map((r) => [r.index, r]));
  for (const r of commit.buffer) buffer.set(r.index, r);
  return {
    run: commit.run,
    evaluations: [...snapshot.evaluations, ...commit.evaluations],
    events: [...snapshot.events, ...commit.events],
    metaPrompts: [...snapshot.metaPrompts, ...commit.metaPrompts],
    buffer: [...buffer.values()].sort((a, b) => a.index - b.index),
    queue: commit.queue,
    checkpoint: commit.checkpoint ?? snapshot.checkpoint,
  };
}

/** An empty snapshot of a new run (nothing committed). */
export function emptySnapshot(run: RunRecord): RunSnapshot {
  return { run, evaluations: [], events: [], metaPrompts: [], buffer: [], queue: [], checkpoint: null };
}
