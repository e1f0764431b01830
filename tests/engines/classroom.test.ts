// Classroom mode on the committed demo models (LabEngine on wasm): per-token log-probs summed along each prompt equal
// the step event's logPrior and logPF (the update's, temperature 1, LoRA dropout as the update drew it) within 1e-4,
// for fresh and replayed prompts, on filling and training steps; the adapter before and after the update differ on
// training steps and equal the prior while the buffer fills; token texts rebuild the prompt; and a run stepped in
// classroom mode continues bit-for-bit as the same run stepped plainly (events, state, adapter checkpoint bytes).
import { describe, expect, it } from 'vitest';
import { demoModelSource } from '../../src/demo/world/models';
import { demoTask } from '../../src/demo/world/tasks';
import type { ClassroomStep } from '../../src/engines/classroom';
import { LabEngine, type LabSetup } from '../../src/engines/lab-engine';
import type { StepEvent, StepSamplesEvent } from '../../src/gflow/events';
import { loadOrtNode } from '../../src/runtime/ort-node';

/** 4 steps of 2 x 3 prompts: filling 1-2, training 3-4 with replay, references (one meta-prompt per micro-batch) from 4. */
const SHORT = { seed: 11, steps: 4, warmupSteps: 2, conditionFreezeStep: 3, referencesFromStep: 4, microBatches: 2, microBatchSize: 3, maxNewTokens: 10, lrWarmupUpdates: 1, learningRate: 0.01 };
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

async function setup(settings: object): Promise<LabSetup> {
  const [promptLM, targetLM] = await Promise.all([demoModelSource('prompt'), demoModelSource('target')]);
  return { task: demoTask('sort'), promptLM, targetLM, backend: 'wasm', settings };
}

const stepEvent = (events: StepEvent[]) => events.find((e): e is StepSamplesEvent => e.type === 'step')!;

describe('LabEngine.classroomStep', () => {
  it('explains each step with per-token log-probs that sum to the events, and changes nothing of the run', async () => {
    const plain = new LabEngine(loadOrtNode);
    const classroom = new LabEngine(loadOrtNode);
    await plain.setup(await setup(SHORT));
    await classroom.setup(await setup(SHORT));
    const explained: { events: StepEvent[]; step: ClassroomStep }[] = [];
    for (let n = 1; n <= SHORT.steps; n++) {
      const plainEvents = await plain.step();
      const { events, explained: step } = await classroom.classroomStep();
      // Bit-for-bit: the same events, state and adapter (parameters, moments, update count, logZ) after every step.
      expect(events).toEqual(plainEvents);
      expect(classroom.state()).toEqual(plain.state());
      expect(await classroom.adapterCheckpoint()).toEqual(await plain.adapterCheckpoint());
      expect(step!.step).toBe(n);
      explained.push({ events, step: step! });
    }
    await plain.release();
    await classroom.release();

    let replayed = 0;
    let checkedPF = 0;
    let moved = 0;
    for (const { events, step } of explained) {
      const event = stepEvent(events);
      expect(step.prompts.map((p) => p.text)).toEqual(event.samples.map((s) => s.text));
      expect(step.metaPrompts).toEqual(event.metaPrompts.map((m) => m.text));
      expect(step.dropout).toBe(0.05);
      const training = event.phase === 'training';
      expect(step.updated).toBe(training);
      step.prompts.forEach((p, i) => {
        const s = event.samples[i]!;
        expect(p.replayed).toBe(s.replayed);
        expect([p.logPrior.length, p.logBefore.length, p.logAfter.length]).toEqual([p.tokens.length, p.tokens.length, p.tokens.length]);
        if (!s.replayed) expect(p.tokens.length).toBe(s.tokens);
        else replayed++;
        // The tokens rebuild the prompt; a replayed prompt is scored on its text re-tokenised plus end-of-sequence.
        expect(p.tokens.map((t) => t.text).join('').trim()).toBe(p.text);
        if (s.replayed) expect(p.tokens.at(-1)!.end).toBe(true);
        expect(p.tokens.slice(0, -1).every((t) => !t.end)).toBe(true);
        for (const lp of [...p.logPrior, ...p.logBefore, ...p.logAfter]) expect(lp).toBeLessThanOrEqual(1e-5);
        expect(Math.abs(sum(p.logPrior) - s.logPrior), `logPrior of ${JSON.stringify(p.text)} at step ${step.step}`).toBeLessThan(1e-4);
        if (training) {
          expect(Math.abs(sum(p.logPFUpdate!) - s.logPF!), `logPF of ${JSON.stringify(p.text)} at step ${step.step}`).toBeLessThan(1e-4);
          checkedPF++;
          if (p.logBefore.some((b, k) => Math.abs(b - p.logAfter[k]!) > 1e-4)) moved++;
        } else {
          // No update yet: the adapter is zero, so the sampler is the prior, before and after alike.
          expect(p.logPFUpdate).toBeNull();
          expect(p.logAfter).toEqual(p.logBefore);
          expect(Math.abs(sum(p.logBefore) - s.logPrior)).toBeLessThan(1e-4);
        }
      });
    }
    expect(replayed).toBeGreaterThan(0);
    expect(checkedPF).toBe(2 * 6);
    // Some micro-batch has more token rows than one scoring call takes (16): the calls are split and joined right.
    const rows = explained.flatMap(({ step }) => [0, 1].map((m) => step.prompts.filter((p) => p.microBatch === m).reduce((a, p) => a + p.tokens.length, 0)));
    expect(Math.max(...rows)).toBeGreaterThan(16);
    expect(moved).toBeGreaterThan(0);
  }, 300_000);

  it('without LoRA dropout, the eval-mode sampler before the update sums to the event logPF too', async () => {
    const engine = new LabEngine(loadOrtNode);
    const settings = { ...SHORT, steps: 3, lora: { rank: 16, alpha: 32, dropout: 0, targetModules: ['q_proj', 'v_proj'] } };
    await engine.setup(await setup(settings));
    let checked = 0;
    for (let n = 1; n <= 3; n++) {
      const { events, explained } = await engine.classroomStep();
      const event = stepEvent(events);
      if (n === 3) expect(events.at(-1)!.type).toBe('done'); // the last step's call also ran the final selection
      for (const [i, p] of explained!.prompts.entries()) {
        const logPF = event.samples[i]!.logPF;
        if (logPF === null) continue;
        expect(Math.abs(sum(p.logBefore) - logPF)).toBeLessThan(1e-4);
        expect(p.logPFUpdate!.every((x, k) => Math.abs(x - p.logBefore[k]!) < 1e-4)).toBe(true);
        checked++;
      }
    }
    await engine.release();
    expect(checked).toBe(6);
  }, 300_000);
});
