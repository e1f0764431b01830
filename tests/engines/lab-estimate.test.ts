// LabEngine's time estimate on the tiny fixture models: before a run, calibrate() measures one micro-batch of real
// work and estimate() turns it into the run's expected time and target-LM calls (the schedule's exact count here:
// no replay); calibrating changes nothing of the run (same events and state as an uncalibrated run); as steps run,
// the estimate counts down from the run's progress.
import { describe, expect, it } from 'vitest';
import { LabEngine, type LabSetup } from '../../src/engines/lab-engine';
import { UPDATE_PER_FORWARD } from '../../src/engines/run-calibration';
import type { StepEvent } from '../../src/gflow/events';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { builtinTask } from '../../src/tasks/builtin';

const files = (seed: number) => new Map(Object.entries(tinyLlamaFixtureFiles({ seed })));
const SETTINGS = { steps: 2, warmupSteps: 1, conditionFreezeStep: 2, referencesFromStep: 2, microBatches: 2, microBatchSize: 2, maxNewTokens: 6, lrWarmupUpdates: 2, replayProbability: 0, seed: 4 };
const setup = (): LabSetup => ({ task: builtinTask('sum'), promptLM: { kind: 'files', files: files(1) }, targetLM: { kind: 'files', files: files(2) }, backend: 'wasm', settings: SETTINGS });

async function runAll(engine: LabEngine): Promise<StepEvent[]> {
  const events: StepEvent[] = [];
  await engine.start((e) => void events.push(e));
  return events;
}

describe('LabEngine estimate', () => {
  it('calibrates, estimates the schedule exactly in calls, changes nothing of the run, and counts down as it runs', async () => {
    const plain = new LabEngine(loadOrtNode);
    await plain.setup(setup());
    expect(plain.estimate()).toBeNull(); // nothing measured yet
    const plainEvents = await runAll(plain);
    const plainCalls = plain.targetModelCalls;
    await plain.release();

    const engine = new LabEngine(loadOrtNode);
    await engine.setup(setup());
    const rates = await engine.calibrate();
    for (const v of Object.values(rates)) expect(v).toBeGreaterThanOrEqual(0);
    expect(rates.sampleMs).toBeGreaterThan(0);
    expect(rates.accumulateMs).toBeGreaterThan(0);
    const before = engine.estimate()!;
    // 2 steps x 2 fresh micro-batches x 2 prompts on train = 8 calls; selection: the queue (the 2 training
    // micro-batches feed it: 2 of its 5 places) and step 1's 4 prompts on validation and test = 12: at most 20
    // (a prompt sampled twice is scored once).
    expect([before.steps, before.trainingSteps, before.freshMicroBatches, before.targetCalls]).toEqual([2, 1, 4, 20]);
    expect(before.remainingMs).toBeGreaterThan(0);
    expect(before.parts.update).toBeCloseTo(2 * rates.accumulateMs, 6);
    expect(UPDATE_PER_FORWARD).toBeGreaterThan(1);

    const first = await engine.step();
    const after = engine.estimate()!;
    expect([after.steps, after.trainingSteps]).toEqual([1, 1]);
    const events = [...first, ...(await runAll(engine))];
    expect(events).toEqual(plainEvents); // the calibration touched no random stream, adapter or logZ
    expect(engine.targetModelCalls).toBe(plainCalls + 2); // its one target-LM call in each of its 2 passes (warm-up, timed)
    expect(engine.estimate()!.steps).toBe(0);
    await engine.release();
  }, 120_000);
});
