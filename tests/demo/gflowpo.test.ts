// End to end on the committed demo world: one short seeded GFlowPO run (LabEngine, the lab worker's class, on wasm)
// on demo/last with the committed prompt-LM and target-LM. The prompt it selects on validation must beat, on the
// test split, the mean of the run's initial prompts (the base prompt-LM's first samples) by at least 25 points.
import { describe, expect, it } from 'vitest';
import { demoModelSource } from '../../src/demo/world/models';
import { demoTask } from '../../src/demo/world/tasks';
import { LabEngine } from '../../src/engines/lab-engine';
import type { StepEvent } from '../../src/gflow/events';
import { loadOrtNode } from '../../src/runtime/ort-node';

/** 10 steps of 2 x 4 prompts: filling 1-5, training 6-10, references from step 7. */
const SHORT = { seed: 3, steps: 10, warmupSteps: 5, conditionFreezeStep: 6, referencesFromStep: 7, microBatches: 2, microBatchSize: 4, maxNewTokens: 16, lrWarmupUpdates: 2 };
const MARGIN = 0.25;

describe('GFlowPO on the demo world', () => {
  it(`selects a prompt at least ${100 * MARGIN} test points better than the initial prompts' mean`, async () => {
    const task = demoTask('last');
    const [promptLM, targetLM] = await Promise.all([demoModelSource('prompt'), demoModelSource('target')]);
    const engine = new LabEngine(loadOrtNode);
    await engine.setup({ task, promptLM, targetLM, backend: 'wasm', settings: SHORT });
    const events: StepEvent[] = [];
    await engine.start((e) => {
      events.push(e);
    });
    const state = engine.state();
    await engine.release();
    const initial = events.find((e) => e.type === 'initial');
    if (initial?.type !== 'initial') throw new Error('the run reported no initial prompts');
    const initialMean = initial.prompts.reduce((a, p) => a + p.testAccuracy, 0) / initial.prompts.length;
    const selected = state.done!.selected!;
    expect(state.done!.reason).toBe('steps');
    expect(initial.prompts.length).toBeGreaterThan(1);
    expect(selected.testAccuracy - initialMean, `selected ${JSON.stringify(selected.text)} (test ${selected.testAccuracy}) vs initial mean ${initialMean.toFixed(3)} over ${initial.prompts.map((p) => JSON.stringify(p.text)).join(', ')}`).toBeGreaterThanOrEqual(MARGIN);
  });
});
