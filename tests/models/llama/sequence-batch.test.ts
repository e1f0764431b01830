// packSequences: exact ids, targets and continuation mask for right-padded rows, and named errors.
import { describe, expect, it } from 'vitest';
import { SequenceBatchError, packSequences } from '../../../src/models/llama/sequence-batch';

describe('packSequences', () => {
  it('right-pads rows, shifts targets by one and counts only continuation targets', () => {
    const b = packSequences([[1, 5], [1]], [[6, 7], [8]], 0);
    expect([b.B, b.T]).toEqual([2, 3]);
    expect(Array.from(b.ids, Number)).toEqual([1, 5, 6, 1, 0, 0]);
    expect(Array.from(b.targets, Number)).toEqual([5, 6, 7, 8, 0, 0]);
    expect(Array.from(b.targetMask)).toEqual([0, 1, 1, 1, 0, 0]);
    expect(Array.from(b.mask.subarray(0, 9))).toEqual([1, 0, 0, 1, 1, 0, 1, 1, 1]); // causal
    expect(Array.from(b.positions, Number)).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('refuses unpaired rows, empty prefixes and rows with nothing to predict', () => {
    expect(() => packSequences([[1]], [], 0)).toThrow(SequenceBatchError);
    expect(() => packSequences([[]], [[2]], 0)).toThrow(/at least one token/);
    expect(() => packSequences([[1]], [[]], 0)).toThrow(/nothing to predict/);
  });
});
