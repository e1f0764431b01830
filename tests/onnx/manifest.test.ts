// Bundle manifests are validated field by field before the bundle is trusted (issue 9: they were JSON.parse'd and
// cast): through decodeBundle every damage is a BundleError naming the field path and what was expected.
import { describe, expect, it } from 'vitest';
import { mlpModel } from '../../src/models/toy/mlp';
import { BundleError, compileTrainingBundle, decodeBundle, encodeBundle } from '../../src/onnx/bundle';
import { MANIFEST_VERSION, parseBundleManifest } from '../../src/onnx/manifest';
import { decodeSafetensors, encodeSafetensors } from '../../src/onnx/safetensors';
import { thrown } from '../support/thrown';

const init = {
  w1: Float32Array.from({ length: 6 }, (_, i) => i / 10),
  b1: Float32Array.from([0, 0]),
  w2: Float32Array.from({ length: 4 }, (_, i) => -i / 10),
  b2: Float32Array.from([0, 0]),
};
const bundle = compileTrainingBundle(mlpModel({ inputs: 3, hidden: 2, classes: 2 }), init);
const bytes = encodeBundle(bundle);

/** The bundle with its manifest object changed, or its manifest text replaced by `{ text }`. */
function withManifest(change: (m: Record<string, unknown>) => unknown): Uint8Array {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const manifest = JSON.parse(metadata['manifest']!) as Record<string, unknown>;
  const replaced = change(manifest) as { text?: unknown } | undefined;
  const text = typeof replaced === 'object' && replaced !== null && typeof replaced.text === 'string' ? replaced.text : JSON.stringify(manifest);
  return encodeSafetensors(tensors, { ...metadata, manifest: text });
}

const refusal = (b: Uint8Array): BundleError => thrown(() => decodeBundle(b), BundleError);

describe('bundle manifest validation', () => {
  it('a compiled bundle passes and decodes to the same manifest', () => {
    expect(decodeBundle(bytes).manifest).toEqual(bundle.manifest);
    expect(bundle.manifest.version).toBe(MANIFEST_VERSION);
  });

  it.each<[string, (m: Record<string, unknown>) => unknown, string]>([
    ['params not a list (iterated as characters)', (m) => (m['params'] = 'w1'), `bundle manifest field 'params' must be an array, got "w1"`],
    ['a negative dimension', (m) => ((m['params'] as { shape: number[] }[])[0]!.shape = [-1, 2]), `bundle manifest field 'params[0].shape[0]' must be a non-negative integer, got -1`],
    ['a symbolic dimension on a parameter', (m) => ((m['params'] as { shape: unknown[] }[])[1]!.shape = ['B']), `bundle manifest field 'params[1].shape[0]' must be a non-negative integer, got "B"`],
    ['a fractional dimension on an input', (m) => ((m['batchInputs'] as { shape: unknown[] }[])[0]!.shape = ['B', 2.5]), `bundle manifest field 'batchInputs[0].shape[1]' must be a non-negative integer or a symbolic name, got 2.5`],
    ['an unknown dtype', (m) => ((m['batchInputs'] as { dtype: string }[])[1]!.dtype = 'int8'), `bundle manifest field 'batchInputs[1].dtype' must be "float32", "float64", "int64", "int32", "bool", got "int8"`],
    ['a duplicate parameter', (m) => (m['params'] as unknown[]).push((m['params'] as unknown[])[0]), `bundle manifest field 'params[4].name' must be a name not used earlier in params, got "w1"`],
    ['a missing model name', (m) => delete m['model'], `bundle manifest field 'model' must be a non-empty string, got nothing`],
    ['an unknown kind', (m) => (m['kind'] = 'sgd'), `bundle manifest field 'kind' must be "step" or "accumulate", got "sgd"`],
    ['a float16 bundle', (m) => (m['dtype'] = 'float16'), `bundle manifest field 'dtype' must be "float32" or "float64", got "float16"`],
    ['an array', () => ({ text: '[1, 2]' }), `bundle manifest field '(root)' must be an object, got [1,2]`],
  ])('refuses %s, naming the field', (_, change, message) => {
    expect(refusal(withManifest(change)).message).toBe(`${message}; the bundle is damaged or from another build: recompile it`);
  });

  it('refuses text that is not JSON, and another version', () => {
    expect(refusal(withManifest(() => ({ text: '{"format": ' }))).message).toMatch(/^the bundle manifest is not JSON \(.*\); recompile the bundle$/);
    expect(refusal(withManifest((m) => (m['version'] = '2'))).message).toBe(`bundle version "2" is not supported by this build (it reads version ${MANIFEST_VERSION}); recompile the bundle`);
  });

  it('parseBundleManifest throws the error the caller makes', () => {
    class Custom extends Error {}
    expect(() => parseBundleManifest('null', (m) => new Custom(m))).toThrow(Custom);
  });
});
