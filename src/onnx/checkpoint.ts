// Checkpoints: trainable parameters, AdamW moments and the step count, serialised as safetensors
// ('param.<name>', 'adam_m.<name>', 'adam_v.<name>'; step in the metadata). Validated against a manifest.
import type { DType, FloatDType } from '../autodiff/ir';
import { type RawTensor, SafetensorsError, bytesOf, decodeSafetensors, encodeSafetensors } from './safetensors';

export type FloatArray = Float32Array | Float64Array;

export interface ParamSpec {
  name: string;
  shape: readonly number[];
  /** Frozen weights only: 'uint8' for quantised codes; absent means the bundle's float dtype. */
  dtype?: DType;
}

export interface Checkpoint {
  /** Number of optimiser updates applied so far (0 before training). */
  step: number;
  params: Record<string, FloatArray>;
  m: Record<string, FloatArray>;
  v: Record<string, FloatArray>;
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

const FORMAT = 'gflowpo-checkpoint';

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A fresh checkpoint: the given parameter values, zero moments, step 0. Copies its input. */
export function initialCheckpoint(specs: readonly ParamSpec[], init: Readonly<Record<string, FloatArray>>, dtype: FloatDType): Checkpoint {
  const make = (n: number): FloatArray => (dtype === 'float64' ? new Float64Array(n) : new Float32Array(n));
  const c: Checkpoint = { step: 0, params: {}, m: {}, v: {} };
  for (const s of specs) {
    const value = init[s.name];
    if (!value) throw new CheckpointError(`no initial value for parameter '${s.name}'`);
    if (value.length !== sizeOf(s.shape)) throw new CheckpointError(`parameter '${s.name}' (${s.shape.join(',')}) needs ${sizeOf(s.shape)} values, got ${value.length}`);
    const p = make(value.length);
    p.set(value);
    c.params[s.name] = p;
    c.m[s.name] = make(value.length);
    c.v[s.name] = make(value.length);
  }
  return c;
}

function raw(a: FloatArray, shape: readonly number[]): RawTensor {
  return { dtype: a instanceof Float64Array ? 'F64' : 'F32', shape: [...shape], bytes: bytesOf(a) };
}

/** Checkpoint -> safetensors bytes. `specs` give the shapes (and the names that must be present). */
export function encodeCheckpoint(c: Checkpoint, specs: readonly ParamSpec[], metadata: Record<string, string> = {}): Uint8Array {
  const tensors: Record<string, RawTensor> = {};
  for (const s of specs) {
    const p = c.params[s.name];
    const m = c.m[s.name];
    const v = c.v[s.name];
    if (!p || !m || !v) throw new CheckpointError(`checkpoint lacks parameter '${s.name}' or its moments`);
    tensors[`param.${s.name}`] = raw(p, s.shape);
    tensors[`adam_m.${s.name}`] = raw(m, s.shape);
    tensors[`adam_v.${s.name}`] = raw(v, s.shape);
  }
  return encodeSafetensors(tensors, { ...metadata, format: FORMAT, step: String(c.step) });
}

function floatArray(t: RawTensor, name: string): FloatArray {
  const b = t.bytes;
  if (t.dtype === 'F32') return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  if (t.dtype === 'F64') return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
  throw new CheckpointError(`'${name}' is ${t.dtype}; checkpoints hold F32 or F64 tensors`);
}

/** safetensors bytes -> Checkpoint, checking every parameter of `specs` is present with its shape. */
export function decodeCheckpoint(bytes: Uint8Array, specs: readonly ParamSpec[]): { checkpoint: Checkpoint; metadata: Record<string, string> } {
  let decoded;
  try {
    decoded = decodeSafetensors(bytes);
  } catch (error) {
    if (error instanceof SafetensorsError) throw new CheckpointError(`not a readable checkpoint: ${error.message}`);
    throw error;
  }
  const { tensors, metadata } = decoded;
  if (metadata['format'] !== FORMAT) throw new CheckpointError(`not a checkpoint of this lab (format '${metadata['format'] ?? 'missing'}')`);
  const c: Checkpoint = { step: parseStep(metadata['step']), params: {}, m: {}, v: {} };
  let first: { key: string; dtype: string } | undefined;
  for (const s of specs) {
    for (const [prefix, into] of [['param', c.params], ['adam_m', c.m], ['adam_v', c.v]] as const) {
      const key = `${prefix}.${s.name}`;
      const t = Object.hasOwn(tensors, key) ? tensors[key] : undefined;
      if (!t) throw new CheckpointError(`checkpoint lacks '${key}'; it was saved from a different model`);
      if (t.shape.join(',') !== s.shape.join(',')) {
        throw new CheckpointError(`'${key}' has shape (${t.shape.join(',')}), the model expects (${s.shape.join(',')})`);
      }
      const values = floatArray(t, key);
      first ??= { key, dtype: t.dtype };
      if (t.dtype !== first.dtype) throw new CheckpointError(`checkpoint tensor '${key}' is ${t.dtype} but '${first.key}' is ${first.dtype}; one checkpoint holds one float type`);
      checkValues(key, values, prefix === 'adam_v');
      Object.defineProperty(into, s.name, { value: values, enumerable: true, writable: true, configurable: true });
    }
  }
  return { checkpoint: c, metadata };
}

const DIGITS = /^(0|[1-9][0-9]*)$/;

/** The metadata step: digits only (Number('') is 0, Number('1e3') is 1000), a safe integer. */
function parseStep(text: string | undefined): number {
  const step = text !== undefined && DIGITS.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(step)) {
    throw new CheckpointError(`checkpoint field 'step' must be a non-negative integer written in digits, got ${text === undefined ? 'nothing' : JSON.stringify(text)}`);
  }
  return step;
}

/** Finite values; second moments (AdamW's v) also non-negative. */
function checkValues(key: string, values: FloatArray, secondMoment: boolean): void {
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!Number.isFinite(x)) throw new CheckpointError(`checkpoint tensor '${key}' holds ${x} at index ${i}; a checkpoint holds finite values`);
    if (secondMoment && x < 0) throw new CheckpointError(`checkpoint tensor '${key}' holds ${x} at index ${i}; second moments are never negative`);
  }
}
