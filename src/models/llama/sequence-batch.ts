// Packs (prefix, continuation) token rows into one right-padded batch for scoring and training: inputs,
// next-token targets, and a mask that counts only the continuation's targets. Pure TS.
import { maskAndPositions } from './attention-mask';

export interface SequenceBatch {
  B: number;
  T: number;
  /** (B, T) input tokens. */
  ids: BigInt64Array;
  /** (B, T) the token after each input token. */
  targets: BigInt64Array;
  /** (B, T) 1 where the target is a continuation token. */
  targetMask: Float32Array;
  /** (B, T, T) causal mask (right padding needs no more). */
  mask: Uint8Array;
  /** (B, T) positions 0..T-1. */
  positions: BigInt64Array;
}

export class SequenceBatchError extends Error {
  override name = 'SequenceBatchError';
}

export function packSequences(prefixes: readonly (readonly number[])[], continuations: readonly (readonly number[])[], padTokenId: number): SequenceBatch {
  const B = prefixes.length;
  if (continuations.length !== B) throw new SequenceBatchError(`got ${B} prefixes and ${continuations.length} continuations; pair them one to one`);
  if (B === 0) throw new SequenceBatchError('needs at least one (prefix, continuation) pair');
  if (prefixes.some((p) => p.length === 0)) throw new SequenceBatchError('every prefix needs at least one token (e.g. BOS)');
  const rows = prefixes.map((p, b) => [...p, ...continuations[b]!]);
  const T = Math.max(...rows.map((r) => r.length)) - 1;
  if (T < 1) throw new SequenceBatchError('every row is a single token: there is nothing to predict');
  const ids = new BigInt64Array(B * T).fill(BigInt(padTokenId));
  const targets = new BigInt64Array(B * T).fill(BigInt(padTokenId));
  const targetMask = new Float32Array(B * T);
  rows.forEach((r, b) => {
    for (let t = 0; t < r.length - 1; t++) {
      ids[b * T + t] = BigInt(r[t]!);
      targets[b * T + t] = BigInt(r[t + 1]!);
      if (t + 1 >= prefixes[b]!.length) targetMask[b * T + t] = 1;
    }
  });
  const { mask, positions } = maskAndPositions(new Array<number>(B).fill(0), 0, T);
  return { B, T, ids, targets, targetMask, mask, positions };
}

/** Length of the longest token prefix all rows share. */
export function commonPrefixLength(rows: readonly (readonly number[])[]): number {
  const first = rows[0];
  if (!first) return 0;
  let n = 0;
  while (n < first.length && rows.every((r) => r.length > n && r[n] === first[n])) n++;
  return n;
}
