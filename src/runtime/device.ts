// Chooses the onnxruntime-web backend (WebGPU when an adapter exists, else wasm) and says why; does not create sessions or devices.

/** Which onnxruntime-web backend a session runs on, and why it was chosen. */
export interface BackendInfo {
  backend: 'webgpu' | 'wasm';
  /** Human-readable reason, e.g. "WebGPU adapter google/swiftshader (fallback adapter, no shader-f16)". */
  reason: string;
  /** Adapter vendor/architecture when backend is webgpu. */
  adapter?: string;
  /** Whether the adapter offers `shader-f16`; false on wasm. fp16 models need it (they fail on SwiftShader). */
  shaderF16: boolean;
}

/** The two execution backends of onnxruntime-web we use. */
export type Backend = 'webgpu' | 'wasm';

export type BackendPreference = 'auto' | 'webgpu' | 'wasm';

/** Thrown when WebGPU was asked for explicitly but this browser cannot give an adapter. */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

/** True when the adapter can compile f16 shaders (fp16 / q4f16 weights and activations). */
export function hasShaderF16(adapter: GPUAdapter): boolean {
  return adapter.features.has('shader-f16');
}

/** "vendor/architecture", with "unknown" for fields the browser leaves empty. */
export function describeAdapter(adapter: GPUAdapter): string {
  const info = adapter.info;
  return `${info.vendor || 'unknown'}/${info.architecture || 'unknown'}`;
}

type AdapterProbe = { adapter: GPUAdapter } | { failure: string };

/** The part of `navigator.gpu` chooseBackend uses (tests pass a fake). */
export type GpuLike = Pick<GPU, 'requestAdapter'>;

async function probeWebGpu(gpu: GpuLike | undefined): Promise<AdapterProbe> {
  if (!gpu) return { failure: 'navigator.gpu is missing (browser without WebGPU)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { failure: 'requestAdapter() returned null' };
    return { adapter };
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { failure: `requestAdapter() threw ${text}` };
  }
}

/**
 * Picks the backend for `preference`:
 * - 'wasm': wasm, no probing.
 * - 'auto': WebGPU when `navigator.gpu.requestAdapter()` gives a hardware adapter; wasm when there is none, or
 *   when the only adapter is a fallback (software, e.g. SwiftShader) one, which runs 40-80x slower than wasm.
 * - 'webgpu': WebGPU (a fallback adapter too), or throws BackendUnavailableError with the reason.
 * `gpu` defaults to `navigator.gpu`.
 */
export async function chooseBackend(preference: BackendPreference = 'auto', gpu: GpuLike | undefined = typeof navigator === 'undefined' ? undefined : navigator.gpu): Promise<BackendInfo> {
  if (preference === 'wasm') {
    return { backend: 'wasm', reason: 'wasm was requested', shaderF16: false };
  }
  const probe = await probeWebGpu(gpu);
  if ('failure' in probe) {
    if (preference === 'webgpu') {
      throw new BackendUnavailableError(
        `WebGPU was requested but ${probe.failure}; choose backend 'auto' or 'wasm', or use a browser with WebGPU enabled`,
      );
    }
    return { backend: 'wasm', reason: `wasm: ${probe.failure}`, shaderF16: false };
  }
  const { adapter } = probe;
  const name = describeAdapter(adapter);
  if (preference === 'auto' && adapter.info.isFallbackAdapter) {
    return { backend: 'wasm', reason: `wasm: the only WebGPU adapter (${name}) is a software fallback, slower than wasm; choose WebGPU explicitly to use it`, shaderF16: false };
  }
  const shaderF16 = hasShaderF16(adapter);
  const traits = [
    adapter.info.isFallbackAdapter ? 'fallback adapter' : 'hardware adapter',
    shaderF16 ? 'shader-f16' : 'no shader-f16',
  ];
  return { backend: 'webgpu', reason: `WebGPU adapter ${name} (${traits.join(', ')})`, adapter: name, shaderF16 };
}
