// The priority queue: the top `capacity` prompts by training accuracy without duplicate texts, fed with the
// best prompt of each micro-batch; it keeps each entry's validation and test accuracy once the run computes
// them (honest selection picks on validation, reports test). It does not score prompts.

export interface QueueEntry {
  text: string;
  trainAccuracy: number;
  /** The step that added it. */
  step: number;
  validationAccuracy: number | null;
  testAccuracy: number | null;
}

export interface PromptQueueState {
  capacity: number;
  entries: QueueEntry[];
}

export class PromptQueueError extends Error {
  override name = 'PromptQueueError';
}

/** The official heap order (accuracy, then text length, then text): the smallest is evicted first. */
function evictsBefore(a: QueueEntry, b: QueueEntry): boolean {
  if (a.trainAccuracy !== b.trainAccuracy) return a.trainAccuracy < b.trainAccuracy;
  if (a.text.length !== b.text.length) return a.text.length < b.text.length;
  return a.text < b.text;
}

function isAccuracy(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && v <= 1;
}

export class PromptQueue {
  private items: QueueEntry[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new PromptQueueError(`queue capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.items.length;
  }

  has(text: string): boolean {
    return this.items.some((e) => e.text === text);
  }

  /** Kept when new and the queue has room or it beats the worst entry strictly (the official rule). */
  add(text: string, trainAccuracy: number, step: number): boolean {
    if (this.has(text)) return false;
    const entry: QueueEntry = { text, trainAccuracy, step, validationAccuracy: null, testAccuracy: null };
    if (this.items.length < this.capacity) {
      this.items.push(entry);
      return true;
    }
    let worst = 0;
    for (let i = 1; i < this.items.length; i++) if (evictsBefore(this.items[i]!, this.items[worst]!)) worst = i;
    if (!(trainAccuracy > this.items[worst]!.trainAccuracy)) return false;
    this.items[worst] = entry;
    return true;
  }

  /** Entries best first: training accuracy descending, then earlier step, then text. Copies. */
  entries(): QueueEntry[] {
    return [...this.items]
      .sort((a, b) => b.trainAccuracy - a.trainAccuracy || a.step - b.step || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
      .map((e) => ({ ...e }));
  }

  texts(): string[] {
    return this.entries().map((e) => e.text);
  }

  setValidation(text: string, accuracy: number): void {
    this.entry(text).validationAccuracy = accuracy;
  }

  setTest(text: string, accuracy: number): void {
    this.entry(text).testAccuracy = accuracy;
  }

  toJSON(): PromptQueueState {
    return { capacity: this.capacity, entries: this.items.map((e) => ({ ...e })) };
  }

  /** An independent copy (a step works on one and keeps it only when it completes). */
  clone(): PromptQueue {
    const copy = new PromptQueue(this.capacity);
    copy.items = this.items.map((e) => ({ ...e }));
    return copy;
  }

  static fromJSON(state: PromptQueueState): PromptQueue {
    if (!state || typeof state !== 'object' || !Array.isArray(state.entries)) throw new PromptQueueError('not a queue state: expected { capacity, entries[] }');
    const queue = new PromptQueue(state.capacity);
    if (state.entries.length > state.capacity) throw new PromptQueueError(`queue state holds ${state.entries.length} entries, more than its capacity ${state.capacity}`);
    for (const [i, e] of state.entries.entries()) {
      const ok =
        e !== null && typeof e === 'object' && typeof e.text === 'string' && isAccuracy(e.trainAccuracy) && Number.isInteger(e.step) && e.step >= 0 &&
        (e.validationAccuracy == null || isAccuracy(e.validationAccuracy)) && (e.testAccuracy == null || isAccuracy(e.testAccuracy));
      if (!ok) throw new PromptQueueError(`bad queue entry ${i} (expected text, trainAccuracy in [0, 1], step >= 0, validation and test accuracies in [0, 1] or null): ${JSON.stringify(e)?.slice(0, 200)}`);
      if (queue.has(e.text)) throw new PromptQueueError(`queue state repeats the prompt ${JSON.stringify(e.text.slice(0, 80))}`);
      queue.items.push({ text: e.text, trainAccuracy: e.trainAccuracy, step: e.step, validationAccuracy: e.validationAccuracy ?? null, testAccuracy: e.testAccuracy ?? null });
    }
    return queue;
  }

  private entry(text: string): QueueEntry {
    const e = this.items.find((x) => x.text === text);
    if (!e) throw new PromptQueueError(`the prompt ${JSON.stringify(text.slice(0, 80))} is not in the queue`);
    return e;
  }
}
