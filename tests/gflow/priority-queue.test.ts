// The priority queue: top-5 by training accuracy without duplicates, with validation and test kept per entry.
import { describe, expect, it } from 'vitest';
import { PromptQueue } from '../../src/gflow/priority-queue';

describe('PromptQueue', () => {
  it('keeps the top 5 by training accuracy, best first', () => {
    const q = new PromptQueue(5);
    [0.3, 0.9, 0.1, 0.5, 0.7, 0.2, 0.8, 0.6].forEach((a, i) => q.add(`p${i}`, a, 100 + i));
    expect(q.entries().map((e) => [e.text, e.trainAccuracy])).toEqual([['p1', 0.9], ['p6', 0.8], ['p4', 0.7], ['p7', 0.6], ['p3', 0.5]]);
  });

  it('never holds a text twice', () => {
    const q = new PromptQueue(5);
    expect(q.add('same', 0.5, 100)).toBe(true);
    expect(q.add('same', 0.9, 101)).toBe(false);
    expect(q.add('same', 0.5, 102)).toBe(false);
    expect(q.entries()).toEqual([{ text: 'same', trainAccuracy: 0.5, step: 100, validationAccuracy: null, testAccuracy: null }]);
  });

  it('replaces the worst only on a strictly better accuracy, the shorter text first among equals (official heap order)', () => {
    const q = new PromptQueue(2);
    q.add('long text', 0.5, 1);
    q.add('short', 0.5, 2);
    expect(q.add('tie', 0.5, 3)).toBe(false);
    expect(q.add('better', 0.6, 4)).toBe(true);
    expect(q.texts().sort()).toEqual(['better', 'long text']);
  });

  it('keeps validation and test per entry and round-trips through JSON', () => {
    const q = new PromptQueue(5);
    q.add('a', 0.5, 100);
    q.add('b', 0.75, 101);
    q.setValidation('a', 0.625);
    q.setTest('a', 0.8);
    const copy = PromptQueue.fromJSON(JSON.parse(JSON.stringify(q)));
    expect(copy.entries()).toEqual([
      { text: 'b', trainAccuracy: 0.75, step: 101, validationAccuracy: null, testAccuracy: null },
      { text: 'a', trainAccuracy: 0.5, step: 100, validationAccuracy: 0.625, testAccuracy: 0.8 },
    ]);
    expect(() => q.setTest('zzz', 1)).toThrow(/not in the queue/);
  });

  it('returns copies', () => {
    const q = new PromptQueue(5);
    q.add('a', 0.5, 100);
    q.entries()[0]!.trainAccuracy = 1;
    expect(q.entries()[0]!.trainAccuracy).toBe(0.5);
  });
});
