// GFLOWPO_DEFAULTS carries gflowpo.md's numbers; resolveSettings merges, validates and names the bad field.
import { describe, expect, it } from 'vitest';
import { GFLOWPO_DEFAULTS, SettingsError, defaultSteps, resolveSettings } from '../../src/gflow/settings';

describe('GFLOWPO_DEFAULTS', () => {
  it('holds the official numbers', () => {
    expect(GFLOWPO_DEFAULTS).toMatchObject({
      steps: 200, warmupSteps: 99, microBatches: 4, microBatchSize: 4, learningRate: 1e-4, lrWarmupUpdates: 100, gradClip: 1,
      lora: { rank: 16, alpha: 32, dropout: 0.05, targetModules: ['q_proj', 'v_proj'] },
      temperatureMin: 0.5, temperatureMax: 2, topP: 0.9, maxNewTokens: 150, replayProbability: 0.5, bufferSize: 1000, queueSize: 5,
      demonstrationsFilling: 3, demonstrationsTraining: 5, conditionFreezeStep: 100, referencesFromStep: 111, referencesFromQueue: 1, referencesFromCondition: 2,
      gamma: 1, beta: null, rewardEpsilon: 1e-8, loss: 'ema-logz', logZDecay: 0.99, targetCallBudget: null, mode: 'gflowpo', manualPrompt: null,
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
});

describe('defaultSteps', () => {
  it('is 150 for MMLU subjects and 200 otherwise', () => {
    expect(defaultSteps('mmlu/anatomy')).toBe(150);
    expect(defaultSteps('sst2')).toBe(200);
    expect(defaultSteps('ii/sum')).toBe(200);
    expect(defaultSteps('mmlubis')).toBe(200);
  });
});

describe('resolveSettings', () => {
  it('returns the defaults for no input, and the MMLU length when the task is MMLU', () => {
    expect(resolveSettings()).toEqual(GFLOWPO_DEFAULTS);
    expect(resolveSettings({}, 'mmlu/anatomy').steps).toBe(150);
    expect(resolveSettings({ steps: 180 }, 'mmlu/anatomy').steps).toBe(180);
  });

  it('merges overrides, LoRA fields one by one, and ignores undefined values', () => {
    const s = resolveSettings({ learningRate: 3e-4, lora: { rank: 8 }, seed: undefined, beta: 0.05, targetCallBudget: 500 });
    expect(s.learningRate).toBe(3e-4);
    expect(s.lora).toEqual({ rank: 8, alpha: 32, dropout: 0.05, targetModules: ['q_proj', 'v_proj'] });
    expect(s.seed).toBe(0);
    expect(s.beta).toBe(0.05);
    expect(s.targetCallBudget).toBe(500);
    expect(Object.isFrozen(s)).toBe(true);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['learningRate', { learningRate: -1 }, /\(0, 1\]/],
    ['replayProbability', { replayProbability: 1.5 }, /\[0, 1\]/],
    ['steps', { steps: 2.5 }, /integer in \[1, /],
    ['seed', { seed: -1 }, /\[0, 4294967295\]/],
    ['beta', { beta: 0 }, /or null for 1 \/ \|train\|/],
    ['targetCallBudget', { targetCallBudget: -3 }, /or null for no limit/],
    ['mode', { mode: 'ape' }, /gflowpo, prior-only, on-policy, no-dmu, manual/],
    ['loss', { loss: 'tb' }, /ema-logz, vargrad/],
    ['logZDecay', { logZDecay: 1 }, /\[0, 1\)/],
    ['topP', { topP: 0 }, /\(0, 1\]/],
    ['lora.dropout', { lora: { dropout: 1 } }, /\[0, 1\)/],
    ['lora.heads', { lora: { heads: 2 } }, /unknown setting/],
    ['stepz', { stepz: 3 }, /unknown setting; known: mode/],
    ['temperatureMax', { temperatureMin: 1.5, temperatureMax: 1.0 }, /at least temperatureMin = 1.5/],
    ['warmupSteps', { steps: 50 }, /\[0, steps = 50\]/],
    ['referencesFromStep', { referencesFromStep: 90 }, /at least conditionFreezeStep = 100/],
    ['manualPrompt', { mode: 'manual' }, /non-empty prompt in mode 'manual'/],
    ['manualPrompt', { mode: 'manual', manualPrompt: '  ' }, /non-empty/],
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
    expect((error as SettingsError).message).toMatch(new RegExp(`^setting ${field.replace('.', '\\.')}: `));
    expect((error as SettingsError).message).toMatch(message);
  });

  it('accepts a manual prompt in manual mode', () => {
    expect(resolveSettings({ mode: 'manual', manualPrompt: 'Add the numbers.' }).manualPrompt).toBe('Add the numbers.');
  });
});
