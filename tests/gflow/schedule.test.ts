// The schedule's switches as functions of the step, for every mode.
import { describe, expect, it } from 'vitest';
import { demonstrationCount, feedsQueue, freezesConditionBuffer, isTrainingStep, learningRateAt, logZDecayOf, phaseOf, referencesEnabled, replayEnabled } from '../../src/gflow/schedule';
import { resolveSettings } from '../../src/gflow/settings';

const official = resolveSettings();

describe('schedule (official defaults)', () => {
  it('fills the buffer for steps 1..99 and trains from step 100', () => {
    expect([1, 99, 100, 200].map((s) => phaseOf(official, s))).toEqual(['filling', 'filling', 'training', 'training']);
    expect([1, 99, 100, 200].map((s) => isTrainingStep(official, s))).toEqual([false, false, true, true]);
    expect([99, 100].map((s) => demonstrationCount(official, s))).toEqual([3, 5]);
    expect([99, 100].map((s) => replayEnabled(official, s))).toEqual([false, true]);
    expect([99, 100].map((s) => feedsQueue(official, s))).toEqual([false, true]);
  });

  it('freezes the condition buffer from step 100 and references from step 111', () => {
    expect([99, 100].map((s) => freezesConditionBuffer(official, s))).toEqual([false, true]);
    expect([110, 111].map((s) => referencesEnabled(official, s))).toEqual([false, true]);
  });

  it('ramps the learning rate linearly over 100 updates, then holds it', () => {
    expect(learningRateAt(official, 0)).toBeCloseTo(1e-6, 15);
    expect(learningRateAt(official, 49)).toBeCloseTo(5e-5, 15);
    expect(learningRateAt(official, 99)).toBe(1e-4);
    expect(learningRateAt(official, 150)).toBe(1e-4);
    expect(learningRateAt(resolveSettings({ lrWarmupUpdates: 0 }), 0)).toBe(1e-4);
  });

  it('passes the EMA decay, or 0 for pure VarGrad', () => {
    expect(logZDecayOf(official)).toBe(0.99);
    expect(logZDecayOf(resolveSettings({ loss: 'vargrad' }))).toBe(0);
  });
});

describe('schedule (baselines)', () => {
  it('prior-only never trains, replays or uses DMU, and feeds the queue from step 1', () => {
    const s = resolveSettings({ mode: 'prior-only' });
    expect([isTrainingStep(s, 150), replayEnabled(s, 150), freezesConditionBuffer(s, 150), referencesEnabled(s, 150), feedsQueue(s, 1)]).toEqual([false, false, false, false, true]);
  });

  it('on-policy trains with DMU but never replays; no-dmu trains and replays without DMU', () => {
    const onPolicy = resolveSettings({ mode: 'on-policy' });
    expect([isTrainingStep(onPolicy, 150), replayEnabled(onPolicy, 150), referencesEnabled(onPolicy, 150)]).toEqual([true, false, true]);
    const noDmu = resolveSettings({ mode: 'no-dmu' });
    expect([isTrainingStep(noDmu, 150), replayEnabled(noDmu, 150), freezesConditionBuffer(noDmu, 150), referencesEnabled(noDmu, 150)]).toEqual([true, true, false, false]);
  });
});
