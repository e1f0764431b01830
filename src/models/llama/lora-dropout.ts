// LoRA dropout as graph ops, for training and for sampling in train mode (the authors keep the model in train
// mode while sampling). The mask is drawn in the graph from a hash of (row seed, absolute position, channel,
// site), so a row's mask depends only on its own seed and positions: the same seed gives the same sample whatever
// else is in the batch, and a cached decode step sees the mask its token was computed with. onnxruntime-web's
// browser builds have no Dropout kernel, hence the hash. Builds graph tensors only.
import { GraphError, ShapeError } from '../../autodiff/errors';
import type { Tensor } from '../../autodiff/ir';
import { add, arange, cast, div, floor, less, mul, sin, sub, unsqueeze, where } from '../../autodiff/ops';
import { formatShape } from '../../autodiff/shape';

/** Row seeds are reduced below this on the host: the float32 hash argument stays small enough to keep its spread. */
export const DROPOUT_SEED_MODULUS = 10_007;

/**
 * Training-mode dropout on x (B, T, C):
 *   u = fract(sin(seed_b * 4.1414 + position_bt * 78.233 + c * 37.719 + site * 1.618) * 43758.5453),
 * kept where u >= ratio and scaled by 1 / (1 - ratio). `seeds` (B) float row seeds in [0, DROPOUT_SEED_MODULUS),
 * `positions` (B, T) int64 absolute positions. `ratio` is a number (baked in) or a () input (0 switches dropout
 * off at run time: eval-mode sampling from the same graph).
 */
export function loraDropout(x: Tensor, ratio: number | Tensor, seeds: Tensor, positions: Tensor, site: number): Tensor {
  if (typeof ratio === 'number') {
    if (!(ratio >= 0 && ratio < 1)) throw new GraphError(`dropout: ratio must be in [0, 1), got ${ratio}`);
    if (ratio === 0) return x;
  }
  if (x.rank !== 3) throw new ShapeError(`dropout: expects (B, T, C), got ${formatShape(x.shape)}`);
  const g = x.graph;
  const row = unsqueeze(mul(seeds, 4.1414), [1, 2]); // (B,1,1)
  const pos = unsqueeze(mul(cast(positions, x.dtype), 78.233), [2]); // (B,T,1)
  const channel = unsqueeze(mul(cast(arange(g, x.shape[2]!), x.dtype), 37.719), [0, 1]); // (1,1,C)
  const h = add(add(add(row, pos), channel), site * 1.618); // (B,T,C)
  const s = mul(sin(h), 43758.5453);
  const u = sub(s, floor(s)); // in [0, 1)
  const keepScale = typeof ratio === 'number' ? 1 / (1 - ratio) : div(g.scalar(1), sub(g.scalar(1), ratio)); // ()
  return where(less(u, ratio), 0, mul(x, keepScale));
}

/** A row seed for the graph from any integer (a sample's seed, a training row's derived seed). */
export function dropoutRowSeed(seed: number): number {
  return ((seed % DROPOUT_SEED_MODULUS) + DROPOUT_SEED_MODULUS) % DROPOUT_SEED_MODULUS;
}
