// Every settings range at its limits (mutation testing, docs/mutation.md): open ends refused and closed ends
// accepted, non-finite and non-numeric values refused, the LoRA module list's checks, the cross-field rules at
// equality, the unknown-setting message listing the known names, and bare task names vs task objects for MMLU.
import { describe, expect, it } from 'vitest';
import { GFLOWPO_DEFAULTS, type GflowpoSettingsInput, SettingsError, resolveSettings, taskDefaults } from '../../src/gflow/settings';

const ok = (input: GflowpoSettingsInput) => expect(() => resolveSettings(input)).not.toThrow();
const refused = (input: GflowpoSettingsInput, message: string) => expect(() => resolveSettings(input)).toThrow(message);

describe('settings limits', () => {
  it('open ends are refused, closed ends accepted', () => {
    refused({ adamBeta1: 1 }, 'setting adamBeta1: must be a number in [0, 1), got 1');
    ok({ adamBeta1: 0 });
    refused({ adamEpsilon: 0 }, 'setting adamEpsilon: must be a number in (0, 1], got 0');
    ok({ adamEpsilon: 1 });
    refused({ temperatureMin: 0 }, 'setting temperatureMin: must be a number in (0, 100], got 0');
    refused({ temperatureMax: 0, temperatureMin: 0.5 }, 'setting temperatureMax: must be a number in (0, 100], got 0');
    refused({ gamma: 0 }, `setting gamma: must be a number in (0, ${Number.MAX_VALUE}], got 0`);
    refused({ rewardEpsilon: 0 }, 'setting rewardEpsilon: must be a number in (0, 1), got 0');
    refused({ rewardEpsilon: 1 }, 'setting rewardEpsilon: must be a number in (0, 1), got 1');
    refused({ lora: { alpha: 0 } }, `setting lora.alpha: must be a number in (0, ${Number.MAX_VALUE}], got 0`);
    refused({ weightDecay: -0.01 }, 'setting weightDecay: must be a number in [0, 1], got -0.01');
    ok({ weightDecay: 0 });
  });

  it('integers at both ends, and no non-finite or non-numeric value passes', () => {
    ok({ maxNewTokens: 32768 });
    refused({ maxNewTokens: 32769 }, 'setting maxNewTokens: must be an integer in [1, 32768], got 32769');
    refused({ steps: Number.POSITIVE_INFINITY }, 'setting steps: must be an integer in [1, 1000000], got Infinity');
    refused({ learningRate: Number.NaN }, 'setting learningRate: must be a number in (0, 1], got NaN');
    refused({ learningRate: '0.1' as unknown as number }, 'setting learningRate: must be a number in (0, 1], got "0.1"');
    refused({ mode: 3 as never }, 'setting mode: must be one of');
  });

  it('an object in a numeric field is shown as JSON, even one whose toString is not a function (CI fuzz find)', () => {
    refused({ lora: { alpha: { toString: 0 } as unknown as number } }, 'setting lora.alpha: must be a number in (0, ' + `${Number.MAX_VALUE}], got {"toString":0}`);
    refused({ steps: [3] as unknown as number }, 'setting steps: must be an integer in [1, 1000000], got [3]');
    expect(() => resolveSettings({ mode: { a: 'x'.repeat(200) } as never })).toThrow(/got \{"a":"x{114}$/);
    // No JSON for it (a BigInt, a cycle, toJSON giving nothing): named as an object, still a SettingsError.
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    for (const v of [{ n: 1n }, cycle, { toJSON: () => undefined }]) {
      expect(() => resolveSettings({ steps: v as unknown as number })).toThrow(/^setting steps: must be an integer in \[1, 1000000\], got an object$/);
    }
  });

  it('LoRA target modules: a non-empty list of non-empty names', () => {
    refused({ lora: { targetModules: [] } }, 'setting lora.targetModules: must be a non-empty list of module names');
    refused({ lora: { targetModules: ['q_proj', ''] } }, 'setting lora.targetModules: must be a non-empty list of module names');
    refused({ lora: { targetModules: ['q_proj', 3 as unknown as string] } }, 'setting lora.targetModules: must be a non-empty list of module names');
    expect(resolveSettings({ lora: { targetModules: ['v_proj'] } }).lora.targetModules).toEqual(['v_proj']);
  });

  it('cross-field rules hold at equality', () => {
    expect(resolveSettings({ steps: 10, warmupSteps: 10 }).warmupSteps).toBe(10);
    expect(resolveSettings({ temperatureMin: 1.5, temperatureMax: 1.5 }).temperatureMax).toBe(1.5);
  });

  it('an unknown setting lists the known ones, comma-separated; a function is not a settings object', () => {
    expect(() => resolveSettings({ stepz: 3 } as never)).toThrow(new SettingsError('stepz', `unknown setting; known: ${Object.keys(GFLOWPO_DEFAULTS).join(', ')}`));
    expect(() => resolveSettings(Object.assign(() => 0, {}) as never)).toThrow(/setting \(settings\): must be an object/);
  });

  it("a task object's schedule decides; a bare MMLU name gets MMLU's defaults", () => {
    expect(taskDefaults('mmlu/anatomy')).toEqual({ steps: 150, microBatches: 16, microBatchSize: 1, demonstrationsFilling: 3, demonstrationsTraining: 3 });
    expect(taskDefaults({ name: 'mmlu/anatomy', schedule: 'default' } as never)).toEqual({});
    expect(taskDefaults({ name: 'sst2', schedule: 'mmlu' })).toEqual(taskDefaults('mmlu/anatomy'));
  });
});
