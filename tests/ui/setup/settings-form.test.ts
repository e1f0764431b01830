// The settings form: every setting of the build is documented; typed text becomes values of the field's kind;
// a wrong value is named by its field (ours or resolveSettings'); edits go on top of the task defaults and preset.
import { describe, expect, it } from 'vitest';
import { GFLOWPO_DEFAULTS, PRESETS } from '../../../src/gflow/settings';
import { builtinTask } from '../../../src/tasks/builtin';
import { SETTING_GROUPS, documentedKeys, settingValue } from '../../../src/ui/setup/setting-docs';
import { parseField, resolveForm, showValue } from '../../../src/ui/setup/settings-form';

describe('setting docs', () => {
  it('explain every setting of GFLOWPO_DEFAULTS, once each', () => {
    const keys = Object.entries(GFLOWPO_DEFAULTS).flatMap(([k, v]) => (k === 'lora' ? Object.keys(v as object).map((l) => `lora.${l}`) : [k]));
    const documented = documentedKeys();
    expect(new Set(documented).size).toBe(documented.length);
    expect(keys.filter((k) => !documented.includes(k))).toEqual([]);
    for (const doc of SETTING_GROUPS.flatMap((g) => g.settings)) expect(doc.help.length, doc.key).toBeGreaterThan(15);
  });

  it('reads dotted keys', () => {
    expect(settingValue(GFLOWPO_DEFAULTS, 'lora.rank')).toBe(16);
    expect(settingValue(GFLOWPO_DEFAULTS, 'nope.x')).toBeUndefined();
  });
});

describe('parseField', () => {
  it('turns text into values of the field kind', () => {
    expect(parseField({ kind: 'integer', label: 'Steps' }, ' 30 ')).toEqual({ value: 30 });
    expect(parseField({ kind: 'integer', label: 'Steps' }, '2.5')).toEqual({ error: 'Steps must be a whole number, got "2.5"' });
    expect(parseField({ kind: 'integer', label: 'Steps' }, '')).toEqual({});
    expect(parseField({ kind: 'number', label: 'Top-p' }, '1e-1')).toEqual({ value: 0.1 });
    expect(parseField({ kind: 'number', label: 'Top-p' }, 'abc')).toEqual({ error: 'Top-p must be a number, got "abc"' });
    expect(parseField({ kind: 'nullable-integer', label: 'Budget' }, '')).toEqual({ value: null });
    expect(parseField({ kind: 'list', label: 'Targets' }, 'q_proj, v_proj,')).toEqual({ value: ['q_proj', 'v_proj'] });
    expect(showValue(['q_proj', 'v_proj'])).toBe('q_proj, v_proj');
  });
});

describe('resolveForm', () => {
  const task = builtinTask('sum');

  it('applies the preset, then the edits', () => {
    const r = resolveForm({ microBatches: '2', 'lora.rank': '8', targetCallBudget: '' }, task, 'quick');
    expect(r.errors).toEqual({});
    expect(r.settings).toMatchObject({ ...PRESETS.quick, microBatches: 2, targetCallBudget: null, lora: { rank: 8, alpha: 32 } });
    expect(r.input).toEqual({ microBatches: 2, targetCallBudget: null, lora: { rank: 8 } });
  });

  it('names the field of a value resolveSettings refuses, and of text that is no number', () => {
    expect(resolveForm({ topP: '0' }, task, 'paper').errors).toEqual({ topP: expect.stringContaining('setting topP: must be a number in (0, 1]') });
    expect(resolveForm({ warmupSteps: '50', steps: '10' }, task, 'paper').errors).toEqual({ warmupSteps: expect.stringContaining('must be in [0, steps = 10]') });
    const bad = resolveForm({ seed: 'x' }, task, 'paper');
    expect([bad.settings, bad.errors]).toEqual([null, { seed: 'Seed must be a whole number, got "x"' }]);
  });
});
