// The train buffer: the best `capacity` prompts by training accuracy, as a min-heap (the worst on top, replaced
// when a better fresh sample arrives), with no duplicate texts, uniform draws for replay and a JSON form.
// The run feeds it fresh samples only (replayed prompts never re-enter); it does not score prompts.
import type { Rng } from '../random/mulberry32';
import { sampleWithoutReplacement } from './rng';

export interface BufferEntry {
  text: string;
  trainAccuracy: number;
  /** The step whose fresh sample put it here. */
  step: number;
}

interface HeapEntry extends BufferEntry {
  /** Insertion order: among equal accuracies the oldest entry is the worst (evicted first). */
  seq: number;
}

export interface ReplayBufferState {
  capacity: number;
  nextSeq: number;
  /** The heap array as it is (its order decides draws, so a round trip draws the same prompts). */
  heap: HeapEntry[];
}

export class ReplayBufferError extends Error {
  override name = 'ReplayBufferError';
}

/** a is worse than b: lower accuracy, or equal accuracy and inserted earlier. */
function worse(a: HeapEntry, b: HeapEntry): boolean {
  return a.trainAccuracy < b.trainAccuracy || (a.trainAccuracy === b.trainAccuracy && a.seq < b.seq);
}

export class ReplayBuffer {
  private heap: HeapEntry[] = [];
  private readonly members = new Set<string>();
  private nextSeq = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new ReplayBufferError(`buffer capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.heap.length;
  }

  has(text: string): boolean {
    return this.members.has(text);
  }

  /** The worst kept accuracy (the heap's top), or null when empty. */
  get minAccuracy(): number | null {
    return this.heap[0]?.trainAccuracy ?? null;
  }

  /**
   * Offer a fresh sample: kept when its text is new and the buffer has room or it beats the worst entry
   * (strictly, as the official heapreplace). Returns whether it entered.
   */
  add(entry: BufferEntry): boolean {
    if (this.members.has(entry.text)) return false;
    const item: HeapEntry = { text: entry.text, trainAccuracy: entry.trainAccuracy, step: entry.step, seq: this.nextSeq };
    if (this.heap.length < this.capacity) {
      this.nextSeq++;
      this.heap.push(item);
      this.siftUp(this.heap.length - 1);
    } else {
      if (!(entry.trainAccuracy > this.heap[0]!.trainAccuracy)) return false;
      this.nextSeq++;
      this.members.delete(this.heap[0]!.text);
      this.heap[0] = item;
      this.siftDown(0);
    }
    this.members.add(entry.text);
    return true;
  }

  /** Up to `count` distinct entries, uniformly without replacement (the official random.sample). */
  draw(count: number, rng: Rng): BufferEntry[] {
    return sampleWithoutReplacement(this.heap, count, rng).map(strip);
  }

  /** The prompts in heap order (the order draws index into). */
  texts(): string[] {
    return this.heap.map((e) => e.text);
  }

  /** Entries best first (accuracy descending, newer first among equals). */
  entries(): BufferEntry[] {
    return [...this.heap].sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0)).map(strip);
  }

  best(): BufferEntry | null {
    let best: HeapEntry | undefined;
    for (const e of this.heap) if (!best || worse(best, e)) best = e;
    return best ? strip(best) : null;
  }

  toJSON(): ReplayBufferState {
    return { capacity: this.capacity, nextSeq: this.nextSeq, heap: this.heap.map((e) => ({ ...e })) };
  }

  /** An independent copy (a step works on one and keeps it only when it completes). */
  clone(): ReplayBuffer {
    const copy = new ReplayBuffer(this.capacity);
    copy.heap = this.heap.map((e) => ({ ...e }));
    for (const e of copy.heap) copy.members.add(e.text);
    copy.nextSeq = this.nextSeq;
    return copy;
  }

  static fromJSON(state: ReplayBufferState): ReplayBuffer {
    if (!state || typeof state !== 'object' || !Array.isArray(state.heap) || !Number.isInteger(state.nextSeq) || state.nextSeq < 0) throw new ReplayBufferError('not a replay-buffer state: expected { capacity, nextSeq (a non-negative integer), heap[] }');
    const buffer = new ReplayBuffer(state.capacity);
    if (state.heap.length > state.capacity) throw new ReplayBufferError(`replay-buffer state holds ${state.heap.length} entries, more than its capacity ${state.capacity}`);
    for (const [i, e] of state.heap.entries()) {
      const ok = e !== null && typeof e === 'object' && typeof e.text === 'string' && isAccuracy(e.trainAccuracy) && Number.isInteger(e.step) && e.step >= 0 && Number.isInteger(e.seq) && e.seq >= 0 && e.seq < state.nextSeq;
      if (!ok) throw new ReplayBufferError(`bad replay-buffer entry ${i} (expected text, trainAccuracy in [0, 1], step >= 0, seq in [0, nextSeq)): ${JSON.stringify(e)?.slice(0, 200)}`);
      if (buffer.members.has(e.text)) throw new ReplayBufferError(`replay-buffer state repeats the prompt ${JSON.stringify(e.text.slice(0, 80))}`);
      buffer.members.add(e.text);
      buffer.heap.push({ text: e.text, trainAccuracy: e.trainAccuracy, step: e.step, seq: e.seq });
    }
    buffer.heap.forEach((e, i) => {
      if (i > 0 && worse(e, buffer.heap[(i - 1) >> 1]!)) throw new ReplayBufferError('replay-buffer state is not a min-heap');
    });
    buffer.nextSeq = state.nextSeq;
    return buffer;
  }

  private siftUp(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!worse(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && worse(h[l]!, h[m]!)) m = l;
      if (r < h.length && worse(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

function isAccuracy(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && v <= 1;
}

function strip(e: HeapEntry): BufferEntry {
  return { text: e.text, trainAccuracy: e.trainAccuracy, step: e.step };
}
