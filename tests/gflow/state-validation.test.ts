// The queue's and the replay buffer's saved states, clause by clause: every field fromJSON checks is refused
// alone (with the message that names it), the limits of each range are accepted, and what is restored is exactly
// what was saved. Written for mutation testing (docs/mutation.md): each case fails if its check is dropped.
import { describe, expect, it } from 'vitest';
import { PromptQueue, PromptQueueError, type PromptQueueState, type QueueEntry } from '../../src/gflow/priority-queue';
import { ReplayBuffer, ReplayBufferError, type ReplayBufferState } from '../../src/gflow/replay-buffer';
import { mulberry32 } from '../../src/random/mulberry32';

const entry = (over: Partial<QueueEntry> = {}): QueueEntry => ({ text: 'p', trainAccuracy: 0.5, step: 3, validationAccuracy: null, testAccuracy: null, ...over });

describe('PromptQueue.fromJSON', () => {
  const bad = (e: unknown) => () => PromptQueue.fromJSON({ capacity: 5, entries: [entry({ text: 'ok' }), e] } as PromptQueueState);

  it('refuses what is not a queue state', () => {
    for (const s of [null, 'x', 3, { capacity: 5 }, { capacity: 5, entries: 'no' }]) {
      expect(() => PromptQueue.fromJSON(s as unknown as PromptQueueState)).toThrow(new PromptQueueError('not a queue state: expected { capacity, entries[] }'));
    }
  });

  it('refuses a function posing as a state or an entry, however well its properties look', () => {
    const fnState = Object.assign(() => 0, { capacity: 5, entries: [] });
    expect(() => PromptQueue.fromJSON(fnState as unknown as PromptQueueState)).toThrow('not a queue state: expected { capacity, entries[] }');
    const fnEntry = Object.assign(() => 0, entry({ text: 'f' }));
    expect(bad(fnEntry)).toThrow(/^bad queue entry 1 /);
  });

  it('quotes at most 200 characters of a bad entry and 80 of a repeated or missing prompt', () => {
    const long = 'x'.repeat(300);
    const badLong = entry({ text: long, step: -1 });
    expect(bad(badLong)).toThrow(`: ${JSON.stringify(badLong).slice(0, 200)}`);
    expect(bad(badLong)).not.toThrow(JSON.stringify(badLong).slice(0, 201));
    expect(bad(undefined)).toThrow(/: undefined$/);
    expect(() => PromptQueue.fromJSON({ capacity: 3, entries: [entry({ text: long }), entry({ text: long })] })).toThrow(`queue state repeats the prompt "${'x'.repeat(80)}"`);
    const q = new PromptQueue(2);
    expect(() => q.setValidation(long, 1)).toThrow(`the prompt "${'x'.repeat(80)}" is not in the queue`);
  });

  it('its errors are named PromptQueueError', () => {
    let caught: unknown;
    try {
      new PromptQueue(-1);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PromptQueueError);
    expect((caught as Error).name).toBe('PromptQueueError');
  });

  it('refuses a bad capacity or more entries than it', () => {
    expect(() => PromptQueue.fromJSON({ capacity: 0, entries: [] })).toThrow('queue capacity must be a positive integer, got 0');
    expect(() => PromptQueue.fromJSON({ capacity: 1.5, entries: [] })).toThrow('queue capacity must be a positive integer, got 1.5');
    expect(() => PromptQueue.fromJSON({ capacity: 1, entries: [entry({ text: 'a' }), entry({ text: 'b' })] })).toThrow('queue state holds 2 entries, more than its capacity 1');
    expect(PromptQueue.fromJSON({ capacity: 2, entries: [entry({ text: 'a' }), entry({ text: 'b' })] }).size).toBe(2);
  });

  it('refuses each bad field of an entry, naming the entry', () => {
    const cases: unknown[] = [
      null, 'text', entry({ text: 3 as unknown as string }),
      entry({ trainAccuracy: -0.01 }), entry({ trainAccuracy: 1.01 }), entry({ trainAccuracy: '0.5' as unknown as number }),
      entry({ step: 1.5 }), entry({ step: -1 }),
      entry({ validationAccuracy: 1.5 }), entry({ validationAccuracy: -1 }), entry({ testAccuracy: 2 }), entry({ testAccuracy: -0.5 }),
    ];
    for (const e of cases) {
      expect(bad(e)).toThrow(PromptQueueError);
      expect(bad(e)).toThrow(`bad queue entry 1 (expected text, trainAccuracy in [0, 1], step >= 0, validation and test accuracies in [0, 1] or null): ${JSON.stringify(e)}`);
    }
  });

  it('accepts the limits (accuracies 0 and 1, step 0) and missing scores as null', () => {
    const e = { text: 'edge', trainAccuracy: 0, step: 0 } as QueueEntry;
    const q = PromptQueue.fromJSON({ capacity: 3, entries: [e, entry({ text: 'top', trainAccuracy: 1, validationAccuracy: 0, testAccuracy: 1 })] });
    expect(q.entries()).toEqual([
      { text: 'top', trainAccuracy: 1, step: 3, validationAccuracy: 0, testAccuracy: 1 },
      { text: 'edge', trainAccuracy: 0, step: 0, validationAccuracy: null, testAccuracy: null },
    ]);
  });

  it('refuses a repeated prompt, quoting it', () => {
    expect(() => PromptQueue.fromJSON({ capacity: 3, entries: [entry({ text: 'twice' }), entry({ text: 'twice' })] })).toThrow('queue state repeats the prompt "twice"');
  });

  it('a clone is independent and equal', () => {
    const q = new PromptQueue(2);
    q.add('a', 0.5, 1);
    const c = q.clone();
    c.add('b', 0.75, 2);
    c.setValidation('a', 0.25);
    expect(q.toJSON()).toEqual({ capacity: 2, entries: [entry({ text: 'a', step: 1 })] });
    expect(c.toJSON()).toEqual({ capacity: 2, entries: [entry({ text: 'a', step: 1, validationAccuracy: 0.25 }), entry({ text: 'b', trainAccuracy: 0.75, step: 2 })] });
    expect(() => new PromptQueue(0)).toThrow(new PromptQueueError('queue capacity must be a positive integer, got 0'));
  });
});

describe('ReplayBuffer.fromJSON', () => {
  const heapEntry = (text: string, trainAccuracy: number, seq: number, step = 1) => ({ text, trainAccuracy, step, seq });
  const state = (heap: ReplayBufferState['heap'], nextSeq = 10, capacity = 5): ReplayBufferState => ({ capacity, nextSeq, heap });

  it('refuses what is not a buffer state, or a bad nextSeq', () => {
    const message = 'not a replay-buffer state: expected { capacity, nextSeq (a non-negative integer), heap[] }';
    for (const s of [null, 'x', { capacity: 5, nextSeq: 0 }, { capacity: 5, nextSeq: 0, heap: 'no' }, state([], 1.5), state([], -1)]) {
      expect(() => ReplayBuffer.fromJSON(s as unknown as ReplayBufferState)).toThrow(new ReplayBufferError(message));
    }
    expect(ReplayBuffer.fromJSON(state([], 0)).size).toBe(0);
  });

  it('refuses a function posing as a state or an entry; its errors are named ReplayBufferError', () => {
    const fnState = Object.assign(() => 0, { capacity: 5, nextSeq: 0, heap: [] });
    expect(() => ReplayBuffer.fromJSON(fnState as unknown as ReplayBufferState)).toThrow(/^not a replay-buffer state/);
    const fnEntry = Object.assign(() => 0, heapEntry('f', 0.5, 1));
    expect(() => ReplayBuffer.fromJSON(state([heapEntry('root', 0, 0), fnEntry]))).toThrow(/^bad replay-buffer entry 1 /);
    let caught: unknown;
    try {
      new ReplayBuffer(0);
    } catch (e) {
      caught = e;
    }
    expect((caught as Error).name).toBe('ReplayBufferError');
  });

  it('quotes at most 200 characters of a bad entry and 80 of a repeated prompt', () => {
    const long = 'y'.repeat(300);
    const badLong = heapEntry(long, 0.5, 1, -1);
    const message = `bad replay-buffer entry 1 (expected text, trainAccuracy in [0, 1], step >= 0, seq in [0, nextSeq)): ${JSON.stringify(badLong).slice(0, 200)}`;
    expect(() => ReplayBuffer.fromJSON(state([heapEntry('root', 0, 0), badLong]))).toThrow(message);
    expect(() => ReplayBuffer.fromJSON(state([heapEntry('root', 0, 0), badLong]))).not.toThrow(JSON.stringify(badLong).slice(0, 201));
    expect(() => ReplayBuffer.fromJSON(state([heapEntry('root', 0, 0), undefined as never]))).toThrow(/: undefined$/);
    expect(() => ReplayBuffer.fromJSON(state([heapEntry(long, 0.1, 0), heapEntry(long, 0.2, 1)]))).toThrow(`replay-buffer state repeats the prompt "${'y'.repeat(80)}"`);
  });

  it('refuses more entries than the capacity, naming both', () => {
    expect(() => ReplayBuffer.fromJSON(state([heapEntry('a', 0.1, 0), heapEntry('b', 0.2, 1)], 2, 1))).toThrow('replay-buffer state holds 2 entries, more than its capacity 1');
    expect(ReplayBuffer.fromJSON(state([heapEntry('a', 0.1, 0), heapEntry('b', 0.2, 1)], 2, 2)).size).toBe(2);
  });

  it('refuses each bad field of an entry, naming the entry', () => {
    const cases: unknown[] = [
      null, 'x', { ...heapEntry('e', 0.5, 1), text: 4 }, heapEntry('e', -0.1, 1), heapEntry('e', 1.1, 1), { ...heapEntry('e', 0.5, 1), trainAccuracy: '1' },
      heapEntry('e', 0.5, 1, 1.5), heapEntry('e', 0.5, 1, -1), heapEntry('e', 0.5, 1.5), heapEntry('e', 0.5, -1), heapEntry('e', 0.5, 10), heapEntry('e', 0.5, 11),
    ];
    for (const e of cases) {
      const s = state([heapEntry('root', 0, 0), e as ReplayBufferState['heap'][number]]);
      expect(() => ReplayBuffer.fromJSON(s)).toThrow(`bad replay-buffer entry 1 (expected text, trainAccuracy in [0, 1], step >= 0, seq in [0, nextSeq)): ${JSON.stringify(e)}`);
    }
  });

  it('accepts the limits: accuracies 0 and 1, step 0, seq 0 and nextSeq - 1', () => {
    const s = state([heapEntry('low', 0, 0, 0), heapEntry('high', 1, 9, 0)], 10);
    const b = ReplayBuffer.fromJSON(s);
    expect(b.toJSON()).toEqual(s);
    expect(b.entries()).toEqual([{ text: 'high', trainAccuracy: 1, step: 0 }, { text: 'low', trainAccuracy: 0, step: 0 }]);
  });

  it('checks every entry against its heap parent ((i - 1) >> 1), equal accuracies by insertion order', () => {
    // Valid: 0.1 at the root; children 0.5 and 0.2; 0.6 and 0.55 under the 0.5 (indices 3 and 4, parent 1).
    const ok = [heapEntry('a', 0.1, 0), heapEntry('b', 0.5, 1), heapEntry('c', 0.2, 2), heapEntry('d', 0.6, 3), heapEntry('e', 0.55, 4)];
    expect(ReplayBuffer.fromJSON(state(ok)).size).toBe(5);
    // Index 3's parent is 1 (0.2), not 2 (0.5): 0.3 is fine under its own parent only.
    const ownParent = [heapEntry('a', 0.1, 0), heapEntry('b', 0.2, 1), heapEntry('c', 0.5, 2), heapEntry('d', 0.3, 3), heapEntry('e', 0.3, 4)];
    expect(ReplayBuffer.fromJSON(state(ownParent)).size).toBe(5);
    // Index 4 (parent 1, accuracy 0.5) holding 0.4.
    const worseThanParent = [heapEntry('a', 0.1, 0), heapEntry('b', 0.5, 1), heapEntry('c', 0.2, 2), heapEntry('d', 0.6, 3), heapEntry('e', 0.4, 4)];
    expect(() => ReplayBuffer.fromJSON(state(worseThanParent))).toThrow(new ReplayBufferError('replay-buffer state is not a min-heap'));
    // Equal accuracy: the older entry (lower seq) must be the parent.
    expect(ReplayBuffer.fromJSON(state([heapEntry('old', 0.5, 1), heapEntry('new', 0.5, 2)])).size).toBe(2);
    expect(() => ReplayBuffer.fromJSON(state([heapEntry('new', 0.5, 2), heapEntry('old', 0.5, 1)]))).toThrow('replay-buffer state is not a min-heap');
  });
});

describe('ReplayBuffer reads', () => {
  it('minAccuracy is null when empty, else the worst kept accuracy', () => {
    const b = new ReplayBuffer(3);
    expect(b.minAccuracy).toBeNull();
    b.add({ text: 'a', trainAccuracy: 0.75, step: 1 });
    b.add({ text: 'b', trainAccuracy: 0.25, step: 1 });
    expect(b.minAccuracy).toBe(0.25);
  });

  it('best() is the highest accuracy wherever it sits in the heap, the newest among equals', () => {
    const b = new ReplayBuffer(5);
    expect(b.best()).toBeNull();
    for (const [text, a] of [['hi', 0.9], ['lo', 0.1], ['mid', 0.5]] as const) b.add({ text, trainAccuracy: a, step: 2 });
    expect(b.texts()).toEqual(['lo', 'hi', 'mid']); // the best is not last
    expect(b.best()).toEqual({ text: 'hi', trainAccuracy: 0.9, step: 2 });
    b.add({ text: 'hi again', trainAccuracy: 0.9, step: 3 });
    b.add({ text: 'low again', trainAccuracy: 0.2, step: 3 });
    expect(b.best()).toEqual({ text: 'hi again', trainAccuracy: 0.9, step: 3 });
  });
});

/** Textbook binary min-heap on (accuracy, insertion order), as heapq keeps it: the reference for the heap array. */
function referenceHeap(capacity: number, offers: { text: string; trainAccuracy: number }[]): string[] {
  type E = { text: string; a: number; seq: number };
  const h: E[] = [];
  const less = (x: E, y: E) => x.a < y.a || (x.a === y.a && x.seq < y.seq);
  let seq = 0;
  for (const o of offers) {
    if (h.some((e) => e.text === o.text)) continue;
    const item = { text: o.text, a: o.trainAccuracy, seq };
    if (h.length < capacity) {
      seq++;
      h.push(item);
      for (let i = h.length - 1; i > 0 && less(h[i]!, h[Math.floor((i - 1) / 2)]!); i = Math.floor((i - 1) / 2)) {
        const p = Math.floor((i - 1) / 2);
        [h[i], h[p]] = [h[p]!, h[i]!];
      }
    } else if (o.trainAccuracy > h[0]!.a) {
      seq++;
      h[0] = item;
      for (let i = 0; ; ) {
        const kids = [2 * i + 1, 2 * i + 2].filter((k) => k < h.length);
        const m = kids.reduce((b, k) => (less(h[k]!, h[b]!) ? k : b), i);
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
  }
  return h.map((e) => e.text);
}

describe('ReplayBuffer heap order', () => {
  it('the heap array (which draws index into) equals a textbook min-heap after inserts and replacements', () => {
    const rng = mulberry32(17);
    for (const capacity of [7, 16]) {
      const offers = Array.from({ length: 120 }, (_, i) => ({ text: `p${i % 90}`, trainAccuracy: Math.round(rng() * 16) / 16 }));
      const b = new ReplayBuffer(capacity);
      offers.forEach((o, i) => b.add({ ...o, step: i }));
      expect(b.texts()).toEqual(referenceHeap(capacity, offers));
      // Decreasing accuracies make every insertion sift up to the root.
      const down = Array.from({ length: 12 }, (_, i) => ({ text: `d${i}`, trainAccuracy: 1 - i / 12 }));
      const c = new ReplayBuffer(capacity);
      down.forEach((o, i) => c.add({ ...o, step: i }));
      expect(c.texts()).toEqual(referenceHeap(capacity, down));
    }
  });
});
