// The GPUDevice onnxruntime-web's WebGPU backend runs on. ORT creates it when the first WebGPU session is
// opened and drops it when the last one is released; buffers we upload ourselves (frozen weights) must live
// on that same device, so this opens a one-node session and keeps it open for the page's lifetime.
import { Graph } from '../autodiff/ir';
import { neg } from '../autodiff/ops';
import { emitModel } from '../onnx/emit';
import type { Ort } from './host-tensor';

export class WebGpuUnavailableError extends Error {
  override name = 'WebGpuUnavailableError';
}

let anchor: Promise<unknown> | undefined;

/**
 * Call before opening any WebGPU session (Trainer and GraphSession do): it pins ORT's device for the
 * page's lifetime, so device buffers and 'gpu-buffer' tensors outlive the sessions that made them.
 */
export async function ortWebGpuDevice(ort: Ort): Promise<GPUDevice> {
  if (!anchor) {
    const g = new Graph('float32');
    const model = emitModel(g, { y: neg(g.input('x', [1])) }, { name: 'webgpu_anchor' });
    anchor = ort.InferenceSession.create(model, { executionProviders: ['webgpu'] });
  }
  await anchor;
  const device = await ort.env.webgpu.device;
  if (!device) throw new WebGpuUnavailableError('onnxruntime-web opened a WebGPU session but exposes no device; use the wasm backend');
  return device;
}
