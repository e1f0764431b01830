// The baselines, each asserted on what its mode must (not) do: prior-only (no update: the adapter stays at step 0
// with no logZ; no replay, no DMU), no-replay (the GFlowPO ablation: every micro-batch fresh, still trained and
// conditioned), no-dmu (no references), manual (one prompt scored on every split: the setting's, the caller's, or
// the task's built-in one), and pure VarGrad's logZ decay.
import { describe, expect, it } from 'vitest';
import { GflowpoRun, GflowpoRunError } from '../../src/gflow/run';
import { GLUE_MANUAL_PROMPTS } from '../../src/tasks/manual-prompts';
import { FixedTarget, ScriptedSampler, hashedScore, toyTask } from './doubles';
import { POOL, microBatches, ofType, runToEnd, stepEvents } from './run-helpers';

describe('baselines', () => {
  it('prior-only samples every micro-batch and never updates: the adapter stays at step 0 with no logZ', async () => {
    const { sampler, events, run } = await runToEnd({ mode: 'prior-only' });
    const steps = stepEvents(events);
    expect(steps).toHaveLength(200);
    expect(sampler.accumulateCalls).toHaveLength(0);
    expect(sampler.applyCalls).toHaveLength(0);
    expect(await sampler.adapterState()).toEqual({ step: 0, logZ: null });
    expect(run.completedUpdates).toBe(0);
    expect(ofType(events, 'update')).toHaveLength(0);
    expect(sampler.sampleRequests).toHaveLength(800);
    for (const e of steps) {
      for (const m of e.metaPrompts) expect(m.references).toEqual([]);
      for (const s of e.samples) expect([s.replayed, s.logPF]).toEqual([false, null]);
    }
    expect(run.conditionBuffer()).toBeNull();
    // Its queue is fed from step 1 (every step samples the same base model).
    expect(run.queueEntries().some((q) => q.step < 100)).toBe(true);
    expect(ofType(events, 'done')[0]!.selected).not.toBeNull();
  });

  it('no-replay replays nothing: every micro-batch is sampled fresh, yet it trains and uses references from step 111', async () => {
    const { sampler, events, run } = await runToEnd({ mode: 'no-replay' });
    const steps = stepEvents(events);
    const samples = steps.flatMap((e) => e.samples);
    expect(samples.filter((s) => s.replayed)).toHaveLength(0);
    expect(samples.every((s) => s.temperature !== null && s.tokens !== null)).toBe(true);
    expect(sampler.sampleRequests).toHaveLength(800);
    expect(sampler.accumulateCalls).toHaveLength(404);
    expect(sampler.accumulateCalls.every((c) => c.prompts.every((p) => p.tokenIds !== undefined))).toBe(true);
    expect(sampler.applyCalls).toHaveLength(101);
    expect(run.completedUpdates).toBe(101);
    expect(steps.filter((e) => e.metaPrompts.some((m) => m.references.length > 0)).map((e) => e.step)[0]).toBe(111);
    expect(run.conditionBuffer()).toHaveLength(1000);
  });

  it('gflowpo with the same seed replays about half of the training micro-batches, so its samples differ from no-replay', async () => {
    const full = stepEvents((await runToEnd({ mode: 'gflowpo', steps: 120 })).events);
    const ablation = stepEvents((await runToEnd({ mode: 'no-replay', steps: 120 })).events);
    // Identical while filling (no coin is tossed), different once the replay coin is.
    expect(full.slice(0, 99).map((e) => e.samples.map((s) => s.text))).toEqual(ablation.slice(0, 99).map((e) => e.samples.map((s) => s.text)));
    const replayed = full.slice(99).flatMap((e) => microBatches(e)).filter((b) => b[0]!.replayed).length;
    expect(replayed).toBeGreaterThan(25);
    expect(replayed).toBeLessThan(61);
  });

  it('no-dmu never has references nor a condition buffer, but trains and replays', async () => {
    const { sampler, events, run } = await runToEnd({ mode: 'no-dmu' });
    const steps = stepEvents(events);
    for (const e of steps) {
      for (const m of e.metaPrompts) {
        expect(m.references).toEqual([]);
        expect(m.text).not.toContain('reference instructions');
      }
    }
    expect(run.conditionBuffer()).toBeNull();
    expect(sampler.applyCalls).toHaveLength(101);
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
    expect(sampler.sampleRequests.length + sampler.logPriorCalls.length + sampler.accumulateCalls.length + sampler.applyCalls.length).toBe(0);
    expect(events.map((e) => e.type)).toEqual(['budget', 'done']);
    expect(ofType(events, 'done')[0]).toEqual({
      type: 'done', step: 1, mode: 'manual', reason: 'steps',
      selected: { text: prompt, trainAccuracy: hashedScore(prompt, 'train'), validationAccuracy: hashedScore(prompt, 'validation'), testAccuracy: hashedScore(prompt, 'test') },
    });
    await expect(run.step()).rejects.toThrow(GflowpoRunError);
  });

  it("manual without a prompt setting scores the task's built-in manual prompt (the paper's sst2 prompt, an II annotation)", async () => {
    for (const [name, prompt] of [['sst2', GLUE_MANUAL_PROMPTS.sst2!], ['ii/antonyms', 'output the opposite of']] as const) {
      const target = new FixedTarget();
      const run = new GflowpoRun({ mode: 'manual' }, toyTask(name, 8, { seed: 13 }), new ScriptedSampler(POOL), target);
      await run.run();
      expect(run.done!.selected!.text).toBe(prompt);
      expect(target.scored.map((x) => x.prompt)).toEqual([prompt, prompt, prompt]);
    }
    expect(GLUE_MANUAL_PROMPTS.sst2).toMatch(/^In this task, you are given sentences from movie reviews\./);
  });

  it("manual scores a prompt the caller passes instead of the built-in one; the setting wins over both", async () => {
    const builtIn = 'Your task is to add the two numbers.';
    const target = new FixedTarget();
    const run = new GflowpoRun({ mode: 'manual' }, toyTask('sst2'), new ScriptedSampler(POOL), target, { manualPrompt: builtIn });
    await run.run();
    expect(run.done!.selected!.text).toBe(builtIn);
    const own = new GflowpoRun({ mode: 'manual', manualPrompt: 'Sum them.' }, toyTask(), new ScriptedSampler(POOL), new FixedTarget(), { manualPrompt: builtIn });
    await own.run();
    expect(own.done!.selected!.text).toBe('Sum them.');
  });

  it('manual with neither a setting nor a built-in prompt is refused, naming the task', () => {
    expect(() => new GflowpoRun({ mode: 'manual' }, toyTask(), new ScriptedSampler(POOL), new FixedTarget())).toThrow(/task builtin\/toy-sum has no built-in manual prompt, so set manualPrompt/);
    expect(() => new GflowpoRun({ mode: 'manual' }, toyTask('sst2'), new ScriptedSampler(POOL), new FixedTarget(), { manualPrompt: null })).toThrow(/mode 'manual' needs a prompt: the caller gave none, so set manualPrompt/);
  });

  it('vargrad passes logZ decay 0 to every micro-batch', async () => {
    const { sampler } = await runToEnd({ loss: 'vargrad', steps: 102 });
    expect(sampler.accumulateCalls.map((c) => c.logZDecay)).toEqual(Array.from({ length: 12 }, () => 0));
  });
});
