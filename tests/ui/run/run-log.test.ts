// RunLog folds a run's events into chart points and prompt rows: exact per-step means and bests (fresh samples only
// for accuracy), the update's loss and logZ, cumulative calls, best-so-far, buffer membership as the engine's
// buffer keeps it, initial prompts and the scores the queue, the initial event and the result carry.
import { describe, expect, it } from 'vitest';
import type { SampleRecord, StepEvent } from '../../../src/gflow/events';
import { buildMetaPrompt } from '../../../src/gflow/meta-prompt';
import { RunLog } from '../../../src/ui/run/run-log';
import { ScriptedSampler, promptPool } from '../../gflow/doubles';
import { runToEnd } from '../../gflow/run-helpers';

const task = { name: 'test', splits: { train: [], validation: [{ input: '1 2', output: '3' }], test: [] } };
const meta = (refs: string[] = []) => buildMetaPrompt(task, [0], refs);

function sample(text: string, acc: number, logR: number, replayed = false, microBatch = 0): SampleRecord {
  return { text, microBatch, replayed, tokens: replayed ? null : 3, temperature: replayed ? null : 1, logPrior: -5, trainAccuracy: acc, logReward: logR, logPF: null };
}

function step(n: number, samples: SampleRecord[], calls: number, hits: number, extra: StepEvent[] = [], refs: string[] = []): StepEvent[] {
  return [
    { type: 'step', step: n, phase: n <= 1 ? 'filling' : 'training', metaPrompts: [meta(refs), meta(refs)], samples, logZ: -10 - n },
    ...extra,
    { type: 'buffer', step: n, size: 0, best: null },
    { type: 'queue', step: n, entries: [] },
    { type: 'budget', step: n, targetCalls: calls, cacheHits: hits, budget: null },
  ];
}

describe('RunLog', () => {
  it('turns steps into chart points', () => {
    const log = new RunLog(1000);
    const events = [
      ...step(1, [sample('a', 0.5, -7), sample('b', 0.25, -9), sample('a', 0.5, -6)], 2, 1),
      ...step(2, [sample('a', 0.5, -8, true), sample('c', 1, -2)], 3, 2, [{ type: 'update', step: 2, loss: 4.5, microBatchLosses: [4, 5], logZ: -11.5, gradNorm: 0.3, lr: 1e-4, finite: true }], ['a', 'b']),
    ];
    events.forEach((e, i) => log.ingest(e, 1000 + 100 * i));
    expect(log.completedSteps).toBe(2);
    expect(log.steps[0]).toEqual({
      step: 1, phase: 'filling', fresh: 3, replayed: 0, meanAccuracy: 1.25 / 3, bestAccuracy: 0.5, meanLogReward: -22 / 3, bestLogReward: -6,
      loss: null, logZ: -11, gradNorm: null, targetCalls: 2, cacheHits: 1, bestSoFar: 0.5, uniqueFraction: 2 / 3, distinctBigrams: null, references: 0, ms: null,
    });
    // Step 2: the replayed 'a' is left out of accuracy, kept in the reward; 2 micro-batches x 2 references.
    expect(log.steps[1]).toMatchObject({ fresh: 1, replayed: 1, meanAccuracy: 1, bestAccuracy: 1, meanLogReward: -5, bestLogReward: -2, loss: 4.5, logZ: -11.5, gradNorm: 0.3, targetCalls: 3, cacheHits: 2, bestSoFar: 1, references: 4, ms: 400 });
    expect(log.metaPrompts.map((m) => [m.step, m.metaPrompts.length])).toEqual([[1, 2], [2, 2]]);
  });

  it('lists each distinct prompt once with its counts, first step and flags', () => {
    const log = new RunLog(2);
    for (const e of [
      ...step(1, [sample('a', 0.5, -7), sample('b', 0.25, -9), sample('a', 0.5, -6)], 2, 1),
      ...step(2, [sample('a', 0.5, -8, true), sample('c', 1, -2)], 3, 2),
    ]) log.ingest(e);
    // Capacity 2: 'c' (1.0) evicted 'b' (0.25), the worst.
    expect(log.promptRows().map((r) => [r.text, r.firstStep, r.sampled, r.replayed, r.trainAccuracy, r.bestLogReward, r.inBuffer, r.initial])).toEqual([
      ['c', 2, 1, 0, 1, -2, true, false],
      ['a', 1, 2, 1, 0.5, -6, true, true],
      ['b', 1, 1, 0, 0.25, -9, false, true],
    ]);
  });

  it('takes validation and test scores from the queue, the initial prompts and the result', () => {
    const log = new RunLog(10);
    for (const e of step(1, [sample('a', 0.5, -7), sample('b', 0.25, -9)], 2, 0)) log.ingest(e);
    log.ingest({ type: 'queue', step: 1, entries: [{ text: 'a', step: 1, trainAccuracy: 0.5, validationAccuracy: 0.75, testAccuracy: 0.6 }] });
    log.ingest({ type: 'initial', step: 1, prompts: [{ text: 'b', trainAccuracy: 0.25, validationAccuracy: 0.1, testAccuracy: 0.2 }] });
    const done = { type: 'done', step: 1, mode: 'gflowpo', reason: 'steps', selected: { text: 'a', trainAccuracy: 0.5, validationAccuracy: 0.75, testAccuracy: 0.6 } } as const;
    log.ingest(done);
    const rows = Object.fromEntries(log.promptRows().map((r) => [r.text, [r.validationAccuracy, r.testAccuracy]]));
    expect(rows).toEqual({ a: [0.75, 0.6], b: [0.1, 0.2] });
    expect(log.done).toEqual(done);
    expect(log.initial).toHaveLength(1);
    expect(log.steps).toHaveLength(1); // final events add no step
  });
});

describe('RunLog on a real GflowpoRun (test doubles for the models)', () => {
  it('agrees with the run: buffer members, calls, hits, steps, queue scores and the result', async () => {
    // A small buffer that fills and evicts, training and replay from step 4, DMU on.
    const settings = { steps: 12, warmupSteps: 3, conditionFreezeStep: 4, referencesFromStep: 5, bufferSize: 6, microBatches: 2, microBatchSize: 3, seed: 7 };
    const { run, events } = await runToEnd(settings, new ScriptedSampler(promptPool(40)));
    const log = new RunLog(run.settings.bufferSize);
    for (const e of events) log.ingest(e);
    const state = run.state();
    expect(log.completedSteps).toBe(12);
    expect(log.steps.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect([log.targetCalls, log.cacheHits]).toEqual([state.cache.targetCalls, state.cache.cacheHits]);
    const members = log.promptRows().filter((r) => r.inBuffer).map((r) => r.text).sort();
    expect(members).toEqual(run.bufferEntries().map((e) => e.text).sort());
    expect(log.steps.some((p) => p.replayed > 0)).toBe(true);
    expect(log.steps.filter((p) => p.loss !== null).map((p) => p.step)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(log.done).toEqual(run.done);
    const rows = new Map(log.promptRows().map((r) => [r.text, r]));
    for (const e of run.queueEntries()) expect([rows.get(e.text)?.validationAccuracy, rows.get(e.text)?.testAccuracy]).toEqual([e.validationAccuracy, e.testAccuracy]);
    // Every sample of every step is counted once: sampled + replayed over all rows equals the samples.
    const samples = events.filter((e) => e.type === 'step').reduce((n, e) => n + (e.type === 'step' ? e.samples.length : 0), 0);
    expect(log.promptRows().reduce((n, r) => n + r.sampled + r.replayed, 0)).toBe(samples);
  });
});
