// A full official-defaults run with the test doubles: every switch of the schedule happens at its step, the
// micro-batches accumulate and one update follows, demonstrations, temperatures and seeds come from their own
// streams, logZ follows the EMA from the first micro-batch, and the rewards, buffer and queue hold the values the
// algorithm defines.
import { beforeAll, describe, expect, it } from 'vitest';
import { GflowpoRun } from '../../src/gflow/run';
import { RngStream, initialRngStates } from '../../src/gflow/rng';
import { learningRateAt } from '../../src/gflow/schedule';
import { resolveSettings } from '../../src/gflow/settings';
import { FixedTarget, ScriptedSampler, SequenceSampler, hashedScore, idsOf, toyTask } from './doubles';
import { type Finished, POOL, microBatches, ofType, runToEnd, stepEvents } from './run-helpers';

let official: Finished;
beforeAll(async () => {
  official = await runToEnd();
});

describe('GflowpoRun schedule (official defaults)', () => {
  it('runs 200 steps of 16 prompts in 4 micro-batches of 4, one meta-prompt per micro-batch', () => {
    const steps = stepEvents(official.events);
    expect(steps.map((e) => e.step)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    for (const e of steps) {
      expect(e.samples).toHaveLength(16);
      expect(microBatches(e).map((b) => b.length)).toEqual([4, 4, 4, 4]);
      expect(e.metaPrompts).toHaveLength(4);
    }
    expect(steps.map((e) => e.phase).lastIndexOf('filling')).toBe(98);
  });

  it('accumulates every micro-batch of steps 100..200 and applies one update per step, none before', () => {
    const { sampler, events } = official;
    expect(ofType(events, 'update').map((e) => e.step)).toEqual(Array.from({ length: 101 }, (_, i) => i + 100));
    expect(sampler.applyCalls).toHaveLength(101);
    expect(sampler.applyCalls.every((c) => c.microBatches === 4)).toBe(true);
    expect(sampler.accumulateCalls).toHaveLength(404);
    sampler.accumulateCalls.forEach((c, i) => {
      expect([c.microBatch, c.microBatches]).toEqual([i % 4, 4]);
      expect(c.prompts).toHaveLength(4);
      expect(c.logZDecay).toBe(0.99);
    });
    expect(sampler.step).toBe(101);
    expect(official.run.completedUpdates).toBe(101);
  });

  it('ramps the learning rate over 100 updates, then decays it towards update 800', () => {
    const lr = new Map(ofType(official.events, 'update').map((e) => [e.step, e.lr]));
    expect(lr.get(100)).toBeCloseTo(1e-6, 18);
    expect(lr.get(101)).toBeCloseTo(2e-6, 18);
    expect(lr.get(149)).toBeCloseTo(5e-5, 18);
    expect(lr.get(199)).toBe(1e-4);
    expect(lr.get(200)).toBeCloseTo((1e-4 * 699) / 700, 18);
    expect(official.sampler.applyCalls.map((c) => c.lr)).toEqual([...lr.values()]);
    const s = resolveSettings();
    expect([...lr.values()]).toEqual(Array.from({ length: 101 }, (_, u) => learningRateAt(s, u)));
  });

  it('draws 5 demonstrations per step from the validation split with replacement, from their own stream', () => {
    const steps = stepEvents(official.events);
    const stream = new RngStream(initialRngStates(0).demonstrations);
    let repeated = 0;
    for (const e of steps) {
      const expected = Array.from({ length: 5 }, () => stream.int(8));
      for (const m of e.metaPrompts) {
        expect(m.demonstrationIndices).toEqual(expected);
        expect(m.text.startsWith('I gave a friend an instruction and five inputs. ')).toBe(true);
        expect(m.text.match(/\nOutput : /g)).toHaveLength(5);
      }
      if (new Set(expected).size < 5) repeated++;
    }
    // P(5 draws from 8 all distinct) = 8*7*6*5*4 / 8^5 = 0.205: about 159 of 200 steps repeat one.
    expect(repeated).toBeGreaterThan(130);
  });

  it('replays only from step 100, about half of the micro-batches, prompts that were sampled fresh before', () => {
    const steps = stepEvents(official.events);
    const firstFresh = new Map<string, { step: number; microBatch: number }>();
    let replayedBatches = 0;
    let trainingBatches = 0;
    for (const e of steps) {
      microBatches(e).forEach((batch, m) => {
        const replayed = batch[0]!.replayed;
        expect(batch.every((s) => s.replayed === replayed)).toBe(true);
        if (e.step < 100) expect(replayed).toBe(false);
        else {
          trainingBatches++;
          if (replayed) replayedBatches++;
        }
        for (const s of batch) {
          if (replayed) {
            const origin = firstFresh.get(s.text)!;
            expect(origin.step < e.step || (origin.step === e.step && origin.microBatch < m)).toBe(true);
            expect([s.temperature, s.tokens]).toEqual([null, null]);
          } else {
            expect(s.tokens).toBe(idsOf(s.text).length);
            if (!firstFresh.has(s.text)) firstFresh.set(s.text, { step: e.step, microBatch: m });
          }
        }
      });
    }
    expect(trainingBatches).toBe(404);
    // Binomial(404, 0.5): sd ~ 10 batches.
    expect(replayedBatches / trainingBatches).toBeGreaterThan(0.42);
    expect(replayedBatches / trainingBatches).toBeLessThan(0.58);
  });

  it('samples with top-k 50 then top-p 0.9, 150 new tokens and 4 seeds from the sampling stream', () => {
    const stream = new RngStream(initialRngStates(0).sampling);
    for (const r of official.sampler.sampleRequests) {
      expect([r.count, r.topK, r.topP, r.maxNewTokens]).toEqual([4, 50, 0.9, 150]);
      expect(r.seeds).toEqual([stream.uint32(), stream.uint32(), stream.uint32(), stream.uint32()]);
    }
  });

  it('draws each fresh micro-batch its temperature from the temperature stream, in order: U(0.5, 2)', () => {
    const requests = official.sampler.sampleRequests;
    const temperatures = new RngStream(initialRngStates(0).temperature);
    const sampling = new RngStream(initialRngStates(0).sampling);
    const fromSampling = requests.map(() => 0.5 + 1.5 * sampling.next());
    const expected = requests.map(() => 0.5 + 1.5 * temperatures.next());
    expect(requests.map((r) => r.temperature)).toEqual(expected);
    expect(expected.slice(0, 5)).not.toEqual(fromSampling.slice(0, 5));
    // The same value is recorded on every fresh sample of the micro-batch.
    const recorded = stepEvents(official.events).flatMap((e) => microBatches(e).filter((b) => !b[0]!.replayed).map((b) => b[0]!.temperature));
    expect(recorded).toEqual(expected);
  });

  it("computes logPrior per micro-batch under that micro-batch's meta-prompt, fresh prompts on their sampled ids", () => {
    const steps = stepEvents(official.events);
    const calls = official.sampler.logPriorCalls;
    expect(calls).toHaveLength(800);
    let i = 0;
    for (const e of steps) {
      microBatches(e).forEach((batch, m) => {
        const call = calls[i++]!;
        expect(call.metaPrompt).toBe(e.metaPrompts[m]!.text);
        expect(call.prompts).toEqual(batch.map((s) => (s.replayed ? { text: s.text } : { text: s.text, tokenIds: idsOf(s.text) })));
        for (const s of batch) {
          expect(s.logPrior).toBe(ScriptedSampler.logPriorOf(e.metaPrompts[m]!.text, s.text));
          expect(s.trainAccuracy).toBe(hashedScore(s.text, 'train'));
          expect(s.logReward).toBeCloseTo(s.logPrior + 8 * Math.log(s.trainAccuracy + 1e-8), 10);
        }
      });
    }
  });

  it('accumulates (meta-prompt, prompts, logR) per micro-batch and reports logPF only for trained steps', () => {
    const steps = stepEvents(official.events);
    for (const e of steps.filter((x) => x.step < 100)) for (const s of e.samples) expect(s.logPF).toBeNull();
    const calls = official.sampler.accumulateCalls;
    let i = 0;
    for (const e of steps.filter((x) => x.step >= 100)) {
      microBatches(e).forEach((batch, m) => {
        const call = calls[i++]!;
        expect(call.metaPrompt).toBe(e.metaPrompts[m]!.text);
        expect(call.prompts).toEqual(batch.map((s) => (s.replayed ? { text: s.text } : { text: s.text, tokenIds: idsOf(s.text) })));
        expect(call.logRewards).toEqual(batch.map((s) => s.logReward));
        for (const s of batch) expect(s.logPF).toBe(ScriptedSampler.logPFOf(s.text));
      });
    }
  });

  it('tracks logZ from the first micro-batch: its batch mean, then the 0.99 EMA on every micro-batch, filling included', () => {
    let logZ: number | null = null;
    let calls = 0;
    for (const e of stepEvents(official.events)) {
      for (const batch of microBatches(e)) {
        if (e.step >= 100) {
          const call = official.sampler.accumulateCalls[calls++]!;
          expect(call.logZ).toBeCloseTo(logZ!, 9);
        }
        const batchMean = batch.reduce((a, s) => a + s.logReward - (s.logPF ?? s.logPrior), 0) / batch.length;
        logZ = logZ === null ? batchMean : 0.99 * logZ + 0.01 * batchMean;
      }
      expect(e.logZ).toBeCloseTo(logZ!, 9);
      if (e.step === 1) expect(Math.abs(e.logZ)).toBeGreaterThan(10);
    }
    const updates = ofType(official.events, 'update');
    for (const u of updates) expect(u.logZ).toBe(stepEvents(official.events)[u.step - 1]!.logZ);
    expect(official.run.currentLogZ).toBe(updates.at(-1)!.logZ);
  });

  it('reports the update loss as the mean of the micro-batch losses', () => {
    const updates = ofType(official.events, 'update');
    const calls = official.sampler.accumulateCalls;
    updates.forEach((u, k) => {
      const losses = calls.slice(4 * k, 4 * k + 4).map((c) => c.result.loss);
      expect(u.microBatchLosses).toEqual(losses);
      expect(u.loss).toBeCloseTo(losses.reduce((a, b) => a + b) / 4, 12);
      expect([u.gradNorm, u.finite]).toEqual([0.25, true]);
    });
  });

  it('keeps in the buffer the top 1000 fresh prompts by training accuracy, each from a fresh sample', () => {
    const steps = stepEvents(official.events);
    const fresh = new Map<string, number>();
    for (const e of steps) for (const s of e.samples) if (!s.replayed && !fresh.has(s.text)) fresh.set(s.text, s.trainAccuracy);
    const entries = official.run.bufferEntries();
    expect(entries).toHaveLength(1000);
    expect(new Set(entries.map((e) => e.text)).size).toBe(1000);
    const top = [...fresh.values()].sort((a, b) => b - a).slice(0, 1000);
    expect(entries.map((e) => e.trainAccuracy)).toEqual(top);
    for (const entry of entries) {
      const origin = steps[entry.step - 1]!;
      expect(origin.samples.some((s) => s.text === entry.text && !s.replayed)).toBe(true);
    }
  });

  it('feeds the queue with the best prompt of each micro-batch from step 100: the top 5 without duplicates', () => {
    const bests = new Map<string, number>();
    for (const e of stepEvents(official.events).filter((x) => x.step >= 100)) {
      for (const batch of microBatches(e)) {
        const best = batch.reduce((a, s) => (s.trainAccuracy > a.trainAccuracy ? s : a));
        bests.set(best.text, best.trainAccuracy);
      }
    }
    const queue = official.run.queueEntries();
    expect(queue).toHaveLength(5);
    expect(new Set(queue.map((e) => e.text)).size).toBe(5);
    for (const e of queue) {
      expect(e.step).toBeGreaterThanOrEqual(100);
      expect(bests.get(e.text)).toBe(e.trainAccuracy);
    }
    expect(queue.map((e) => e.trainAccuracy)).toEqual([...bests.values()].sort((a, b) => b - a).slice(0, 5));
  });

  it('reports the buffer, queue and budget after every step', () => {
    expect(ofType(official.events, 'buffer')).toHaveLength(200);
    expect(ofType(official.events, 'budget').map((e) => e.step).slice(0, 200)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(ofType(official.events, 'buffer').at(-1)!.size).toBe(1000);
  });
});

describe('GflowpoRun DMU (official defaults, stepped by hand)', () => {
  it('freezes the condition buffer at step 100 and injects 1 queue + 2 condition references per micro-batch from step 111', async () => {
    const run = new GflowpoRun({}, toyTask(), new ScriptedSampler(POOL), new FixedTarget());
    let bufferAt99: string[] = [];
    let distinctWithinStep = 0;
    for (let step = 1; step <= 200; step++) {
      if (step === 100) bufferAt99 = run.bufferEntries().map((e) => e.text).sort();
      const e = (await run.step()).find((x) => x.type === 'step');
      if (e?.type !== 'step') throw new Error('no step event');
      if (step < 100) expect(run.conditionBuffer()).toBeNull();
      for (const m of e.metaPrompts) {
        if (step < 111) {
          expect(m.references).toEqual([]);
          expect(m.text).not.toContain('reference instructions');
        } else {
          expect(m.references).toHaveLength(3);
          expect(m.text).toContain('\nHere are some reference instructions:\n1. ');
        }
      }
      if (step >= 111 && new Set(e.metaPrompts.map((m) => m.references.join('|'))).size > 1) distinctWithinStep++;
    }
    // References are re-drawn per micro-batch: almost every step shows different ones in its 4 meta-prompts.
    expect(distinctWithinStep).toBeGreaterThan(85);
    const frozen = run.conditionBuffer()!.sort();
    expect(frozen).toEqual(bufferAt99);
    expect(frozen).toHaveLength(1000);
    expect(run.bufferEntries().map((e) => e.text).sort()).not.toEqual(frozen);
    expect(run.finished).toBe(true);
  });

  it("draws each micro-batch's queue reference from the queue as the previous micro-batch left it", async () => {
    // One queue slot, accuracies rising with every sample: the queue always holds the previous micro-batch's best,
    // so micro-batch m's queue reference must be micro-batch m-1's best (the previous step's last for m = 0).
    const texts = Array.from({ length: 400 }, (_, i) => `prompt number ${i}`);
    const target = new FixedTarget((p) => Number(p.split(' ').at(-1)) / 400);
    const settings = { steps: 8, warmupSteps: 2, conditionFreezeStep: 3, referencesFromStep: 4, queueSize: 1, referencesFromQueue: 1, referencesFromCondition: 0, replayProbability: 0, microBatches: 3, microBatchSize: 2 };
    const { events } = await runToEnd(settings, new SequenceSampler(texts), target);
    const steps = stepEvents(events);
    let previousBest: string | null = null;
    let checked = 0;
    for (const e of steps) {
      microBatches(e).forEach((batch, m) => {
        if (e.step >= 4) {
          expect(e.metaPrompts[m]!.references).toEqual([previousBest]);
          checked++;
        }
        if (e.step >= 3) previousBest = batch.reduce((a, s) => (s.trainAccuracy > a.trainAccuracy ? s : a)).text;
      });
    }
    expect(checked).toBe(15);
  });

  it('adds fresh samples to the buffer per micro-batch: a later micro-batch of the same step can replay them', async () => {
    const sampler = new ScriptedSampler(POOL);
    const { events } = await runToEnd({ steps: 1, warmupSteps: 0, replayProbability: 1, microBatches: 2 }, sampler);
    const [first, second] = microBatches(stepEvents(events)[0]!);
    expect(first!.every((s) => !s.replayed)).toBe(true);
    expect(second!.every((s) => s.replayed)).toBe(true);
    expect(new Set(second!.map((s) => s.text))).toEqual(new Set(first!.map((s) => s.text)));
  });
});
