// The priority queue's tie-breaks, exactly: eviction follows the official heap order (accuracy, then text
// length, then text: the smallest goes first), and entries() lists equal accuracy and step by text.
import { describe, expect, it } from 'vitest';
import { PromptQueue } from '../../src/gflow/priority-queue';

describe('PromptQueue ties', () => {
  it('among equal accuracy and equal length, the lexicographically smaller text is evicted first', () => {
    const q = new PromptQueue(2);
    q.add('bb', 0.5, 1);
    q.add('aa', 0.5, 2);
    expect(q.add('cc', 0.75, 3)).toBe(true);
    expect(q.texts()).toEqual(['cc', 'bb']);
    // Insertion order does not matter: the same queue built the other way round evicts the same entry.
    const r = new PromptQueue(2);
    r.add('aa', 0.5, 1);
    r.add('bb', 0.5, 2);
    r.add('cc', 0.75, 3);
    expect(r.texts()).toEqual(['cc', 'bb']);
  });

  it('among equal accuracy, the shorter text is evicted before the smaller text', () => {
    const q = new PromptQueue(3);
    q.add('zz', 0.5, 1); // shorter, larger text
    q.add('aaa', 0.5, 1);
    q.add('bbb', 0.5, 1);
    q.add('new1', 0.6, 2); // evicts 'zz' (length 2)
    expect(q.texts()).toEqual(['new1', 'aaa', 'bbb']);
    q.add('new2', 0.6, 3); // evicts 'aaa' (length 3, before 'bbb')
    expect(q.texts()).toEqual(['new1', 'new2', 'bbb']);
    q.add('new3', 0.4, 4); // worse than the worst: refused
    expect(q.texts()).toEqual(['new1', 'new2', 'bbb']);
  });

  it('entries() orders equal accuracy and equal step by text, ascending, whatever the insertion order', () => {
    const q = new PromptQueue(4);
    q.add('delta', 0.5, 7);
    q.add('bravo', 0.5, 7);
    q.add('charlie', 0.5, 7);
    q.add('alpha', 0.5, 7);
    expect(q.texts()).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
    // Accuracy first, then step, then text.
    const r = new PromptQueue(4);
    r.add('b', 0.5, 2);
    r.add('a', 0.5, 3);
    r.add('c', 0.75, 9);
    r.add('d', 0.5, 2);
    expect(r.texts()).toEqual(['c', 'b', 'd', 'a']);
  });
});
