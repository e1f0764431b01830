// The target-LM engine a worker exposes: loads a model (hub id, picked files, or an onnx-community export for
// transformers.js) on the chosen backend, or connects to an OpenAI-compatible server (remote-target.ts), and
// evaluates prompts on task splits, counting model calls. A local target's id carries a content hash of the files
// that decide its outputs (target-identity.ts), its implementation and backend; a remote one's, the server's model card.
import { type DownloadProgress, type HubSettings, fetchModel, fetchModelFiles } from '../models/hub/hub';
import { endOfSequenceIds, loadModelFiles, weightFileNames } from '../models/formats/load-model';
import { type ModelCache, MemoryModelCache } from '../models/hub/model-cache';
import type { PromptEvaluation, SplitName } from '../tasks/evaluate';
import type { Example, Task } from '../tasks/task';
import { CausalLM, uploadLlamaWeights } from '../runtime/causal-lm';
import { type BackendInfo, type BackendPreference, chooseBackend } from '../runtime/device';
import type { Ort } from '../runtime/host-tensor';
import { type RemoteTargetInfo, RemoteTargetLM, type RemoteTargetSettings, type RemoteUsage } from './remote-target';
import { contentHash, localTargetId } from './target-identity';
import { CompiledTargetLM, type TargetLM, TransformersTargetLM } from './target-lm';
import { weightResidency } from '../runtime/weight-residency';
import { weightsIdentity } from './weights-identity';
import { type WeightPrecision, quantFormat } from '../models/llama/quantised-weights';
import { PromptTokenizer } from '../runtime/tokenizer';
import { TransformersLM } from '../runtime/transformers-lm';

export type TargetImplementation = 'compiled' | 'transformers.js';

export type TargetSource =
  | { kind: 'hub'; modelId: string; settings?: Partial<HubSettings> }
  | { kind: 'files'; files: Map<string, Uint8Array> }
  /** An OpenAI-compatible server (vLLM); the key stays in memory (never in the id, errors, events or stored data). */
  | { kind: 'openai'; baseUrl: string; model: string; apiKey?: string; settings?: Partial<RemoteTargetSettings> };

export interface TargetInfo {
  id: string;
  implementation: TargetImplementation | 'openai-compatible';
  /** Where a local target runs; null for a remote one (see `remote`). */
  backend: BackendInfo | null;
  /** A remote target's server, model and model card. */
  remote?: RemoteTargetInfo;
}

/** Optional files that change a local target's outputs when present (hashed into its id with config and weights). */
const COMPILED_IDENTITY_OPTIONAL = ['generation_config.json', 'tokenizer.json', 'tokenizer_config.json'];

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

  /** options.weightPrecision ('compiled' only): frozen weights quantised at load ('q8', 'q4'); default 'f32'. It is part of the target's id. */
  async load(source: TargetSource, options: { implementation: TargetImplementation; backend?: BackendPreference; weightPrecision?: WeightPrecision }, onProgress?: (p: DownloadProgress) => void): Promise<TargetInfo> {
    if (source.kind === 'openai') {
      const remote = await RemoteTargetLM.connect({ baseUrl: source.baseUrl, model: source.model, ...(source.apiKey ? { apiKey: source.apiKey } : {}), ...(source.settings ? { settings: source.settings } : {}) });
      await this.release();
      this.target = remote;
      return { id: remote.id, implementation: 'openai-compatible', backend: null, remote: remote.info };
    }
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
      // One device copy per weights identity: a prompt-LM of the same model in this worker shares it.
      const precision = options.weightPrecision ?? 'f32';
      const quant = quantFormat(precision);
      const upload = () => uploadLlamaWeights(ort, backend.backend, model.config, model.weights, quant);
      const identity = await weightsIdentity(files, model.config);
      const shared = identity && quant ? `${identity}:${precision}` : identity;
      const lease = shared ? await weightResidency.acquire(backend.backend, shared, upload) : await upload().then((w) => ({ weights: w, release: () => w.release() }));
      const lm = await CausalLM.create(ort, model.config, lease.weights, quant ? { quant } : {});
      const eos = endOfSequenceIds(model, tokenizer.eosTokenIds);
      const weights = weightFileNames(files, model.config); // safetensors shards, or an ONNX export and its data
      const hash = await contentHash(files, ['config.json', ...COMPILED_IDENTITY_OPTIONAL.filter((f) => files.has(f)), ...weights]);
      this.target = new CompiledTargetLM(localTargetId(name, quant ? `compiled-${precision}` : 'compiled', backend.backend, hash), lm, tokenizer, eos, tokenizer.padTokenId ?? eos[0] ?? 0);
      this.releaseCurrent = async () => {
        await lm.release();
        lease.release();
      };
    } else {
      const files = source.kind === 'files' ? source.files : await fetchModelFiles(source.modelId, [...TRANSFORMERS_FILES, ...TRANSFORMERS_OPTIONAL], { ...fetchOptions, optional: TRANSFORMERS_OPTIONAL });
      const json = (f: string): unknown => {
        const bytes = files.get(f);
        if (!bytes) throw new TargetEngineError(`${name} lacks ${f}; transformers.js needs ${TRANSFORMERS_FILES.join(', ')}`);
        try {
          return JSON.parse(new TextDecoder().decode(bytes));
        } catch (error) {
          throw new TargetEngineError(`${name}: ${f} is not valid JSON (${(error as Error).message}); replace it with the model's original file`);
        }
      };
      const tokenizer = await PromptTokenizer.fromJson(json('tokenizer.json'), json('tokenizer_config.json'));
      const device = backend.backend === 'webgpu' ? 'webgpu' : typeof window === 'undefined' && typeof process !== 'undefined' ? 'cpu' : 'wasm';
      const generation = files.has('generation_config.json') ? (json('generation_config.json') as Record<string, unknown> | null) : {};
      const extra = generation?.['eos_token_id'];
      const listed: unknown[] = Array.isArray(extra) ? extra : extra === undefined || extra === null ? [] : [extra];
      if (listed.some((x) => !(typeof x === 'number' && Number.isInteger(x) && x >= 0))) {
        throw new TargetEngineError(`${name}: generation_config.json's eos_token_id must be a token id or a list of them, got ${JSON.stringify(extra)}; fix or remove that entry`);
      }
      const eos = [...new Set([...tokenizer.eosTokenIds, ...(listed as number[])])];
      const lm = await TransformersLM.fromFiles(Object.fromEntries(files), { device });
      const hash = await contentHash(files, [...TRANSFORMERS_FILES, ...TRANSFORMERS_OPTIONAL.filter((f) => files.has(f))]);
      this.target = new TransformersTargetLM(localTargetId(name, 'transformers.js', device, hash), lm, tokenizer, eos, tokenizer.padTokenId ?? eos[0] ?? 0);
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

  /** A remote target's requests, retries, prompt and generated tokens since load (null for a local target). */
  get usage(): (RemoteUsage & { calls: number }) | null {
    return this.target instanceof RemoteTargetLM ? this.target.usage : null;
  }

  /** A remote target whose circuit opened (server gone): try the next request at once (the user says it is back). */
  resetConnection(): void {
    if (this.target instanceof RemoteTargetLM) this.target.resetCircuit();
  }

  async release(): Promise<void> {
    const r = this.releaseCurrent;
    this.target = undefined;
    this.releaseCurrent = undefined;
    await r?.();
  }
}
