// The run file: one run (settings, state, events, evaluations, buffer, queue, meta-prompt history, the prompt-LM
// checkpoint) as one binary file, for the browser's export/import and the headless command's state file alike.
// Layout (little-endian), stable across versions so any version can be recognised and checked:
//   0   8  magic 89 'G' 'F' 'P' 'O' 0D 0A 1A (PNG-style: a text-mode transfer or a non-run file shows at once)
//   8   4  u32 format version
//   12  4  u32 header length H
//   16  H  header, UTF-8 JSON: { "sections": [{ "name", "encoding": "json" | "binary", "length" }, ...] }
//   ..     the sections back to back, in header order ("run": the snapshot as JSON; "checkpoint": its bytes)
//   end-4  u32 CRC-32 of every byte before it
// Numbers JSON cannot hold (NaN, ±Infinity, -0) are written as {"$number": "NaN"} and read back exactly.
// Decoding checks magic, checksum, length, version and then every field (validate-snapshot.ts); it never
// writes anything. Pure TS: no IndexedDB, no Node modules.
import { crc32 } from './crc32';
import { RunFileError, RunFileVersionError } from './errors';
import type { RunSnapshot } from './records';
import { validateSnapshot } from './validate-snapshot';

export const RUN_FILE_VERSION = 1;
export const RUN_FILE_MAGIC = Uint8Array.from([0x89, 0x47, 0x46, 0x50, 0x4f, 0x0d, 0x0a, 0x1a]);
/** The file name extension the lab suggests. */
export const RUN_FILE_EXTENSION = '.gflowpo';

const FIXED = 16;
const TRAILER = 4;
const NUMBER_KEY = '$number';

interface Section {
  name: string;
  encoding: 'json' | 'binary';
  length: number;
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) return { [NUMBER_KEY]: Object.is(value, -0) ? '-0' : String(value) };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const n = (value as Record<string, unknown>)[NUMBER_KEY];
    if (keys.length === 1 && typeof n === 'string' && ['NaN', 'Infinity', '-Infinity', '-0'].includes(n)) return n === '-0' ? -0 : Number(n);
  }
  return value;
}

/** The snapshot as run-file bytes (the snapshot is not validated here: the store only holds valid runs). */
export function encodeRunFile(snapshot: RunSnapshot): Uint8Array {
  const { checkpoint, ...rest } = snapshot;
  const json = { ...rest, checkpoint: checkpoint ? { runId: checkpoint.runId, step: checkpoint.step } : null };
  const run = new TextEncoder().encode(JSON.stringify(json, replacer));
  const sections: { section: Section; bytes: Uint8Array }[] = [{ section: { name: 'run', encoding: 'json', length: run.byteLength }, bytes: run }];
  if (checkpoint) sections.push({ section: { name: 'checkpoint', encoding: 'binary', length: checkpoint.bytes.byteLength }, bytes: checkpoint.bytes });
  const header = new TextEncoder().encode(JSON.stringify({ sections: sections.map((s) => s.section) }));
  const total = FIXED + header.byteLength + sections.reduce((n, s) => n + s.bytes.byteLength, 0) + TRAILER;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(RUN_FILE_MAGIC, 0);
  view.setUint32(8, RUN_FILE_VERSION, true);
  view.setUint32(12, header.byteLength, true);
  out.set(header, FIXED);
  let offset = FIXED + header.byteLength;
  for (const s of sections) {
    out.set(s.bytes, offset);
    offset += s.bytes.byteLength;
  }
  view.setUint32(offset, crc32(out.subarray(0, offset)), true);
  return out;
}

function parseHeader(bytes: Uint8Array, headerLength: number): Section[] {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(FIXED, FIXED + headerLength)));
  } catch (error) {
    throw new RunFileError(`the run file's header is not readable JSON (${(error as Error).message}): the file is damaged`);
  }
  const sections = (header as { sections?: unknown })?.sections;
  if (!Array.isArray(sections)) throw new RunFileError('the run file\'s header lists no sections: the file is damaged');
  return sections.map((s: unknown, i) => {
    const x = s as Partial<Section>;
    if (typeof x?.name !== 'string' || (x.encoding !== 'json' && x.encoding !== 'binary') || !Number.isInteger(x.length) || x.length! < 0) {
      throw new RunFileError(`the run file's header section ${i} is not { name, encoding: json | binary, length }: the file is damaged`);
    }
    return x as Section;
  });
}

/** Reads and validates a run file; throws RunFileError (or RunFileVersionError) saying what is wrong. */
export function decodeRunFile(input: Uint8Array | ArrayBuffer): RunSnapshot {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const magicOk = bytes.length >= RUN_FILE_MAGIC.length && RUN_FILE_MAGIC.every((b, i) => bytes[i] === b);
  if (!magicOk) {
    const start = new TextDecoder().decode(bytes.subarray(0, 16)).trimStart();
    const hint = start.startsWith('{') ? ' (it is JSON: a run state from state() is not a run file; export the run instead)' : '';
    if (bytes.length > 0 && bytes.length < RUN_FILE_MAGIC.length && RUN_FILE_MAGIC.subarray(0, bytes.length).every((b, i) => bytes[i] === b)) {
      throw new RunFileError(`the run file is truncated: it has ${bytes.length} bytes, not even its ${FIXED}-byte preamble`);
    }
    throw new RunFileError(`this is not a GFlowPO run file${hint}: a run file starts with the bytes 89 47 46 50 4F 0D 0A 1A`);
  }
  if (bytes.length < FIXED + TRAILER) throw new RunFileError(`the run file is truncated: it has ${bytes.length} bytes, fewer than the ${FIXED + TRAILER} of an empty one`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  const headerLength = view.getUint32(12, true);
  const stored = view.getUint32(bytes.length - TRAILER, true);
  const checksumOk = crc32(bytes.subarray(0, bytes.length - TRAILER)) === stored;
  if (!checksumOk) {
    // Tell truncation from damage when the header can still be read.
    if (version <= RUN_FILE_VERSION && FIXED + headerLength <= bytes.length) {
      let expected: number | null = null;
      try {
        expected = FIXED + headerLength + parseHeader(bytes, headerLength).reduce((n, s) => n + s.length, 0) + TRAILER;
      } catch {
        expected = null;
      }
      if (expected !== null && bytes.length < expected) throw new RunFileError(`the run file is truncated: it has ${bytes.length} bytes of the ${expected} its header announces; copy or download it again`);
    } else if (FIXED + headerLength > bytes.length) {
      throw new RunFileError(`the run file is truncated: it has ${bytes.length} bytes and ends inside its header; copy or download it again`);
    }
    throw new RunFileError('the run file is damaged: its CRC-32 checksum does not match its contents; nothing was imported');
  }
  if (version > RUN_FILE_VERSION) throw new RunFileVersionError(version, RUN_FILE_VERSION);
  if (version < 1) throw new RunFileError(`the run file says format version ${version}; versions start at 1: the file is damaged`);
  if (FIXED + headerLength > bytes.length - TRAILER) throw new RunFileError('the run file\'s header runs past its end: the file is damaged');
  const sections = parseHeader(bytes, headerLength);
  const expected = FIXED + headerLength + sections.reduce((n, s) => n + s.length, 0) + TRAILER;
  if (expected !== bytes.length) throw new RunFileError(`the run file has ${bytes.length} bytes but its header announces ${expected}: the file is damaged`);
  const parts = new Map<string, Uint8Array>();
  let offset = FIXED + headerLength;
  for (const s of sections) {
    if (parts.has(s.name)) throw new RunFileError(`the run file holds two '${s.name}' sections: the file is damaged`);
    parts.set(s.name, bytes.subarray(offset, offset + s.length));
    offset += s.length;
  }
  const runBytes = parts.get('run');
  if (!runBytes) throw new RunFileError('the run file has no "run" section');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(runBytes), reviver);
  } catch (error) {
    throw new RunFileError(`the run file's "run" section is not JSON (${(error as Error).message})`);
  }
  const content = json as { checkpoint?: unknown };
  const checkpointBytes = parts.get('checkpoint');
  if (content && typeof content === 'object') {
    if (content.checkpoint && typeof content.checkpoint === 'object') {
      if (!checkpointBytes) throw new RunFileError('the run file names a checkpoint but has no "checkpoint" section');
      // A copy in its own buffer (aligned for float views; never a view into a Node Buffer pool).
      content.checkpoint = { ...content.checkpoint, bytes: new Uint8Array(checkpointBytes) };
    } else if (checkpointBytes) {
      throw new RunFileError('the run file has a "checkpoint" section but its run names no checkpoint');
    }
  }
  return validateSnapshot(json);
}
