// The optimiser as graph ops: global-norm gradient clipping and AdamW with bias correction and decoupled weight
// decay, plus the finite check that keeps parameters unchanged when the loss or a gradient is NaN/Inf. Used by the
// fused train step and by the apply graph of gradient accumulation (there `loss` is the accumulated loss).
import { GraphError } from './errors';
import type { Graph, Tensor } from './ir';
import { add, and, div, mul, pow, reduceSum, sqrt, sub, where } from './ops';
import { isFinite, minimum } from './nn';

/** AdamW hyper-parameters (PyTorch semantics: decoupled weight decay, clip_grad_norm_ before the update). */
export interface AdamWConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Global gradient-norm limit; Infinity disables clipping. */
  maxGradNorm: number;
}

export const ADAMW_DEFAULTS: Readonly<AdamWConfig> = Object.freeze({
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.01,
  maxGradNorm: 1.0,
});

/** Names of the scalar hyper-parameter inputs of a train-step graph; `step` is the 1-based update count. */
export const HYPER_INPUTS = ['step', 'lr', 'beta1', 'beta2', 'eps', 'weightDecay', 'maxGradNorm'] as const;
export type HyperName = (typeof HYPER_INPUTS)[number];
export type HyperInputs = Record<HyperName, Tensor>;

export const hyperInputName = (name: HyperName): string => `hp.${name}`;

export function declareHyperInputs(g: Graph): HyperInputs {
  const out = {} as HyperInputs;
  for (const name of HYPER_INPUTS) out[name] = g.input(hyperInputName(name), [], g.dtype);
  return out;
}

export interface AdamWResult {
  params: Tensor[];
  m: Tensor[];
  v: Tensor[];
  /** Global gradient norm before clipping, (). */
  gradNorm: Tensor;
  /** True when the loss and the gradient norm are finite; otherwise every output equals its input. */
  finite: Tensor;
}

/**
 * One AdamW update of `params` given their gradients and moment estimates:
 *   coef = min(1, maxGradNorm / (||g|| + 1e-6)),  g' = coef * g
 *   m' = b1 m + (1-b1) g',  v' = b2 v + (1-b2) g'^2
 *   p' = p - lr wd p - lr (m' / (1 - b1^t)) / (sqrt(v' / (1 - b2^t)) + eps)
 */
export function adamw(loss: Tensor, params: readonly Tensor[], grads: readonly Tensor[], m: readonly Tensor[], v: readonly Tensor[], hp: HyperInputs): AdamWResult {
  if (params.length !== grads.length || params.length !== m.length || params.length !== v.length) {
    throw new GraphError('adamw: params, grads, m and v must have one entry per parameter');
  }
  const g = loss.graph;
  let sumSq = g.scalar(0);
  for (const gr of grads) sumSq = add(sumSq, reduceSum(mul(gr, gr))); // ()
  const gradNorm = sqrt(sumSq); // ()
  const finite = and(isFinite(loss), isFinite(gradNorm));
  const coef = minimum(div(hp.maxGradNorm, add(gradNorm, 1e-6)), 1); // ()
  const one = g.scalar(1);
  const bc1 = sub(one, pow(hp.beta1, hp.step));
  const bc2 = sub(one, pow(hp.beta2, hp.step));
  const out: AdamWResult = { params: [], m: [], v: [], gradNorm, finite };
  params.forEach((p, i) => {
    const gc = mul(grads[i]!, coef);
    const m1 = add(mul(hp.beta1, m[i]!), mul(sub(one, hp.beta1), gc));
    const v1 = add(mul(hp.beta2, v[i]!), mul(sub(one, hp.beta2), mul(gc, gc)));
    const update = div(div(m1, bc1), add(sqrt(div(v1, bc2)), hp.eps));
    const p1 = sub(sub(p, mul(mul(hp.lr, hp.weightDecay), p)), mul(hp.lr, update));
    out.params.push(where(finite, p1, p));
    out.m.push(where(finite, m1, m[i]!));
    out.v.push(where(finite, v1, v[i]!));
  });
  return out;
}
