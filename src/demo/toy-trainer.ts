// The demo engine: compiles the one-block transformer's training bundle, opens it on WebGPU (else wasm, with
// the reason) and trains it on the counting task step by step. The worker exposes it; the page draws it.
import { mulberry32, randn, type Rng } from '../random/mulberry32';
import { tinyTransformerModel, tinyTransformerParams } from '../models/toy/tiny-transformer';
import { compileTrainingBundle } from '../onnx/bundle';
import { type BackendPreference, chooseBackend } from '../runtime/device';
import { hostTensor, type Ort } from '../runtime/host-tensor';
import { Trainer } from '../runtime/trainer';
import type { BackendInfo, DemoOptions, DemoStep, ToyTrainerApi } from './contract';
import { type CountingTask, countingBatch, countingLossFloor } from './counting-task';

export const TOY_TASK: Readonly<CountingTask> = Object.freeze({ vocab: 16, sequence: 12, batch: 16 });
export const TOY_MODEL = Object.freeze({ vocab: TOY_TASK.vocab, width: 32, heads: 4, ffn: 64 });

export class NotInitialisedError extends Error {
  override name = 'NotInitialisedError';
}

function initialParams(rng: Rng): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const { name, shape } of tinyTransformerParams(TOY_MODEL)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const isGain = shape.length === 1;
    const scale = 1 / Math.sqrt(shape[0]!);
    out[name] = Float32Array.from({ length: size }, () => (isGain ? 1 : scale * randn(rng)));
  }
  return out;
}

export class ToyTrainer implements ToyTrainerApi {
  private trainer: Trainer | undefined;
  private rng: Rng = mulberry32(1);

  /** `loadOrt` is the runtime door of the environment (ort-web.ts in the browser, ort-node.ts in Node). */
  constructor(private readonly loadOrt: () => Promise<Ort>) {}

  async init(options: DemoOptions = {}): Promise<BackendInfo> {
    const seed = options.seed ?? 1;
    this.rng = mulberry32(seed);
    const bundle = compileTrainingBundle(tinyTransformerModel(TOY_MODEL), initialParams(mulberry32(seed + 1000)));
    const ort = await this.loadOrt();
    const hyper = { lr: options.learningRate ?? 1e-2, weightDecay: 0 };
    let info = await chooseBackend((options.backend ?? 'auto') as BackendPreference);
    await this.trainer?.release();
    try {
      this.trainer = await Trainer.create(ort, bundle, { backend: info.backend, hyper });
    } catch (error) {
      if (info.backend !== 'webgpu' || options.backend === 'webgpu') throw error;
      const why = error instanceof Error ? error.message : String(error);
      info = { backend: 'wasm', reason: `WebGPU session failed (${why.slice(0, 160)}); using wasm`, shaderF16: false };
      this.trainer = await Trainer.create(ort, bundle, { backend: 'wasm', hyper });
    }
    return info;
  }

  async step(): Promise<DemoStep> {
    if (!this.trainer) throw new NotInitialisedError('call init() before step()');
    const { batch: B, sequence: T } = TOY_TASK;
    const { ids, targets } = countingBatch(TOY_TASK, this.rng);
    const start = performance.now();
    const r = await this.trainer.trainStep({ ids: hostTensor('int64', [B, T], ids), targets: hostTensor('int64', [B, T], targets) });
    return { step: r.step, loss: r.loss, finite: r.finite, gradNorm: r.gradNorm, ms: performance.now() - start };
  }

  async describe(): Promise<{ task: string; parameters: number; batch: number; sequence: number }> {
    const parameters = tinyTransformerParams(TOY_MODEL).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
    const floor = countingLossFloor(TOY_TASK).toFixed(3);
    return {
      task: `continue counting sequences (random start, step 1-3, modulo ${TOY_TASK.vocab}) with a one-block transformer; best possible loss ${floor}`,
      parameters,
      batch: TOY_TASK.batch,
      sequence: TOY_TASK.sequence,
    };
  }
}
