// logZ on a fixture with chosen numbers: the run's very first micro-batch sets it to that micro-batch's mean of
// (logR - logPF) (logPF = logPrior while filling: no sampler call), every later micro-batch moves it by the 0.99 EMA,
// filling steps included; the sampler receives it, with decay 0 only on the run's very first micro-batch; pure VarGrad
// keeps decay 0 throughout.
import { describe, expect, it } from 'vitest';
import { FixedTarget, SequenceSampler, toyTask } from './doubles';
import { microBatches, ofType, runToEnd, stepEvents } from './run-helpers';

// Step 1 (filling): A B | C D. Step 2 (training): E F | G H. beta = 1, gamma = 1: logR = logPrior + log(acc + 1e-8).
const PRIOR: Record<string, number> = { A: -10, B: -20, C: -30, D: -40, E: -12, F: -14, G: -16, H: -18 };
const PF: Record<string, number> = { A: -1, B: -2, C: -4, D: -6, E: -3, F: -5, G: -7, H: -9 };
const ACC: Record<string, number> = { A: 0.5, B: 0.25, C: 1, D: 0.5, E: 0.5, F: 0.5, G: 0.75, H: 0, 'Add.': 0.5 };
const L = (p: string) => Math.log(ACC[p]! + 1e-8);
const logR = (p: string) => PRIOR[p]! + L(p);

function fixture(settings: Record<string, unknown>) {
  const sampler = new SequenceSampler(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'], { logPrior: (_, p) => PRIOR[p]!, logPF: (p) => PF[p]! });
  const target = new FixedTarget((p) => ACC[p]!);
  const base = { steps: 2, warmupSteps: 1, microBatches: 2, microBatchSize: 2, beta: 1, replayProbability: 0, conditionFreezeStep: 50, referencesFromStep: 50 };
  return runToEnd({ ...base, ...settings }, sampler, target, toyTask());
}

describe('logZ (fixture)', () => {
  it('is the first micro-batch mean, then the EMA, across the filling step and into training', async () => {
    const { events, sampler } = await fixture({});
    const m0 = (L('A') + L('B')) / 2; // filling: logR - logPrior = log(acc + eps)
    const m1 = (L('C') + L('D')) / 2;
    const afterStep1 = 0.99 * m0 + 0.01 * m1;
    const m2 = (logR('E') - PF.E! + logR('F') - PF.F!) / 2;
    const afterMb2 = 0.99 * afterStep1 + 0.01 * m2;
    const m3 = (logR('G') - PF.G! + logR('H') - PF.H!) / 2;
    const afterStep2 = 0.99 * afterMb2 + 0.01 * m3;

    const steps = stepEvents(events);
    expect(microBatches(steps[0]!).map((b) => b.map((s) => s.text))).toEqual([['A', 'B'], ['C', 'D']]);
    expect(steps[0]!.logZ).toBeCloseTo(afterStep1, 12);
    expect(steps[0]!.logZ).toBeCloseTo(-1.03279, 5); // (ln .5 + ln .25) / 2 * .99 + (ln 1 + ln .5) / 2 * .01
    expect(sampler.accumulateCalls.map((c) => [c.logZ, c.logZDecay, c.microBatch])).toEqual([
      [steps[0]!.logZ, 0.99, 0],
      [sampler.accumulateCalls[0]!.result.logZ, 0.99, 1],
    ]);
    expect(sampler.accumulateCalls[0]!.result.logZ).toBeCloseTo(afterMb2, 12);
    expect(steps[1]!.logZ).toBeCloseTo(afterStep2, 12);
    expect(ofType(events, 'update')[0]!.logZ).toBe(steps[1]!.logZ);
    // The loss of each micro-batch uses its updated logZ.
    const loss3 = ((afterStep2 + PF.G! - logR('G')) ** 2 + (afterStep2 + PF.H! - logR('H')) ** 2) / 2;
    expect(ofType(events, 'update')[0]!.microBatchLosses[1]).toBeCloseTo(loss3, 9);
    // The filling step asked the sampler for samples and priors only.
    expect(sampler.logPriorCalls).toHaveLength(4);
    expect(sampler.accumulateCalls).toHaveLength(2);
  });

  it('starts from the batch mean with decay 0 when the very first micro-batch is a training one', async () => {
    const { sampler } = await fixture({ warmupSteps: 0, steps: 1 });
    const [first, second] = sampler.accumulateCalls;
    expect([first!.logZ, first!.logZDecay]).toEqual([null, 0]);
    const m0 = (logR('A') - PF.A! + logR('B') - PF.B!) / 2;
    expect(first!.result.logZ).toBeCloseTo(m0, 12);
    expect([second!.logZ, second!.logZDecay]).toEqual([first!.result.logZ, 0.99]);
    expect(second!.result.logZ).toBeCloseTo(0.99 * m0 + 0.01 * ((logR('C') - PF.C! + logR('D') - PF.D!) / 2), 12);
  });

  it('under pure VarGrad is each micro-batch mean, with decay 0 for the sampler', async () => {
    const { events, sampler } = await fixture({ loss: 'vargrad' });
    const steps = stepEvents(events);
    expect(steps[0]!.logZ).toBeCloseTo((L('C') + L('D')) / 2, 12);
    expect(sampler.accumulateCalls.map((c) => c.logZDecay)).toEqual([0, 0]);
    expect(steps[1]!.logZ).toBeCloseTo((logR('G') - PF.G! + logR('H') - PF.H!) / 2, 12);
  });

  it('is tracked by prior-only too (no sampler update), and is absent from a manual run', async () => {
    const prior = await fixture({ mode: 'prior-only' });
    const steps = stepEvents(prior.events);
    const m2 = (L('E') + L('F')) / 2;
    const m3 = (L('G') + L('H')) / 2;
    const m0 = (L('A') + L('B')) / 2;
    const m1 = (L('C') + L('D')) / 2;
    expect(steps[1]!.logZ).toBeCloseTo(0.99 * (0.99 * (0.99 * m0 + 0.01 * m1) + 0.01 * m2) + 0.01 * m3, 12);
    expect(prior.sampler.accumulateCalls).toHaveLength(0);
    const manual = await fixture({ mode: 'manual', manualPrompt: 'Add.' });
    expect(manual.run.currentLogZ).toBeNull();
  });
});
