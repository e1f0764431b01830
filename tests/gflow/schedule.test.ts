// The schedule's switches as functions of the step, for every mode; the learning rate with warm-up and decay; the
// logZ update.
import { describe, expect, it } from 'vitest';
import { demonstrationCount, feedsQueue, freezesConditionBuffer, isTrainingStep, learningRateAt, logZDecayOf, lrDecayEnd, nextLogZ, phaseOf, referencesEnabled, replayEnabled } from '../../src/gflow/schedule';
import { resolveSettings } from '../../src/gflow/settings';

const official = resolveSettings();

describe('schedule (official defaults)', () => {
  it('fills the buffer for steps 1..99 and trains from step 100, with 5 demonstrations in both phases', () => {
    expect([1, 99, 100, 200].map((s) => phaseOf(official, s))).toEqual(['filling', 'filling', 'training', 'training']);
    expect([1, 99, 100, 200].map((s) => isTrainingStep(official, s))).toEqual([false, false, true, true]);
    expect([1, 99, 100, 200].map((s) => demonstrationCount(official, s))).toEqual([5, 5, 5, 5]);
    expect([99, 100].map((s) => replayEnabled(official, s))).toEqual([false, true]);
    expect([99, 100].map((s) => feedsQueue(official, s))).toEqual([false, true]);
  });

  it('MMLU shows 3 demonstrations in both phases; the counts are separate settings', () => {
    const mmlu = resolveSettings({}, 'mmlu/anatomy');
    expect([1, 99, 100, 150].map((s) => demonstrationCount(mmlu, s))).toEqual([3, 3, 3, 3]);
    const split = resolveSettings({ demonstrationsFilling: 2, demonstrationsTraining: 7 });
    expect([99, 100].map((s) => demonstrationCount(split, s))).toEqual([2, 7]);
  });

  it('freezes the condition buffer from step 100 and references from step 111', () => {
    expect([99, 100].map((s) => freezesConditionBuffer(official, s))).toEqual([false, true]);
    expect([110, 111].map((s) => referencesEnabled(official, s))).toEqual([false, true]);
  });

  it("ramps the learning rate linearly over 100 updates, then decays it linearly towards the authors' t_total = 800", () => {
    expect(lrDecayEnd(official)).toBe(800);
    expect(learningRateAt(official, 0)).toBeCloseTo(1e-6, 18);
    expect(learningRateAt(official, 49)).toBeCloseTo(5e-5, 18);
    expect(learningRateAt(official, 99)).toBe(1e-4);
    expect(learningRateAt(official, 100)).toBeCloseTo((1e-4 * 699) / 700, 18);
    expect(learningRateAt(official, 449)).toBeCloseTo(5e-5, 18);
    expect(learningRateAt(official, 799)).toBe(0);
    expect(learningRateAt(official, 900)).toBe(0);
    expect(lrDecayEnd(resolveSettings({}, 'mmlu/anatomy'))).toBe(2400);
    expect(learningRateAt(resolveSettings({ lrWarmupUpdates: 0 }), 0)).toBeCloseTo((1e-4 * 799) / 800, 18);
    const decayed = resolveSettings({ lrWarmupUpdates: 10, lrDecayUpdates: 20 });
    expect([8, 9, 10, 14, 19].map((u) => learningRateAt(decayed, u) / 1e-4)).toEqual([0.9, 1, 0.9, 0.5, 0]);
  });

  it('passes the EMA decay, or 0 for pure VarGrad', () => {
    expect(logZDecayOf(official)).toBe(0.99);
    expect(logZDecayOf(resolveSettings({ loss: 'vargrad' }))).toBe(0);
  });

  it('moves logZ to the batch mean first (or at decay 0), then by the EMA', () => {
    expect(nextLogZ(null, -40, 0.99)).toBe(-40);
    expect(nextLogZ(-40, -20, 0.99)).toBeCloseTo(-39.8, 12);
    expect(nextLogZ(-40, -20, 0)).toBe(-20);
    expect(nextLogZ(-40, -20, 0.5)).toBe(-30);
  });
});

describe('schedule (baselines)', () => {
  it('prior-only never trains, replays or uses DMU, and feeds the queue from step 1', () => {
    const s = resolveSettings({ mode: 'prior-only' });
    expect([isTrainingStep(s, 150), replayEnabled(s, 150), freezesConditionBuffer(s, 150), referencesEnabled(s, 150), feedsQueue(s, 1)]).toEqual([false, false, false, false, true]);
  });

  it('no-replay trains with DMU but never replays; no-dmu trains and replays without DMU', () => {
    const noReplay = resolveSettings({ mode: 'no-replay' });
    expect([isTrainingStep(noReplay, 150), replayEnabled(noReplay, 150), referencesEnabled(noReplay, 150)]).toEqual([true, false, true]);
    const noDmu = resolveSettings({ mode: 'no-dmu' });
    expect([isTrainingStep(noDmu, 150), replayEnabled(noDmu, 150), freezesConditionBuffer(noDmu, 150), referencesEnabled(noDmu, 150)]).toEqual([true, true, false, false]);
  });
});
