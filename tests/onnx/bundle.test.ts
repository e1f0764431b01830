// Training bundles and checkpoints round-trip through bytes; damaged or foreign bytes get named errors.
import { describe, expect, it } from 'vitest';
import { mlpModel } from '../../src/models/toy/mlp';
import { BundleError, compileAccumulatingBundle, compileTrainingBundle, decodeBundle, encodeBundle } from '../../src/onnx/bundle';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from '../../src/onnx/checkpoint';
import { inspectModel } from '../support/inspect-model';
import { hostTensor } from '../../src/runtime/host-tensor';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { Trainer } from '../../src/runtime/trainer';

const dims = { inputs: 3, hidden: 5, classes: 2 };
const init = {
  w1: Float32Array.from({ length: 15 }, (_, i) => Math.sin(i) * 0.4),
  b1: Float32Array.from({ length: 5 }, (_, i) => i * 0.01),
  w2: Float32Array.from({ length: 10 }, (_, i) => Math.cos(i) * 0.4),
  b2: Float32Array.from([0.1, -0.1]),
};
const batch = {
  x: hostTensor('float32', [4, 3], Float32Array.from({ length: 12 }, (_, i) => Math.sin(i * 0.7 + 1))),
  y: hostTensor('int64', [4], BigInt64Array.from([0n, 1n, 1n, 0n])),
};

describe('training bundle', () => {
  const bundle = compileTrainingBundle(mlpModel(dims), init);

  it('has the documented inputs and outputs', () => {
    const train = inspectModel(bundle.trainStep);
    expect(train.opset).toBe(17);
    expect(train.irVersion).toBe(8);
    const inputs = train.inputs;
    expect(inputs).toEqual(expect.arrayContaining(['x', 'y', 'param.w1', 'adam_m.w1', 'adam_v.w1', 'hp.step', 'hp.lr', 'hp.beta1', 'hp.beta2', 'hp.eps', 'hp.weightDecay', 'hp.maxGradNorm']));
    const outputs = train.outputs;
    expect(outputs).toEqual(expect.arrayContaining(['loss', 'finite', 'grad_norm', 'param.w1.next', 'adam_m.w1.next', 'adam_v.w1.next']));
    const evalGraph = inspectModel(bundle.evaluate);
    expect(evalGraph.outputs).toEqual(['loss', 'logits']);
    expect(evalGraph.inputs).not.toContain('adam_m.w1');
    expect(bundle.manifest.batchInputs).toEqual([
      { name: 'x', dtype: 'float32', shape: ['B', 3] },
      { name: 'y', dtype: 'int64', shape: ['B'] },
    ]);
  });

  it('round-trips through bytes exactly, and the decoded bundle trains identically', async () => {
    const bytes = encodeBundle(bundle);
    const back = decodeBundle(bytes);
    expect(back.manifest).toEqual(bundle.manifest);
    if (back.kind !== 'step') throw new Error(`decoded a '${back.kind}' bundle`);
    expect(Buffer.from(back.trainStep).equals(Buffer.from(bundle.trainStep))).toBe(true);
    expect(Buffer.from(back.evaluate).equals(Buffer.from(bundle.evaluate))).toBe(true);
    expect(back.checkpoint.step).toBe(0);
    for (const k of Object.keys(init)) expect(Array.from(back.checkpoint.params[k]!)).toEqual(Array.from(init[k as keyof typeof init]));
    const ort = await loadOrtNode();
    const a = await Trainer.create(ort, bundle, { backend: 'wasm' });
    const b = await Trainer.create(ort, back, { backend: 'wasm' });
    for (let i = 0; i < 3; i++) expect((await b.trainStep(batch)).loss).toBe((await a.trainStep(batch)).loss);
    await Promise.all([a.release(), b.release()]);
  });

  it('an accumulating bundle: grad and apply graphs with the documented inputs and outputs, round-tripped', async () => {
    const acc = compileAccumulatingBundle(mlpModel(dims), init);
    expect(acc.manifest.kind).toBe('accumulate');
    const grad = inspectModel(acc.grad);
    expect(grad.inputs).toEqual(expect.arrayContaining(['x', 'y', 'param.w1', 'grad_acc.w1', 'grad_acc_loss', 'hp.grad_scale']));
    expect(grad.inputs).not.toContain('adam_m.w1');
    expect(grad.inputs).not.toContain('hp.lr');
    expect(grad.outputs).toEqual(expect.arrayContaining(['loss', 'grad_acc.w1.next', 'grad_acc_loss.next']));
    const apply = inspectModel(acc.apply);
    expect(apply.inputs).toEqual(expect.arrayContaining(['param.w1', 'adam_m.w1', 'adam_v.w1', 'grad_acc.w1', 'grad_acc_loss', 'hp.step', 'hp.lr', 'hp.maxGradNorm', 'hp.weightDecay']));
    expect(apply.inputs).not.toContain('x');
    expect(apply.outputs).toEqual(expect.arrayContaining(['finite', 'grad_norm', 'param.w1.next', 'adam_m.w1.next', 'adam_v.w1.next', 'grad_acc.w1.next', 'grad_acc_loss.next']));
    expect(acc.manifest.batchInputs).toEqual(bundle.manifest.batchInputs);
    const back = decodeBundle(encodeBundle(acc));
    if (back.kind !== 'accumulate') throw new Error(`decoded a '${back.kind}' bundle`);
    expect(back.manifest).toEqual(acc.manifest);
    expect(Buffer.from(back.grad).equals(Buffer.from(acc.grad))).toBe(true);
    expect(Buffer.from(back.apply).equals(Buffer.from(acc.apply))).toBe(true);
    // The fused step and one micro-batch of weight 1 + apply are the same update.
    const ort = await loadOrtNode();
    const a = await Trainer.create(ort, bundle, { backend: 'wasm' });
    const b = await Trainer.create(ort, back, { backend: 'wasm' });
    for (let i = 0; i < 3; i++) {
      const ra = await a.trainStep(batch);
      const rb = await b.trainStep(batch);
      expect(rb.loss).toBeCloseTo(ra.loss, 6);
      expect(rb.gradNorm).toBeCloseTo(ra.gradNorm, 6);
    }
    const [ca, cb] = [await a.saveCheckpoint(), await b.saveCheckpoint()];
    for (const k of Object.keys(init)) cb.params[k]!.forEach((x, i) => expect(x).toBeCloseTo(ca.params[k]![i]!, 6));
    await Promise.all([a.release(), b.release()]);
  });

  it('rejects damaged and foreign bytes with BundleError', () => {
    const bytes = encodeBundle(bundle);
    expect(() => decodeBundle(bytes.slice(0, bytes.byteLength - 10))).toThrow(BundleError);
    expect(() => decodeBundle(bytes.slice(0, bytes.byteLength - 10))).toThrow(/truncated/);
    expect(() => decodeBundle(new Uint8Array(16))).toThrow(BundleError);
    const ckpt = encodeCheckpoint(bundle.checkpoint, bundle.manifest.params);
    expect(() => decodeBundle(ckpt)).toThrow(/not a training bundle \(format 'gflowpo-checkpoint'\)/);
  });
});

describe('checkpoint', () => {
  const bundle = compileTrainingBundle(mlpModel(dims), init);
  it('round-trips step, parameters and moments', () => {
    const c = { ...bundle.checkpoint, step: 7 };
    c.m['w1'] = Float32Array.from({ length: 15 }, (_, i) => i / 3);
    const { checkpoint } = decodeCheckpoint(encodeCheckpoint(c, bundle.manifest.params), bundle.manifest.params);
    expect(checkpoint.step).toBe(7);
    expect(Array.from(checkpoint.m['w1']!)).toEqual(Array.from(c.m['w1']!));
    expect(Array.from(checkpoint.params['b2']!)).toEqual(Array.from(init.b2));
  });

  it('refuses a checkpoint of another model, naming the tensor and both shapes', () => {
    const other = compileTrainingBundle(mlpModel({ ...dims, hidden: 6 }), {
      w1: new Float32Array(18), b1: new Float32Array(6), w2: new Float32Array(12), b2: new Float32Array(2),
    });
    const bytes = encodeCheckpoint(other.checkpoint, other.manifest.params);
    expect(() => decodeCheckpoint(bytes, bundle.manifest.params)).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(bytes, bundle.manifest.params)).toThrow(/'param.w1' has shape \(3,6\), the model expects \(3,5\)/);
    expect(() => decodeCheckpoint(bytes, [{ name: 'w9', shape: [1] }])).toThrow(/lacks 'param.w9'/);
  });
});
