// packPositioned: right-padded rows plus, per row, the position that predicts each continuation token.
import { describe, expect, it } from 'vitest';
import { SequenceBatchError } from '../../../src/models/llama/sequence-batch';
import { packPositioned } from '../../../src/models/llama/target-positions';

const n = (a: BigInt64Array) => Array.from(a, Number);

describe('packPositioned', () => {
  it('indexes each continuation token at the position before it; padded slots are masked', () => {
    const b = packPositioned([[1, 10, 11], [1, 20]], [[30, 31, 2], [40, 2]], 3);
    expect([b.B, b.T, b.N]).toEqual([2, 5, 3]);
    // Row 0: 1 10 11 | 30 31 2 -> inputs 1 10 11 30 31; row 1: 1 20 | 40 2 -> inputs 1 20 40 (then padding).
    expect(n(b.ids)).toEqual([1, 10, 11, 30, 31, 1, 20, 40, 3, 3]);
    expect(n(b.targetIndex)).toEqual([2, 3, 4, 1, 2, 0]);
    expect(n(b.targets)).toEqual([30, 31, 2, 40, 2, 3]);
    expect(Array.from(b.targetMask)).toEqual([1, 1, 1, 1, 1, 0]);
    // The indexed input is the token just before each target.
    for (let r = 0; r < 2; r++) {
      for (let k = 0; k < 3; k++) {
        if (b.targetMask[r * 3 + k] === 0) continue;
        const at = Number(b.targetIndex[r * 3 + k]);
        const row = [[1, 10, 11, 30, 31, 2], [1, 20, 40, 2]][r]!;
        expect(row[at + 1]).toBe(Number(b.targets[r * 3 + k]));
      }
    }
  });

  it('refuses empty continuations everywhere and the packing errors of packSequences', () => {
    expect(() => packPositioned([[1, 2]], [[]], 0)).toThrow(SequenceBatchError);
    expect(() => packPositioned([[1]], [[2], [3]], 0)).toThrow(/pair them one to one/);
  });
});
