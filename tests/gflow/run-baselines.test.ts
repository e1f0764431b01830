// The baselines: prior-only (no updates, no replay, no DMU), on-policy (no replay), no-dmu (no references),
// manual (one prompt scored on every split), and pure VarGrad's logZ decay.
import { describe, expect, it } from 'vitest';
import { GflowpoRunError } from '../../src/gflow/run';
import { FixedTarget, ScriptedSampler, hashedScore } from './doubles';
import { POOL, ofType, runToEnd, stepEvents } from './run-helpers';

describe('baselines', () => {
  it('prior-only samples every step and never updates, replays or uses references; its queue is fed from step 1', async () => {
    const { sampler, events, run } = await runToEnd({ mode: 'prior-only' });
    const steps = stepEvents(events);
    expect(steps).toHaveLength(200);
    expect(sampler.updateCalls).toHaveLength(0);
    expect(ofType(events, 'update')).toHaveLength(0);
    expect(sampler.sampleRequests).toHaveLength(800);
    for (const e of steps) {
      expect(e.metaPrompt.references).toEqual([]);
      for (const s of e.samples) expect([s.replayed, s.logPF]).toEqual([false, null]);
    }
    expect(run.conditionBuffer()).toBeNull();
    expect(run.queueEntries().some((q) => q.step < 100)).toBe(true);
    expect(ofType(events, 'done')[0]!.selected).not.toBeNull();
  });

  it('on-policy never replays but trains and uses references from step 111', async () => {
    const { sampler, events } = await runToEnd({ mode: 'on-policy' });
    const steps = stepEvents(events);
    expect(steps.flatMap((e) => e.samples).some((s) => s.replayed)).toBe(false);
    expect(sampler.updateCalls).toHaveLength(101);
    expect(sampler.sampleRequests).toHaveLength(800);
    expect(steps.filter((e) => e.metaPrompt.references.length > 0).map((e) => e.step)[0]).toBe(111);
  });

  it('no-dmu never has references nor a condition buffer, but trains and replays', async () => {
    const { sampler, events, run } = await runToEnd({ mode: 'no-dmu' });
    const steps = stepEvents(events);
    for (const e of steps) {
      expect(e.metaPrompt.references).toEqual([]);
      expect(e.metaPrompt.text).not.toContain('reference instructions');
    }
    expect(run.conditionBuffer()).toBeNull();
    expect(sampler.updateCalls).toHaveLength(101);
    expect(steps.flatMap((e) => e.samples).filter((s) => s.replayed).length).toBeGreaterThan(0);
  });

  it('manual scores exactly one prompt, on train, validation and test, and samples nothing', async () => {
    const prompt = 'Add the two numbers and write the sum.';
    const sampler = new ScriptedSampler(POOL);
    const target = new FixedTarget();
    const { events, run } = await runToEnd({ mode: 'manual', manualPrompt: prompt }, sampler, target);
    expect(target.scored).toEqual([
      { prompt, split: 'train' },
      { prompt, split: 'validation' },
      { prompt, split: 'test' },
    ]);
    expect(sampler.sampleRequests.length + sampler.logPriorCalls.length + sampler.updateCalls.length).toBe(0);
    expect(events.map((e) => e.type)).toEqual(['budget', 'done']);
    expect(ofType(events, 'done')[0]).toEqual({
      type: 'done', step: 1, mode: 'manual', reason: 'steps',
      selected: { text: prompt, trainAccuracy: hashedScore(prompt, 'train'), validationAccuracy: hashedScore(prompt, 'validation'), testAccuracy: hashedScore(prompt, 'test') },
    });
    await expect(run.step()).rejects.toThrow(GflowpoRunError);
  });

  it('vargrad passes logZ decay 0 to every update', async () => {
    const { sampler } = await runToEnd({ loss: 'vargrad', steps: 102 });
    expect(sampler.updateCalls.map((c) => c.logZDecay)).toEqual([0, 0, 0]);
  });
});
