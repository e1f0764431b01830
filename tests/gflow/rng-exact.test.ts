// The run's random streams exactly (mutation testing, docs/mutation.md): each purpose's initial state is the
// documented derivation mulberry32(seed ^ (k * 0x9e3779b9)) with k the purpose's 1-based index, pinned to
// values (saved runs hold these states, so they must not drift), and sampling without replacement draws exactly
// one number per item taken, so the streams stay where a resumed run expects them.
import { describe, expect, it } from 'vitest';
import { RNG_PURPOSES, RngStream, sampleWithoutReplacement, shuffled, streamSeed } from '../../src/gflow/rng';
import { mulberry32 } from '../../src/random/mulberry32';

describe('streamSeed', () => {
  it('is mulberry32(seed ^ imul(k, 0x9e3779b9)) scaled to 32 bits, k = 1 for sampling .. 5 for references', () => {
    expect(RNG_PURPOSES).toEqual(['sampling', 'temperature', 'replay', 'demonstrations', 'references']);
    for (const seed of [0, 1, 42, 0xffffffff]) {
      RNG_PURPOSES.forEach((p, i) => {
        expect(streamSeed(seed, p)).toBe(Math.floor(mulberry32((seed ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0)() * 4294967296) >>> 0);
      });
    }
    expect(RNG_PURPOSES.map((p) => streamSeed(1, p))).toEqual([814657751, 2998177238, 1507725592, 2323076555, 1810856629]);
    expect(RNG_PURPOSES.map((p) => streamSeed(42, p))).toEqual([2067236868, 3257649202, 577773191, 1815009712, 2176890161]);
  });
});

describe('sampleWithoutReplacement', () => {
  function counting(seed: number): { rng: () => number; calls: () => number } {
    const r = mulberry32(seed);
    let n = 0;
    return { rng: () => (n++, r()), calls: () => n };
  }

  it('draws one number per item taken, no more (k below, at and above the pool size)', () => {
    for (const [k, want] of [[2, 2], [5, 5], [9, 5], [0, 0]] as const) {
      const c = counting(3);
      const out = sampleWithoutReplacement([1, 2, 3, 4, 5], k, c.rng);
      expect(out).toHaveLength(want);
      expect(new Set(out).size).toBe(want);
      expect(c.calls()).toBe(want);
    }
    const c = counting(4);
    expect(shuffled(['a', 'b', 'c'], c.rng).sort()).toEqual(['a', 'b', 'c']);
    expect(c.calls()).toBe(3);
  });
});

describe('RngStream.int', () => {
  it('is floor(u * k) of the stream\'s next uniform, covering 0..k-1', () => {
    const s = new RngStream(7);
    const ref = mulberry32(7);
    const got = Array.from({ length: 200 }, () => s.int(10));
    expect(got).toEqual(Array.from({ length: 200 }, () => Math.floor(ref() * 10)));
    expect(new Set(got).size).toBe(10);
  });
});
