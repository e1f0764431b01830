// The train buffer: top-k by training accuracy as a min-heap, no duplicate texts, uniform draws, JSON round trip.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/random/mulberry32';
import { ReplayBuffer, ReplayBufferError } from '../../src/gflow/replay-buffer';

function filled(capacity: number, accuracies: number[]): ReplayBuffer {
  const b = new ReplayBuffer(capacity);
  accuracies.forEach((a, i) => b.add({ text: `p${i}`, trainAccuracy: a, step: i + 1 }));
  return b;
}

describe('ReplayBuffer', () => {
  it('keeps the best `capacity` prompts by training accuracy', () => {
    const accuracies = [0.1, 0.9, 0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.0];
    const b = filled(4, accuracies);
    expect(b.size).toBe(4);
    expect(b.entries().map((e) => e.trainAccuracy)).toEqual([0.9, 0.8, 0.7, 0.6]);
    expect(b.minAccuracy).toBe(0.6);
    expect(b.best()).toEqual({ text: 'p1', trainAccuracy: 0.9, step: 2 });
  });

  it('keeps the top-k of a long random stream (checked against a sort)', () => {
    const rng = mulberry32(8);
    const accuracies = Array.from({ length: 500 }, () => Math.round(rng() * 32) / 32);
    const b = filled(50, accuracies);
    const expected = [...accuracies].sort((x, y) => y - x).slice(0, 50);
    expect(b.entries().map((e) => e.trainAccuracy)).toEqual(expected);
  });

  it('replaces only on a strictly better accuracy, and evicts the oldest among equal worst', () => {
    const b = filled(2, [0.5, 0.5]);
    expect(b.add({ text: 'tie', trainAccuracy: 0.5, step: 9 })).toBe(false);
    expect(b.add({ text: 'better', trainAccuracy: 0.6, step: 9 })).toBe(true);
    expect(b.texts().sort()).toEqual(['better', 'p1']);
    expect(b.has('p0')).toBe(false);
  });

  it('rejects a duplicate text even with another accuracy', () => {
    const b = filled(5, [0.2]);
    expect(b.add({ text: 'p0', trainAccuracy: 0.9, step: 3 })).toBe(false);
    expect(b.size).toBe(1);
    expect(b.entries()[0]!.trainAccuracy).toBe(0.2);
  });

  it('lets an evicted text enter again later', () => {
    const b = filled(1, [0.1]);
    b.add({ text: 'x', trainAccuracy: 0.5, step: 2 });
    expect(b.has('p0')).toBe(false);
    expect(b.add({ text: 'p0', trainAccuracy: 0.6, step: 3 })).toBe(true);
  });

  it('draws distinct entries uniformly, at most its size', () => {
    const b = filled(10, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);
    const rng = mulberry32(4);
    const counts = new Map<string, number>();
    for (let t = 0; t < 10000; t++) {
      const drawn = b.draw(4, rng);
      expect(new Set(drawn.map((d) => d.text)).size).toBe(4);
      for (const d of drawn) counts.set(d.text, (counts.get(d.text) ?? 0) + 1);
    }
    // 4000 expected per entry, sd ~ 49: the draw ignores accuracy.
    for (const c of counts.values()) expect(Math.abs(c - 4000)).toBeLessThan(250);
    expect(filled(3, [0.1, 0.2]).draw(4, rng)).toHaveLength(2);
    expect(new ReplayBuffer(3).draw(4, rng)).toEqual([]);
  });

  it('round-trips through JSON: same entries, same later draws and insertions', () => {
    const rng = mulberry32(21);
    const b = filled(6, Array.from({ length: 20 }, () => Math.round(rng() * 8) / 8));
    const copy = ReplayBuffer.fromJSON(JSON.parse(JSON.stringify(b)));
    expect(copy.toJSON()).toEqual(b.toJSON());
    expect(copy.draw(3, mulberry32(5))).toEqual(b.draw(3, mulberry32(5)));
    for (const x of [b, copy]) x.add({ text: 'new', trainAccuracy: 0.99, step: 30 });
    expect(copy.toJSON()).toEqual(b.toJSON());
  });

  it('refuses a corrupt state', () => {
    const state = filled(3, [0.1, 0.2]).toJSON();
    expect(() => ReplayBuffer.fromJSON({ ...state, heap: [...state.heap, state.heap[0]!] })).toThrow(/repeats the prompt/);
    expect(() => ReplayBuffer.fromJSON({ ...state, heap: [...state.heap].reverse() })).toThrow(/not a min-heap/);
    expect(() => ReplayBuffer.fromJSON({ ...state, capacity: 1 })).toThrow(ReplayBufferError);
    expect(() => new ReplayBuffer(0)).toThrow(/positive integer/);
  });
});
