// The demo's toy sequence task: each row counts up from a random token by a random step (1-3) modulo the
// vocabulary; the model predicts every next token. Only the first prediction is uncertain (the step is not
// known yet), so the loss can fall to ln(3) / T. Produces batches; knows nothing about models or runtimes.
import { type Rng, randomInt } from '../random/mulberry32';

export interface CountingTask {
  vocab: number;
  /** Sequence length T (positions predicted per row). */
  sequence: number;
  batch: number;
}

export interface CountingBatch {
  /** (B, T) input tokens, row-major. */
  ids: BigInt64Array;
  /** (B, T) next tokens. */
  targets: BigInt64Array;
}

export function countingBatch(task: CountingTask, rng: Rng): CountingBatch {
  const { vocab: V, sequence: T, batch: B } = task;
  const ids = new BigInt64Array(B * T);
  const targets = new BigInt64Array(B * T);
  for (let b = 0; b < B; b++) {
    const start = randomInt(rng, V);
    const stride = 1 + randomInt(rng, 3);
    for (let t = 0; t < T; t++) {
      ids[b * T + t] = BigInt((start + t * stride) % V);
      targets[b * T + t] = BigInt((start + (t + 1) * stride) % V);
    }
  }
  return { ids, targets };
}

/** The lowest mean cross-entropy any model can reach on this task. */
export function countingLossFloor(task: CountingTask): number {
  return Math.log(3) / task.sequence;
}
