// One device copy of a model's frozen weights per content identity: engines in the same JS realm (the lab worker
// holds the prompt-LM and the target-LM) that load the same model (same config and weight bytes, same backend)
// borrow one DeviceWeights instead of uploading a second copy. Reference-counted: the copy is released when its
// last user releases it. It computes no identity itself (callers pass a content hash) and shares nothing across
// workers (each worker has its own heap and device buffers).
import type { Backend } from './device';
import type { DeviceWeights } from './device-weights';

export interface WeightsLease {
  readonly weights: DeviceWeights;
  /** Gives the copy back; the last lease's release frees it. Idempotent. */
  release(): void;
}

interface Entry {
  weights: Promise<DeviceWeights>;
  users: number;
}

export class WeightResidency {
  private readonly entries = new Map<string, Entry>();
  /** Uploads made through this registry (a test counts them). */
  uploads = 0;

  /** The weights of `identity` on `backend`: the resident copy, or `upload()` once when there is none. */
  async acquire(backend: Backend, identity: string, upload: () => Promise<DeviceWeights>): Promise<WeightsLease> {
    const key = `${backend}:${identity}`;
    let entry = this.entries.get(key);
    if (!entry) {
      this.uploads++;
      const weights = upload();
      entry = { weights, users: 0 };
      this.entries.set(key, entry);
      weights.catch(() => this.entries.delete(key)); // a failed upload is retried by the next acquire
    }
    entry.users++;
    let weights: DeviceWeights;
    try {
      weights = await entry.weights;
    } catch (error) {
      entry.users--;
      throw error;
    }
    let released = false;
    const e = entry;
    return {
      weights,
      release: () => {
        if (released) return;
        released = true;
        if (--e.users === 0 && this.entries.get(key) === e) {
          this.entries.delete(key);
          weights.release();
        }
      },
    };
  }

  /** Copies resident now (one per identity and backend). */
  get resident(): number {
    return this.entries.size;
  }
}

/** The realm's registry: every engine of this worker shares it. */
export const weightResidency = new WeightResidency();
