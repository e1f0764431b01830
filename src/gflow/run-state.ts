// A GFlowPO run's saved state as plain JSON (GflowpoRunState) and its validation, field by field, before a run is
// rebuilt from it: a file from disk or another build gets a GflowpoStateError naming the field and what was
// expected, never a half-restored run. It checks the state on its own and against its settings; the task, the
// target and the prompt-LM's adapter are checked by GflowpoRun.fromState.
import type { DoneEvent } from './events';
import type { MetaPrompt } from './meta-prompt';
import { PromptQueue, type PromptQueueState } from './priority-queue';
import { ReplayBuffer, type ReplayBufferState } from './replay-buffer';
import { RewardCache, type RewardCacheState } from './reward-cache';
import { RNG_PURPOSES, type RngStates } from './rng';
import { freezesConditionBuffer, isTrainingStep } from './schedule';
import { type GflowpoSettings, SettingsError, resolveSettings } from './settings';

/** 2: logZ tracked from step 1, references and meta-prompts per micro-batch. Version 1 states are refused. */
export const RUN_STATE_VERSION = 2;

/** Everything a run needs to continue exactly, as plain JSON (the sampler's adapter and optimiser are not here). */
export interface GflowpoRunState {
  version: typeof RUN_STATE_VERSION;
  settings: GflowpoSettings;
  /** The task's id (its name, data and split options, content hash): the run continues only on the same task. */
  task: string;
  /** The target-LM's id (content hash of its config and weights). */
  target: string;
  /** Steps completed. */
  step: number;
  /** GFlowNet updates applied (finite ones; the learning-rate schedule's position and the adapter's step). */
  updates: number;
  rng: RngStates;
  buffer: ReplayBufferState;
  queue: PromptQueueState;
  /** Frozen at conditionFreezeStep under DMU; null before, and always in modes without DMU. */
  conditionBuffer: string[] | null;
  cache: RewardCacheState;
  /** The running logZ after the last micro-batch; null before the first (and in manual mode). */
  logZ: number | null;
  /** Every completed step's meta-prompts, one per micro-batch. */
  metaPromptHistory: { step: number; metaPrompts: MetaPrompt[] }[];
  /** The first step's fresh samples, reported on every split at the end. */
  initialPrompts: string[];
  done: DoneEvent | null;
}

/** A saved state that cannot continue: malformed, from another version, or for another task, target or adapter. */
export class GflowpoStateError extends Error {
  override name = 'GflowpoStateError';
  constructor(
    /** The state field at fault ('(state)' for the whole, 'adapter' for the prompt-LM's checkpoint). */
    readonly field: string,
    message: string,
  ) {
    super(`run state ${field}: ${message}`);
  }
}

/** The parts fromState rebuilds, already parsed. */
export interface ParsedRunState {
  state: GflowpoRunState;
  settings: Readonly<GflowpoSettings>;
  buffer: ReplayBuffer;
  queue: PromptQueue;
  cache: RewardCache;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isAccuracy = (v: unknown): v is number => typeof v === 'number' && v >= 0 && v <= 1;
const shown = (v: unknown): string => (v === undefined ? 'undefined' : (JSON.stringify(v) ?? String(v)).slice(0, 120));

function fail(field: string, expected: string, got: unknown): never {
  throw new GflowpoStateError(field, `expected ${expected}, got ${shown(got)}`);
}

function stringList(field: string, v: unknown): string[] {
  if (!Array.isArray(v)) fail(field, 'a list of prompts', v);
  v.forEach((x, i) => {
    if (typeof x !== 'string') fail(`${field}[${i}]`, 'a string', x);
  });
  return v as string[];
}

/** Parses a part with its own reader, naming the field when the reader refuses it. */
function part<T>(field: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw new GflowpoStateError(field, (e as Error).message);
  }
}

function checkMetaPrompt(field: string, m: unknown): void {
  if (!isObject(m)) fail(field, 'a meta-prompt { text, assistantPrefix, demonstrationIndices, references }', m);
  if (typeof m['text'] !== 'string') fail(`${field}.text`, 'a string', m['text']);
  if (typeof m['assistantPrefix'] !== 'string') fail(`${field}.assistantPrefix`, 'a string', m['assistantPrefix']);
  const indices = m['demonstrationIndices'];
  if (!Array.isArray(indices) || !indices.every(isCount)) fail(`${field}.demonstrationIndices`, 'a list of non-negative integers', indices);
  stringList(`${field}.references`, m['references']);
}

function checkScored(field: string, p: unknown): void {
  if (!isObject(p)) fail(field, 'a scored prompt { text, trainAccuracy, validationAccuracy, testAccuracy }', p);
  if (typeof p['text'] !== 'string') fail(`${field}.text`, 'a string', p['text']);
  for (const k of ['trainAccuracy', 'validationAccuracy', 'testAccuracy'] as const) if (!isAccuracy(p[k])) fail(`${field}.${k}`, 'a number in [0, 1]', p[k]);
}

function checkDone(v: unknown, settings: GflowpoSettings, step: number): void {
  if (v === null) return;
  if (!isObject(v) || v['type'] !== 'done') fail('done', "null or the run's done event { type: 'done', step, mode, reason, selected }", v);
  if (v['step'] !== step) fail('done.step', `the state's step ${step}`, v['step']);
  if (v['mode'] !== settings.mode) fail('done.mode', `the settings' mode '${settings.mode}'`, v['mode']);
  if (v['reason'] !== 'steps' && v['reason'] !== 'budget') fail('done.reason', "'steps' or 'budget'", v['reason']);
  if (v['selected'] !== null) checkScored('done.selected', v['selected']);
}

/**
 * Checks every field of a state read from JSON and parses its parts. The settings are re-resolved (a bad field is
 * reported as `settings.<field>`); the buffer's and queue's capacities must be the settings'.
 */
export function parseRunState(raw: unknown): ParsedRunState {
  if (!isObject(raw)) fail('(state)', 'a run-state object', raw);
  if (raw['version'] !== RUN_STATE_VERSION) throw new GflowpoStateError('version', `unsupported run-state version ${shown(raw['version'])}; this build reads version ${RUN_STATE_VERSION} (start a new run)`);
  if (typeof raw['task'] !== 'string') fail('task', 'the task id (a string)', raw['task']);
  if (typeof raw['target'] !== 'string') fail('target', 'the target-LM id (a string)', raw['target']);

  let settings: Readonly<GflowpoSettings>;
  try {
    settings = resolveSettings(raw['settings'] as never);
  } catch (e) {
    if (e instanceof SettingsError) throw new GflowpoStateError(`settings.${e.field}`, e.message);
    throw e;
  }

  const step = raw['step'];
  if (!isCount(step) || step > settings.steps) fail('step', `an integer in [0, steps = ${settings.steps}]`, step);
  let trainingSteps = 0;
  for (let s = 1; s <= step; s++) if (isTrainingStep(settings, s)) trainingSteps++;
  const updates = raw['updates'];
  if (!isCount(updates) || updates > trainingSteps) fail('updates', `an integer in [0, ${trainingSteps}] (the training steps among the ${step} completed)`, updates);

  const rng = raw['rng'];
  if (!isObject(rng)) fail('rng', `an object of 32-bit states (${RNG_PURPOSES.join(', ')})`, rng);
  for (const p of RNG_PURPOSES) {
    const v = rng[p];
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 0xffffffff) fail(`rng.${p}`, 'a 32-bit unsigned integer', v);
  }

  const buffer = part('buffer', () => ReplayBuffer.fromJSON(raw['buffer'] as ReplayBufferState));
  if (buffer.capacity !== settings.bufferSize) fail('buffer.capacity', `the settings' bufferSize ${settings.bufferSize}`, buffer.capacity);
  const queue = part('queue', () => PromptQueue.fromJSON(raw['queue'] as PromptQueueState));
  if (queue.capacity !== settings.queueSize) fail('queue.capacity', `the settings' queueSize ${settings.queueSize}`, queue.capacity);
  const cache = part('cache', () => RewardCache.fromJSON(raw['cache'] as RewardCacheState));

  const frozen = settings.mode !== 'manual' && freezesConditionBuffer(settings, step);
  const condition = raw['conditionBuffer'];
  if (frozen) stringList('conditionBuffer', condition);
  else if (condition !== null) fail('conditionBuffer', `null (the condition buffer is frozen only under DMU from step ${settings.conditionFreezeStep})`, condition);

  const logZ = raw['logZ'];
  const sampled = step > 0 && settings.mode !== 'manual';
  if (sampled ? typeof logZ !== 'number' || !Number.isFinite(logZ) : logZ !== null) fail('logZ', sampled ? 'a finite number (tracked from the first micro-batch)' : 'null (no micro-batch yet)', logZ);

  const history = raw['metaPromptHistory'];
  const expectedHistory = settings.mode === 'manual' ? 0 : step;
  if (!Array.isArray(history) || history.length !== expectedHistory) fail('metaPromptHistory', `a list of ${expectedHistory} entries (one per completed step)`, Array.isArray(history) ? `${history.length} entries` : history);
  history.forEach((h: unknown, i: number) => {
    const field = `metaPromptHistory[${i}]`;
    if (!isObject(h) || h['step'] !== i + 1) fail(`${field}.step`, String(i + 1), isObject(h) ? h['step'] : h);
    const prompts = h['metaPrompts'];
    if (!Array.isArray(prompts) || prompts.length !== settings.microBatches) fail(`${field}.metaPrompts`, `a list of ${settings.microBatches} meta-prompts (one per micro-batch)`, prompts);
    prompts.forEach((m, j) => checkMetaPrompt(`${field}.metaPrompts[${j}]`, m));
  });
  stringList('initialPrompts', raw['initialPrompts']);
  checkDone(raw['done'], settings, step);

  return { state: raw as unknown as GflowpoRunState, settings, buffer, queue, cache };
}
