// The setup view's choices kept across reloads in localStorage (models by source and id, hub address, backend,
// task source with a generated task's name and seed, preset, edited settings, baselines): what a person chose
// is still chosen after a reload, and "Resume with Setup's choices" finds it. Files (a picked model folder, an
// imported table) are not kept. Values are checked on read; anything unexpected is dropped.

export interface SetupMemory {
  prompt: { kind: string; curatedId: string; customId: string };
  target: { kind: string; curatedId: string; customId: string };
  hubHost: string;
  backend: string;
  preset: string;
  fields: Record<string, string>;
  baselines: string[];
  task: { kind: string; demoName: string; builtinName: string; seed: number };
}

const KEY = 'gflowpo-lab.setup.v1';

const isString = (v: unknown): v is string => typeof v === 'string';

function slot(v: unknown): SetupMemory['prompt'] | null {
  const o = v as Record<string, unknown> | null;
  return o && isString(o['kind']) && isString(o['curatedId']) && isString(o['customId']) ? { kind: o['kind'], curatedId: o['curatedId'], customId: o['customId'] } : null;
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
    return {
      prompt,
      target,
      hubHost: o['hubHost'],
      backend: o['backend'],
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
    storage.setItem(KEY, JSON.stringify(memory));
  } catch {
    // Storage full or blocked: the choices are simply not kept.
  }
}
