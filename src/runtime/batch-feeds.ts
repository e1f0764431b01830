// Batch feeds of a training bundle: each batch input checked against the manifest (present, dtype, rank, static
// dims, one value per symbolic dim across inputs, no unknown inputs) and converted to an ort.Tensor.
import type * as ortTypes from 'onnxruntime-web';
import type { TensorSpec } from '../onnx/bundle';
import { sizeOf } from '../onnx/checkpoint';
import { FeedError, type HostTensor, type Ort, toOrt } from './host-tensor';

export function batchFeeds(ort: Ort, specs: readonly TensorSpec[], batch: Readonly<Record<string, HostTensor>>): Record<string, ortTypes.Tensor> {
  const feeds: Record<string, ortTypes.Tensor> = {};
  const symbols = new Map<string, { value: number; input: string }>();
  for (const spec of specs) {
    const t = batch[spec.name];
    if (!t) throw new FeedError(`batch input '${spec.name}' is missing; the model expects ${describe(spec)}`);
    checkFeed(`batch input '${spec.name}'`, t, spec);
    spec.shape.forEach((d, i) => {
      if (typeof d !== 'string') return;
      const seen = symbols.get(d);
      if (seen && seen.value !== t.dims[i]) {
        throw new FeedError(`batch input '${spec.name}' has ${d}=${t.dims[i]} but '${seen.input}' has ${d}=${seen.value}; they must agree`);
      }
      symbols.set(d, { value: t.dims[i]!, input: spec.name });
    });
    feeds[spec.name] = toOrt(ort, t);
  }
  for (const k of Object.keys(batch)) {
    if (!specs.some((s) => s.name === k)) throw new FeedError(`unknown batch input '${k}'; the model takes ${specs.map((s) => s.name).join(', ')}`);
  }
  return feeds;
}

function describe(spec: TensorSpec): string {
  return `${spec.dtype} (${spec.shape.join(',')})`;
}

/** Checks dtype, rank, static dims and consistent symbolic dims of a fed tensor against its spec. */
function checkFeed(what: string, t: HostTensor, spec: TensorSpec): void {
  const bad = (why: string): never => {
    throw new FeedError(`${what}: ${why}; expected ${describe(spec)}, got ${t.dtype} (${t.dims.join(',')})`);
  };
  if (t.dtype !== spec.dtype) bad('wrong dtype');
  if (t.dims.length !== spec.shape.length) bad('wrong rank');
  spec.shape.forEach((d, i) => {
    if (typeof d === 'number' && t.dims[i] !== d) bad(`dimension ${i} must be ${d}`);
  });
  if (t.data.length !== sizeOf(t.dims)) bad(`data has ${t.data.length} values`);
}
