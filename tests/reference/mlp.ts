// Float64 reference 2-layer tanh MLP classifier: hand-written forward/backward and an AdamW training loop; no input gradient, no dropout, no batching tricks.
import { adamwStep, type AdamWConfig } from './adamw';
import {
  checkSizes, cloneTensors, crossEntropyBackward, crossEntropyForward, get,
  matmulBackward, matmulForward, need, zerosLike, type Tensors,
} from './tensor';

export interface MlpDims { B: number; Din: number; H: number; K: number }

/** One batch: x (B,Din) row-major features, y (B) class ids in 0..K-1. */
export interface MlpBatch { x: Float64Array; y: Int32Array }

/** Parameter shapes: w1 (Din,H), b1 (H), w2 (H,K), b2 (K). */
export function mlpShapes(dims: MlpDims): Record<string, number[]> {
  const { Din, H, K } = dims;
  return { w1: [Din, H], b1: [H], w2: [H, K], b2: [K] };
}

function checkInputs(params: Tensors, batch: MlpBatch, dims: MlpDims): void {
  const { B, Din, H, K } = dims;
  checkSizes(params, { w1: Din * H, b1: H, w2: H * K, b2: K }, 'mlp param');
  if (batch.x.length !== B * Din) throw new Error(`mlp x: length ${batch.x.length}, expected ${B * Din}`);
  if (batch.y.length !== B) throw new Error(`mlp y: length ${batch.y.length}, expected ${B}`);
}

/**
 * loss = mean_b -log_softmax(tanh(x@w1 + b1) @ w2 + b2)[y_b], and d loss / d param for every parameter.
 * Does not modify params or batch.
 */
export function mlpLossAndGrads(
  params: Record<string, Float64Array>, batch: MlpBatch, dims: MlpDims,
): { loss: number; grads: Record<string, Float64Array> } {
  checkInputs(params, batch, dims);
  const { B, Din, H, K } = dims;
  const w1 = need(params, 'w1'); // (Din,H)
  const b1 = need(params, 'b1'); // (H)
  const w2 = need(params, 'w2'); // (H,K)
  const b2 = need(params, 'b2'); // (K)
  const x = batch.x; // (B,Din)
  const y = batch.y; // (B)

  // ---- forward ----
  const h = new Float64Array(B * H); // (B,H) pre-activation, then tanh in place
  matmulForward(h, x, w1, b1, B, Din, H);
  for (let i = 0; i < B * H; i++) h[i] = Math.tanh(get(h, i));
  const logits = new Float64Array(B * K); // (B,K)
  matmulForward(logits, h, w2, b2, B, H, K);
  const probs = new Float64Array(B * K); // (B,K)
  const loss = crossEntropyForward(probs, logits, y, B, K);

  // ---- backward ----
  const grads = zerosLike(params);
  const dlogits = new Float64Array(B * K); // (B,K)
  crossEntropyBackward(dlogits, probs, y, B, K);
  const dh = new Float64Array(B * H); // (B,H)
  matmulBackward(dh, need(grads, 'w2'), need(grads, 'b2'), dlogits, h, w2, B, H, K);
  const dpre = new Float64Array(B * H); // (B,H)  d tanh(z)/dz = 1 - tanh(z)^2
  for (let i = 0; i < B * H; i++) dpre[i] = get(dh, i) * (1 - get(h, i) * get(h, i));
  matmulBackward(null, need(grads, 'w1'), need(grads, 'b1'), dpre, x, w1, B, Din, H);

  return { loss, grads };
}

/**
 * AdamW on the batches in order, one step per batch (step = i+1).
 * losses[i] / gradNorms[i]: loss and pre-clip global grad norm of batch i with the params before update i.
 * initParams is copied, never mutated; `params` are the final parameters.
 */
export function trainMlp(
  initParams: Record<string, Float64Array>, batches: MlpBatch[], dims: MlpDims, cfg: AdamWConfig,
): { losses: number[]; gradNorms: number[]; params: Record<string, Float64Array> } {
  const params = cloneTensors(initParams);
  const m = zerosLike(params);
  const v = zerosLike(params);
  const losses: number[] = [];
  const gradNorms: number[] = [];
  batches.forEach((batch, i) => {
    const { loss, grads } = mlpLossAndGrads(params, batch, dims);
    const { gradNorm } = adamwStep(params, grads, m, v, i + 1, cfg);
    losses.push(loss);
    gradNorms.push(gradNorm);
  });
  return { losses, gradNorms, params };
}
