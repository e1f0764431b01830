// 50 compiled train steps (onnxruntime-web wasm) against the hand-written float64 reference of the same steps:
// an MLP and a one-block transformer, in float32 (within 1e-4 relative) and float64 (within 1e-9).
import { describe, expect, it } from 'vitest';
import type { FloatDType } from '../../../src/autodiff/ir';
import { mlpModel } from '../../../src/models/toy/mlp';
import { tinyTransformerModel } from '../../../src/models/toy/tiny-transformer';
import { compileTrainingBundle } from '../../../src/onnx/bundle';
import { hostTensor } from '../../../src/runtime/host-tensor';
import { loadOrtNode } from '../../../src/runtime/ort-node';
import { Trainer } from '../../../src/runtime/trainer';
import type { AdamWConfig } from '../../reference/adamw';
import { type MlpBatch, mlpShapes, trainMlp } from '../../reference/mlp';
import { mulberry32, randn, randomInts, randomParams } from '../../reference/random';
import { type TransformerBatch, trainTransformer, transformerShapes } from '../../reference/transformer';

const STEPS = 50;
const cfg: AdamWConfig = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1.0 };

function maxRelDiff(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]!) / Math.max(Math.abs(b[i]!), 1e-12)));
}

const i64 = (a: Int32Array): BigInt64Array => BigInt64Array.from(Array.from(a, BigInt));

describe('MLP: 50 compiled steps equal the float64 reference', () => {
  const dims = { B: 8, Din: 5, H: 16, K: 3 };
  const rng = mulberry32(7);
  const init = randomParams(mlpShapes(dims), rng, 0.5);
  const batches: MlpBatch[] = Array.from({ length: STEPS }, () => ({
    x: Float64Array.from({ length: dims.B * dims.Din }, () => randn(rng)),
    y: randomInts(dims.B, dims.K, rng),
  }));
  const reference = trainMlp(init, batches, dims, cfg);

  for (const [dtype, tol] of [['float64', 1e-9], ['float32', 1e-4]] as const) {
    it(`${dtype}: loss trajectory within ${tol} relative`, async () => {
      const bundle = compileTrainingBundle(mlpModel({ inputs: dims.Din, hidden: dims.H, classes: dims.K }), init, dtype);
      const trainer = await Trainer.create(await loadOrtNode(), bundle, { backend: 'wasm', hyper: cfg });
      const losses: number[] = [];
      const norms: number[] = [];
      for (const b of batches) {
        const x = dtype === 'float64' ? b.x : Float32Array.from(b.x);
        const r = await trainer.trainStep({ x: hostTensor(dtype, [dims.B, dims.Din], x), y: hostTensor('int64', [dims.B], i64(b.y)) });
        expect(r.finite).toBe(true);
        losses.push(r.loss);
        norms.push(r.gradNorm);
      }
      expect(trainer.step).toBe(STEPS);
      expect(losses[STEPS - 1]!).toBeLessThan(losses[0]!);
      expect(maxRelDiff(losses, reference.losses)).toBeLessThan(tol);
      expect(maxRelDiff(norms, reference.gradNorms)).toBeLessThan(tol * 10);
      const final = await trainer.saveCheckpoint();
      const w1 = Array.from(final.params['w1']!);
      expect(Math.max(...w1.map((x, i) => Math.abs(x - reference.params['w1']![i]!)))).toBeLessThan(tol * 10);
      await trainer.release();
    });
  }
});

describe('one-block transformer: 50 compiled steps equal the float64 reference', () => {
  const dims = { B: 4, T: 8, V: 12, C: 16, H: 2, F: 32 };
  const rng = mulberry32(11);
  const init = randomParams(transformerShapes(dims), rng, 0.3);
  for (const g of ['g1', 'g2', 'gf']) init[g] = new Float64Array(dims.C).fill(1);
  // Toy sequence task: the next token is the current one plus 1 (mod V).
  const batches: TransformerBatch[] = Array.from({ length: STEPS }, () => {
    const ids = randomInts(dims.B * dims.T, dims.V, rng);
    return { ids, targets: ids.map((t) => (t + 1) % dims.V) };
  });
  const reference = trainTransformer(init, batches, dims, cfg);

  const run = async (dtype: FloatDType) => {
    const model = tinyTransformerModel({ vocab: dims.V, width: dims.C, heads: dims.H, ffn: dims.F });
    const trainer = await Trainer.create(await loadOrtNode(), compileTrainingBundle(model, init, dtype), { backend: 'wasm', hyper: cfg });
    const losses: number[] = [];
    for (const b of batches) {
      const r = await trainer.trainStep({
        ids: hostTensor('int64', [dims.B, dims.T], i64(b.ids)),
        targets: hostTensor('int64', [dims.B, dims.T], i64(b.targets)),
      });
      losses.push(r.loss);
    }
    await trainer.release();
    return losses;
  };

  it('float64: loss trajectory within 1e-9 relative', async () => {
    const losses = await run('float64');
    expect(maxRelDiff(losses, reference.losses)).toBeLessThan(1e-9);
  });

  it('float32: loss trajectory within 1e-4 relative, and it learns', async () => {
    const losses = await run('float32');
    expect(maxRelDiff(losses, reference.losses)).toBeLessThan(1e-4);
    expect(losses[STEPS - 1]!).toBeLessThan(0.5 * losses[0]!);
  });
});
