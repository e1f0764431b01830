// Seeded pre-training of one demo model from scratch on onnxruntime-web (wasm): the whole-model cross-entropy
// bundle (lm-objective.ts) run by the project's Trainer, one fused AdamW step per batch, linear warm-up then
// cosine decay. Data and initial weights come from two mulberry32 streams of the seed, so the same spec on one
// thread gives the same bytes. It writes no files (model-files.ts does).
import { compileTrainingBundle } from '../../onnx/bundle';
import { mulberry32, type Rng } from '../../random/mulberry32';
import { parseLlamaConfig } from '../../models/llama/config';
import { packSequences } from '../../models/llama/sequence-batch';
import type { LlamaWeights } from '../../models/llama/types';
import { hostTensor, type Ort } from '../../runtime/host-tensor';
import { Trainer } from '../../runtime/trainer';
import type { TrainingSequence } from './corpus';
import { fromGraphLayout, initialWeights, languageModelObjective } from './lm-objective';

export interface PretrainSpec {
  /** config.json of the model (llama type). */
  config: Record<string, unknown>;
  steps: number;
  batchSize: number;
  /** Peak learning rate, reached after warmupSteps, then cosine decay to lr * finalLrRatio at `steps`. */
  learningRate: number;
  warmupSteps: number;
  finalLrRatio: number;
  weightDecay: number;
  seed: number;
  /** Pad id of the tokenizer (right padding; padded targets carry no loss). */
  padTokenId: number;
  /** One training sequence from the data stream. */
  sequence: (rng: Rng) => TrainingSequence;
}

export interface PretrainProgress {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  /** Tokens in the padded batch (B x T). */
  tokens: number;
}

export interface PretrainResult {
  weights: LlamaWeights;
  /** Mean loss of each step's batch. */
  losses: number[];
  parameters: number;
}

export class PretrainError extends Error {
  override name = 'PretrainError';
}

/** Learning rate of (1-based) step `step`. */
export function pretrainLr(spec: Pick<PretrainSpec, 'steps' | 'learningRate' | 'warmupSteps' | 'finalLrRatio'>, step: number): number {
  if (step <= spec.warmupSteps) return (spec.learningRate * step) / Math.max(1, spec.warmupSteps);
  const t = (step - spec.warmupSteps) / Math.max(1, spec.steps - spec.warmupSteps);
  const floor = spec.finalLrRatio;
  return spec.learningRate * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, t))));
}

/** The initial-weights stream is a different mulberry32 stream than the data's. */
const INIT_STREAM = 0x5bd1e995;

/**
 * Trains `spec` from scratch; `stopAfter` ends early with the same schedule (a prefix of the full run, for
 * reproducibility checks). Throws PretrainError on a non-finite step (the run would not be reproducible evidence).
 */
export interface PretrainOptions {
  stopAfter?: number;
  onStep?: (p: PretrainProgress) => void;
  /** Held-out sets scored every `evaluateEvery` steps and at the end (teacher-forced exact match). */
  heldOut?: Readonly<Record<string, readonly TrainingSequence[]>>;
  evaluateEvery?: number;
  onEvaluate?: (step: number, exact: Record<string, number>) => void;
  /** Called with the trained model's row scorer before the trainer is released (checks for the model card). */
  inspect?: (score: RowScorer) => Promise<void>;
}

/** Per row: summed log-probability of the continuation, and whether greedy decoding would write it exactly. */
export type RowScorer = (rows: readonly TrainingSequence[]) => Promise<{ logProb: number; exact: boolean }[]>;

function batchOf(rows: readonly TrainingSequence[], padTokenId: number) {
  const p = packSequences(rows.map((r) => r.prefix), rows.map((r) => r.continuation), padTokenId);
  return {
    batch: {
      input_ids: hostTensor('int64', [p.B, p.T], p.ids),
      position_ids: hostTensor('int64', [p.B, p.T], p.positions),
      attn_mask: hostTensor('bool', [p.B, p.T, p.T], p.mask),
      targets: hostTensor('int64', [p.B, p.T], p.targets),
      target_mask: hostTensor('float32', [p.B, p.T], p.targetMask),
    },
    tokens: p.B * p.T,
  };
}

async function scoreRows(trainer: Trainer, rows: readonly TrainingSequence[], padTokenId: number, chunk = 64): Promise<{ logProb: number; exact: boolean }[]> {
  const out: { logProb: number; exact: boolean }[] = [];
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const r = await trainer.evaluate(batchOf(part, padTokenId).batch);
    const logProbs = r['logprob']!.data as Float32Array;
    const hits = r['argmax_hits']!.data as Float32Array;
    part.forEach((row, b) => out.push({ logProb: logProbs[b]!, exact: hits[b] === row.continuation.length }));
  }
  return out;
}

/** Fraction of rows whose every continuation token is its position's argmax (what greedy decoding would write). */
export async function exactRate(trainer: Trainer, rows: readonly TrainingSequence[], padTokenId: number): Promise<number> {
  const scored = await scoreRows(trainer, rows, padTokenId);
  return scored.filter((r) => r.exact).length / rows.length;
}

export async function pretrain(ort: Ort, spec: PretrainSpec, options: PretrainOptions = {}): Promise<PretrainResult> {
  const config = parseLlamaConfig(spec.config);
  const init = initialWeights(config, mulberry32((spec.seed ^ INIT_STREAM) >>> 0));
  const bundle = compileTrainingBundle(languageModelObjective(config), init);
  const trainer = await Trainer.create(ort, bundle, { backend: 'wasm', hyper: { weightDecay: spec.weightDecay, maxGradNorm: 1.0 } });
  const rng = mulberry32(spec.seed >>> 0);
  const losses: number[] = [];
  const last = Math.min(spec.steps, options.stopAfter ?? spec.steps);
  try {
    for (let step = 1; step <= last; step++) {
      const rows = Array.from({ length: spec.batchSize }, () => spec.sequence(rng));
      const { batch, tokens } = batchOf(rows, spec.padTokenId);
      const lr = pretrainLr(spec, step);
      const r = await trainer.trainStep(batch, { lr });
      if (!r.finite) throw new PretrainError(`step ${step}: the loss or a gradient was not finite (loss ${r.loss}); lower the learning rate`);
      losses.push(r.loss);
      options.onStep?.({ step, loss: r.loss, lr, gradNorm: r.gradNorm, tokens });
      const every = options.evaluateEvery ?? 0;
      if (options.heldOut && options.onEvaluate && ((every > 0 && step % every === 0) || step === last)) {
        const exact: Record<string, number> = {};
        for (const [name, rows] of Object.entries(options.heldOut)) exact[name] = await exactRate(trainer, rows, spec.padTokenId);
        options.onEvaluate(step, exact);
      }
    }
    await options.inspect?.((rows) => scoreRows(trainer, rows, spec.padTokenId));
    const checkpoint = await trainer.saveCheckpoint();
    const parameters = bundle.manifest.params.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    return { weights: fromGraphLayout(config, checkpoint.params), losses, parameters };
  } finally {
    await trainer.release();
  }
}
