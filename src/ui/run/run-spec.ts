// What the setup view hands to a run: the models for each role, the task, the settings and the backend, with a
// label ("GFlowPO", "prior-only", …) and a group for runs launched together. Pure data and its small helpers.
import { DEMO_MODEL_NAMES, type DemoRole } from '../../demo/world/recipes';
import type { ModelSource } from '../../engines/prompt-lm';
import type { TargetSource } from '../../engines/target-engine';
import type { GflowpoMode, GflowpoSettingsInput } from '../../gflow/settings';
import type { OnnxVariant } from '../../models/hub/hub-weights';
import type { WeightPrecision } from '../../models/llama/quantised-weights';
import type { BackendPreference } from '../../runtime/device';
import type { Task } from '../../tasks/task';
import { RemoteKeyNeededError, sessionKeys } from '../setup/remote-keys.svelte';

export type ModelChoice =
  /** The demo world's model for a role (public/models/, served with the app, checked against its model card). */
  | { kind: 'demo'; role: DemoRole }
  /**
   * A Hugging Face model id, from the hub or a mirror with the hub's URL layout (`host`; null: huggingface.co);
   * `onnx`: download this ONNX export (onnx/<name>) instead of the automatic choice (safetensors, else the first
   * export in ONNX_MODEL_FILES order); absent: automatic.
   */
  | { kind: 'hub'; modelId: string; host: string | null; onnx?: OnnxVariant }
  /** A model folder the user picked or dropped, read into memory (config.json, tokenizer, safetensors). */
  | { kind: 'files'; label: string; files: Map<string, Uint8Array> }
  /**
   * A target-LM on an OpenAI-compatible server (vLLM): its base URL and served model; `keyed` says it needs an API
   * key, which is never in the choice: it stays in this page's memory (src/ui/setup/remote-keys.svelte.ts).
   */
  | { kind: 'openai'; baseUrl: string; model: string; keyed: boolean };

/** The choices a prompt-LM can have (it trains in the browser: never a remote server). */
export type LocalModelChoice = Exclude<ModelChoice, { kind: 'openai' }>;

export interface RunSpec {
  id: string;
  /** What distinguishes it within its group: the mode ("GFlowPO", "prior-only", …). */
  label: string;
  /** Runs launched together share a group id (compared side by side); null for a lone run. */
  group: string | null;
  task: Task;
  promptModel: LocalModelChoice;
  targetModel: ModelChoice;
  settings: GflowpoSettingsInput;
  backend: BackendPreference;
  /** Both models' frozen base weights quantised at load ('q8', 'q4'); absent or 'f32': float32. */
  weightPrecision?: WeightPrecision;
  /** ms since the epoch. */
  createdAt: number;
}

export const MODE_LABELS: Readonly<Record<GflowpoMode, string>> = {
  gflowpo: 'GFlowPO',
  'prior-only': 'prior-only (APE-like)',
  'no-replay': 'no replay',
  'no-dmu': 'no DMU',
  manual: 'manual prompt',
};

export function modelLabel(choice: ModelChoice): string {
  if (choice.kind === 'demo') return `${DEMO_MODEL_NAMES[choice.role]} (demo world)`;
  if (choice.kind === 'hub') {
    const details = [...(choice.onnx ? [`onnx/${choice.onnx}`] : []), ...(choice.host ? [`from ${choice.host}`] : [])];
    return details.length > 0 ? `${choice.modelId} (${details.join(', ')})` : choice.modelId;
  }
  if (choice.kind === 'openai') return `${choice.model} (server ${choice.baseUrl})`;
  return `${choice.label} (local folder)`;
}

/** Where the app serves the demo models (public/models/ in the source tree). */
export function demoModelsUrl(): string {
  return new URL('models/', location.href).href;
}

/**
 * The source the engines load: hub ids (with their host and ONNX variant as hub settings) and picked files as they are; the demo models fetched and checked first; a
 * remote server with the key this page holds for it (a keyed server without one: RemoteKeyNeededError).
 */
export async function modelSource(choice: LocalModelChoice): Promise<ModelSource & TargetSource>;
export async function modelSource(choice: ModelChoice): Promise<TargetSource>;
export async function modelSource(choice: ModelChoice): Promise<TargetSource> {
  if (choice.kind === 'openai') {
    const apiKey = sessionKeys.get(choice.baseUrl);
    if (choice.keyed && !apiKey) throw new RemoteKeyNeededError(`the target-LM server ${choice.baseUrl} (${choice.model}) needs its API key, which the lab keeps only in this page's memory (never stored): enter it where this run asks for it, then press Resume`);
    return { kind: 'openai', baseUrl: choice.baseUrl, model: choice.model, ...(apiKey ? { apiKey } : {}) };
  }
  if (choice.kind === 'demo') {
    // Loaded when a demo run starts: the reader and its hash check are not part of the page's first download.
    const { demoModelSource } = await import('../../demo/world/models');
    return demoModelSource(choice.role, { baseUrl: demoModelsUrl() });
  }
  if (choice.kind === 'hub') {
    const settings = { ...(choice.host ? { host: choice.host } : {}), ...(choice.onnx ? { onnx: choice.onnx } : {}) };
    return { kind: 'hub', modelId: choice.modelId, ...(Object.keys(settings).length > 0 ? { settings } : {}) };
  }
  return { kind: 'files', files: choice.files };
}

/** A fresh run id: URL-safe, unique per browser (random UUID). */
export function newRunId(): string {
  return crypto.randomUUID();
}
