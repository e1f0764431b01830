// Fuzz: safetensors, checkpoints and bundle manifests. Round trips of generated tensors (any names, '__proto__'
// included; zero-size shapes anywhere); mutated real files (a compiled bundle, a checkpoint) and arbitrary headers
// decode or throw the format's named error; a header never makes the reader allocate beyond the file.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mlpModel } from '../../src/models/toy/mlp';
import { BundleError, compileTrainingBundle, decodeBundle, encodeBundle } from '../../src/onnx/bundle';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from '../../src/onnx/checkpoint';
import { parseBundleManifest } from '../../src/onnx/manifest';
import { type RawTensor, type SafetensorsDType, SafetensorsError, decodeSafetensors, encodeSafetensors, parseSafetensorsHeader } from '../../src/onnx/safetensors';
import { byteMutation, mutate, params, valueOrNamedError } from './support';

const BYTES: Record<SafetensorsDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const name = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '__metadata__x', 'a.b.c'));
const tensor = fc
  .tuple(fc.constantFrom(...(Object.keys(BYTES) as SafetensorsDType[])), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }))
  .chain(([dtype, shape]) => fc.uint8Array({ minLength: shape.reduce((a, b) => a * b, 1) * BYTES[dtype], maxLength: shape.reduce((a, b) => a * b, 1) * BYTES[dtype] }).map((bytes): RawTensor => ({ dtype, shape, bytes })));

function record<T>(entries: [string, T][]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

describe('safetensors', () => {
  it('round-trips any tensors and metadata, whatever their names, zero-size ones included', () => {
    const tensors = fc.uniqueArray(fc.tuple(name.filter((n) => n !== '__metadata__'), tensor), { selector: ([n]) => n, maxLength: 5 });
    const metadata = fc.uniqueArray(fc.tuple(name, fc.string({ maxLength: 8 })), { selector: ([n]) => n, maxLength: 3 });
    fc.assert(
      fc.property(tensors, metadata, (t, m) => {
        const back = decodeSafetensors(encodeSafetensors(record(t), record(m)));
        expect(Object.keys(back.tensors).sort()).toEqual(t.map(([n]) => n).sort());
        for (const [n, raw] of t) {
          expect(Object.hasOwn(back.tensors, n)).toBe(true);
          expect(back.tensors[n]!.shape).toEqual(raw.shape);
          expect(Array.from(back.tensors[n]!.bytes)).toEqual(Array.from(raw.bytes));
        }
        expect(Object.keys(back.metadata).sort()).toEqual(m.map(([k]) => k).sort());
        for (const [k, v] of m) expect(back.metadata[k]).toBe(v);
      }),
      params(),
    );
  });

  it('mutated files decode or throw SafetensorsError; headers that claim more than the file are refused', () => {
    const file = encodeSafetensors({ a: { dtype: 'F32', shape: [2, 3], bytes: new Uint8Array(24).fill(7) }, empty: { dtype: 'I64', shape: [0], bytes: new Uint8Array(0) }, b: { dtype: 'U8', shape: [5], bytes: Uint8Array.from([1, 2, 3, 4, 5]) } }, { note: 'x' });
    fc.assert(
      fc.property(fc.array(byteMutation(file.byteLength), { minLength: 1, maxLength: 4 }), (mutations) => {
        const bytes = mutations.reduce(mutate, file);
        const decoded = valueOrNamedError(() => decodeSafetensors(bytes), [SafetensorsError]);
        if (decoded) expect(Object.values(decoded.tensors).reduce((n, t) => n + t.bytes.byteLength, 0)).toBeLessThanOrEqual(bytes.byteLength);
      }),
      params(400),
    );
  });

  it('arbitrary headers (JSON values) are read or refused with SafetensorsError', () => {
    const entry = fc.record({ dtype: fc.oneof(fc.constantFrom('F32', 'U8', 'F8', ''), fc.integer()), shape: fc.oneof(fc.array(fc.oneof(fc.integer({ min: -2, max: 4 }), fc.double(), fc.constant(2 ** 60)), { maxLength: 3 }), fc.string()), data_offsets: fc.oneof(fc.array(fc.integer({ min: -1, max: 40 }), { maxLength: 3 }), fc.constant([0, 2 ** 62])) }, { requiredKeys: [] });
    const header = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.dictionary(name, fc.oneof(entry, fc.jsonValue({ maxDepth: 1 })), { maxKeys: 4 }));
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 48 }), (h, data) => {
        const json = new TextEncoder().encode(JSON.stringify(h) ?? 'null');
        const bytes = new Uint8Array(8 + json.byteLength + data.byteLength);
        new DataView(bytes.buffer).setBigUint64(0, BigInt(json.byteLength), true);
        bytes.set(json, 8);
        bytes.set(data, 8 + json.byteLength);
        valueOrNamedError(() => parseSafetensorsHeader(bytes), [SafetensorsError]);
        valueOrNamedError(() => decodeSafetensors(bytes), [SafetensorsError]);
      }),
      params(400),
    );
  });
});

describe('checkpoints and bundles', () => {
  const init = { w1: Float32Array.from({ length: 6 }, (_, i) => i / 7), b1: new Float32Array(2), w2: Float32Array.from({ length: 4 }, (_, i) => -i), b2: new Float32Array(2) };
  const bundle = compileTrainingBundle(mlpModel({ inputs: 3, hidden: 2, classes: 2 }), init);
  const checkpoint = encodeCheckpoint(bundle.checkpoint, bundle.manifest.params);
  const bundleBytes = encodeBundle(bundle);

  it('mutated checkpoints decode or throw CheckpointError', () => {
    fc.assert(
      fc.property(fc.array(byteMutation(checkpoint.byteLength), { minLength: 1, maxLength: 3 }), (mutations) => {
        const c = valueOrNamedError(() => decodeCheckpoint(mutations.reduce(mutate, checkpoint), bundle.manifest.params), [CheckpointError]);
        if (c) {
          expect(Number.isSafeInteger(c.checkpoint.step) && c.checkpoint.step >= 0).toBe(true);
          for (const v of Object.values(c.checkpoint.v)) expect(v.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
        }
      }),
      params(300),
    );
  });

  it('mutated bundles decode or throw BundleError (CheckpointError for a damaged checkpoint inside)', () => {
    fc.assert(
      fc.property(fc.array(byteMutation(bundleBytes.byteLength), { minLength: 1, maxLength: 3 }), (mutations) => {
        valueOrNamedError(() => decodeBundle(mutations.reduce(mutate, bundleBytes)), [BundleError, CheckpointError]);
      }),
      params(200),
    );
  });

  it('mutated manifests (any field replaced by any JSON value) are read or refused naming a field', () => {
    const manifest = bundle.manifest as unknown as Record<string, unknown>;
    const paths: (string | number)[][] = [['format'], ['version'], ['kind'], ['model'], ['dtype'], ['params'], ['params', 0], ['params', 0, 'shape'], ['params', 0, 'shape', 0], ['params', 1, 'name'], ['frozen'], ['batchInputs', 0, 'dtype'], ['batchInputs', 0, 'shape', 0], ['evalOutputs'], ['stepOutputs']];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue({ maxDepth: 2 }), (path, value) => {
        const copy = JSON.parse(JSON.stringify(manifest)) as Record<string, unknown>;
        let at: Record<string | number, unknown> = copy;
        for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
        at[path.at(-1)!] = value;
        const m = valueOrNamedError(() => parseBundleManifest(JSON.stringify(copy), (message) => new BundleError(message)), [BundleError]);
        if (m) for (const p of m.params) expect(p.shape.every((d) => Number.isSafeInteger(d) && d >= 0)).toBe(true);
      }),
      params(400),
    );
  });
});
