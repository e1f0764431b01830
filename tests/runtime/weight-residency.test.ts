// One device copy of frozen weights per content identity: the registry uploads once per (backend, identity),
// counts users and frees the copy with its last user; a failed upload is retried. On the tiny fixtures, a prompt-LM
// and a target-LM of the same model in one realm make one DeviceWeights upload (another model makes its own), the
// shared copy gives the target the same scores as a target loaded alone, and it survives the prompt-LM's release.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PromptLM } from '../../src/engines/prompt-lm';
import { TargetEngine } from '../../src/engines/target-engine';
import { GFLOWPO_DEFAULTS } from '../../src/gflow/settings';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { DeviceWeights } from '../../src/runtime/device-weights';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { WeightResidency, weightResidency } from '../../src/runtime/weight-residency';
import { builtinTask } from '../../src/tasks/builtin';

const files = (seed: number) => new Map(Object.entries(tinyLlamaFixtureFiles({ seed })));

/** A stand-in DeviceWeights whose release is counted (the registry only calls release on it). */
interface Counted {
  released: number;
  release(): void;
}
const counted = (): Counted => {
  const w: Counted = { released: 0, release: () => void w.released++ };
  return w;
};
const fakeWeights = (made: Counted[] = []): DeviceWeights => {
  const w = counted();
  made.push(w);
  return w as unknown as DeviceWeights;
};

describe('WeightResidency', () => {
  it('uploads once per backend and identity, and frees the copy with its last user', async () => {
    const r = new WeightResidency();
    const made: Counted[] = [];
    const upload = async () => fakeWeights(made);
    const a = await r.acquire('wasm', 'x', upload);
    const b = await r.acquire('wasm', 'x', upload);
    const c = await r.acquire('wasm', 'y', upload);
    const d = await r.acquire('webgpu', 'x', upload);
    expect([r.uploads, r.resident]).toEqual([3, 3]);
    expect(b.weights).toBe(a.weights);
    a.release();
    a.release(); // idempotent
    expect(made[0]!.released).toBe(0);
    b.release();
    expect(made[0]!.released).toBe(1);
    expect(r.resident).toBe(2);
    await r.acquire('wasm', 'x', upload); // gone: uploaded again
    expect(r.uploads).toBe(4);
    c.release();
    d.release();
  });

  it('retries an upload that failed', async () => {
    const r = new WeightResidency();
    await expect(r.acquire('wasm', 'x', () => Promise.reject(new Error('out of memory')))).rejects.toThrow('out of memory');
    expect(r.resident).toBe(0);
    const ok = await r.acquire('wasm', 'x', async () => fakeWeights());
    expect(r.uploads).toBe(2);
    ok.release();
  });
});

describe('prompt-LM and target-LM of one model', () => {
  afterEach(() => vi.restoreAllMocks());

  it('share one upload of the base weights', async () => {
    const spy = vi.spyOn(DeviceWeights, 'upload');
    const task = builtinTask('sum');
    const alone = new TargetEngine(loadOrtNode);
    await alone.load({ kind: 'files', files: files(1) }, { implementation: 'compiled', backend: 'wasm' });
    const expected = await alone.evaluate(task, 'Add the numbers.', 'train');
    await alone.release();
    expect(weightResidency.resident).toBe(0);

    spy.mockClear();
    const promptLM = new PromptLM(loadOrtNode);
    await promptLM.load({ kind: 'files', files: files(1) }, GFLOWPO_DEFAULTS, { backend: 'wasm' });
    const target = new TargetEngine(loadOrtNode);
    await target.load({ kind: 'files', files: files(1) }, { implementation: 'compiled', backend: 'wasm' }); // separate Map, same bytes
    expect(spy).toHaveBeenCalledTimes(1);
    expect(weightResidency.resident).toBe(1);
    await promptLM.release(); // the target still holds the copy
    expect(await target.evaluate(task, 'Add the numbers.', 'train')).toEqual(expected);

    const other = new PromptLM(loadOrtNode);
    await other.load({ kind: 'files', files: files(2) }, GFLOWPO_DEFAULTS, { backend: 'wasm' });
    expect(spy).toHaveBeenCalledTimes(2); // other weights: their own copy
    await other.release();
    await target.release();
    expect(weightResidency.resident).toBe(0);
  }, 60_000);
});
