// Two settings edges found by mutation testing (docs/mutation.md): a task named exactly `mmlu` (no subject) is
// MMLU and gets its schedule; a LoRA target module list whose item is a list (which has a positive length, as a
// module name does) is refused.
import { describe, expect, it } from 'vitest';
import { isMmluTask, resolveSettings, taskDefaults } from '../../src/gflow/settings';

const MMLU = { steps: 150, microBatches: 16, microBatchSize: 1, demonstrationsFilling: 3, demonstrationsTraining: 3 };

describe('MMLU task names', () => {
  it('a task named exactly mmlu (any case) is MMLU, with its schedule', () => {
    expect(isMmluTask('mmlu')).toBe(true);
    expect(isMmluTask('MMLU')).toBe(true);
    expect(taskDefaults('mmlu')).toEqual(MMLU);
    expect(taskDefaults({ name: 'mmlu' })).toEqual(MMLU);
  });

  it('a name that only starts with mmlu is not', () => {
    expect(isMmluTask('mmlux')).toBe(false);
    expect(isMmluTask('mmlu-pro')).toBe(false);
    expect(taskDefaults('mmlux')).toEqual({});
  });
});

describe('LoRA target modules', () => {
  it('refuses an item that is a list, not a module name', () => {
    expect(() => resolveSettings({ lora: { targetModules: ['q_proj', ['v_proj'] as unknown as string] } })).toThrow(
      'setting lora.targetModules: must be a non-empty list of module names',
    );
    expect(() => resolveSettings({ lora: { targetModules: [{ length: 6 } as unknown as string] } })).toThrow(
      'setting lora.targetModules: must be a non-empty list of module names',
    );
  });
});
