// The classroom schedule applied to Setup's first run spec: valid settings (resolveSettings accepts them), one
// filling step, training and replay from step 2, references from step 4, 12 steps; Setup's models, task, seed and
// adapter kept; one lone GFlowPO run whatever method Setup had.
import { describe, expect, it } from 'vitest';
import { demoTask } from '../../../src/demo/world/tasks';
import { isTrainingStep, referencesEnabled, replayEnabled } from '../../../src/gflow/schedule';
import { resolveSettings } from '../../../src/gflow/settings';
import { CLASSROOM_SCHEDULE, classroomSpec } from '../../../src/ui/classroom/classroom-schedule';
import type { RunSpec } from '../../../src/ui/run/run-spec';

const task = demoTask('sort');
const setupSpec: RunSpec = {
  id: 'a1',
  label: 'prior-only',
  group: 'g1',
  task,
  promptModel: { kind: 'demo', role: 'prompt' },
  targetModel: { kind: 'demo', role: 'target' },
  settings: { ...resolveSettings({ seed: 7, lora: { rank: 8, alpha: 16, dropout: 0.1, targetModules: ['q_proj'] } }, task, 'quick'), mode: 'prior-only' },
  backend: 'wasm',
  createdAt: 5,
};

describe('classroomSpec', () => {
  const spec = classroomSpec(setupSpec);
  const s = resolveSettings(spec.settings, task);

  it('keeps Setup’s models, task, seed and adapter, as one lone GFlowPO run', () => {
    expect([spec.id, spec.task, spec.promptModel, spec.targetModel, spec.backend, spec.group, spec.label]).toEqual(['a1', task, { kind: 'demo', role: 'prompt' }, { kind: 'demo', role: 'target' }, 'wasm', null, 'GFlowPO (classroom)']);
    expect([s.mode, s.seed, s.lora.rank, s.lora.dropout]).toEqual(['gflowpo', 7, 8, 0.1]);
  });

  it('fills the buffer for one step, trains and replays from step 2, adds references from step 4, ends at 12', () => {
    expect([s.steps, s.microBatches, s.microBatchSize, s.maxNewTokens, s.learningRate]).toEqual([12, 2, 4, 16, 0.005]);
    expect([1, 2, 3, 4, 12].map((n) => isTrainingStep(s, n))).toEqual([false, true, true, true, true]);
    expect([1, 2].map((n) => replayEnabled(s, n))).toEqual([false, true]);
    expect([3, 4].map((n) => referencesEnabled(s, n))).toEqual([false, true]);
    expect(Object.isFrozen(CLASSROOM_SCHEDULE)).toBe(true);
  });
});
