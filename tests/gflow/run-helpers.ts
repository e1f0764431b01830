// Runs a GflowpoRun with the test doubles and collects its events, for the run-*.test.ts files.
import type { StepEvent, StepSamplesEvent } from '../../src/gflow/events';
import { GflowpoRun } from '../../src/gflow/run';
import type { GflowpoSettingsInput } from '../../src/gflow/settings';
import type { Task } from '../../src/tasks/task';
import { FixedTarget, ScriptedSampler, promptPool, toyTask } from './doubles';

/** Large enough that the 1000-prompt buffer fills during the 99 filling steps and keeps changing afterwards. */
export const POOL = promptPool(3000);

export interface Finished {
  run: GflowpoRun;
  sampler: ScriptedSampler;
  target: FixedTarget;
  task: Task;
  events: StepEvent[];
}

export async function runToEnd(settings: GflowpoSettingsInput = {}, sampler = new ScriptedSampler(POOL), target = new FixedTarget(), task = toyTask()): Promise<Finished> {
  const run = new GflowpoRun(settings, task, sampler, target);
  const events: StepEvent[] = [];
  await run.run((e) => {
    events.push(e);
  });
  return { run, sampler, target, task, events };
}

export function stepEvents(events: readonly StepEvent[]): StepSamplesEvent[] {
  return events.filter((e): e is StepSamplesEvent => e.type === 'step');
}

export function ofType<T extends StepEvent['type']>(events: readonly StepEvent[], type: T): Extract<StepEvent, { type: T }>[] {
  return events.filter((e): e is Extract<StepEvent, { type: T }> => e.type === type);
}

/** The micro-batches of a step event, as lists of samples. */
export function microBatches(event: StepSamplesEvent): StepSamplesEvent['samples'][] {
  const batches: StepSamplesEvent['samples'][] = [];
  for (const s of event.samples) (batches[s.microBatch] ??= []).push(s);
  return batches;
}
