// Frozen weights placed on the device once and shared by every session that takes them as graph inputs:
// GPU buffers on WebGPU (one upload, no per-run copy), host tensors on wasm (which copies inputs per run;
// for large weights on wasm prefer initialisers). The owner releases them; sessions only borrow.
import type * as ortTypes from 'onnxruntime-web';
import type { TypedData } from '../autodiff/ir';
import { type HostTensor, type Ort, toOrt } from './host-tensor';
import type { Backend } from './device';
import { ortWebGpuDevice } from './webgpu-device';

export class WeightsError extends Error {
  override name = 'WeightsError';
}

const BYTES: Record<HostTensor['dtype'], number> = { float64: 8, int64: 8, float32: 4, int32: 4, bool: 1, uint8: 1 };

export class DeviceWeights {
  private released = false;

  private constructor(
    readonly backend: Backend,
    private readonly tensors: Map<string, ortTypes.Tensor>,
    private readonly specs: Map<string, HostTensor['dtype']>,
  ) {}

  /** Uploads `weights` for `backend`. On WebGPU this needs the device ORT uses, so it creates it if needed. */
  static async upload(ort: Ort, backend: Backend, weights: Readonly<Record<string, HostTensor>>): Promise<DeviceWeights> {
    const tensors = new Map<string, ortTypes.Tensor>();
    const specs = new Map<string, HostTensor['dtype']>();
    const device = backend === 'webgpu' ? await ortWebGpuDevice(ort) : undefined;
    for (const [name, t] of Object.entries(weights)) {
      specs.set(name, t.dtype);
      if (!device) {
        tensors.set(name, toOrt(ort, t));
        continue;
      }
      // writeBuffer needs a multiple of 4 bytes; the buffer is rounded up to 16 like ORT's own.
      const padded = new Uint8Array(Math.ceil(t.data.byteLength / 4) * 4);
      padded.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      const buffer = device.createBuffer({
        size: Math.ceil(padded.byteLength / 16) * 16,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(buffer, 0, padded);
      tensors.set(name, ort.Tensor.fromGpuBuffer(buffer, { dataType: t.dtype as 'float32', dims: [...t.dims], dispose: () => buffer.destroy() }));
    }
    return new DeviceWeights(backend, tensors, specs);
  }

  /** Total bytes of the uploaded weights. */
  byteLength(): number {
    let n = 0;
    for (const [name, t] of this.tensors) n += t.dims.reduce((a, b) => a * b, 1) * BYTES[this.specs.get(name)!];
    return n;
  }

  /** Host copies of the weights (float32, or uint8 quantised codes; wasm only: WebGPU weights live on the GPU). */
  hostWeights(): Map<string, TypedData> {
    if (this.backend !== 'wasm') throw new WeightsError('host copies exist only for wasm weights');
    return new Map([...this.tensors].map(([name, t]) => [name, t.data as TypedData]));
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  dims(name: string): readonly number[] | undefined {
    return this.tensors.get(name)?.dims;
  }

  dtype(name: string): HostTensor['dtype'] | undefined {
    return this.specs.get(name);
  }

  /** The device tensor, for runtime classes that feed it to a session. */
  tensor(name: string): ortTypes.Tensor {
    if (this.released) throw new WeightsError('these device weights were released; upload them again');
    const t = this.tensors.get(name);
    if (!t) throw new WeightsError(`no frozen weight '${name}' was uploaded; include it in DeviceWeights.upload`);
    return t;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    for (const t of this.tensors.values()) t.dispose();
  }
}
