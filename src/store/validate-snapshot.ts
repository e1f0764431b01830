// Field-by-field validation of a run snapshot read from a file (or any untrusted source) before anything is
// written: every record's fields, the records' order and run id, counts that match, the run record against its
// state, and the reassembled run state through the loop's own parser (parseRunState: settings, streams, buffer,
// queue, cache, history). Errors name the field's path. It does not check models or tasks (resume does).
import { parseRunState } from '../gflow/run-state';
import { RunFileError } from './errors';
import { BYTE_KINDS, RUN_STATUSES, type RunSnapshot, runStateOf } from './records';

const SPLITS = ['train', 'validation', 'test'];
const EVENT_TYPES = ['step', 'update', 'buffer', 'queue', 'budget', 'initial', 'done'];

type Obj = Record<string, unknown>;

function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v instanceof Uint8Array) return `${v.byteLength} bytes`;
  if (v !== null && typeof v === 'object') return 'an object';
  return String(v);
}

function fail(path: string, what: string, v: unknown): never {
  throw new RunFileError(`${path} must be ${what}, got ${shown(v)}`);
}

function obj(v: unknown, path: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) fail(path, 'an object', v);
  return v as Obj;
}

function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, 'an array', v);
  return v;
}

function str(v: unknown, path: string, { nonEmpty = false } = {}): string {
  if (typeof v !== 'string' || (nonEmpty && v.length === 0)) fail(path, nonEmpty ? 'a non-empty string' : 'a string', v);
  return v;
}

function int(v: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(path, `an integer in [${min}, ${max}]`, v);
  return v;
}

function num(v: unknown, path: string, { min = -Infinity, max = Infinity, finite = true } = {}): number {
  if (typeof v !== 'number' || (finite && !Number.isFinite(v)) || v < min || v > max) fail(path, `${finite ? 'a finite number' : 'a number'}${min > -Infinity || max < Infinity ? ` in [${min}, ${max}]` : ''}`, v);
  return v;
}

function oneOf(v: unknown, path: string, values: readonly string[]): string {
  if (typeof v !== 'string' || !values.includes(v)) fail(path, `one of ${values.join(', ')}`, v);
  return v;
}

function nullOr<T>(v: unknown, check: (v: unknown) => T): T | null {
  return v === null ? null : check(v);
}

function strings(v: unknown, path: string): string[] {
  return arr(v, path).map((x, i) => str(x, `${path}[${i}]`));
}

function ints(v: unknown, path: string): number[] {
  return arr(v, path).map((x, i) => int(x, `${path}[${i}]`, 0, 0xffffffff));
}

function equal(actual: unknown, expected: unknown, path: string): void {
  if (actual !== expected) throw new RunFileError(`${path} is ${shown(actual)} but must equal ${shown(expected)}`);
}

/** Sequence-numbered records in order 0..n-1 of this run. */
function records(v: unknown, path: string, runId: string, key: 'seq' | 'index', count: number): Obj[] {
  const xs = arr(v, path).map((x, i) => obj(x, `${path}[${i}]`));
  xs.forEach((x, i) => {
    equal(x['runId'], runId, `${path}[${i}].runId`);
    equal(x[key], i, `${path}[${i}].${key}`);
  });
  if (xs.length !== count) throw new RunFileError(`${path} holds ${xs.length} records but run.counts says ${count}`);
  return xs;
}

function metaPrompt(v: unknown, path: string): void {
  const m = obj(v, path);
  str(m['text'], `${path}.text`);
  str(m['assistantPrefix'], `${path}.assistantPrefix`);
  ints(m['demonstrationIndices'], `${path}.demonstrationIndices`);
  strings(m['references'], `${path}.references`);
}

function scoredPrompt(v: unknown, path: string): void {
  const p = obj(v, path);
  str(p['text'], `${path}.text`);
  for (const k of ['trainAccuracy', 'validationAccuracy', 'testAccuracy']) num(p[k], `${path}.${k}`, { min: 0, max: 1 });
}

/** A step event: its type, step, and the fields charts and reports read. Non-finite losses may be NaN. */
function event(v: unknown, path: string): void {
  const e = obj(v, path);
  const type = oneOf(e['type'], `${path}.type`, EVENT_TYPES);
  int(e['step'], `${path}.step`);
  const anyNumber = { finite: false };
  switch (type) {
    case 'step':
      oneOf(e['phase'], `${path}.phase`, ['filling', 'training']);
      arr(e['metaPrompts'], `${path}.metaPrompts`).forEach((m, i) => metaPrompt(m, `${path}.metaPrompts[${i}]`));
      arr(e['samples'], `${path}.samples`).forEach((x, i) => {
        const s = obj(x, `${path}.samples[${i}]`);
        str(s['text'], `${path}.samples[${i}].text`);
        int(s['microBatch'], `${path}.samples[${i}].microBatch`);
        if (typeof s['replayed'] !== 'boolean') fail(`${path}.samples[${i}].replayed`, 'true or false', s['replayed']);
        num(s['trainAccuracy'], `${path}.samples[${i}].trainAccuracy`, { min: 0, max: 1 });
        num(s['logPrior'], `${path}.samples[${i}].logPrior`, anyNumber);
        num(s['logReward'], `${path}.samples[${i}].logReward`, anyNumber);
        nullOr(s['logPF'], (x) => num(x, `${path}.samples[${i}].logPF`, anyNumber));
      });
      break;
    case 'update':
      for (const k of ['loss', 'logZ', 'gradNorm', 'lr']) num(e[k], `${path}.${k}`, anyNumber);
      if (typeof e['finite'] !== 'boolean') fail(`${path}.finite`, 'true or false', e['finite']);
      break;
    case 'buffer':
      int(e['size'], `${path}.size`);
      break;
    case 'queue':
      arr(e['entries'], `${path}.entries`).forEach((x, i) => str(obj(x, `${path}.entries[${i}]`)['text'], `${path}.entries[${i}].text`));
      break;
    case 'budget':
      int(e['targetCalls'], `${path}.targetCalls`);
      int(e['cacheHits'], `${path}.cacheHits`);
      break;
    case 'initial':
      arr(e['prompts'], `${path}.prompts`).forEach((x, i) => scoredPrompt(x, `${path}.prompts[${i}]`));
      break;
    case 'done':
      oneOf(e['reason'], `${path}.reason`, ['steps', 'budget']);
      nullOr(e['selected'], (x) => scoredPrompt(x, `${path}.selected`));
      break;
  }
}

/** The run record's copies of the state's identity fields must agree with it (the state itself: parseRunState). */
function core(v: unknown, path: string, run: Obj): void {
  const c = obj(v, path);
  equal(c['task'], run['task'], `${path}.task`);
  equal(c['target'], run['target'], `${path}.target`);
  equal(c['step'], run['step'], `${path}.step`);
  equal(obj(c['settings'], `${path}.settings`)['seed'], run['seed'], `${path}.settings.seed`);
  obj(c['buffer'], `${path}.buffer`);
  obj(c['queue'], `${path}.queue`);
  obj(c['cache'], `${path}.cache`);
}

/** Throws RunFileError naming the first field that is wrong; returns the snapshot typed when all is well. */
export function validateSnapshot(value: unknown): RunSnapshot {
  const s = obj(value, 'file');
  const run = obj(s['run'], 'run');
  const id = str(run['id'], 'run.id', { nonEmpty: true });
  str(run['name'], 'run.name');
  num(run['createdAt'], 'run.createdAt', { min: 0 });
  num(run['updatedAt'], 'run.updatedAt', { min: 0 });
  oneOf(run['status'], 'run.status', RUN_STATUSES);
  int(run['seed'], 'run.seed', 0, 0xffffffff);
  str(run['task'], 'run.task', { nonEmpty: true });
  str(run['target'], 'run.target', { nonEmpty: true });
  str(run['promptLM'], 'run.promptLM');
  int(run['step'], 'run.step');
  nullOr(run['error'], (x) => str(x, 'run.error'));
  const counts = obj(run['counts'], 'run.counts');
  for (const k of ['evaluations', 'events', 'metaPrompts', 'buffer', 'queue']) int(counts[k], `run.counts.${k}`);
  const bytes = obj(run['bytes'], 'run.bytes');
  for (const k of BYTE_KINDS) num(bytes[k], `run.bytes.${k}`, { min: 0 });
  core(run['core'], 'run.core', run);
  const step = run['step'] as number;

  records(s['evaluations'], 'evaluations', id, 'seq', counts['evaluations'] as number).forEach((r, i) => {
    const p = `evaluations[${i}]`;
    int(r['step'], `${p}.step`, 0, step);
    str(r['promptId'], `${p}.promptId`, { nonEmpty: true });
    str(r['prompt'], `${p}.prompt`);
    str(r['task'], `${p}.task`);
    oneOf(r['split'], `${p}.split`, SPLITS);
    str(r['target'], `${p}.target`);
    str(r['template'], `${p}.template`);
    num(r['score'], `${p}.score`, { min: 0, max: 1 });
    nullOr(r['tokenIds'], (x) => ints(x, `${p}.tokenIds`));
    nullOr(r['perExample'], (x) => arr(x, `${p}.perExample`).forEach((y, j) => num(y, `${p}.perExample[${j}]`, { min: 0, max: 1 })));
  });
  records(s['events'], 'events', id, 'seq', counts['events'] as number).forEach((r, i) => {
    int(r['step'], `events[${i}].step`, 0, step);
    event(r['event'], `events[${i}].event`);
    equal(obj(r['event'], `events[${i}].event`)['step'], r['step'], `events[${i}].event.step`);
  });
  records(s['metaPrompts'], 'metaPrompts', id, 'seq', counts['metaPrompts'] as number).forEach((r, i) => {
    int(r['step'], `metaPrompts[${i}].step`, 0, step);
    const entry = obj(r['entry'], `metaPrompts[${i}].entry`);
    equal(entry['step'], r['step'], `metaPrompts[${i}].entry.step`);
    arr(entry['metaPrompts'], `metaPrompts[${i}].entry.metaPrompts`).forEach((m, j) => metaPrompt(m, `metaPrompts[${i}].entry.metaPrompts[${j}]`));
  });
  records(s['buffer'], 'buffer', id, 'index', counts['buffer'] as number).forEach((r, i) => obj(r['entry'], `buffer[${i}].entry`));
  records(s['queue'], 'queue', id, 'index', counts['queue'] as number).forEach((r, i) => obj(r['entry'], `queue[${i}].entry`));
  if (s['checkpoint'] !== null) {
    const c = obj(s['checkpoint'], 'checkpoint');
    equal(c['runId'], id, 'checkpoint.runId');
    int(c['step'], 'checkpoint.step', 0, step);
    if (!(c['bytes'] instanceof Uint8Array) || c['bytes'].byteLength === 0) fail('checkpoint.bytes', 'non-empty bytes', c['bytes']);
  }

  // The reassembled state through the loop's own parser (it names the state field at fault).
  const snapshot = s as unknown as RunSnapshot;
  try {
    parseRunState(runStateOf(snapshot));
  } catch (error) {
    throw new RunFileError((error as Error).message);
  }
  return snapshot;
}
