// Split edges found by mutation testing (each case fails on some one-token change of split.ts): stratified counts
// are the floor or ceiling of each label's share in every split (controlled rounding, not "all leftovers to the
// first label"), the shuffle reaches every order equally often, partly labelled data is not stratified, fraction
// checks one by one, and largest-remainder ties.
import { describe, expect, it } from 'vitest';
import { SplitError, largestRemainder, splitExamples } from '../../../src/tasks/import/split';
import { mulberry32 } from '../../../src/random/mulberry32';
import { thrown } from '../../support/thrown';

const SPLITS = ['train', 'validation', 'test'] as const;

describe('stratified counts', () => {
  it.each([
    [[7, 5, 3], [0.5, 0.25, 0.25]],
    [[9, 4, 2, 1], [0.6, 0.2, 0.2]],
    [[5, 5, 5], [0.4, 0.3, 0.3]],
    [[13, 8, 3], [0.7, 0.15, 0.15]],
  ])('labels of sizes %j split %j: every count is the floor or ceiling of its share, totals by largest remainder', (sizes, w) => {
    const examples = sizes.flatMap((n, g) => Array.from({ length: n }, (_, i) => ({ id: `${g}-${i}`, label: `L${g}` })));
    const n = examples.length;
    for (const seed of [1, 2, 3]) {
      const s = splitExamples(examples, { train: w[0]!, validation: w[1]!, test: w[2]! }, seed);
      expect(SPLITS.map((k) => s[k].length)).toEqual(largestRemainder(n, w));
      sizes.forEach((size, g) => {
        const counts = SPLITS.map((k) => s[k].filter((e) => e.label === `L${g}`).length);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(size);
        counts.forEach((c, k) => expect([Math.floor(size * w[k]! + 1e-9), Math.ceil(size * w[k]! - 1e-9)], `label ${g} ${SPLITS[k]}`).toContain(c));
      });
    }
  });
});

describe('the shuffle', () => {
  it('reaches all 6 orders of 3 examples about equally often over 600 seeds', () => {
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 600; seed++) {
      const order = splitExamples([{ id: 'a' }, { id: 'b' }, { id: 'c' }], { train: 1, validation: 0, test: 0 }, seed).train.map((e) => e.id).join('');
      counts.set(order, (counts.get(order) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['abc', 'acb', 'bac', 'bca', 'cab', 'cba']);
    // Each order is Binomial(600, 1/6): mean 100, sd 9.1; 55..145 is five standard deviations.
    for (const [order, c] of counts) {
      expect(c, order).toBeGreaterThan(55);
      expect(c, order).toBeLessThan(145);
    }
  });

  it('stratifies only when every example has a string label', () => {
    const partly = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? { id: i } : { id: i, label: i % 2 ? 'a' : 'b' }));
    const f = { train: 0.5, validation: 0.25, test: 0.25 };
    expect(splitExamples(partly, f, 4)).toEqual(splitExamples(partly, f, 4, { stratify: false }));
  });
});

describe('fractions', () => {
  const data = Array.from({ length: 10 }, (_, i) => ({ id: i }));
  it('each must be a number in [0, 1], together 1', () => {
    expect(() => splitExamples(data, { train: 0.6, validation: 0.5, test: -0.1 }, 1)).toThrow(SplitError);
    expect(() => splitExamples(data, { train: Number.NaN, validation: 0.5, test: 0.5 }, 1)).toThrow(SplitError);
    expect(() => splitExamples(data, { train: 0.5, validation: 0.5, test: 0.1 }, 1)).toThrow(
      'split fractions must each be in [0, 1] and sum to 1, got train 0.5, validation 0.5, test 0.1',
    );
    expect(splitExamples(data, { train: 1, validation: 0, test: 0 }, 1).train).toHaveLength(10);
    expect(splitExamples(data, { train: 0, validation: 0, test: 1 }, 1).test).toHaveLength(10);
    expect(thrown(() => splitExamples(data, { train: 2, validation: 0, test: 0 }, 1), SplitError).name).toBe('SplitError');
  });

  it('largest remainder: floors, then the largest remainders, earlier splits first on ties', () => {
    expect(largestRemainder(10, [1 / 3, 1 / 3, 1 / 3])).toEqual([4, 3, 3]);
    expect(largestRemainder(5, [0.5, 0.3, 0.2])).toEqual([3, 1, 1]);
    expect(largestRemainder(7, [0.1, 0.45, 0.45])).toEqual([1, 3, 3]);
    expect(largestRemainder(4, [0.3, 0.3, 0.4])).toEqual([1, 1, 2]);
    expect(largestRemainder(0, [0.5, 0.25, 0.25])).toEqual([0, 0, 0]);
  });
});

describe('stratified counts: which label gets each leftover', () => {
  // Per label and split, as [train, validation, test]; the same for every seed (no two labels' remainders tie).
  const countsOf = (sizes: number[], w: number[], seed: number) => {
    const examples = sizes.flatMap((n, g) => Array.from({ length: n }, (_, i) => ({ id: `${g}-${i}`, label: `L${g}` })));
    const s = splitExamples(examples, { train: w[0]!, validation: w[1]!, test: w[2]! }, seed);
    return sizes.map((_, g) => SPLITS.map((k) => s[k].filter((e) => e.label === `L${g}`).length));
  };

  it('the remainders are of size * fraction: the largest is served first', () => {
    // Totals [1, 1, 1]. L1 (2 examples) has 0.8, 0.6, 0.6: it takes train and validation; L0 (1: 0.4, 0.3, 0.3)
    // gets the test split left over. (Remainders of size / fraction would serve L1's validation and test first.)
    for (const seed of [1, 2, 3, 4, 5]) expect(countsOf([1, 2], [0.4, 0.3, 0.3], seed), `seed ${seed}`).toEqual([[0, 0, 1], [1, 1, 0]]);
  });

  it('a cell whose share is a whole number gets no leftover while a fractional one can take it', () => {
    // Totals [3, 1, 1]. L1 (4 examples: 2, 1.2, 0.8) lacks one: its test remainder 0.8 takes it, not its train cell
    // (exactly 2, remainder 0); L0 (1: 0.5, 0.3, 0.2) then takes the train place left.
    for (const seed of [1, 2, 3, 4, 5]) expect(countsOf([1, 4], [0.5, 0.3, 0.2], seed), `seed ${seed}`).toEqual([[1, 0, 0], [2, 1, 1]]);
  });
});

describe('fractions: each checked on its own', () => {
  it('a fraction above 1 is refused even when the sum is within the rounding tolerance of 1', () => {
    // 1 + 5e-10 sums to 1 within 1e-9; only the per-fraction check catches it.
    expect(() => splitExamples([{ id: 1 }], { train: 1 + 5e-10, validation: 0, test: 0 }, 1)).toThrow(
      'split fractions must each be in [0, 1] and sum to 1, got train 1.0000000005, validation 0, test 0',
    );
  });
});

describe('stratified counts: a row the greedy pass leaves short (augmenting paths)', () => {
  const countsOf = (sizes: Record<string, number>, w: number[], seed: number) => {
    const examples = Object.entries(sizes).flatMap(([label, n]) => Array.from({ length: n }, (_, i) => ({ id: `${label}${i}`, label })));
    const s = splitExamples(examples, { train: w[0]!, validation: w[1]!, test: w[2]! }, seed);
    return Object.fromEntries(Object.keys(sizes).map((label) => [label, SPLITS.map((k) => s[k].filter((e) => e.label === label).length)]));
  };

  it('3, 4 and 4 examples at 0.2/0.2/0.6: the 3 get 1/0/2, not 0/0/3 (3 is more than the ceiling of 1.8)', () => {
    // Totals [2, 2, 7]. The greedy pass gives B and C (0.8, 0.8, 2.4) their train and validation places and A
    // (0.6, 0.6, 1.8) its test one; A then takes a train place from B or C, which moves to test (2.4 -> 3).
    for (const seed of [1, 2, 3, 4, 5]) {
      const c = countsOf({ A: 3, B: 4, C: 4 }, [0.2, 0.2, 0.6], seed);
      expect(c.A, `seed ${seed}`).toEqual([1, 0, 2]);
      expect([c.B, c.C].sort(), `seed ${seed}`).toEqual([[0, 1, 3], [1, 1, 2]]);
    }
  });

  it('18 and 15 examples at 0.5/0.25/0.25: 9/5/4 and 8/3/4, not 10/4/4 (18 * 0.5 = 9 exactly)', () => {
    // Totals [17, 8, 8]. N (7.5, 3.75, 3.75) takes validation and test first; P (9, 4.5, 4.5) gets the validation
    // place back by moving N's to train, so P's whole-number train share stays 9.
    for (const seed of [1, 2, 3]) expect(countsOf({ P: 18, N: 15 }, [0.5, 0.25, 0.25], seed), `seed ${seed}`).toEqual({ P: [9, 5, 4], N: [8, 3, 4] });
  });

  it.each([
    // A column whose holders cannot move on (a dead end): the short label tries its next fractional cell.
    [[3, 10, 4], [6, 2, 4, 12]],
    [[4, 3, 10, 8, 6, 4], [3, 1, 2, 6]],
    [[6, 10, 2, 5], [5, 3, 2, 10]],
    // Several places moved: a label takes one place and no more, whatever paths are left.
    [[4, 10, 10, 3, 10], [1, 4, 1, 6]],
    [[10, 9, 10, 9, 4, 7], [8, 2, 2, 12]],
    [[10, 5, 3, 9, 4, 5], [1, 1, 4, 6]],
  ])('labels of sizes %j at %j parts: floor or ceiling everywhere, totals by largest remainder', (sizes, parts) => {
    const [a, b, c, q] = parts as [number, number, number, number];
    const w = [a / q, b / q, c / q];
    const examples = sizes.flatMap((n, g) => Array.from({ length: n }, (_, i) => ({ id: `${g}-${i}`, label: `L${g}` })));
    for (let seed = 1; seed <= 8; seed++) {
      const s = splitExamples(examples, { train: w[0]!, validation: w[1]!, test: w[2]! }, seed);
      expect(SPLITS.map((k) => s[k].length), `seed ${seed}`).toEqual(largestRemainder(examples.length, w));
      sizes.forEach((size, g) => {
        const counts = SPLITS.map((k) => s[k].filter((e) => e.label === `L${g}`).length);
        counts.forEach((n, k) => expect([Math.floor(size * w[k]! + 1e-9), Math.ceil(size * w[k]! - 1e-9)], `seed ${seed} L${g} ${SPLITS[k]}`).toContain(n));
      });
    }
  });

  it('across 1000 random label mixes every count is the floor or ceiling of its share, totals by largest remainder', () => {
    // Mixes of 2..7 labels of 1..12 examples at fractions in eighths, tenths and twelfths: 33 of them need a place
    // moved after the greedy pass, 4 of those through two labels (0/0/3-like counts without it).
    const rng = mulberry32(2026);
    const int = (k: number) => Math.floor(rng() * k);
    for (let t = 0; t < 1000; t++) {
      const q = [8, 10, 12][t % 3]!;
      const a = int(q + 1);
      const b = int(q + 1 - a);
      const w = [a / q, b / q, (q - a - b) / q];
      const sizes = Array.from({ length: 2 + int(6) }, () => 1 + int(12));
      const examples = sizes.flatMap((n, g) => Array.from({ length: n }, (_, i) => ({ id: `${g}-${i}`, label: `L${g}` })));
      const s = splitExamples(examples, { train: w[0]!, validation: w[1]!, test: w[2]! }, t);
      const what = `sizes ${sizes} at ${a}/${b}/${q - a - b} of ${q}`;
      expect(SPLITS.map((k) => s[k].length), what).toEqual(largestRemainder(examples.length, w));
      sizes.forEach((size, g) => {
        const counts = SPLITS.map((k) => s[k].filter((e) => e.label === `L${g}`).length);
        counts.forEach((c, k) => expect([Math.floor(size * w[k]! + 1e-9), Math.ceil(size * w[k]! - 1e-9)], `${what}: L${g} ${SPLITS[k]}`).toContain(c));
      });
    }
  });
});
