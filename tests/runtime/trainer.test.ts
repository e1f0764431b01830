// Trainer: AdamW in the graph equals the textbook update (fused step and accumulate + apply), accumulated
// micro-batches give the update of one batch of the same examples, non-finite steps leave parameters untouched,
// checkpoints resume a run exactly, and bad feeds get named errors.
import { describe, expect, it } from 'vitest';
import type { Graph, Tensor } from '../../src/autodiff/ir';
import { mul, reduceSum, sqrt, sub } from '../../src/autodiff/ops';
import { mlpModel } from '../../src/models/toy/mlp';
import { type TrainableModel, compileAccumulatingBundle, compileTrainingBundle } from '../../src/onnx/bundle';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/onnx/checkpoint';
import { FeedError, hostTensor } from '../../src/runtime/host-tensor';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { Trainer, TrainerError } from '../../src/runtime/trainer';
import { adamwStep, type AdamWConfig } from '../reference/adamw';

/** loss = 0.5 * sum(c * (w - x)^2): gradient c * (w - x), so the update is easy to follow. */
const quadratic: TrainableModel = {
  name: 'quadratic',
  params: [{ name: 'w', shape: [4] }],
  forward(g: Graph, p: Readonly<Record<string, Tensor>>) {
    const x = g.input('x', [4]);
    const d = sub(p['w']!, x);
    return { loss: mul(reduceSum(mul(mul(d, d), g.constant(Float64Array.from([1, 2, 3, 40]), [4], g.dtype))), 0.5) };
  },
};

/** loss = sum(sqrt(w * x)): finite at x = 0, but its gradient there is 0/0. */
const sqrtModel: TrainableModel = {
  name: 'sqrt',
  params: [{ name: 'w', shape: [2] }],
  forward(g: Graph, p: Readonly<Record<string, Tensor>>) {
    return { loss: reduceSum(sqrt(mul(p['w']!, g.input('x', [2])))) };
  },
};

const f64 = (values: number[]) => hostTensor('float64', [values.length], Float64Array.from(values));

describe('AdamW in the graph', () => {
  it.each(['step', 'accumulate'] as const)('equals the textbook update step by step (%s bundle; clipping on and off, weight decay, lr override)', async (kind) => {
    const cfg: AdamWConfig = { lr: 0.05, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1, maxGradNorm: 2.0 };
    const w0 = [0.5, -1, 2, 0.1];
    const compile = kind === 'step' ? compileTrainingBundle : compileAccumulatingBundle;
    const trainer = await Trainer.create(await loadOrtNode(), compile(quadratic, { w: Float64Array.from(w0) }, 'float64'), { backend: 'wasm', hyper: cfg });
    const ref = { w: Float64Array.from(w0) };
    const m = { w: new Float64Array(4) };
    const v = { w: new Float64Array(4) };
    // Step 1 and 3 are far from x (clipped); step 2 sits next to the current w (not clipped).
    const xs = [[0, 0, 0, 0], null, [1, 1, 1, 1]];
    const lrs = [cfg.lr, cfg.lr / 2, cfg.lr];
    let clipped = 0;
    for (let s = 0; s < xs.length; s++) {
      const x = xs[s] ?? Array.from(ref.w, (w) => w + 0.005);
      const c = [1, 2, 3, 40];
      const grad = { w: Float64Array.from(ref.w, (w, i) => c[i]! * (w - x[i]!)) };
      const { gradNorm } = adamwStep(ref, grad, m, v, s + 1, { ...cfg, lr: lrs[s]! });
      if (gradNorm > cfg.maxGradNorm) clipped++;
      const r = await trainer.trainStep({ x: f64(x) }, { lr: lrs[s]! });
      expect(r.finite).toBe(true);
      expect(r.step).toBe(s + 1);
      expect(r.gradNorm).toBeCloseTo(gradNorm, 12);
      const ck = await trainer.saveCheckpoint();
      for (let i = 0; i < 4; i++) {
        expect(ck.params['w']![i]).toBeCloseTo(ref.w[i]!, 13);
        expect(ck.m['w']![i]).toBeCloseTo(m.w[i]!, 13);
        expect(ck.v['w']![i]).toBeCloseTo(v.w[i]!, 13);
      }
    }
    expect(clipped).toBeGreaterThan(0); // the case exercises clipping
    expect(clipped).toBeLessThan(xs.length); // and the unclipped path
    await trainer.release();
  });
});

describe('gradient accumulation', () => {
  const dims = { inputs: 3, hidden: 5, classes: 3 };
  const init = {
    w1: Float64Array.from({ length: 15 }, (_, i) => Math.sin(i + 2) * 0.6),
    b1: Float64Array.from({ length: 5 }, (_, i) => 0.05 * i),
    w2: Float64Array.from({ length: 15 }, (_, i) => Math.cos(i + 3) * 0.6),
    b2: Float64Array.from([0.1, 0, -0.1]),
  };
  /** Batch k: 4 examples (the mlp's loss is the mean cross-entropy over them); rows [from, to). */
  const rows = (k: number, from: number, to: number) => ({
    x: hostTensor('float32', [to - from, 3], Float32Array.from({ length: 12 }, (_, i) => Math.sin(k * 5 + i * 0.9)).slice(from * 3, to * 3)),
    y: hostTensor('int64', [to - from], BigInt64Array.from([0n, 2n, 1n, 2n].slice(from, to).map((y) => (y + BigInt(k)) % 3n))),
  });
  const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)));

  it('two micro-batches of 2 (scale 1/2) give the update of one batch of the same 4 examples (1e-5), step after step', async () => {
    const ort = await loadOrtNode();
    // No clipping at first: then the moments carry the gradient's scale (an unscaled sum would show).
    const hyper = { lr: 0.05, weightDecay: 0.01, maxGradNorm: 100 };
    const whole = await Trainer.create(ort, compileAccumulatingBundle(mlpModel(dims), init), { backend: 'wasm', hyper });
    const split = await Trainer.create(ort, compileAccumulatingBundle(mlpModel(dims), init), { backend: 'wasm', hyper });
    for (let k = 0; k < 4; k++) {
      const clip = k >= 2 ? { maxGradNorm: 0.05 } : {}; // steps 3 and 4 clip the accumulated gradient
      const a = await whole.accumulate(rows(k, 0, 4), { scale: 1 });
      const ra = await whole.applyUpdate(clip);
      const b1 = await split.accumulate(rows(k, 0, 2), { scale: 0.5 });
      expect(split.pendingMicroBatches).toBe(1);
      const b2 = await split.accumulate(rows(k, 2, 4), { scale: 0.5 });
      expect(split.step).toBe(k); // nothing applied yet
      const rb = await split.applyUpdate(clip);
      expect(split.pendingMicroBatches).toBe(0);
      expect(Math.abs((b1.loss + b2.loss) / 2 - a.loss)).toBeLessThan(1e-5);
      expect(Math.abs(rb.gradNorm - ra.gradNorm)).toBeLessThan(1e-5);
      expect(rb.gradNorm).toBeGreaterThan(0.1);
      expect([ra.step, rb.step, ra.finite, rb.finite]).toEqual([k + 1, k + 1, true, true]);
      const [ca, cb] = [await whole.saveCheckpoint(), await split.saveCheckpoint()];
      for (const p of Object.keys(init)) {
        expect(maxDiff(cb.params[p]!, ca.params[p]!)).toBeLessThan(1e-5);
        expect(maxDiff(cb.m[p]!, ca.m[p]!)).toBeLessThan(1e-5);
        expect(maxDiff(cb.v[p]!, ca.v[p]!)).toBeLessThan(1e-6);
      }
    }
    await Promise.all([whole.release(), split.release()]);
  });

  it('the accumulator is zeroed by every update: the next step sees only its own micro-batches', async () => {
    const ort = await loadOrtNode();
    const a = await Trainer.create(ort, compileAccumulatingBundle(quadratic, { w: Float64Array.from([1, 2, 3, 4]) }, 'float64'), { backend: 'wasm' });
    const b = await Trainer.create(ort, compileAccumulatingBundle(quadratic, { w: Float64Array.from([1, 2, 3, 4]) }, 'float64'), { backend: 'wasm' });
    // a: step 1 on x = 0, step 2 on x = 1. b: the same steps, with step 2's batch fed twice at scale 1/2.
    await a.accumulate({ x: f64([0, 0, 0, 0]) }, { scale: 1 });
    await a.applyUpdate();
    await a.accumulate({ x: f64([1, 1, 1, 1]) }, { scale: 1 });
    const ra = await a.applyUpdate();
    await b.accumulate({ x: f64([0, 0, 0, 0]) }, { scale: 1 });
    await b.applyUpdate();
    await b.accumulate({ x: f64([1, 1, 1, 1]) }, { scale: 0.5 });
    await b.accumulate({ x: f64([1, 1, 1, 1]) }, { scale: 0.5 });
    const rb = await b.applyUpdate();
    expect(rb.gradNorm).toBeCloseTo(ra.gradNorm, 12);
    const [ca, cb] = [await a.saveCheckpoint(), await b.saveCheckpoint()];
    expect(maxDiff(cb.params['w']!, ca.params['w']!)).toBeLessThan(1e-12);
    await Promise.all([a.release(), b.release()]);
  });

  it('a non-finite micro-batch makes the update a no-op (params, moments, step) and still zeroes the accumulator', async () => {
    const ort = await loadOrtNode();
    const make = () => Trainer.create(ort, compileAccumulatingBundle(quadratic, { w: Float64Array.from([1, 2, 3, 4]) }, 'float32'), { backend: 'wasm' });
    const trainer = await make();
    const fresh = await make();
    await trainer.accumulate({ x: hostTensor('float32', [4], Float32Array.from([0, 0, 0, 0])) }, { scale: 0.5 });
    const nan = await trainer.accumulate({ x: hostTensor('float32', [4], Float32Array.from([0, Number.NaN, 0, 0])) }, { scale: 0.5 });
    expect(Number.isNaN(nan.loss)).toBe(true);
    const r = await trainer.applyUpdate();
    expect(r.finite).toBe(false);
    expect(r.step).toBe(0);
    const after = await trainer.saveCheckpoint();
    expect(Array.from(after.params['w']!)).toEqual([1, 2, 3, 4]);
    expect(Array.from(after.m['w']!)).toEqual([0, 0, 0, 0]);
    expect(Array.from(after.v['w']!)).toEqual([0, 0, 0, 0]);
    // The NaN is gone from the accumulator: the next step equals a fresh trainer's first step.
    const x = { x: hostTensor('float32', [4], Float32Array.from([2, 2, 2, 2])) };
    await trainer.accumulate(x, { scale: 1 });
    await fresh.accumulate(x, { scale: 1 });
    const [ok, ref] = [await trainer.applyUpdate(), await fresh.applyUpdate()];
    expect(ok.finite).toBe(true);
    expect(ok.step).toBe(1);
    expect(ok.gradNorm).toBe(ref.gradNorm);
    expect(Array.from((await trainer.saveCheckpoint()).params['w']!)).toEqual(Array.from((await fresh.saveCheckpoint()).params['w']!));
    await Promise.all([trainer.release(), fresh.release()]);
  });

  it('misuse gets TrainerError: apply with nothing accumulated, accumulate on a fused bundle, trainStep mid-accumulation, a bad scale', async () => {
    const ort = await loadOrtNode();
    const acc = await Trainer.create(ort, compileAccumulatingBundle(quadratic, { w: Float64Array.from([1, 2, 3, 4]) }, 'float32'), { backend: 'wasm' });
    const fused = await Trainer.create(ort, compileTrainingBundle(quadratic, { w: Float64Array.from([1, 2, 3, 4]) }, 'float32'), { backend: 'wasm' });
    const x = { x: hostTensor('float32', [4], Float32Array.from([0, 0, 0, 0])) };
    await expect(acc.applyUpdate()).rejects.toThrow(/no micro-batch was accumulated/);
    await expect(fused.accumulate(x, { scale: 1 })).rejects.toThrow(TrainerError);
    await expect(fused.applyUpdate()).rejects.toThrow(/compileAccumulatingBundle/);
    await expect(acc.accumulate(x, { scale: 0 })).rejects.toThrow(/positive/);
    await acc.accumulate(x, { scale: 1 });
    await expect(acc.trainStep(x)).rejects.toThrow(/applyUpdate\(\) before trainStep/);
    expect((await acc.applyUpdate()).step).toBe(1);
    await Promise.all([acc.release(), fused.release()]);
  });
});

describe('non-finite steps', () => {
  it('a NaN loss is flagged and parameters, moments and step stay as they were', async () => {
    const trainer = await Trainer.create(await loadOrtNode(), compileTrainingBundle(quadratic, { w: Float64Array.from([1, 2, 3, 4]) }, 'float32'), { backend: 'wasm' });
    await trainer.trainStep({ x: hostTensor('float32', [4], Float32Array.from([0, 0, 0, 0])) });
    const before = await trainer.saveCheckpoint();
    const r = await trainer.trainStep({ x: hostTensor('float32', [4], Float32Array.from([0, Number.NaN, 0, 0])) });
    expect(r.finite).toBe(false);
    expect(Number.isNaN(r.loss)).toBe(true);
    expect(r.step).toBe(1);
    const after = await trainer.saveCheckpoint();
    expect(Array.from(after.params['w']!)).toEqual(Array.from(before.params['w']!));
    expect(Array.from(after.m['w']!)).toEqual(Array.from(before.m['w']!));
    expect(Array.from(after.v['w']!)).toEqual(Array.from(before.v['w']!));
    const ok = await trainer.trainStep({ x: hostTensor('float32', [4], Float32Array.from([0, 0, 0, 0])) });
    expect(ok.finite).toBe(true);
    expect(ok.step).toBe(2);
    await trainer.release();
  });

  it('a finite loss with a non-finite gradient is flagged too', async () => {
    const trainer = await Trainer.create(await loadOrtNode(), compileTrainingBundle(sqrtModel, { w: Float64Array.from([1, 1]) }, 'float32'), { backend: 'wasm' });
    const r = await trainer.trainStep({ x: hostTensor('float32', [2], Float32Array.from([0, 1])) });
    expect(r.loss).toBeCloseTo(1, 6);
    expect(r.finite).toBe(false);
    expect(Array.from((await trainer.saveCheckpoint()).params['w']!)).toEqual([1, 1]);
    await trainer.release();
  });
});

describe('checkpoints', () => {
  const dims = { inputs: 3, hidden: 4, classes: 2 };
  const init = {
    w1: Float64Array.from({ length: 12 }, (_, i) => Math.sin(i + 1) * 0.5),
    b1: new Float64Array(4),
    w2: Float64Array.from({ length: 8 }, (_, i) => Math.cos(i + 1) * 0.5),
    b2: new Float64Array(2),
  };
  const batch = (k: number) => ({
    x: hostTensor('float32', [2, 3], Float32Array.from({ length: 6 }, (_, i) => Math.sin(k * 7 + i))),
    y: hostTensor('int64', [2], BigInt64Array.from([BigInt(k % 2), BigInt((k + 1) % 2)])),
  });

  it('save, encode, decode and load resumes a run with the same losses as an uninterrupted one', async () => {
    const ort = await loadOrtNode();
    const model = mlpModel(dims);
    const bundle = compileTrainingBundle(model, init);
    const straight = await Trainer.create(ort, bundle, { backend: 'wasm' });
    const expected: number[] = [];
    for (let k = 0; k < 8; k++) expected.push((await straight.trainStep(batch(k))).loss);

    const first = await Trainer.create(ort, bundle, { backend: 'wasm' });
    for (let k = 0; k < 4; k++) await first.trainStep(batch(k));
    const bytes = encodeCheckpoint(await first.saveCheckpoint(), bundle.manifest.params);
    const { checkpoint } = decodeCheckpoint(bytes, bundle.manifest.params);
    expect(checkpoint.step).toBe(4);
    const second = await Trainer.create(ort, bundle, { backend: 'wasm' });
    await second.loadCheckpoint(checkpoint);
    const resumed: number[] = [];
    for (let k = 4; k < 8; k++) resumed.push((await second.trainStep(batch(k))).loss);
    expect(resumed).toEqual(expected.slice(4));
    expect(second.step).toBe(8);
    await Promise.all([straight.release(), first.release(), second.release()]);
  });

  it('bad feeds get FeedError naming the input and both shapes, and change nothing', async () => {
    const bundle = compileTrainingBundle(mlpModel(dims), init);
    const trainer = await Trainer.create(await loadOrtNode(), bundle, { backend: 'wasm' });
    const good = batch(0);
    await expect(trainer.trainStep({ x: good.x })).rejects.toThrow(/batch input 'y' is missing/);
    await expect(trainer.trainStep({ ...good, x: hostTensor('float32', [2, 4], new Float32Array(8)) })).rejects.toThrow(
      /batch input 'x': dimension 1 must be 3; expected float32 \(B,3\), got float32 \(2,4\)/,
    );
    await expect(trainer.trainStep({ ...good, y: hostTensor('int64', [3], new BigInt64Array(3)) })).rejects.toThrow(/B=3 but 'x' has B=2/);
    await expect(trainer.trainStep({ ...good, extra: good.y })).rejects.toThrow(FeedError);
    expect(trainer.step).toBe(0);
    const r = await trainer.trainStep(good);
    expect(r.step).toBe(1);
    await trainer.release();
  });
});
