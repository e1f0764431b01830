// RngStream is mulberry32 with a visible state; derived streams are distinct; sampling helpers are uniform.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/random/mulberry32';
import { RNG_PURPOSES, RngStream, initialRngStates, sampleWithoutReplacement, shuffled } from '../../src/gflow/rng';

describe('RngStream', () => {
  it('draws exactly mulberry32', () => {
    const reference = mulberry32(1234);
    const stream = new RngStream(1234);
    for (let i = 0; i < 100; i++) expect(stream.next()).toBe(reference());
  });

  it('continues exactly from a saved state', () => {
    const a = new RngStream(99);
    for (let i = 0; i < 37; i++) a.next();
    const b = new RngStream(a.state);
    const next = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(next);
  });

  it('passes as a plain Rng (next is bound)', () => {
    const s = new RngStream(5);
    const draw = s.next;
    expect(draw()).toBe(mulberry32(5)());
  });

  it('gives uint32 seeds in range', () => {
    const s = new RngStream(7);
    for (let i = 0; i < 100; i++) {
      const v = s.uint32();
      expect(Number.isInteger(v) && v >= 0 && v <= 0xffffffff).toBe(true);
    }
  });
});

describe('initialRngStates', () => {
  it('derives one distinct, reproducible state per purpose from the seed', () => {
    const a = initialRngStates(0);
    expect(Object.keys(a)).toEqual([...RNG_PURPOSES]);
    expect(new Set(Object.values(a)).size).toBe(RNG_PURPOSES.length);
    expect(initialRngStates(0)).toEqual(a);
    expect(initialRngStates(1)).not.toEqual(a);
  });
});

describe('sampling helpers', () => {
  it('draws distinct items, at most as many as there are', () => {
    const rng = mulberry32(3);
    const picked = sampleWithoutReplacement([1, 2, 3, 4, 5, 6], 4, rng);
    expect(new Set(picked).size).toBe(4);
    expect(sampleWithoutReplacement([1, 2], 5, rng).sort()).toEqual([1, 2]);
    expect(sampleWithoutReplacement([], 3, rng)).toEqual([]);
  });

  it('is uniform: each item is picked about k/n of the time', () => {
    const rng = mulberry32(11);
    const counts = new Array(10).fill(0);
    const trials = 20000;
    for (let t = 0; t < trials; t++) for (const x of sampleWithoutReplacement([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3, rng)) counts[x]++;
    // Expected 6000 each; sd ~ 65.
    for (const c of counts) expect(Math.abs(c - 6000)).toBeLessThan(300);
  });

  it('shuffles into a permutation and puts the first item everywhere', () => {
    const rng = mulberry32(2);
    const positions = [0, 0, 0];
    for (let t = 0; t < 3000; t++) {
      const s = shuffled(['a', 'b', 'c'], rng);
      expect([...s].sort()).toEqual(['a', 'b', 'c']);
      positions[s.indexOf('a')]! += 1;
    }
    for (const p of positions) expect(Math.abs(p - 1000)).toBeLessThan(120);
  });
});
