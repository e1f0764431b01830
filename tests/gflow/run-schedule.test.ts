// A full official-defaults run with the test doubles: every switch of the schedule happens at its step, and the
// rewards, updates, buffer and queue hold the values the algorithm defines.
import { beforeAll, describe, expect, it } from 'vitest';
import { GflowpoRun } from '../../src/gflow/run';
import { ScriptedSampler } from './doubles';
import { type Finished, POOL, microBatches, ofType, runToEnd, stepEvents } from './run-helpers';
import { FixedTarget, hashedScore, toyTask } from './doubles';

let official: Finished;
beforeAll(async () => {
  official = await runToEnd();
});

describe('GflowpoRun schedule (official defaults)', () => {
  it('runs 200 steps of 16 prompts in 4 micro-batches of 4', () => {
    const steps = stepEvents(official.events);
    expect(steps.map((e) => e.step)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    for (const e of steps) {
      expect(e.samples).toHaveLength(16);
      expect(microBatches(e).map((b) => b.length)).toEqual([4, 4, 4, 4]);
    }
    expect(steps.map((e) => e.phase).lastIndexOf('filling')).toBe(98);
  });

  it('makes no update before step 100 and one per step from 100, with 16 pairs', () => {
    expect(ofType(official.events, 'update').map((e) => e.step)).toEqual(Array.from({ length: 101 }, (_, i) => i + 100));
    expect(official.sampler.updateCalls).toHaveLength(101);
    for (const call of official.sampler.updateCalls) {
      expect(call.pairs).toHaveLength(16);
      expect(call.logZDecay).toBe(0.99);
    }
  });

  it('ramps the learning rate linearly from step 100 over 100 updates', () => {
    const lr = new Map(ofType(official.events, 'update').map((e) => [e.step, e.lr]));
    expect(lr.get(100)).toBeCloseTo(1e-6, 15);
    expect(lr.get(101)).toBeCloseTo(2e-6, 15);
    expect(lr.get(149)).toBeCloseTo(5e-5, 15);
    expect(lr.get(199)).toBe(1e-4);
    expect(lr.get(200)).toBe(1e-4);
    expect(official.sampler.updateCalls.map((c) => c.lr)).toEqual([...lr.values()]);
  });

  it('uses 3 demonstrations before step 100 and 5 from step 100, re-drawn from validation every step', () => {
    const steps = stepEvents(official.events);
    for (const e of steps) {
      const k = e.step < 100 ? 3 : 5;
      expect(e.metaPrompt.demonstrationIndices).toHaveLength(k);
      expect(new Set(e.metaPrompt.demonstrationIndices).size).toBe(k);
      expect(e.metaPrompt.text.match(/\nOutput : /g)).toHaveLength(k);
    }
    const draws = new Set(steps.filter((e) => e.step >= 100).map((e) => e.metaPrompt.demonstrationIndices.join(',')));
    expect(draws.size).toBeGreaterThan(80);
  });

  it('replays only from step 100, about half of the micro-batches, prompts that were sampled fresh before', () => {
    const steps = stepEvents(official.events);
    const firstFresh = new Map<string, number>();
    let replayedBatches = 0;
    let trainingBatches = 0;
    for (const e of steps) {
      for (const batch of microBatches(e)) {
        const replayed = batch[0]!.replayed;
        expect(batch.every((s) => s.replayed === replayed)).toBe(true);
        if (e.step < 100) expect(replayed).toBe(false);
        else {
          trainingBatches++;
          if (replayed) replayedBatches++;
        }
        if (replayed) {
          for (const s of batch) {
            expect(firstFresh.get(s.text)).toBeLessThan(e.step);
            expect(s.temperature).toBeNull();
          }
        } else {
          for (const s of batch) expect(s.temperature).toBeGreaterThanOrEqual(0.5);
        }
      }
      for (const s of e.samples) if (!s.replayed && !firstFresh.has(s.text)) firstFresh.set(s.text, e.step);
    }
    expect(trainingBatches).toBe(404);
    // Binomial(404, 0.5): sd ~ 10 batches.
    expect(replayedBatches / trainingBatches).toBeGreaterThan(0.42);
    expect(replayedBatches / trainingBatches).toBeLessThan(0.58);
  });

  it('samples with temperatures in [0.5, 2], top-p 0.9 and 150 new tokens, seeds per prompt', () => {
    const temps = official.sampler.sampleRequests.map((r) => r.temperature);
    expect(Math.min(...temps)).toBeGreaterThanOrEqual(0.5);
    expect(Math.max(...temps)).toBeLessThan(2);
    const mean = temps.reduce((a, b) => a + b, 0) / temps.length;
    expect(mean).toBeGreaterThan(1.15);
    expect(mean).toBeLessThan(1.35);
    for (const r of official.sampler.sampleRequests) {
      expect([r.count, r.seeds.length, r.topP, r.maxNewTokens]).toEqual([4, 4, 0.9, 150]);
    }
  });

  it('computes logPrior under the current meta-prompt for every prompt, sampled and replayed, and logR from it', () => {
    const steps = stepEvents(official.events);
    expect(official.sampler.logPriorCalls).toHaveLength(200);
    steps.forEach((e, i) => {
      const call = official.sampler.logPriorCalls[i]!;
      expect(call.metaPrompt).toBe(e.metaPrompt.text);
      expect(call.prompts).toEqual(e.samples.map((s) => s.text));
      for (const s of e.samples) {
        expect(s.logPrior).toBe(ScriptedSampler.logPriorOf(e.metaPrompt.text, s.text));
        expect(s.trainAccuracy).toBe(hashedScore(s.text, 'train'));
        expect(s.logReward).toBeCloseTo(s.logPrior + 8 * Math.log(s.trainAccuracy + 1e-8), 10);
      }
    });
  });

  it('trains on (meta-prompt, prompt, logR) pairs and reports logPF only for trained steps', () => {
    const steps = stepEvents(official.events);
    for (const e of steps.filter((x) => x.step < 100)) for (const s of e.samples) expect(s.logPF).toBeNull();
    steps
      .filter((x) => x.step >= 100)
      .forEach((e, i) => {
        const call = official.sampler.updateCalls[i]!;
        expect(call.pairs).toEqual(e.samples.map((s) => ({ metaPrompt: e.metaPrompt.text, prompt: s.text, logReward: s.logReward })));
        for (const s of e.samples) expect(s.logPF).toBeCloseTo(-0.7 * s.text.split(' ').length, 10);
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
  it('freezes the condition buffer at step 100 and injects 1 queue + 2 condition references from step 111', async () => {
    const run = new GflowpoRun({}, toyTask(), new ScriptedSampler(POOL), new FixedTarget());
    let queueBefore: string[] = [];
    let bufferAt99: string[] = [];
    for (let step = 1; step <= 200; step++) {
      if (step === 100) bufferAt99 = run.bufferEntries().map((e) => e.text).sort();
      const e = (await run.step()).find((x) => x.type === 'step');
      if (e?.type !== 'step') throw new Error('no step event');
      const refs = e.metaPrompt.references;
      if (step < 100) expect(run.conditionBuffer()).toBeNull();
      if (step < 111) {
        expect(refs).toEqual([]);
        expect(e.metaPrompt.text).not.toContain('reference instructions');
      } else {
        const condition = new Set(run.conditionBuffer());
        expect(refs).toHaveLength(3);
        expect(e.metaPrompt.text).toContain('\nHere are some reference instructions:\n1. ');
        // Some position holds a queue prompt (the queue as the step began) and the other two condition-buffer prompts.
        const fits = refs.some((r, i) => queueBefore.includes(r) && refs.every((o, j) => j === i || condition.has(o)));
        expect(fits).toBe(true);
      }
      queueBefore = run.queueEntries().map((q) => q.text);
    }
    const frozen = run.conditionBuffer()!.sort();
    expect(frozen).toEqual(bufferAt99);
    expect(frozen).toHaveLength(1000);
    const bufferAtEnd = run.bufferEntries().map((e) => e.text).sort();
    expect(bufferAtEnd).not.toEqual(frozen);
    expect(run.finished).toBe(true);
  });
});
