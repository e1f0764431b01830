// Benchmark core shared by Node and the browser page: one tiny-transformer batch, forward-only (eval graph)
// against the full train step (forward, backward, clip, AdamW), median of several timed runs each.
import { mulberry32, randn } from '../../src/random/mulberry32';
import { countingBatch } from '../../src/demo/counting-task';
import { tinyTransformerModel, tinyTransformerParams } from '../../src/models/toy/tiny-transformer';
import { compileTrainingBundle } from '../../src/onnx/bundle';
import { hostTensor, type Ort } from '../../src/runtime/host-tensor';
import { type Backend, Trainer } from '../../src/runtime/trainer';

export const BENCH_MODEL = { vocab: 64, width: 64, heads: 4, ffn: 256 };
export const BENCH_TASK = { vocab: 64, sequence: 32, batch: 16 };

export interface TrainBench {
  backend: Backend;
  forwardMs: number;
  trainMs: number;
  ratio: number;
  runs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export async function benchTrainStep(ort: Ort, backend: Backend, runs: number, now: () => number = () => performance.now()): Promise<TrainBench> {
  const rng = mulberry32(1);
  const init = Object.fromEntries(
    tinyTransformerParams(BENCH_MODEL).map(({ name, shape }) => [
      name,
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (shape.length === 1 ? 1 : randn(rng) / Math.sqrt(shape[0]!))),
    ]),
  );
  const trainer = await Trainer.create(ort, compileTrainingBundle(tinyTransformerModel(BENCH_MODEL), init), { backend, hyper: { lr: 1e-3 } });
  const { ids, targets } = countingBatch(BENCH_TASK, rng);
  const shape = [BENCH_TASK.batch, BENCH_TASK.sequence];
  const batch = { ids: hostTensor('int64', shape, ids), targets: hostTensor('int64', shape, targets) };
  // Warm-up: the first runs compile kernels and allocate.
  for (let i = 0; i < 2; i++) {
    await trainer.evaluate(batch);
    await trainer.trainStep(batch);
  }
  const forward: number[] = [];
  const train: number[] = [];
  // Interleaved, so drift in machine load affects both sides alike.
  for (let i = 0; i < runs; i++) {
    let t = now();
    await trainer.evaluate(batch);
    forward.push(now() - t);
    t = now();
    await trainer.trainStep(batch);
    train.push(now() - t);
  }
  await trainer.release();
  const forwardMs = median(forward);
  const trainMs = median(train);
  return { backend, forwardMs, trainMs, ratio: trainMs / forwardMs, runs };
}
