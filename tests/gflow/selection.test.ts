// Honest selection on its own (mutation testing, docs/mutation.md): every queue entry scored on validation
// then test, the validation maximum chosen (ties: the queue's order, so the higher training accuracy), the
// buffer's best prompts standing in for an empty queue, and the initial prompts scored on every split.
import { describe, expect, it } from 'vitest';
import type { SplitName } from '../../src/gflow/interfaces';
import { PromptQueue } from '../../src/gflow/priority-queue';
import { ReplayBuffer } from '../../src/gflow/replay-buffer';
import { selectOnValidation } from '../../src/gflow/selection';

/** A scorer from a table text -> [train, validation, test]; records every call. */
function tableScorer(table: Record<string, [number, number, number]>) {
  const calls: string[] = [];
  const split = { train: 0, validation: 1, test: 2 } as const;
  const score = async (text: string, s: SplitName) => {
    calls.push(`${s}:${text}`);
    return table[text]![split[s]];
  };
  return { score, calls };
}

describe('selectOnValidation', () => {
  it('picks the validation maximum and reports its test score; ties go to the higher training accuracy', async () => {
    const q = new PromptQueue(5);
    q.add('a', 0.9, 1);
    q.add('b', 0.5, 2);
    q.add('c', 0.7, 3);
    q.add('d', 0.6, 4);
    const { score, calls } = tableScorer({ a: [0.9, 0.4, 0.1], b: [0.5, 0.8, 0.3], c: [0.7, 0.8, 0.6], d: [0.6, 0.2, 0.9], init: [0.1, 0.2, 0.3] });
    const r = await selectOnValidation(q, new ReplayBuffer(3), ['init'], score);
    // b and c tie at 0.8 on validation: c comes first in the queue (training 0.7 > 0.5).
    expect(r.selected).toEqual({ text: 'c', trainAccuracy: 0.7, validationAccuracy: 0.8, testAccuracy: 0.6 });
    expect(r.initial).toEqual([{ text: 'init', trainAccuracy: 0.1, validationAccuracy: 0.2, testAccuracy: 0.3 }]);
    expect(calls).toEqual(['validation:a', 'validation:c', 'validation:d', 'validation:b', 'test:a', 'test:c', 'test:d', 'test:b', 'train:init', 'validation:init', 'test:init']);
    expect(q.entries().map((e) => [e.text, e.validationAccuracy, e.testAccuracy])).toEqual([['a', 0.4, 0.1], ['c', 0.8, 0.6], ['d', 0.2, 0.9], ['b', 0.8, 0.3]]);
  });

  it('the first entry wins when it is the validation maximum, and a lower later one does not replace it', async () => {
    const q = new PromptQueue(3);
    q.add('top', 0.9, 1);
    q.add('low', 0.1, 1);
    const { score } = tableScorer({ top: [0.9, 0.7, 0.5], low: [0.1, 0.3, 0.2] });
    expect((await selectOnValidation(q, new ReplayBuffer(3), [], score)).selected?.text).toBe('top');
  });

  it("an empty queue takes the buffer's best queue.capacity prompts; a non-empty one ignores the buffer", async () => {
    const buffer = new ReplayBuffer(5);
    for (const [text, a] of [['x', 0.2], ['y', 0.9], ['z', 0.5], ['w', 0.7]] as const) buffer.add({ text, trainAccuracy: a, step: 3 });
    const table = { x: [0.2, 0.9, 0.1], y: [0.9, 0.1, 0.2], z: [0.5, 0.5, 0.5], w: [0.7, 0.6, 0.4], q: [0.3, 0.3, 0.3] } as Record<string, [number, number, number]>;
    const empty = new PromptQueue(2);
    const r = await selectOnValidation(empty, buffer, [], tableScorer(table).score);
    expect(empty.texts()).toEqual(['y', 'w']); // the two best by training accuracy; x (best on validation) is not among them
    expect(r.selected).toEqual({ text: 'w', trainAccuracy: 0.7, validationAccuracy: 0.6, testAccuracy: 0.4 });
    const full = new PromptQueue(2);
    full.add('q', 0.3, 1);
    expect((await selectOnValidation(full, buffer, [], tableScorer(table).score)).selected?.text).toBe('q');
    expect(full.texts()).toEqual(['q']);
  });

  it('nothing to select from: selected is null, the initial prompts are still scored', async () => {
    const r = await selectOnValidation(new PromptQueue(2), new ReplayBuffer(2), ['i1', 'i2'], tableScorer({ i1: [0, 0.5, 1], i2: [1, 0.5, 0] }).score);
    expect(r).toEqual({ selected: null, initial: [{ text: 'i1', trainAccuracy: 0, validationAccuracy: 0.5, testAccuracy: 1 }, { text: 'i2', trainAccuracy: 1, validationAccuracy: 0.5, testAccuracy: 0 }] });
  });
});
