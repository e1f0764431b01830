// Pre-training a whole Llama-family model from scratch as a TrainableModel: every weight (graph layout, linears
// [in, out]) is a trainable parameter, and the loss is the mean cross-entropy of the target tokens (the
// continuation after each row's prefix, as packSequences marks them). The eval graph also counts, per row, the
// target tokens that are their position's argmax (all of them: greedy decoding writes the continuation exactly).
// Builds graphs only; it runs nothing.
import type { Graph, Tensor } from '../../autodiff/ir';
import { cast, div, gatherElements, lessOrEqual, logSoftmax, mul, neg, reduceMax, reduceMean, reduceSum, reshape, unsqueeze } from '../../autodiff/ops';
import type { TrainableModel } from '../../onnx/bundle';
import type { FloatArray } from '../../onnx/checkpoint';
import { type Rng, randn } from '../../random/mulberry32';
import { LlamaBuilder } from '../../models/llama/builder';
import { expectedWeightShapes } from '../../models/llama/config';
import type { LlamaConfig, LlamaWeights } from '../../models/llama/types';
import { graphWeightSpecs } from '../../models/llama/weights';

/** Batch inputs, as packSequences fills them. */
export const LM_INPUTS = ['input_ids', 'position_ids', 'attn_mask', 'targets', 'target_mask'] as const;

/** The model with all weights trainable; loss = -mean over rows of (each row's mean log p(target token)). */
export function languageModelObjective(config: LlamaConfig): TrainableModel {
  return {
    name: 'demo-lm-pretrain',
    params: graphWeightSpecs(config),
    forward(g: Graph, params: Readonly<Record<string, Tensor>>) {
      const ids = g.input('input_ids', ['B', 'T'], 'int64');
      const positions = g.input('position_ids', ['B', 'T'], 'int64');
      const mask = g.input('attn_mask', ['B', 'T', 'T'], 'bool');
      const targets = g.input('targets', ['B', 'T'], 'int64'); // (B,T) the next token at each position
      const targetMask = g.input('target_mask', ['B', 'T']); // (B,T) 1 where the target is an output token
      const model = new LlamaBuilder(config, (name) => params[name]!);
      const { hidden } = model.decode({ ids, positions, mask }); // (B,T,C)
      const logProbs = logSoftmax(model.logits(hidden), -1); // (B,T,V)
      const picked = reshape(gatherElements(logProbs, unsqueeze(targets, [-1]), -1), ['B', 'T']); // (B,T)
      const logp = reduceSum(mul(picked, targetMask), [-1]); // (B)
      const perRow = div(logp, reduceSum(targetMask, [-1])); // (B) mean log-prob of each row's target tokens
      const loss = neg(reduceMean(perRow)); // () every example weighs the same, however long its answer
      // Greedy decoding writes the continuation exactly when every target is its position's argmax.
      const isArgmax = cast(lessOrEqual(reduceMax(logProbs, [-1]), picked), g.dtype); // (B,T)
      const hits = reduceSum(mul(isArgmax, targetMask), [-1]); // (B)
      return { loss, outputs: { logprob: logp, argmax_hits: hits } };
    },
  };
}

const isNorm = (name: string): boolean => /norm\.weight$/.test(name);

/**
 * Initial weights in graph layout: norms 1, every other tensor N(0, std^2) with std 1 / sqrt(hidden size) (so a
 * tiny model's attention scores and logits start at unit scale, not near zero), output projections (o_proj,
 * down_proj) scaled by 1 / sqrt(2 L) as GPT-2 does. One stream, expectedWeightShapes order.
 */
export function initialWeights(config: LlamaConfig, rng: Rng, std = 1 / Math.sqrt(config.hiddenSize)): Record<string, FloatArray> {
  const out: Record<string, FloatArray> = {};
  const residualScale = 1 / Math.sqrt(2 * config.numLayers);
  for (const spec of graphWeightSpecs(config)) {
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    const s = /(o_proj|down_proj)\.weight$/.test(spec.name) ? std * residualScale : std;
    for (let i = 0; i < data.length; i++) data[i] = isNorm(spec.name) ? 1 : s * randn(rng);
    out[spec.name] = data;
  }
  return out;
}

/** Graph-layout parameters (linears [in, out]) -> Hugging Face weights (linears [out, in]). */
export function fromGraphLayout(config: LlamaConfig, params: Readonly<Record<string, FloatArray>>): LlamaWeights {
  const weights: LlamaWeights = new Map();
  for (const [name, shape] of expectedWeightShapes(config)) {
    const p = params[name];
    if (!p) throw new Error(`parameter '${name}' is missing from the trained checkpoint`);
    if (shape.length !== 2 || name === 'model.embed_tokens.weight') {
      weights.set(name, { shape: [...shape], data: Float32Array.from(p) });
      continue;
    }
    const [rows, cols] = shape as [number, number]; // [out, in]; p is [in, out]
    const data = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] = p[c * rows + r]!;
    weights.set(name, { shape: [...shape], data });
  }
  return weights;
}
