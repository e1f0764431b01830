// The reward cache in a run (no prompt is scored twice on a split), the target-call budget, honest selection
// (chosen on validation, reported on test), the initial prompts' report and the JSON-lines form of events.
import { beforeAll, describe, expect, it } from 'vitest';
import type { StepEvent } from '../../src/gflow/events';
import { toJsonl } from '../../src/gflow/events';
import { GflowpoRun, GflowpoRunError } from '../../src/gflow/run';
import type { SplitName } from '../../src/gflow/interfaces';
import { FixedTarget, ScriptedSampler, SequenceSampler, hashedScore, toyTask } from './doubles';
import { type Finished, POOL, ofType, runToEnd, stepEvents } from './run-helpers';

let official: Finished;
beforeAll(async () => {
  official = await runToEnd();
});

describe('reward cache in a run', () => {
  it('scores each prompt at most once per split: replayed and repeated prompts cost no calls', () => {
    const scored = official.target.scored.map((s) => `${s.split}|${s.prompt}`);
    expect(new Set(scored).size).toBe(scored.length);
    const steps = stepEvents(official.events);
    const sampled = steps.flatMap((e) => e.samples);
    const distinct = new Set(sampled.map((s) => s.text));
    const trainCalls = official.target.scored.filter((s) => s.split === 'train').length;
    expect(trainCalls).toBe(distinct.size);
    expect(sampled.length).toBe(3200);
    expect(distinct.size).toBeLessThan(3000);
    // Every lookup that was not a call was a hit: 3200 train lookups during the steps.
    const lastStepBudget = ofType(official.events, 'budget').find((e) => e.step === 200)!;
    expect(lastStepBudget.targetCalls).toBe(distinct.size);
    expect(lastStepBudget.cacheHits).toBe(3200 - distinct.size);
    const replayed = sampled.filter((s) => s.replayed).length;
    expect(replayed).toBeGreaterThan(700);
    expect(lastStepBudget.cacheHits).toBeGreaterThanOrEqual(replayed);
  });

  it('counts the same calls as the target', () => {
    const final = ofType(official.events, 'budget').at(-1)!;
    expect(final.targetCalls).toBe(official.target.calls);
    expect(official.run.targetCalls).toBe(official.target.calls);
  });
});

describe('target-call budget', () => {
  it('stops the search between steps once the budget is reached (reason budget)', async () => {
    const { events, run } = await runToEnd({ targetCallBudget: 40 });
    const done = ofType(events, 'done')[0]!;
    expect(done.reason).toBe('budget');
    // One budget event per step, then the final report's.
    const perStep = ofType(events, 'budget').slice(0, -1);
    expect(perStep.map((e) => e.step)).toEqual(stepEvents(events).map((e) => e.step));
    const last = perStep.at(-1)!;
    expect(last.targetCalls).toBeGreaterThanOrEqual(40);
    expect(perStep.at(-2)!.targetCalls).toBeLessThan(40);
    expect(done.step).toBe(last.step);
    expect(done.step).toBeLessThan(10);
    expect(done.selected).not.toBeNull();
    expect(run.completedSteps).toBe(done.step);
  });

  it('with budget 0 makes no step and selects nothing', async () => {
    const sampler = new ScriptedSampler(POOL);
    const { events } = await runToEnd({ targetCallBudget: 0 }, sampler);
    expect(events.map((e) => e.type)).toEqual(['queue', 'initial', 'budget', 'done']);
    expect(ofType(events, 'done')[0]).toMatchObject({ reason: 'budget', selected: null, step: 0 });
    expect(sampler.sampleRequests).toHaveLength(0);
  });

  it('refuses to step a finished run', async () => {
    const { run } = await runToEnd({ targetCallBudget: 0 });
    await expect(run.step()).rejects.toThrow(GflowpoRunError);
  });
});

describe('honest selection', () => {
  // Train ranks A > B > C > D > E, validation picks B, test would have picked A.
  const table: Record<string, Record<SplitName, number>> = {
    A: { train: 0.875, validation: 0.5, test: 1.0 },
    B: { train: 0.75, validation: 0.875, test: 0.625 },
    C: { train: 0.625, validation: 0.625, test: 0.75 },
    D: { train: 0.5, validation: 0.375, test: 0.25 },
    E: { train: 0.375, validation: 0.25, test: 0.125 },
    F: { train: 0, validation: 0, test: 0 },
  };
  const sequence = ['A', 'F', 'F', 'F', 'B', 'F', 'F', 'F', 'C', 'F', 'F', 'F', 'D', 'F', 'F', 'F', 'E', 'F', 'F', 'F'];
  const settings = { steps: 2, warmupSteps: 0, replayProbability: 0 };

  it('chooses the best queue entry on validation and reports its test score, keeping both for every entry', async () => {
    const target = new FixedTarget((p, split) => table[p]![split]);
    const { events } = await runToEnd(settings, new SequenceSampler(sequence), target);
    const done = ofType(events, 'done')[0]!;
    expect(done.reason).toBe('steps');
    expect(done.selected).toEqual({ text: 'B', trainAccuracy: 0.75, validationAccuracy: 0.875, testAccuracy: 0.625 });
    const queue = ofType(events, 'queue').at(-1)!;
    expect(queue.entries.map((e) => [e.text, e.trainAccuracy, e.validationAccuracy, e.testAccuracy])).toEqual(
      ['A', 'B', 'C', 'D', 'E'].map((p) => [p, table[p]!.train, table[p]!.validation, table[p]!.test]),
    );
    // The official report (max test over the queue) would have said A at 1.0.
    expect(Math.max(...queue.entries.map((e) => e.testAccuracy!))).toBe(1.0);
  });

  it('breaks validation ties by training accuracy', async () => {
    const tied: typeof table = { ...table, C: { ...table.C!, validation: 0.875 } };
    const target = new FixedTarget((p, split) => tied[p]![split]);
    const { events } = await runToEnd(settings, new SequenceSampler(sequence), target);
    expect(ofType(events, 'done')[0]!.selected!.text).toBe('B');
  });

  it('reports the initial prompts (the first step fresh samples) on every split', async () => {
    const target = new FixedTarget((p, split) => table[p]![split]);
    const { events } = await runToEnd(settings, new SequenceSampler(sequence), target);
    const initial = ofType(events, 'initial')[0]!;
    expect(initial.prompts.map((p) => p.text)).toEqual(['A', 'F', 'B', 'C', 'D']);
    for (const p of initial.prompts) expect(p).toEqual({ text: p.text, trainAccuracy: table[p.text]!.train, validationAccuracy: table[p.text]!.validation, testAccuracy: table[p.text]!.test });
  });

  it('in the official run, selects the validation maximum of the queue', () => {
    const done = ofType(official.events, 'done')[0]!;
    const queue = ofType(official.events, 'queue').at(-1)!.entries;
    expect(done.selected!.validationAccuracy).toBe(Math.max(...queue.map((e) => e.validationAccuracy!)));
    expect(done.selected!.testAccuracy).toBe(hashedScore(done.selected!.text, 'test'));
    const firstStep = stepEvents(official.events)[0]!;
    expect(ofType(official.events, 'initial')[0]!.prompts.map((p) => p.text)).toEqual([...new Set(firstStep.samples.map((s) => s.text))]);
  });

  it('ends with queue, initial, budget, done in the call of the last step', async () => {
    const run = new GflowpoRun(settings, toyTask(), new SequenceSampler(sequence), new FixedTarget((p, split) => table[p]![split]));
    expect((await run.step()).map((e) => e.type)).toEqual(['step', 'update', 'buffer', 'queue', 'budget']);
    expect((await run.step()).map((e) => e.type)).toEqual(['step', 'update', 'buffer', 'queue', 'budget', 'queue', 'initial', 'budget', 'done']);
    expect(run.finished).toBe(true);
  });
});

describe('toJsonl', () => {
  it('writes each event as one JSON line that parses back to it', () => {
    for (const e of official.events.slice(0, 50).concat(official.events.slice(-4))) {
      const line = toJsonl(e);
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
      expect(JSON.parse(line) as StepEvent).toEqual(e);
    }
  });
});
