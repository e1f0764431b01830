// Log-probabilities of chosen tokens computed at their positions only: the hidden states that predict the
// targets are gathered (B, N, C) before the LM head, so logits and log-softmax cost (B, N, V) instead of (B, T, V)
// over a long meta-prompt. Host side: packs (prefix, continuation) rows with each continuation token's position,
// plainly or with the rows' common prefix apart (the training graph's sharedPrefix).
import type { Tensor } from '../../autodiff/ir';
import { expand, gatherElements, unsqueeze } from '../../autodiff/ops';
import { sequenceLogProb } from '../../autodiff/nn';
import type { LlamaBuilder } from './builder';
import { maskAndPositions } from './attention-mask';
import { SequenceBatchError, commonPrefixLength, packSequences } from './sequence-batch';

/** Right-padded (prefix, continuation) rows and, per row, the positions that predict its continuation tokens. */
export interface PositionedBatch {
  B: number;
  T: number;
  /** Longest continuation: targets per row. */
  N: number;
  /** (B, T) input tokens (prefix and continuation without its last token). */
  ids: BigInt64Array;
  /** (B, T) positions 0..T-1. */
  positions: BigInt64Array;
  /** (B, T, T) causal mask. */
  mask: Uint8Array;
  /** (B, N) the position whose hidden state predicts continuation token n (0 where padded). */
  targetIndex: BigInt64Array;
  /** (B, N) the continuation's tokens (padTokenId where padded). */
  targets: BigInt64Array;
  /** (B, N) 1 where a continuation token counts. */
  targetMask: Float32Array;
}

export function packPositioned(prefixes: readonly (readonly number[])[], continuations: readonly (readonly number[])[], padTokenId: number): PositionedBatch {
  const { B, T, ids, positions, mask } = packSequences(prefixes, continuations, padTokenId);
  const N = Math.max(...continuations.map((c) => c.length));
  if (N < 1) throw new SequenceBatchError('every continuation is empty: there is nothing to score');
  const targetIndex = new BigInt64Array(B * N);
  const targets = new BigInt64Array(B * N).fill(BigInt(padTokenId));
  const targetMask = new Float32Array(B * N);
  continuations.forEach((c, b) => {
    const first = prefixes[b]!.length - 1; // the prefix's last token predicts the continuation's first
    c.forEach((token, n) => {
      targetIndex[b * N + n] = BigInt(first + n);
      targets[b * N + n] = BigInt(token);
      targetMask[b * N + n] = 1;
    });
  });
  return { B, T, N, ids, positions, mask, targetIndex, targets, targetMask };
}

/** packPositioned over what follows the rows' common prefix, whose tokens run once (the rows' positions start at L). */
export interface SharedPrefixBatch extends PositionedBatch {
  /** Common prefix length (at least 1; the last shared token stays in every row to predict its first target). */
  L: number;
  /** (1, L) the prefix's tokens, (1, L) its positions 0..L-1, (1, L, L) its causal mask. */
  prefixIds: BigInt64Array;
  prefixPositions: BigInt64Array;
  prefixMask: Uint8Array;
}

/**
 * The rows' longest common prefix, short of each row's last prefix token (which predicts the row's first target), or
 * undefined when that is empty (rows share nothing, or a prefix of one token): pack those plainly.
 */
export function packSharedPrefix(prefixes: readonly (readonly number[])[], continuations: readonly (readonly number[])[], padTokenId: number): SharedPrefixBatch | undefined {
  if (prefixes.length === 0) return undefined;
  const L = Math.min(commonPrefixLength(prefixes), Math.min(...prefixes.map((p) => p.length)) - 1);
  if (L < 1) return undefined;
  const rows = packPositioned(prefixes.map((p) => p.slice(L)), continuations, padTokenId);
  const { mask: prefixMask, positions: prefixPositions } = maskAndPositions([0], 0, L);
  return {
    ...rows,
    positions: rows.positions.map((p) => p + BigInt(L)),
    L,
    prefixIds: BigInt64Array.from(prefixes[0]!.slice(0, L), (t) => BigInt(t)),
    prefixPositions,
    prefixMask,
  };
}

/**
 * Summed log-probabilities (B) of `targets` (B, N) weighted by `mask` (B, N), read from the final hidden states
 * `hidden` (B, T, C) at `index` (B, N) int64 only; `bias` (V) is added to the logits (a restricted vocabulary).
 */
export function logProbAtPositions(model: LlamaBuilder, hidden: Tensor, index: Tensor, targets: Tensor, mask: Tensor, bias?: Tensor): Tensor {
  const C = model.config.hiddenSize;
  const at = expand(unsqueeze(index, [2]), [index.shape[0]!, index.shape[1]!, C]); // (B,N,C)
  const picked = gatherElements(hidden, at, 1); // (B,N,C)
  return sequenceLogProb(model.logits(picked, bias), targets, mask); // (B,N,V) -> (B)
}
