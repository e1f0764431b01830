// Tensors as plain host data (dtype, dims, typed array): what crosses the runtime's boundary, so that
// nothing above src/runtime needs onnxruntime-web's types. Conversion to and from ort.Tensor lives here.
import type * as ortTypes from 'onnxruntime-web';
import type { DType, TypedData } from '../autodiff/ir';

/** The onnxruntime-web module, however it was loaded (ort-web.ts in browsers, ort-node.ts in Node). */
export type Ort = typeof import('onnxruntime-web');

export interface HostTensor {
  dtype: DType;
  dims: readonly number[];
  data: TypedData;
}

export class FeedError extends Error {
  override name = 'FeedError';
}

export function hostTensor(dtype: DType, dims: readonly number[], data: TypedData): HostTensor {
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new FeedError(`a ${dtype} tensor of shape (${dims.join(',')}) needs ${size} values, got ${data.length}`);
  return { dtype, dims: [...dims], data };
}

export function toOrt(ort: Ort, t: HostTensor): ortTypes.Tensor {
  const data = t.dtype === 'bool' ? (t.data as Uint8Array) : t.data;
  return new ort.Tensor(t.dtype, data as never, [...t.dims]);
}

/** Reads an ort.Tensor back to the host (downloading it when it lives on the GPU). */
export async function fromOrt(t: ortTypes.Tensor): Promise<HostTensor> {
  const data = (t.location === 'cpu' ? t.data : await t.getData()) as TypedData;
  return { dtype: t.type as DType, dims: [...t.dims], data };
}
