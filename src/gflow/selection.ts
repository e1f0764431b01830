// Honest selection (required improvement 2): at the end of a run every queue entry is scored on validation, the
// best on validation is chosen and reported with its test score, and the first step's prompts are scored on every
// split. It decides nothing about the schedule; scores come through the caller's (cached) scorer.
import type { ScoredPrompt } from './events';
import type { SplitName } from './interfaces';
import type { PromptQueue, QueueEntry } from './priority-queue';
import type { ReplayBuffer } from './replay-buffer';

export type Scorer = (text: string, split: SplitName) => Promise<number>;

export interface Selection {
  /** Best on validation among the queue's entries (ties: the queue's order, training accuracy first). */
  selected: ScoredPrompt | null;
  /** The initial prompts on every split. */
  initial: ScoredPrompt[];
}

export async function scoreEverywhere(text: string, score: Scorer): Promise<ScoredPrompt> {
  return { text, trainAccuracy: await score(text, 'train'), validationAccuracy: await score(text, 'validation'), testAccuracy: await score(text, 'test') };
}

/**
 * Scores the queue's entries on validation then test (writing both into `queue`) and picks the validation maximum.
 * An empty queue (a run stopped before training) first takes the buffer's best `queue.capacity` prompts.
 */
export async function selectOnValidation(queue: PromptQueue, buffer: ReplayBuffer, initialPrompts: readonly string[], score: Scorer): Promise<Selection> {
  if (queue.size === 0) for (const e of buffer.entries().slice(0, queue.capacity)) queue.add(e.text, e.trainAccuracy, e.step);
  const candidates = queue.entries();
  for (const entry of candidates) queue.setValidation(entry.text, await score(entry.text, 'validation'));
  for (const entry of candidates) queue.setTest(entry.text, await score(entry.text, 'test'));
  // entries() is in training-accuracy order, so the first validation maximum wins ties by training accuracy.
  const best = queue.entries().reduce<QueueEntry | null>((a, e) => (a === null || e.validationAccuracy! > a.validationAccuracy! ? e : a), null);
  const selected: ScoredPrompt | null = best ? { text: best.text, trainAccuracy: best.trainAccuracy, validationAccuracy: best.validationAccuracy!, testAccuracy: best.testAccuracy! } : null;
  const initial: ScoredPrompt[] = [];
  for (const text of initialPrompts) initial.push(await scoreEverywhere(text, score));
  return { selected, initial };
}
