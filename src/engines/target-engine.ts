// The target-LM engine a worker exposes: loads a model (hub id, picked files, or an onnx-community export for
// transformers.js) on the chosen backend and evaluates prompts on task splits, counting model calls.
import { type DownloadProgress, type HubSettings, fetchModel, fetchModelFiles } from '../models/hub/hub';
import { endOfSequenceIds, loadModelFiles } from '../models/formats/load-model';
import { type ModelCache, MemoryModelCache } from '../models/hub/model-cache';
import type { PromptEvaluation, SplitName } from '../tasks/evaluate';
import type { Example, Task } from '../tasks/task';
import { CausalLM, uploadLlamaWeights } from '../runtime/causal-lm';
import { type BackendInfo, type BackendPreference, chooseBackend } from '../runtime/device';
import type { Ort } from '../runtime/host-tensor';
import { CompiledTargetLM, type TargetLM, TransformersTargetLM } from './target-lm';
import { PromptTokenizer } from '../runtime/tokenizer';
import { TransformersLM } from '../runtime/transformers-lm';

export type TargetImplementation = 'compiled' | 'transformers.js';

export type TargetSource =
  | { kind: 'hub'; modelId: string; settings?: Partial<HubSettings> }
  | { kind: 'files'; files: Map<string, Uint8Array> };

export interface TargetInfo {
  id: string;
  implementation: TargetImplementation;
  backend: BackendInfo;
}

export class TargetEngineError extends Error {
  override name = 'TargetEngineError';
}

/** Files transformers.js needs from an onnx-community repository (fp32 export). */
const TRANSFORMERS_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'];
const TRANSFORMERS_OPTIONAL = ['generation_config.json', 'onnx/model.onnx_data'];

export class TargetEngine {
  private target: TargetLM | undefined;
  private releaseCurrent: (() => Promise<void>) | undefined;

  constructor(
    private readonly loadOrt: () => Promise<Ort>,
    private readonly cache: ModelCache = new MemoryModelCache(),
  ) {}

  async load(source: TargetSource, options: { implementation: TargetImplementation; backend?: BackendPreference }, onProgress?: (p: DownloadProgress) => void): Promise<TargetInfo> {
    const backend = await chooseBackend(options.backend ?? 'auto');
    const ort = await this.loadOrt();
    const name = source.kind === 'hub' ? source.modelId : 'local files';
    const fetchOptions = { cache: this.cache, ...(source.kind === 'hub' && source.settings ? { settings: source.settings } : {}), ...(onProgress ? { onProgress } : {}) };
    await this.release();
    if (options.implementation === 'compiled') {
      const files = source.kind === 'files' ? source.files : await fetchModel(source.modelId, fetchOptions);
      const model = loadModelFiles(files);
      if (!model.tokenizer) throw new TargetEngineError(`${name} has no tokenizer.json; a target LM needs one to read task text`);
      const tokenizer = await PromptTokenizer.fromJson(model.tokenizer.json, model.tokenizer.config);
      const lm = await CausalLM.create(ort, model.config, await uploadLlamaWeights(ort, backend.backend, model.config, model.weights));
      const eos = endOfSequenceIds(model, tokenizer.eosTokenIds);
      this.target = new CompiledTargetLM(`${name}@compiled/${backend.backend}`, lm, tokenizer, eos, tokenizer.padTokenId ?? eos[0] ?? 0);
      this.releaseCurrent = async () => {
        await lm.release();
        lm.weights.release();
      };
    } else {
      const files = source.kind === 'files' ? source.files : await fetchModelFiles(source.modelId, [...TRANSFORMERS_FILES, ...TRANSFORMERS_OPTIONAL], { ...fetchOptions, optional: TRANSFORMERS_OPTIONAL });
      const json = (f: string): unknown => {
        const bytes = files.get(f);
        if (!bytes) throw new TargetEngineError(`${name} lacks ${f}; transformers.js needs ${TRANSFORMERS_FILES.join(', ')}`);
        return JSON.parse(new TextDecoder().decode(bytes));
      };
      const tokenizer = await PromptTokenizer.fromJson(json('tokenizer.json'), json('tokenizer_config.json'));
      const device = backend.backend === 'webgpu' ? 'webgpu' : typeof window === 'undefined' && typeof process !== 'undefined' ? 'cpu' : 'wasm';
      const lm = await TransformersLM.fromFiles(Object.fromEntries(files), { device });
      const generation = files.has('generation_config.json') ? (json('generation_config.json') as Record<string, unknown>) : {};
      const extra = generation['eos_token_id'];
      const eos = [...new Set([...tokenizer.eosTokenIds, ...(Array.isArray(extra) ? extra : typeof extra === 'number' ? [extra] : [])])] as number[];
      this.target = new TransformersTargetLM(`${name}@transformers.js/${device}`, lm, tokenizer, eos, tokenizer.padTokenId ?? eos[0] ?? 0);
      this.releaseCurrent = () => lm.release();
    }
    return { id: this.target.id, implementation: options.implementation, backend };
  }

  evaluate(task: Task, prompt: string, split: SplitName, examples?: readonly Example[]): Promise<PromptEvaluation> {
    if (!this.target) throw new TargetEngineError('no target LM is loaded; call load() first');
    return this.target.evaluate(task, prompt, split, examples);
  }

  /** Model calls (evaluate batches) since load. */
  get calls(): number {
    return this.target?.calls ?? 0;
  }

  async release(): Promise<void> {
    const r = this.releaseCurrent;
    this.target = undefined;
    this.releaseCurrent = undefined;
    await r?.();
  }
}
