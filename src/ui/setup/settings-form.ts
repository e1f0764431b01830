// The settings form's text fields -> a settings input for resolveSettings, with a message per field for text
// that is not a value of the field's kind and for the SettingsError resolveSettings raises. Pure.
import { type GflowpoSettings, type GflowpoSettingsInput, type PresetName, SettingsError, resolveSettings } from '../../gflow/settings';
import type { Task } from '../../tasks/task';
import { type SettingDoc, SETTING_GROUPS } from './setting-docs';

export interface FormResult {
  input: GflowpoSettingsInput;
  /** The resolved settings; null when a field is wrong. */
  settings: Readonly<GflowpoSettings> | null;
  /** key -> what is wrong with it. */
  errors: Record<string, string>;
}

const DOCS = new Map(SETTING_GROUPS.flatMap((g) => g.settings.map((s) => [s.key, s] as const)));

/** One field's text as its value; undefined for "no override" (empty text in a field that cannot be null). */
export function parseField(doc: Pick<SettingDoc, 'kind' | 'label'>, text: string): { value?: unknown; error?: string } {
  const t = text.trim();
  const nullable = doc.kind.startsWith('nullable-');
  if (t === '') return nullable ? { value: null } : {};
  switch (doc.kind) {
    case 'integer':
    case 'nullable-integer': {
      const n = Number(t);
      return Number.isInteger(n) ? { value: n } : { error: `${doc.label} must be a whole number, got "${t}"` };
    }
    case 'number':
    case 'nullable-number': {
      const n = Number(t);
      return Number.isFinite(n) ? { value: n } : { error: `${doc.label} must be a number, got "${t}"` };
    }
    case 'list':
      return { value: t.split(',').map((x) => x.trim()).filter((x) => x !== '') };
    default:
      return { value: text };
  }
}

/** The overrides of `fields` (key -> text) resolved on top of the task's defaults and the preset. */
export function resolveForm(fields: Readonly<Record<string, string>>, task: Task | null, preset: PresetName): FormResult {
  const input: Record<string, unknown> = {};
  const lora: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const [key, text] of Object.entries(fields)) {
    const doc = DOCS.get(key);
    if (!doc) continue;
    const { value, error } = parseField(doc, text);
    if (error) errors[key] = error;
    else if (value !== undefined) {
      if (key.startsWith('lora.')) lora[key.slice(5)] = value;
      else input[key] = value;
    }
  }
  if (Object.keys(lora).length > 0) input['lora'] = lora;
  const settingsInput = input as GflowpoSettingsInput;
  if (Object.keys(errors).length > 0) return { input: settingsInput, settings: null, errors };
  try {
    return { input: settingsInput, settings: resolveSettings(settingsInput, task ?? undefined, preset), errors };
  } catch (error) {
    if (error instanceof SettingsError) return { input: settingsInput, settings: null, errors: { [error.field]: error.message } };
    throw error;
  }
}

/** A setting's value as the form shows it. */
export function showValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}
