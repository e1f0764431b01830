// What the views need to reopen a stored run that the run library does not keep: its label and group (runs
// launched together), the task itself (an imported file's task cannot be rebuilt from its id), where each model
// came from (hub id, host and ONNX variant; a picked folder only by name, to be picked again), the backend and the frozen weights'
// precision (a resume loads them the same way). One IndexedDB object store of the page (idb), keyed by the
// library's run id. No engine, no worker.
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { DemoRole } from '../../demo/world/recipes';
import { ONNX_MODEL_FILES } from '../../models/formats/onnx-files';
import type { OnnxVariant } from '../../models/hub/hub-weights';
import type { WeightPrecision } from '../../models/llama/quantised-weights';
import type { BackendPreference } from '../../runtime/device';
import type { Task } from '../../tasks/task';
import type { LocalModelChoice, ModelChoice, RunSpec } from './run-spec';

/**
 * A model choice as kept: a folder's files are not stored (the user picks the folder again to resume); a hub model's
 * ONNX variant is (absent in specs kept before the choice existed, or when automatic).
 */
export type StoredChoice = { kind: 'demo'; role: DemoRole } | { kind: 'hub'; modelId: string; host: string | null; onnx?: OnnxVariant } | { kind: 'files'; label: string } | { kind: 'openai'; baseUrl: string; model: string; keyed: boolean };
/** What a prompt-LM's choice can be kept as. */
export type StoredLocalChoice = Exclude<StoredChoice, { kind: 'openai' }>;

export interface StoredSpec {
  runId: string;
  label: string;
  group: string | null;
  task: Task;
  promptModel: StoredLocalChoice;
  targetModel: StoredChoice;
  backend: BackendPreference;
  /** Absent in specs kept before the choice existed: float32. */
  weightPrecision?: WeightPrecision;
  createdAt: number;
}

interface ViewsDB extends DBSchema {
  specs: { key: string; value: StoredSpec };
}

export const VIEWS_DB_NAME = 'gflowpo-lab-views';
const VERSION = 1;

let opened: Promise<IDBPDatabase<ViewsDB>> | undefined;

function db(): Promise<IDBPDatabase<ViewsDB>> {
  opened ??= openDB<ViewsDB>(VIEWS_DB_NAME, VERSION, {
    upgrade(database) {
      if (!database.objectStoreNames.contains('specs')) database.createObjectStore('specs', { keyPath: 'runId' });
    },
    // Another tab upgraded the schema: close so it can proceed; the next call opens the new version.
    blocking() {
      void opened?.then((d) => d.close());
      opened = undefined;
    },
    terminated() {
      opened = undefined;
    },
  }).catch((error: unknown) => {
    opened = undefined;
    throw error;
  });
  return opened;
}

export function storedChoice(choice: LocalModelChoice): StoredLocalChoice;
export function storedChoice(choice: ModelChoice): StoredChoice;
export function storedChoice(choice: ModelChoice): StoredChoice {
  if (choice.kind === 'files') return { kind: 'files', label: choice.label };
  // A remote server by address and model only: its key is never kept.
  if (choice.kind === 'openai') return { kind: 'openai', baseUrl: choice.baseUrl, model: choice.model, keyed: choice.keyed };
  if (choice.kind === 'hub') return { kind: 'hub', modelId: choice.modelId, host: choice.host, ...(choice.onnx ? { onnx: choice.onnx } : {}) };
  return { kind: 'demo', role: choice.role };
}

/**
 * The choice a stored one loads again; null for a picked folder (its files are not kept). A hub choice without an
 * ONNX variant, or with one this app does not read (a store written by another version), loads automatically.
 */
export function loadableChoice(choice: StoredLocalChoice): LocalModelChoice | null;
export function loadableChoice(choice: StoredChoice): ModelChoice | null;
export function loadableChoice(choice: StoredChoice): ModelChoice | null {
  if (choice.kind === 'files') return null;
  if (choice.kind !== 'hub') return choice;
  const onnx = (ONNX_MODEL_FILES as readonly unknown[]).includes(choice.onnx) ? { onnx: choice.onnx! } : {};
  return { kind: 'hub', modelId: choice.modelId, host: choice.host, ...onnx };
}

export function storedSpec(runId: string, spec: RunSpec): StoredSpec {
  return { runId, label: spec.label, group: spec.group, task: spec.task, promptModel: storedChoice(spec.promptModel), targetModel: storedChoice(spec.targetModel), backend: spec.backend, ...(spec.weightPrecision ? { weightPrecision: spec.weightPrecision } : {}), createdAt: spec.createdAt };
}

/** Keeps the spec of a run (best effort: without it the run still resumes with the models and task chosen in Setup). */
export async function saveSpec(spec: StoredSpec): Promise<void> {
  try {
    await (await db()).put('specs', spec);
  } catch {
    // No IndexedDB or no space: the run library still has the run; resuming then asks for the models and task.
  }
}

export async function loadSpec(runId: string): Promise<StoredSpec | null> {
  try {
    return (await (await db()).get('specs', runId)) ?? null;
  } catch {
    return null;
  }
}

export async function deleteSpec(runId: string): Promise<void> {
  try {
    await (await db()).delete('specs', runId);
  } catch {
    // Nothing to clean up where the store cannot open.
  }
}
