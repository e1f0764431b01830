// Splits: sizes by largest remainder, the same seed giving the same splits, different seeds different ones,
// nothing lost or duplicated, per-label shares within one example of the data's, unlabelled examples unstratified.
import { describe, expect, it } from 'vitest';
import { SplitError, largestRemainder, splitExamples } from '../../../src/tasks/import/split';

const labelled = (counts: Record<string, number>) =>
  Object.entries(counts).flatMap(([label, n]) => Array.from({ length: n }, (_, i) => ({ id: `${label}${i}`, label })));

const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
const countBy = (xs: { label?: string }[]) => xs.reduce<Record<string, number>>((acc, x) => ((acc[x.label!] = (acc[x.label!] ?? 0) + 1), acc), {});

describe('splitExamples', () => {
  const data = labelled({ pos: 34, neg: 33, neu: 33 });
  const fractions = { train: 0.8, validation: 0.1, test: 0.1 };

  it('is deterministic in the seed and loses or duplicates nothing', () => {
    const a = splitExamples(data, fractions, 7);
    const b = splitExamples(data, fractions, 7);
    const c = splitExamples(data, fractions, 8);
    expect(ids(a.train)).toEqual(ids(b.train));
    expect(ids(a.validation)).toEqual(ids(b.validation));
    expect(ids(a.test)).toEqual(ids(b.test));
    expect(ids(a.test)).not.toEqual(ids(c.test));
    expect([a.train.length, a.validation.length, a.test.length]).toEqual([80, 10, 10]);
    expect([...ids(a.train), ...ids(a.validation), ...ids(a.test)].sort()).toEqual(ids(data).sort());
  });

  it('stratifies by label: each label within one example of its share in every split', () => {
    for (const seed of [1, 2, 3]) {
      const splits = splitExamples(data, fractions, seed);
      for (const [name, f] of Object.entries(fractions) as [keyof typeof fractions, number][]) {
        const got = countBy(splits[name]);
        for (const [label, n] of Object.entries(countBy(data))) expect(Math.abs((got[label] ?? 0) - n * f), `${name} ${label}`).toBeLessThan(1 + 1e-9);
      }
    }
    const skewed = splitExamples(labelled({ common: 90, rare: 10 }), { train: 0.5, validation: 0.25, test: 0.25 }, 3);
    expect(countBy(skewed.train)).toEqual({ common: 45, rare: 5 });
    expect(countBy(skewed.validation).rare! + countBy(skewed.test).rare!).toBe(5);
    expect([skewed.validation.length, skewed.test.length]).toEqual([25, 25]);
  });

  it('mixes labels within a split (shuffled, not grouped)', () => {
    const { train } = splitExamples(data, fractions, 5);
    expect(train.slice(0, 20).map((x) => x.label)).not.toEqual(Array(20).fill(train[0]!.label));
  });

  it('without labels (or with stratify: false) splits the shuffled whole', () => {
    const plain = Array.from({ length: 10 }, (_, i) => ({ id: String(i) }));
    const s = splitExamples(plain, { train: 0.7, validation: 0, test: 0.3 }, 1);
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([7, 0, 3]);
    const unstratified = splitExamples(labelled({ a: 50, b: 50 }), { train: 0.5, validation: 0, test: 0.5 }, 11, { stratify: false });
    expect(unstratified.train).toHaveLength(50);
    expect(countBy(unstratified.train).a).not.toBe(25);
    expect(splitExamples([], fractions, 1)).toEqual({ train: [], validation: [], test: [] });
  });

  it('rejects fractions that do not sum to 1 or are out of range', () => {
    expect(() => splitExamples(data, { train: 0.8, validation: 0.1, test: 0.2 }, 1)).toThrow(SplitError);
    expect(() => splitExamples(data, { train: 1.2, validation: -0.2, test: 0 }, 1)).toThrow(/\[0, 1\]/);
  });
});

describe('largestRemainder', () => {
  it('gives floors plus the largest remainders, earlier splits first on ties', () => {
    expect(largestRemainder(10, [0.8, 0.1, 0.1])).toEqual([8, 1, 1]);
    expect(largestRemainder(7, [0.5, 0.25, 0.25])).toEqual([3, 2, 2]);
    expect(largestRemainder(3, [1 / 3, 1 / 3, 1 / 3])).toEqual([1, 1, 1]);
  });
});

describe('large imports (issue 9)', () => {
  it('splits 160,000 examples (push(...spread) of one group overflowed the call stack: a RangeError)', () => {
    const many = Array.from({ length: 160_000 }, (_, i) => ({ input: String(i) }));
    const splits = splitExamples(many, { train: 0.5, validation: 0.25, test: 0.25 }, 1);
    expect([splits.train.length, splits.validation.length, splits.test.length]).toEqual([80_000, 40_000, 40_000]);
    expect(new Set([...splits.train, ...splits.validation, ...splits.test]).size).toBe(160_000);
  });
});
