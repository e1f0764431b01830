// Dynamic Memory Update: the condition buffer (a copy of the train buffer's prompts frozen at one step) and the
// choice of meta-prompt references (uniform from the queue and the condition buffer, shuffled: the official
// "diverse" choice). It picks texts; meta-prompt.ts cleans and formats them.
import type { Rng } from '../random/mulberry32';
import type { ReplayBuffer } from './replay-buffer';
import { sampleWithoutReplacement, shuffled } from './rng';

/** A copy of the buffer's prompts (heap order); later buffer changes do not reach it. */
export function freezeConditionBuffer(buffer: ReplayBuffer): string[] {
  return buffer.texts();
}

export interface ReferenceCounts {
  fromQueue: number;
  fromCondition: number;
}

/**
 * `fromQueue` distinct prompts of the queue and `fromCondition` distinct prompts of the condition buffer, uniformly
 * (fewer when a source holds fewer), then shuffled together. The two sources may share a text.
 */
export function chooseReferences(queueTexts: readonly string[], conditionBuffer: readonly string[], counts: ReferenceCounts, rng: Rng): string[] {
  const fromQueue = sampleWithoutReplacement(queueTexts, counts.fromQueue, rng);
  const fromCondition = sampleWithoutReplacement(conditionBuffer, counts.fromCondition, rng);
  return shuffled([...fromQueue, ...fromCondition], rng);
}
