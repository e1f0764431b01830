// One-shot execution of an ONNX model on host tensors: open a session, run once, read outputs, release.
// For tests, tools and small graphs; training runs step after step through Trainer instead.
import { onDevice } from './device-queue';
import { type HostTensor, type Ort, fromOrt, toOrt } from './host-tensor';
import { ortWebGpuDevice } from './webgpu-device';

export interface RunOptions {
  executionProviders?: string[];
  /**
   * ORT graph optimisation level. 'all' (default) fuses patterns into float32-only contrib ops
   * (x*sigmoid(x) -> QuickGelu), so float64 graphs need 'basic'.
   */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
}

/** A reusable session over host tensors (serialised runs). */
export class GraphSession {
  private constructor(
    private readonly ort: Ort,
    private readonly session: import('onnxruntime-web').InferenceSession,
  ) {}

  static async open(ort: Ort, model: Uint8Array, options: RunOptions = {}): Promise<GraphSession> {
    if (options.executionProviders?.includes('webgpu')) await ortWebGpuDevice(ort);
    const session = await ort.InferenceSession.create(model, {
      executionProviders: options.executionProviders ?? ['wasm'],
      graphOptimizationLevel: options.optimization ?? 'all',
    });
    return new GraphSession(ort, session);
  }

  run(feeds: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>> {
    return onDevice(async () => {
      const inputs = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toOrt(this.ort, v)]));
      const results = await this.session.run(inputs);
      const out: Record<string, HostTensor> = {};
      for (const [k, v] of Object.entries(results)) {
        out[k] = await fromOrt(v);
        v.dispose();
      }
      return out;
    });
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

export async function runGraph(ort: Ort, model: Uint8Array, feeds: Readonly<Record<string, HostTensor>>, options: RunOptions = {}): Promise<Record<string, HostTensor>> {
  const s = await GraphSession.open(ort, model, options);
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}
