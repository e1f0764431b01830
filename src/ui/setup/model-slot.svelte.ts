// The model chosen for one role (prompt-LM or target-LM): the demo world's (when the build serves it), a curated hub
// id, a custom hub id, a local folder the user picked or dropped (read into memory and checked as a model before it
// can be used), or, for the target-LM only, an OpenAI-compatible server (remote-target.svelte.ts); for a hub model,
// which weights file to download (automatic, or one ONNX export by name). No DOM.
import { readLocalModelFiles } from '../../models/formats/local-files';
import { ONNX_MODEL_FILES } from '../../models/formats/onnx-files';
import type { OnnxVariant } from '../../models/hub/hub-weights';
import { type ShownError, toShownError } from '../common/errors';
import type { ModelChoice } from '../run/run-spec';
import { RemoteTargetChoice } from './remote-target.svelte';

export interface CuratedModel {
  id: string;
  note: string;
}

/** Small instruct models the compiled Llama-family path loads (safetensors on the hub). */
export const CURATED_MODELS: readonly CuratedModel[] = [
  { id: 'HuggingFaceTB/SmolLM2-135M-Instruct', note: '135M parameters, about 540 MB in float32' },
  { id: 'HuggingFaceTB/SmolLM2-360M-Instruct', note: '360M parameters, about 1.4 GB; WebGPU advised' },
  { id: 'Qwen/Qwen2.5-0.5B-Instruct', note: '494M parameters, about 2 GB; WebGPU advised' },
];

/** A hub model's weights file: '' is automatic, else one ONNX export under onnx/. */
export type WeightsFile = '' | OnnxVariant;

/** How the loader reads each ONNX export the app reads (every entry of ONNX_MODEL_FILES has one). */
const ONNX_VARIANT_NOTES: Readonly<Record<OnnxVariant, string>> = {
  'model.onnx': 'float32, as exported',
  'model_fp16.onnx': '16-bit floats, converted to float32 at load',
  'model_q4.onnx': '4-bit, dequantised to float32 at load',
  'model_q4f16.onnx': '4-bit with 16-bit scales, dequantised to float32 at load',
};

/** The "Weights file" select's options, automatic first, then the ONNX exports in the automatic choice's order. */
export const WEIGHTS_FILE_OPTIONS: readonly { value: WeightsFile; label: string }[] = [
  { value: '', label: 'Automatic (safetensors, else the first ONNX export)' },
  ...ONNX_MODEL_FILES.map((f) => ({ value: f, label: `onnx/${f} (${ONNX_VARIANT_NOTES[f]})` })),
];

/** The help line under the select. */
export const WEIGHTS_FILE_HELP =
  "Automatic downloads model.safetensors (or its shards), or, in a repo without them, the first ONNX export of this list (a transformers.js / onnx-community export). Choosing an export downloads that file even where safetensors exist; the repo must have it (if not, the download error lists the ONNX files it has). Every export is held in float32 once loaded: a 4-bit file is a smaller download, not a smaller model in memory (Frozen weights quantises at load).";

/** Whether `v` is a weights file the select offers. */
export function isWeightsFile(v: unknown): v is WeightsFile {
  return v === '' || (ONNX_MODEL_FILES as readonly unknown[]).includes(v);
}

/** 'openai': a target-LM on an OpenAI-compatible server (vLLM); offered for the target-LM only. */
export type ModelKind = 'demo' | 'curated' | 'custom' | 'folder' | 'openai';

/** 'owner/name' or 'name', as the hub allows. */
const HUB_ID = /^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

export class ModelSlot {
  kind = $state<ModelKind>('curated');
  curatedId = $state(CURATED_MODELS[0]!.id);
  customId = $state('');
  /** A hub model's weights file (curated or custom id): '' automatic, else this ONNX export. */
  onnx = $state<WeightsFile>('');
  folder = $state.raw<{ label: string; files: Map<string, Uint8Array>; bytes: number } | null>(null);
  folderError = $state<ShownError | null>(null);
  reading = $state(false);
  /** The user chose a source (the demo world, once detected, does not replace their choice). */
  touched = false;
  /** The server choice (used when kind is 'openai'; the target-LM only). */
  readonly remote = new RemoteTargetChoice();

  constructor(readonly role: 'prompt' | 'target') {}

  /** The choice to run with, or a sentence saying what is missing. */
  choice(hubHost: string | null): ModelChoice | string {
    switch (this.kind) {
      case 'demo':
        return { kind: 'demo', role: this.role };
      case 'curated':
        return { kind: 'hub', modelId: this.curatedId, host: hubHost, ...this.weightsFile() };
      case 'custom': {
        const id = this.customId.trim();
        if (id === '') return 'enter a model id such as owner/name';
        if (!HUB_ID.test(id)) return `"${id}" is not a hub model id (owner/name: letters, digits, '.', '_', '-')`;
        return { kind: 'hub', modelId: id, host: hubHost, ...this.weightsFile() };
      }
      case 'openai':
        return this.role === 'target' ? this.remote.choice() : 'a prompt-LM trains in the browser: choose a local source';
      case 'folder':
        return this.folder ? { kind: 'files', label: this.folder.label, files: this.folder.files } : 'pick or drop a model folder (config.json, tokenizer.json, *.safetensors)';
    }
  }

  private weightsFile(): { onnx?: OnnxVariant } {
    return this.onnx === '' ? {} : { onnx: this.onnx };
  }

  /** Reads a picked or dropped folder; keeps the previous folder when the new one is not a model. */
  async readFolder(files: File[]): Promise<void> {
    this.reading = true;
    this.folderError = null;
    try {
      const read = await readLocalModelFiles(files);
      const first = files[0] as (File & { webkitRelativePath?: string }) | undefined;
      const label = first?.webkitRelativePath?.split('/')[0] || first?.name || 'picked files';
      const bytes = [...read.values()].reduce((a, b) => a + b.byteLength, 0);
      this.folder = { label, files: read, bytes };
    } catch (error) {
      this.folderError = toShownError(error);
    } finally {
      this.reading = false;
    }
  }
}
