// The lab worker in real Chromium: tiny fixture prompt-LM and target-LM, a built-in task and a shortened
// schedule; the run's events come back over comlink, training starts on schedule, and the run ends with a
// selected prompt scored on validation and test.
import * as Comlink from 'comlink';
import { describe, expect, it } from 'vitest';
import type { StepEvent } from '../../src/gflow/events';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import type { LabEngine } from '../../src/engines/lab-engine';
import { builtinTask } from '../../src/tasks/builtin';

describe('lab worker', () => {
  it('runs a short GFlowPO schedule on wasm and reports the selected prompt', async () => {
    const worker = new Worker(new URL('../../workers/lab.worker.ts', import.meta.url), { type: 'module' });
    const lab = Comlink.wrap<LabEngine>(worker);
    const files = (seed: number) => new Map(Object.entries(tinyLlamaFixtureFiles({ seed })));
    await lab.setup({
      task: builtinTask('sum'),
      promptLM: { kind: 'files', files: files(1) },
      targetLM: { kind: 'files', files: files(2) },
      backend: 'wasm',
      settings: { steps: 5, warmupSteps: 2, conditionFreezeStep: 3, referencesFromStep: 4, microBatches: 2, microBatchSize: 2, maxNewTokens: 6, lrWarmupUpdates: 2, seed: 4 },
    });
    const events: StepEvent[] = [];
    const finished = await lab.start(Comlink.proxy((e: StepEvent) => void events.push(e)));
    expect(finished).toBe(true);
    expect(events.filter((e) => e.type === 'step')).toHaveLength(5);
    expect(events.filter((e) => e.type === 'update').map((e) => e.step)).toEqual([3, 4, 5]);
    const done = events.at(-1)!;
    expect(done.type).toBe('done');
    if (done.type === 'done') expect(done.selected?.text.length).toBeGreaterThan(0);
    const state = await lab.state();
    expect(JSON.parse(JSON.stringify(state))).toEqual(state); // plain JSON
    expect((await lab.adapterCheckpoint()).byteLength).toBeGreaterThan(1000);
    worker.terminate();
  });
});
