// The safetensors container (8-byte little-endian header length, JSON header, raw little-endian data):
// used for checkpoints and training bundles, and by the model loaders. Validates everything it reads.

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const BYTES: Record<SafetensorsDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export interface RawTensor {
  dtype: SafetensorsDType;
  shape: number[];
  /** Little-endian bytes, exactly size(shape) * bytes(dtype) long. */
  bytes: Uint8Array;
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** Largest header we accept (the format's reference reader uses 100 MB). */
const MAX_HEADER = 100_000_000;

export function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

export function encodeSafetensors(tensors: Readonly<Record<string, RawTensor>>, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  let offset = 0;
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    const t = tensors[name]!;
    const expected = t.shape.reduce((a, b) => a * b, 1) * BYTES[t.dtype];
    if (t.bytes.byteLength !== expected) {
      throw new SafetensorsError(`tensor '${name}': ${t.dtype}${JSON.stringify(t.shape)} needs ${expected} bytes, got ${t.bytes.byteLength}`);
    }
    setOwn(header, name, { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + expected] });
    offset += expected;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8); // data starts 8-byte aligned
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const name of names) {
    const t = tensors[name]!;
    out.set(t.bytes, at);
    at += t.bytes.byteLength;
  }
  return out;
}

export interface DecodedSafetensors {
  metadata: Record<string, string>;
  tensors: Record<string, RawTensor>;
}

/** Parses and validates a whole safetensors file; tensor bytes are copies (aligned, independent of `file`). */
export function decodeSafetensors(file: Uint8Array): DecodedSafetensors {
  const { metadata, entries, dataStart } = parseSafetensorsHeader(file);
  const tensors: Record<string, RawTensor> = {};
  for (const e of entries) {
    const end = dataStart + e.end;
    if (end > file.byteLength) {
      throw new SafetensorsError(`tensor '${e.name}' ends at byte ${end} but the file has ${file.byteLength} bytes (truncated download?)`);
    }
    setOwn(tensors, e.name, { dtype: e.dtype, shape: e.shape, bytes: file.slice(dataStart + e.begin, end) });
  }
  return { metadata, tensors };
}

/** An own enumerable property, whatever the key ('__proto__' included: `obj[key] = v` would set the prototype). */
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

export interface HeaderEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  /** Byte range relative to the start of the data section. */
  begin: number;
  end: number;
}

/**
 * Reads and validates the header: entries sorted by (begin, end), contiguous from 0 (zero-size tensors anywhere), and
 * ending within `file` unless options.headerOnly (then `file` may be just the first 8 + header-length bytes).
 * Names and metadata keys are data: '__proto__' is a tensor name like any other.
 */
export function parseSafetensorsHeader(
  file: Uint8Array,
  options: { headerOnly?: boolean } = {},
): { metadata: Record<string, string>; entries: HeaderEntry[]; dataStart: number } {
  if (file.byteLength < 8) throw new SafetensorsError(`file has ${file.byteLength} bytes; a safetensors file starts with an 8-byte header length`);
  const n = Number(new DataView(file.buffer, file.byteOffset, 8).getBigUint64(0, true));
  if (n < 2 || n > MAX_HEADER) throw new SafetensorsError(`header length ${n} is not plausible; this is not a safetensors file`);
  if (8 + n > file.byteLength) throw new SafetensorsError(`header needs ${n} bytes but the file has ${file.byteLength - 8} after the length (truncated?)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(8, 8 + n)));
  } catch (error) {
    throw new SafetensorsError(`header is not valid UTF-8 JSON (${(error as Error).message}); the file is corrupt`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SafetensorsError('header must be a JSON object');
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new SafetensorsError(`__metadata__ must be an object of string values, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SafetensorsError(`metadata '${k}' must be a string, got ${JSON.stringify(v)?.slice(0, 40)}`);
        setOwn(metadata, k, v);
      }
      continue;
    }
    entries.push(validateEntry(name, value));
  }
  // As the reference reader: by begin, then end, so a zero-size tensor [b, b] comes before a tensor starting at b.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of entries) {
    if (e.begin !== expected) throw new SafetensorsError(`tensor '${e.name}' starts at ${e.begin}, expected ${expected}: data offsets overlap or leave gaps`);
    expected = e.end;
  }
  const dataStart = 8 + n;
  if (!options.headerOnly && dataStart + expected > file.byteLength) {
    throw new SafetensorsError(`data ends at byte ${dataStart + expected} but the file has ${file.byteLength} bytes (truncated download?)`);
  }
  return { metadata, entries, dataStart };
}

function validateEntry(name: string, value: unknown): HeaderEntry {
  const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  const dtype = v?.dtype;
  if (typeof dtype !== 'string' || !(dtype in BYTES)) throw new SafetensorsError(`tensor '${name}': unsupported dtype ${String(dtype)}`);
  const shape = v.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new SafetensorsError(`tensor '${name}': shape must be a list of non-negative integers`);
  const size = (shape as number[]).reduce((a, b) => a * b, 1) * BYTES[dtype as SafetensorsDType];
  if (!Number.isSafeInteger(size)) throw new SafetensorsError(`tensor '${name}': shape ${JSON.stringify(shape)} has more elements than any file can hold`);
  const off = v.data_offsets;
  if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(`tensor '${name}': data_offsets must be [begin, end]`);
  }
  const [begin, end] = off as [number, number];
  if (end - begin !== size) throw new SafetensorsError(`tensor '${name}': ${dtype}${JSON.stringify(shape)} needs ${size} bytes, offsets give ${end - begin}`);
  return { name, dtype: dtype as SafetensorsDType, shape: shape as number[], begin, end };
}
