// Validation of a training bundle's manifest (the JSON in its safetensors metadata), field by field, before the
// bundle's graphs and checkpoint are trusted: each refusal names the field path ('params[2].shape[1]') and what was
// expected. It builds nothing and reads no tensors (bundle.ts does, with the manifest this returns).
import type { DType, FloatDType } from '../autodiff/ir';
import type { Shape } from '../autodiff/shape';

/** The manifest version this build writes and reads. */
export const MANIFEST_VERSION = 2;

const BUNDLE_KINDS = ['step', 'accumulate'] as const;
const DTYPES: readonly DType[] = ['float32', 'float64', 'int64', 'int32', 'bool'];
const FLOAT_DTYPES: readonly FloatDType[] = ['float32', 'float64'];

export interface ManifestTensorSpec {
  name: string;
  dtype: DType;
  shape: Shape;
}

export interface ManifestParamSpec {
  name: string;
  shape: number[];
  /** Frozen weights only: 'uint8' quantised codes; absent means the bundle's dtype. */
  dtype?: DType;
}

/** The fields of bundle.ts's BundleManifest, as checked here. */
export interface ValidatedManifest {
  format: 'gflowpo-training-bundle';
  version: typeof MANIFEST_VERSION;
  kind: (typeof BUNDLE_KINDS)[number];
  model: string;
  dtype: FloatDType;
  batchInputs: ManifestTensorSpec[];
  params: ManifestParamSpec[];
  frozen: ManifestParamSpec[];
  evalOutputs: ManifestTensorSpec[];
  stepOutputs: ManifestTensorSpec[];
}

type Fail = (message: string) => Error;

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text === undefined ? typeof value : text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/**
 * Parses and validates the manifest JSON text. `fail` makes the error to throw (bundle.ts passes its BundleError), so
 * callers see one error type for every damaged bundle.
 */
export function parseBundleManifest(text: string, fail: Fail): ValidatedManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw fail(`the bundle manifest is not JSON (${(error as Error).message}); recompile the bundle`);
  }
  const bad = (field: string, expected: string, got: unknown): never => {
    throw fail(`bundle manifest field '${field}' must be ${expected}, got ${describe(got)}; the bundle is damaged or from another build: recompile it`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('(root)', 'an object', value);
  const m = value as Record<string, unknown>;
  const field = (key: string): unknown => (Object.hasOwn(m, key) ? m[key] : undefined);

  if (field('format') !== 'gflowpo-training-bundle') bad('format', '"gflowpo-training-bundle"', field('format'));
  if (field('version') !== MANIFEST_VERSION) {
    throw fail(`bundle version ${describe(field('version'))} is not supported by this build (it reads version ${MANIFEST_VERSION}); recompile the bundle`);
  }
  const kind = field('kind');
  if (!(BUNDLE_KINDS as readonly unknown[]).includes(kind)) bad('kind', BUNDLE_KINDS.map((k) => `"${k}"`).join(' or '), kind);
  const model = field('model');
  if (typeof model !== 'string' || model === '') bad('model', 'a non-empty string', model);
  const dtype = field('dtype');
  if (!(FLOAT_DTYPES as readonly unknown[]).includes(dtype)) bad('dtype', '"float32" or "float64"', dtype);

  const list = <T>(key: string, item: (v: unknown, path: string) => T): T[] => {
    const raw = field(key);
    if (!Array.isArray(raw)) return bad(key, 'an array', raw);
    const out = raw.map((v, i) => item(v, `${key}[${i}]`));
    const names = new Set<string>();
    out.forEach((spec, i) => {
      const name = (spec as { name: string }).name;
      if (names.has(name)) bad(`${key}[${i}].name`, `a name not used earlier in ${key}`, name);
      names.add(name);
    });
    return out;
  };
  const object = (v: unknown, path: string): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad(path, 'an object', v);
    return v as Record<string, unknown>;
  };
  const name = (o: Record<string, unknown>, path: string): string => {
    const n = Object.hasOwn(o, 'name') ? o['name'] : undefined;
    if (typeof n !== 'string' || n === '') return bad(`${path}.name`, 'a non-empty string', n);
    return n;
  };
  const dims = (o: Record<string, unknown>, path: string, symbolic: boolean): (number | string)[] => {
    const shape = Object.hasOwn(o, 'shape') ? o['shape'] : undefined;
    if (!Array.isArray(shape)) return bad(`${path}.shape`, 'an array of dimensions', shape);
    let size = 1;
    shape.forEach((d, k) => {
      if (symbolic && typeof d === 'string' && d !== '') return;
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
        bad(`${path}.shape[${k}]`, symbolic ? 'a non-negative integer or a symbolic name' : 'a non-negative integer', d);
      }
      size *= d as number;
    });
    if (!Number.isSafeInteger(size)) bad(`${path}.shape`, 'a shape whose size is a safe integer', shape);
    return shape as (number | string)[];
  };
  const tensorSpec = (v: unknown, path: string): ManifestTensorSpec => {
    const o = object(v, path);
    const spec = { name: name(o, path), dtype: (Object.hasOwn(o, 'dtype') ? o['dtype'] : undefined) as DType, shape: dims(o, path, true) };
    if (!DTYPES.includes(spec.dtype)) bad(`${path}.dtype`, DTYPES.map((d) => `"${d}"`).join(', '), spec.dtype);
    return spec;
  };
  const paramSpec = (v: unknown, path: string): ManifestParamSpec => {
    const o = object(v, path);
    return { name: name(o, path), shape: dims(o, path, false) as number[] };
  };
  const frozenSpec = (v: unknown, path: string): ManifestParamSpec => {
    const spec = paramSpec(v, path);
    const o = v as Record<string, unknown>;
    if (!Object.hasOwn(o, 'dtype')) return spec;
    if (o['dtype'] !== 'uint8') bad(`${path}.dtype`, '"uint8" (quantised codes) or no dtype', o['dtype']);
    return { ...spec, dtype: 'uint8' };
  };

  const params = list('params', paramSpec);
  const frozen = list('frozen', frozenSpec);
  const trainable = new Set(params.map((p) => p.name));
  frozen.forEach((f, i) => {
    if (trainable.has(f.name)) bad(`frozen[${i}].name`, 'a name that is not also a trainable parameter', f.name);
  });
  return {
    format: 'gflowpo-training-bundle',
    version: MANIFEST_VERSION,
    kind: kind as ValidatedManifest['kind'],
    model: model as string,
    dtype: dtype as FloatDType,
    batchInputs: list('batchInputs', tensorSpec),
    params,
    frozen,
    evalOutputs: list('evalOutputs', tensorSpec),
    stepOutputs: list('stepOutputs', tensorSpec),
  };
}
