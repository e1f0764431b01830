// Frozen weights: uploaded once as DeviceWeights, shared by several trainers, never updated or checkpointed.
import { describe, expect, it } from 'vitest';
import { compileTrainingBundle } from '../../src/onnx/bundle';
import { DeviceWeights } from '../../src/runtime/device-weights';
import { FeedError, hostTensor } from '../../src/runtime/host-tensor';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { Trainer } from '../../src/runtime/trainer';
import { frozenW, loraBatch, loraInit, loraLinear } from '../support/lora-linear';

const batch = { x: hostTensor('float32', [6, 4], loraBatch.x), y: hostTensor('int64', [6], loraBatch.y) };

describe('frozen weights', () => {
  it('two trainers share one upload; only the adapter trains and is checkpointed', async () => {
    const ort = await loadOrtNode();
    const bundle = compileTrainingBundle(loraLinear, loraInit);
    expect(bundle.manifest.frozen).toEqual([{ name: 'W', shape: [4, 3] }]);
    expect(Object.keys(bundle.checkpoint.params)).toEqual(['A', 'Bm']);
    const weights = await DeviceWeights.upload(ort, 'wasm', { W: hostTensor('float32', [4, 3], frozenW) });
    const a = await Trainer.create(ort, bundle, { backend: 'wasm', frozen: weights, hyper: { lr: 0.1, weightDecay: 0 } });
    const b = await Trainer.create(ort, bundle, { backend: 'wasm', frozen: weights, hyper: { lr: 0.1, weightDecay: 0 } });
    const la: number[] = [];
    const lb: number[] = [];
    for (let i = 0; i < 30; i++) {
      la.push((await a.trainStep(batch)).loss);
      lb.push((await b.trainStep(batch)).loss);
    }
    expect(lb).toEqual(la);
    expect(la[29]!).toBeLessThan(la[0]! * 0.5);
    // Bm moved away from zero; W is not a parameter and is untouched on the host side.
    const ck = await a.saveCheckpoint();
    expect(Math.max(...Array.from(ck.params['Bm']!, Math.abs))).toBeGreaterThan(0.01);
    expect(Object.keys(ck.params)).toEqual(['A', 'Bm']);
    await a.release();
    // Releasing one trainer leaves the shared weights usable by the other.
    expect((await b.trainStep(batch)).finite).toBe(true);
    await b.release();
    weights.release();
  });

  it('missing or mis-shaped frozen weights are refused with FeedError', async () => {
    const ort = await loadOrtNode();
    const bundle = compileTrainingBundle(loraLinear, loraInit);
    await expect(Trainer.create(ort, bundle, { backend: 'wasm' })).rejects.toThrow(/frozen weight 'W' was not given/);
    const wrong = await DeviceWeights.upload(ort, 'wasm', { W: hostTensor('float32', [3, 4], frozenW) });
    await expect(Trainer.create(ort, bundle, { backend: 'wasm', frozen: wrong })).rejects.toThrow(FeedError);
    await expect(Trainer.create(ort, bundle, { backend: 'wasm', frozen: wrong })).rejects.toThrow(/\(3,4\); the model expects float32 \(4,3\)/);
  });
});
