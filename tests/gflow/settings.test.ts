// GFLOWPO_DEFAULTS carries gflowpo.md's numbers; taskDefaults gives MMLU its schedule; the presets; resolveSettings
// layers defaults < task < preset < input, validates and names the bad field.
import { describe, expect, it } from 'vitest';
import { GFLOWPO_DEFAULTS, GFLOWPO_MODES, PRESETS, SettingsError, resolveSettings, taskDefaults } from '../../src/gflow/settings';

describe('GFLOWPO_DEFAULTS', () => {
  it('holds the official numbers', () => {
    expect(GFLOWPO_DEFAULTS).toEqual({
      mode: 'gflowpo', manualPrompt: null, seed: 0,
      steps: 200, warmupSteps: 99, microBatches: 4, microBatchSize: 4,
      learningRate: 1e-4, lrWarmupUpdates: 100, lrDecayUpdates: null, weightDecay: 0.01, adamBeta1: 0.9, adamBeta2: 0.999, adamEpsilon: 1e-8, gradClip: 1,
      lora: { rank: 16, alpha: 32, dropout: 0.05, targetModules: ['q_proj', 'v_proj'] },
      temperatureMin: 0.5, temperatureMax: 2, topK: 50, topP: 0.9, maxNewTokens: 150,
      replayProbability: 0.5, bufferSize: 1000, queueSize: 5,
      demonstrationsFilling: 5, demonstrationsTraining: 5,
      conditionFreezeStep: 100, referencesFromStep: 111, referencesFromQueue: 1, referencesFromCondition: 2,
      gamma: 1, beta: null, rewardEpsilon: 1e-8, loss: 'ema-logz', logZDecay: 0.99, targetCallBudget: null,
    });
  });

  it('is frozen, nested objects included', () => {
    expect(Object.isFrozen(GFLOWPO_DEFAULTS)).toBe(true);
    expect(Object.isFrozen(GFLOWPO_DEFAULTS.lora)).toBe(true);
    expect(Object.isFrozen(GFLOWPO_DEFAULTS.lora.targetModules)).toBe(true);
    expect(() => {
      (GFLOWPO_DEFAULTS as { steps: number }).steps = 1;
    }).toThrow(TypeError);
  });

  it('names the no-replay ablation and has no on-policy mode', () => {
    expect(GFLOWPO_MODES).toEqual(['gflowpo', 'prior-only', 'no-replay', 'no-dmu', 'manual']);
  });
});

describe('taskDefaults', () => {
  const MMLU = { steps: 150, microBatches: 16, microBatchSize: 1, demonstrationsFilling: 3, demonstrationsTraining: 3 };

  it('gives MMLU subjects the authors MMLU.sh schedule and every other task nothing', () => {
    expect(taskDefaults('mmlu/anatomy')).toEqual(MMLU);
    expect(taskDefaults('MMLU/high_school_world_history')).toEqual(MMLU);
    expect(taskDefaults('mmlu/anatomy[source=hendrycks,seed=1]')).toEqual(MMLU);
    for (const name of ['sst2', 'ii/sum', 'builtin/sum', 'mmlubis', 'x/mmlu/anatomy']) expect(taskDefaults(name)).toEqual({});
    expect(taskDefaults(undefined)).toEqual({});
  });

  it("follows a task's schedule field over its name", () => {
    expect(taskDefaults({ name: 'my-quiz', schedule: 'mmlu' })).toEqual(MMLU);
    expect(taskDefaults({ name: 'mmlu/anatomy', schedule: 'default' })).toEqual({});
    expect(taskDefaults({ name: 'mmlu/anatomy' })).toEqual(MMLU);
  });
});

describe('resolveSettings', () => {
  it('returns the defaults for no input, and the MMLU schedule when the task is MMLU', () => {
    expect(resolveSettings()).toEqual(GFLOWPO_DEFAULTS);
    const mmlu = resolveSettings({}, 'mmlu/anatomy');
    expect([mmlu.steps, mmlu.microBatches, mmlu.microBatchSize, mmlu.demonstrationsFilling, mmlu.demonstrationsTraining]).toEqual([150, 16, 1, 3, 3]);
    expect(resolveSettings({ steps: 180, microBatchSize: 2 }, 'mmlu/anatomy')).toMatchObject({ steps: 180, microBatches: 16, microBatchSize: 2 });
    expect(resolveSettings({}, 'sst2')).toEqual(GFLOWPO_DEFAULTS);
  });

  it('applies a preset over the task defaults and under the input', () => {
    expect(PRESETS.paper).toEqual({});
    expect(resolveSettings({}, 'sst2', 'paper')).toEqual(GFLOWPO_DEFAULTS);
    expect(PRESETS.quick).toEqual({ steps: 30, warmupSteps: 14, conditionFreezeStep: 15, referencesFromStep: 17, lrWarmupUpdates: 15 });
    const quick = resolveSettings({}, 'sst2', 'quick');
    expect(quick).toEqual({ ...GFLOWPO_DEFAULTS, ...PRESETS.quick });
    const quickMmlu = resolveSettings({}, 'mmlu/anatomy', 'quick');
    expect([quickMmlu.steps, quickMmlu.warmupSteps, quickMmlu.microBatches, quickMmlu.microBatchSize, quickMmlu.demonstrationsTraining]).toEqual([30, 14, 16, 1, 3]);
    expect(resolveSettings({ steps: 40 }, 'sst2', 'quick').steps).toBe(40);
    expect(() => resolveSettings({}, 'sst2', 'fast' as never)).toThrow(/preset.*paper, quick, got "fast"/);
  });

  it('quick keeps the paper schedule shape: switches at the same fraction of the run (x0.15)', () => {
    const q = resolveSettings({}, undefined, 'quick');
    const p = GFLOWPO_DEFAULTS;
    const ratio = q.steps / p.steps;
    expect(ratio).toBe(0.15);
    for (const k of ['warmupSteps', 'conditionFreezeStep', 'lrWarmupUpdates'] as const) expect(Math.abs(q[k] - p[k] * ratio)).toBeLessThan(1);
    expect(Math.abs(q.referencesFromStep - q.conditionFreezeStep - (p.referencesFromStep - p.conditionFreezeStep) * ratio)).toBeLessThan(1);
    expect(q.warmupSteps + 1).toBe(q.conditionFreezeStep);
  });

  it('merges overrides, LoRA fields one by one, and ignores undefined values', () => {
    const s = resolveSettings({ learningRate: 3e-4, lora: { rank: 8 }, seed: undefined, beta: 0.05, targetCallBudget: 500, topK: 0, weightDecay: 0 });
    expect(s.learningRate).toBe(3e-4);
    expect(s.lora).toEqual({ rank: 8, alpha: 32, dropout: 0.05, targetModules: ['q_proj', 'v_proj'] });
    expect(s.seed).toBe(0);
    expect([s.beta, s.targetCallBudget, s.topK, s.weightDecay]).toEqual([0.05, 500, 0, 0]);
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.lora.targetModules)).toBe(true);
  });

  const bad: [string, unknown, RegExp][] = [
    ['learningRate', { learningRate: -1 }, /\(0, 1\]/],
    ['replayProbability', { replayProbability: 1.5 }, /\[0, 1\]/],
    ['steps', { steps: 2.5 }, /integer in \[1, /],
    ['steps', { steps: '200' }, /got "200"/],
    ['seed', { seed: -1 }, /\[0, 4294967295\]/],
    ['beta', { beta: 0 }, /or null for 1 \/ \|train\|/],
    ['targetCallBudget', { targetCallBudget: -3 }, /or null for no limit/],
    ['mode', { mode: 'on-policy' }, /gflowpo, prior-only, no-replay, no-dmu, manual/],
    ['loss', { loss: 'tb' }, /ema-logz, vargrad/],
    ['logZDecay', { logZDecay: 1 }, /\[0, 1\)/],
    ['topP', { topP: 0 }, /\(0, 1\]/],
    ['topK', { topK: -1 }, /integer in \[0, /],
    ['topK', { topK: 2.5 }, /integer/],
    ['weightDecay', { weightDecay: 2 }, /\[0, 1\]/],
    ['adamBeta2', { adamBeta2: 1 }, /\[0, 1\)/],
    ['gradClip', { gradClip: 0 }, /\(0, /],
    ['lrDecayUpdates', { lrDecayUpdates: 0 }, /or null for steps x microBatches/],
    ['lrDecayUpdates', { lrDecayUpdates: 100 }, /exceed lrWarmupUpdates = 100/],
    ['temperatureMin', { temperatureMin: Infinity }, /got Infinity/],
    ['lora.dropout', { lora: { dropout: 1 } }, /\[0, 1\)/],
    ['lora.heads', { lora: { heads: 2 } }, /unknown setting/],
    ['lora', { lora: [16] }, /must be an object, got a list/],
    ['lora.targetModules', { lora: { targetModules: 'q_proj' } }, /non-empty list/],
    ['stepz', { stepz: 3 }, /unknown setting; known: mode/],
    ['(settings)', [1, 2], /must be an object/],
    ['(settings)', null, /must be an object/],
    ['temperatureMax', { temperatureMin: 1.5, temperatureMax: 1.0 }, /at least temperatureMin = 1.5/],
    ['warmupSteps', { steps: 50 }, /\[0, steps = 50\]/],
    ['referencesFromStep', { referencesFromStep: 90 }, /at least conditionFreezeStep = 100/],
    ['manualPrompt', { mode: 'manual', manualPrompt: '  ' }, /non-empty/],
    ['manualPrompt', { manualPrompt: 3 }, /string or null/],
  ];
  it.each(bad)('rejects a bad %s, naming it and its range', (field, input, message) => {
    let error: unknown;
    try {
      resolveSettings(input as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).name).toBe('SettingsError');
    expect((error as SettingsError).field).toBe(field);
    expect((error as SettingsError).message.startsWith(`setting ${field}: `)).toBe(true);
    expect((error as SettingsError).message).toMatch(message);
  });

  it("accepts manual mode without a prompt (the task's built-in one is used) and with one", () => {
    expect(resolveSettings({ mode: 'manual' }).manualPrompt).toBeNull();
    expect(resolveSettings({ mode: 'manual', manualPrompt: 'Add the numbers.' }).manualPrompt).toBe('Add the numbers.');
  });
});
