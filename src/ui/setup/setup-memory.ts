// The setup view's choices kept across reloads in localStorage (models by source, id and hub weights file, hub address, backend,
// frozen weights' precision, task source with a generated task's name and seed, preset, edited settings, baselines, a remote target-LM's base
// URL and model name): what a person chose is still chosen after a reload, and "Resume with Setup's choices" finds
// it. Files (a picked model folder, an imported table) and API keys are never kept. Values are checked on read;
// anything unexpected is dropped.

import { ONNX_MODEL_FILES } from '../../models/formats/onnx-files';
import type { OnnxVariant } from '../../models/hub/hub-weights';

/** One role's model: its source kind, curated and custom ids, and a hub model's ONNX export (absent: automatic). */
export interface SlotMemory {
  kind: string;
  curatedId: string;
  customId: string;
  onnx?: OnnxVariant;
}

export interface SetupMemory {
  prompt: SlotMemory;
  target: SlotMemory;
  /** The target-LM server's base URL and model name (never its key). */
  remote?: { baseUrl: string; model: string };
  hubHost: string;
  backend: string;
  /** 'f32' | 'q8' | 'q4' (absent in memory kept before the choice existed: float32). */
  weightPrecision?: string;
  preset: string;
  fields: Record<string, string>;
  baselines: string[];
  task: { kind: string; demoName: string; builtinName: string; seed: number };
}

const KEY = 'gflowpo-lab.setup.v1';

const isString = (v: unknown): v is string => typeof v === 'string';

/** A slot's memory; an ONNX variant this app does not read (or none) is dropped: automatic. */
function slot(v: unknown): SlotMemory | null {
  const o = v as Record<string, unknown> | null;
  if (!o || !isString(o['kind']) || !isString(o['curatedId']) || !isString(o['customId'])) return null;
  const onnx = (ONNX_MODEL_FILES as readonly unknown[]).includes(o['onnx']) ? { onnx: o['onnx'] as OnnxVariant } : {};
  return { kind: o['kind'], curatedId: o['curatedId'], customId: o['customId'], ...onnx };
}

export function readSetupMemory(storage: Pick<Storage, 'getItem'> = localStorage): SetupMemory | null {
  try {
    const o = JSON.parse(storage.getItem(KEY) ?? 'null') as Record<string, unknown> | null;
    if (!o || typeof o !== 'object') return null;
    const prompt = slot(o['prompt']);
    const target = slot(o['target']);
    const task = o['task'] as Record<string, unknown> | null;
    const fields = o['fields'] as Record<string, unknown> | null;
    if (!prompt || !target || !task || !isString(task['kind']) || !isString(task['demoName']) || !isString(task['builtinName']) || !Number.isInteger(task['seed'])) return null;
    if (!isString(o['hubHost']) || !isString(o['backend']) || !isString(o['preset']) || !fields || typeof fields !== 'object' || !Array.isArray(o['baselines'])) return null;
    const r = o['remote'] as Record<string, unknown> | null | undefined;
    const remote = r && typeof r === 'object' && isString(r['baseUrl']) && isString(r['model']) ? { remote: { baseUrl: r['baseUrl'], model: r['model'] } } : {};
    const precision = isString(o['weightPrecision']) ? { weightPrecision: o['weightPrecision'] } : {};
    return {
      prompt,
      target,
      ...remote,
      hubHost: o['hubHost'],
      backend: o['backend'],
      ...precision,
      preset: o['preset'],
      fields: Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => isString(e[1]))),
      baselines: (o['baselines'] as unknown[]).filter(isString),
      task: { kind: task['kind'], demoName: task['demoName'], builtinName: task['builtinName'], seed: task['seed'] as number },
    };
  } catch {
    return null;
  }
}

export function writeSetupMemory(memory: SetupMemory, storage: Pick<Storage, 'setItem'> = localStorage): void {
  try {
    // Only the fields above, whatever else the object carries (an API key can never ride along).
    const { prompt, target, remote, hubHost, backend, weightPrecision, preset, fields, baselines, task } = memory;
    const kept = { prompt: slot(prompt), target: slot(target), ...(remote ? { remote: { baseUrl: remote.baseUrl, model: remote.model } } : {}), hubHost, backend, ...(weightPrecision !== undefined ? { weightPrecision } : {}), preset, fields, baselines, task };
    storage.setItem(KEY, JSON.stringify(kept));
  } catch {
    // Storage full or blocked: the choices are simply not kept.
  }
}
