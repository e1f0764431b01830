// The records a run is stored as, in IndexedDB and in a run file alike (one type per object store), and the two
// conversions between them and the loop's GflowpoRunState: a run's state is split into its core (settings,
// counters, random streams, logZ, ...) and the parts that grow or change by pieces (reward-cache entries as
// evaluations, buffer heap slots, queue entries, meta-prompt history), which are kept record by record so a
// step writes only what changed. Pure data: no IndexedDB, no engines.
import type { StepEvent } from '../gflow/events';
import type { GflowpoRunState } from '../gflow/run';

type BufferState = GflowpoRunState['buffer'];
type QueueState = GflowpoRunState['queue'];
type CacheState = GflowpoRunState['cache'];
export type HeapEntry = BufferState['heap'][number];
export type QueueEntry = QueueState['entries'][number];
export type CachedScore = CacheState['entries'][number];
export type MetaPromptHistoryEntry = GflowpoRunState['metaPromptHistory'][number];

/** The run state without its record-by-record parts (those live in their own stores). */
export type RunCore = Omit<GflowpoRunState, 'buffer' | 'queue' | 'cache' | 'metaPromptHistory'> & {
  buffer: Omit<BufferState, 'heap'>;
  queue: Omit<QueueState, 'entries'>;
  cache: Omit<CacheState, 'entries'>;
};

/** running: open in a tab or command; paused: closed between steps or interrupted; finished: done; failed: a step threw. */
export type RunStatus = 'running' | 'paused' | 'finished' | 'failed';
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'paused', 'finished', 'failed'];

/** Approximate bytes a run's records take, by kind (JSON length of objects, byteLength of the checkpoint). */
export interface RunBytes {
  run: number;
  evaluations: number;
  events: number;
  metaPrompts: number;
  buffer: number;
  queue: number;
  checkpoint: number;
}
export const BYTE_KINDS: readonly (keyof RunBytes)[] = ['run', 'evaluations', 'events', 'metaPrompts', 'buffer', 'queue', 'checkpoint'];

export interface RunRecord {
  id: string;
  name: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
  status: RunStatus;
  /** Equal to core.settings.seed, core.task, core.target (kept here for listing). */
  seed: number;
  task: string;
  target: string;
  /** Where the prompt-LM came from (a hub id or a description of picked files): what to load to resume. */
  promptLM: string;
  /** Completed steps (equal to core.step). */
  step: number;
  /** The last step that threw, when status is 'failed'. */
  error: string | null;
  core: RunCore;
  /** Records held per part (the next sequence number of each append-only part). */
  counts: { evaluations: number; events: number; metaPrompts: number; buffer: number; queue: number };
  bytes: RunBytes;
}

/** A reward-cache entry: a prompt's score on a split, with each example's score where the target reported it. */
export type EvaluationRecord = CachedScore & {
  runId: string;
  /** Position in the reward cache (insertion order). */
  seq: number;
  /** The step whose commit added it. */
  step: number;
  /** A short content id of the prompt text (equal texts, equal ids). */
  promptId: string;
  /** The sampled token ids of the prompt when the step's samples reported them, else null. */
  tokenIds: number[] | null;
  /** Each example's metric score (1/0 for accuracy) in split order; null when not recorded. */
  perExample: number[] | null;
};

export interface EventRecord {
  runId: string;
  seq: number;
  step: number;
  event: StepEvent;
}

export interface MetaPromptRecord {
  runId: string;
  seq: number;
  step: number;
  /** The history entry as the loop keeps it (meta-prompt text, demonstrations and the references DMU injected). */
  entry: MetaPromptHistoryEntry;
}

/** One slot of the replay buffer's heap (its order decides replay draws). */
export interface BufferRecord {
  runId: string;
  index: number;
  entry: HeapEntry;
}

export interface QueueRecord {
  runId: string;
  index: number;
  entry: QueueEntry;
}

/** The prompt-LM's checkpoint (adapter, AdamW moments, step, logZ) as the engine's opaque bytes. */
export interface CheckpointRecord {
  runId: string;
  /** The run's completed steps when it was taken. */
  step: number;
  bytes: Uint8Array;
}

/** A target-LM answer made during a step not yet committed (survives a crash so the call is never repeated). */
export interface PendingEvaluation {
  runId: string;
  /** The reward-cache key (prompt, task, split, target, template). */
  key: string;
  step: number;
  score: number;
  perExample: number[] | null;
}

/** Everything one run holds: the content of a run file and of one run's records in the database. */
export interface RunSnapshot {
  run: RunRecord;
  evaluations: EvaluationRecord[];
  events: EventRecord[];
  metaPrompts: MetaPromptRecord[];
  buffer: BufferRecord[];
  queue: QueueRecord[];
  checkpoint: CheckpointRecord | null;
}

/** What one step adds or replaces; applied in one transaction (IndexedDB) or one file write (headless). */
export interface StepCommit {
  run: RunRecord;
  evaluations: EvaluationRecord[];
  events: EventRecord[];
  metaPrompts: MetaPromptRecord[];
  /** Buffer slots that changed; slots at index >= bufferLength are removed. */
  buffer: BufferRecord[];
  bufferLength: number;
  /** The whole queue (it is small and reorders). */
  queue: QueueRecord[];
  checkpoint: CheckpointRecord | null;
}

/** The reward-cache key of an entry (the same tuple the loop's cache keys on). */
export function cacheKey(e: Pick<CachedScore, 'prompt' | 'task' | 'split' | 'target' | 'template'>): string {
  return JSON.stringify([e.prompt, e.task, e.split, e.target, e.template]);
}

/** FNV-1a 64-bit of the UTF-16 code units, as 16 hex digits: a stable short id for a prompt text. */
export function promptId(text: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (let i = 0; i < text.length; i++) h = ((h ^ BigInt(text.charCodeAt(i))) * prime) & mask;
  return h.toString(16).padStart(16, '0');
}

/** Splits a run state into its core and its record-by-record parts. */
export function splitRunState(state: GflowpoRunState): { core: RunCore; heap: HeapEntry[]; queue: QueueEntry[]; cache: CachedScore[]; history: MetaPromptHistoryEntry[] } {
  const { buffer, queue, cache, metaPromptHistory, ...rest } = state;
  const { heap, ...bufferRest } = buffer;
  const { entries: queueEntries, ...queueRest } = queue;
  const { entries: cacheEntries, ...cacheRest } = cache;
  const core = { ...rest, buffer: bufferRest, queue: queueRest, cache: cacheRest } as RunCore;
  return { core, heap, queue: queueEntries, cache: cacheEntries, history: metaPromptHistory };
}

/** The run state a snapshot holds (what GflowpoRun.fromState continues from). */
export function runStateOf(snapshot: RunSnapshot): GflowpoRunState {
  const { core } = snapshot.run;
  const byIndex = <T extends { index: number }>(xs: readonly T[]) => [...xs].sort((a, b) => a.index - b.index);
  const bySeq = <T extends { seq: number }>(xs: readonly T[]) => [...xs].sort((a, b) => a.seq - b.seq);
  const cache = bySeq(snapshot.evaluations).map((r) => cacheEntryOf(r));
  return structuredClone({
    ...core,
    buffer: { ...core.buffer, heap: byIndex(snapshot.buffer).map((r) => r.entry) },
    queue: { ...core.queue, entries: byIndex(snapshot.queue).map((r) => r.entry) },
    cache: { ...core.cache, entries: cache },
    metaPromptHistory: bySeq(snapshot.metaPrompts).map((r) => r.entry),
  } as GflowpoRunState);
}

/** The reward-cache entry an evaluation record stores (the record's own fields removed). */
export function cacheEntryOf(record: EvaluationRecord): CachedScore {
  const { runId: _r, seq: _s, step: _st, promptId: _p, tokenIds: _t, perExample: _e, ...entry } = record;
  return entry as CachedScore;
}

/** Approximate stored size of a JSON-able value (UTF-16 length of its JSON; Uint8Arrays by byteLength). */
export function sizeOf(value: unknown): number {
  if (value instanceof Uint8Array) return value.byteLength;
  return JSON.stringify(value)?.length ?? 0;
}

export function emptyBytes(): RunBytes {
  return { run: 0, evaluations: 0, events: 0, metaPrompts: 0, buffer: 0, queue: 0, checkpoint: 0 };
}

export function totalBytes(b: RunBytes): number {
  return BYTE_KINDS.reduce((n, k) => n + b[k], 0);
}
