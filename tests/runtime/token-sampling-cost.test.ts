// What the token sampler costs when top-k is off (topK 0, or topK at least the vocabulary size): no selection
// pass at all. Found by mutation testing (docs/mutation.md): without topKIds' early return the insertion
// selection still keeps every id (the same kept set and probabilities), but it scans the growing list for each
// logit, quadratic in the vocabulary (minutes on a 256k vocabulary with ascending logits). The logits here are
// an ArrayLike that counts its reads: with top-k off, each logit is read exactly twice (once for the maximum,
// once for its weight); a selection pass would read each twice more (insert, then threshold).
import { describe, expect, it } from 'vitest';
import { truncatedDistribution } from '../../src/runtime/token-sampling';

/** n logits (ascending: id i has logit i / n) that count how often they are read. */
function countingLogits(n: number): { logits: ArrayLike<number>; reads: () => number } {
  let reads = 0;
  const logits = new Proxy({ length: n } as ArrayLike<number>, {
    get(target, key) {
      if (typeof key === 'string' && /^\d+$/.test(key)) {
        reads++;
        return Number(key) / n;
      }
      return Reflect.get(target, key);
    },
  });
  return { logits, reads: () => reads };
}

describe('token sampling with top-k off', () => {
  for (const [label, topK] of [['0', 0], ['equal to the vocabulary size', 1000], ['above the vocabulary size', 1001]] as const) {
    it(`top-k ${label} keeps every id and reads each logit twice (no selection pass)`, () => {
      const n = 1000;
      const { logits, reads } = countingLogits(n);
      const d = truncatedDistribution(logits, { temperature: 1, topK, topP: 1 });
      expect(reads()).toBe(2 * n);
      // Every id kept, most probable (the largest logit) first; probabilities proportional to exp(i / n).
      expect(d.tokens).toEqual(Array.from({ length: n }, (_, i) => n - 1 - i));
      const z = Array.from({ length: n }, (_, i) => Math.exp(i / n)).reduce((a, b) => a + b, 0);
      expect(d.probs[0]).toBeCloseTo(Math.exp((n - 1) / n) / z, 12);
      expect(d.probs[n - 1]).toBeCloseTo(1 / z, 12);
    });
  }

  it('top-k below the vocabulary size does run the selection: more reads, and only the k largest kept', () => {
    const n = 1000;
    const { logits, reads } = countingLogits(n);
    const d = truncatedDistribution(logits, { temperature: 1, topK: 999, topP: 1 });
    expect(reads()).toBeGreaterThan(2 * n);
    expect(d.tokens).toHaveLength(999);
    expect(d.tokens).not.toContain(0);
  });
});
