// In real headless Chromium: one compiled training bundle runs on the WebGPU and wasm backends and gives the
// same losses (within 1e-4), parameters staying on the GPU between steps (also with gradient accumulation); the demo
// worker trains over comlink.
import * as Comlink from 'comlink';
import { describe, expect, it } from 'vitest';
import { mulberry32, randn } from '../../src/random/mulberry32';
import type { ToyTrainerApi } from '../../src/demo/contract';
import { countingBatch } from '../../src/demo/counting-task';
import { tinyTransformerModel, tinyTransformerParams } from '../../src/models/toy/tiny-transformer';
import { compileAccumulatingBundle, compileTrainingBundle, decodeBundle, encodeBundle } from '../../src/onnx/bundle';
import { chooseBackend } from '../../src/runtime/device';
import { DeviceWeights } from '../../src/runtime/device-weights';
import { frozenW, loraBatch, loraInit, loraLinear } from '../support/lora-linear';
import { hostTensor } from '../../src/runtime/host-tensor';
import { loadOrtWeb } from '../../src/runtime/ort-web';
import { type Backend, Trainer } from '../../src/runtime/trainer';

// Small on purpose: the WebGPU adapter here is SwiftShader, a CPU emulation.
const dims = { vocab: 8, width: 8, heads: 2, ffn: 16 };
const task = { vocab: 8, sequence: 6, batch: 2 };
const STEPS = 6;

function init(): Record<string, Float32Array> {
  const rng = mulberry32(21);
  return Object.fromEntries(
    tinyTransformerParams(dims).map(({ name, shape }) => [name, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (shape.length === 1 ? 1 : 0.3 * randn(rng)))]),
  );
}

async function train(backend: Backend, bundleBytes: Uint8Array): Promise<{ losses: number[]; norms: number[]; w: number[] }> {
  const trainer = await Trainer.create(await loadOrtWeb(), decodeBundle(bundleBytes), { backend, hyper: { lr: 1e-2 } });
  const rng = mulberry32(4);
  const losses: number[] = [];
  const norms: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const { ids, targets } = countingBatch(task, rng);
    const shape = [task.batch, task.sequence];
    const r = await trainer.trainStep({ ids: hostTensor('int64', shape, ids), targets: hostTensor('int64', shape, targets) });
    expect(r.finite).toBe(true);
    losses.push(r.loss);
    norms.push(r.gradNorm);
    // Parameters and moments stay where the backend keeps them: no host round trip between steps.
    expect([...trainer.stateLocations()]).toEqual([backend === 'webgpu' ? 'gpu-buffer' : 'cpu']);
  }
  const w = Array.from((await trainer.saveCheckpoint()).params['wq']!);
  await trainer.release();
  return { losses, norms, w };
}

describe('one bundle on both backends', () => {
  it('WebGPU and wasm give the same losses, gradient norms and parameters within 1e-4', async () => {
    const info = await chooseBackend('webgpu');
    expect(info.backend).toBe('webgpu'); // --enable-unsafe-webgpu gives the SwiftShader adapter
    const bytes = encodeBundle(compileTrainingBundle(tinyTransformerModel(dims), init()));
    const wasm = await train('wasm', bytes);
    const gpu = await train('webgpu', bytes);
    for (let i = 0; i < STEPS; i++) {
      expect(Math.abs(gpu.losses[i]! - wasm.losses[i]!) / wasm.losses[i]!).toBeLessThan(1e-4);
      expect(Math.abs(gpu.norms[i]! - wasm.norms[i]!) / wasm.norms[i]!).toBeLessThan(1e-4);
    }
    expect(wasm.losses[STEPS - 1]!).toBeLessThan(wasm.losses[0]!);
    expect(Math.max(...gpu.w.map((x, i) => Math.abs(x - wasm.w[i]!)))).toBeLessThan(1e-4);
  });
});

describe('gradient accumulation on both backends', () => {
  it('two micro-batches then one update: accumulators and moments stay on the GPU; WebGPU equals wasm within 1e-4', async () => {
    const bytes = encodeBundle(compileAccumulatingBundle(tinyTransformerModel(dims), init()));
    const run = async (backend: Backend) => {
      const trainer = await Trainer.create(await loadOrtWeb(), decodeBundle(bytes), { backend, hyper: { lr: 1e-2 } });
      const rng = mulberry32(4);
      const shape = [task.batch, task.sequence];
      const out: number[] = [];
      for (let s = 0; s < 3; s++) {
        for (let m = 0; m < 2; m++) {
          const { ids, targets } = countingBatch(task, rng);
          out.push((await trainer.accumulate({ ids: hostTensor('int64', shape, ids), targets: hostTensor('int64', shape, targets) }, { scale: 0.5 })).loss);
        }
        const r = await trainer.applyUpdate();
        expect(r.finite).toBe(true);
        out.push(r.gradNorm);
        expect([...trainer.stateLocations()]).toEqual([backend === 'webgpu' ? 'gpu-buffer' : 'cpu']);
      }
      const w = Array.from((await trainer.saveCheckpoint()).params['wq']!);
      await trainer.release();
      return { out, w };
    };
    const wasm = await run('wasm');
    const gpu = await run('webgpu');
    gpu.out.forEach((x, i) => expect(Math.abs(x - wasm.out[i]!) / Math.abs(wasm.out[i]!)).toBeLessThan(1e-4));
    expect(Math.max(...gpu.w.map((x, i) => Math.abs(x - wasm.w[i]!)))).toBeLessThan(1e-4);
  });
});

describe('frozen weights on the device', () => {
  it('one GPU upload of a frozen weight serves two trainers; losses equal wasm within 1e-4', async () => {
    const ort = await loadOrtWeb();
    const bundle = compileTrainingBundle(loraLinear, loraInit);
    const batch = { x: hostTensor('float32', [6, 4], loraBatch.x), y: hostTensor('int64', [6], loraBatch.y) };
    const run = async (backend: Backend): Promise<number[]> => {
      const weights = await DeviceWeights.upload(ort, backend, { W: hostTensor('float32', [4, 3], frozenW) });
      expect(weights.tensor('W').location).toBe(backend === 'webgpu' ? 'gpu-buffer' : 'cpu');
      const a = await Trainer.create(ort, bundle, { backend, frozen: weights, hyper: { lr: 0.1 } });
      const b = await Trainer.create(ort, bundle, { backend, frozen: weights, hyper: { lr: 0.1 } });
      const losses: number[] = [];
      for (let i = 0; i < 4; i++) {
        losses.push((await a.trainStep(batch)).loss);
        expect((await b.trainStep(batch)).loss).toBeCloseTo(losses[i]!, 6);
      }
      await Promise.all([a.release(), b.release()]);
      weights.release();
      return losses;
    };
    const wasm = await run('wasm');
    const gpu = await run('webgpu');
    gpu.forEach((l, i) => expect(Math.abs(l - wasm[i]!) / wasm[i]!).toBeLessThan(1e-4));
    expect(wasm[3]!).toBeLessThan(wasm[0]!);
  });
});

describe('demo worker', () => {
  it('trains the toy model in a worker over comlink and reports its backend', async () => {
    const worker = new Worker(new URL('../../workers/toy-trainer.worker.ts', import.meta.url), { type: 'module' });
    const engine = Comlink.wrap<ToyTrainerApi>(worker);
    const info = await engine.init({ backend: 'wasm', seed: 2 });
    expect(info.backend).toBe('wasm');
    expect(info.reason).toBe('wasm was requested');
    const losses: number[] = [];
    for (let i = 0; i < 40; i++) losses.push((await engine.step()).loss);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[39]!).toBeLessThan(losses[0]! * 0.8);
    const gpuInfo = await engine.init({ backend: 'webgpu', seed: 2 });
    expect(gpuInfo.backend).toBe('webgpu');
    expect(gpuInfo.reason).toMatch(/swiftshader/i);
    const first = await engine.step();
    expect(first.step).toBe(1);
    expect(first.finite).toBe(true);
    expect(Math.abs(first.loss - losses[0]!) / losses[0]!).toBeLessThan(1e-4); // same seed, same first batch
    worker.terminate();
  });
});
