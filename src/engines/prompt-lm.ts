// The prompt-LM engine: loads a Llama-family model (hub id, picked files or a llama2.c checkpoint), then
// samples prompts with the LoRA adapter on, scores them with it off (the reference prior) or on, and trains
// the adapter as a GFlowNet (EMA logZ, linear warm-up). One device queue; exposed by workers/prompt-lm.
import { mulberry32 } from '../random/mulberry32';
import { ADAMW_DEFAULTS, type AdamWConfig } from '../autodiff/optimizer';
import { packSequences } from '../models/llama/sequence-batch';
import { gflownetModel } from '../models/llama/gflownet-objective';
import { type DownloadProgress, type HubSettings, fetchModel } from '../models/hub/hub';
import { parameterCount } from '../models/llama/weights';
import type { LlamaConfig } from '../models/llama/types';
import { type LoadedModel, endOfSequenceIds, loadLlama2cFile, loadModelFiles } from '../models/formats/load-model';
import { LORA_DEFAULTS, type LoraSettings, initialLora, validateLora } from '../models/llama/lora';
import { type ModelCache, MemoryModelCache } from '../models/hub/model-cache';
import { compileTrainingBundle } from '../onnx/bundle';
import { decodeCheckpoint, encodeCheckpoint } from '../onnx/checkpoint';
import { CausalLM, logitBias, uploadLlamaWeights } from '../runtime/causal-lm';
import type { DeviceWeights } from '../runtime/device-weights';
import { type BackendInfo, type BackendPreference, chooseBackend } from '../runtime/device';
import { type HostTensor, type Ort, hostTensor } from '../runtime/host-tensor';
import { type ChatMessage, PromptTokenizer } from '../runtime/tokenizer';
import { Trainer } from '../runtime/trainer';

export type ModelSource =
  | { kind: 'hub'; modelId: string; settings?: Partial<HubSettings> }
  | { kind: 'files'; files: Map<string, Uint8Array> }
  | { kind: 'llama2c'; bytes: Uint8Array }
  /** A model already in memory (a generated config and weights; tests and benchmarks). */
  | { kind: 'loaded'; model: LoadedModel };

export interface PromptLMSettings {
  backend: BackendPreference;
  lora: LoraSettings;
  adamw: AdamWConfig;
  /** Linear warm-up of the learning rate over this many updates (GFlowPO: 100). */
  warmupSteps: number;
  /** EMA decay of logZ (0.99; 0 is pure VarGrad). */
  logZDecay: number;
  /** Seed of the adapter's initialisation and its dropout masks. */
  seed: number;
  /** Tokens prompts may contain (sampling, prior, logPF and training all renormalise over them); all when absent. */
  allowedTokens?: readonly number[];
}

/** GFlowPO's defaults: LoRA r 16 / alpha 32 / dropout 0.05 on q and v, AdamW lr 1e-4, clip 1.0, warm-up 100. */
export const PROMPT_LM_DEFAULTS: Readonly<PromptLMSettings> = Object.freeze({
  backend: 'auto',
  lora: LORA_DEFAULTS,
  adamw: { ...ADAMW_DEFAULTS, lr: 1e-4, weightDecay: 0, maxGradNorm: 1.0 },
  warmupSteps: 100,
  logZDecay: 0.99,
  seed: 0,
});

export interface ModelInfo {
  modelType: LlamaConfig['modelType'];
  parameters: number;
  adapterParameters: number;
  vocabSize: number;
  hasTokenizer: boolean;
  hasChatTemplate: boolean;
  eosTokenIds: number[];
  backend: BackendInfo;
}

export interface PromptSample {
  tokens: number[];
  /** Decoded text without special tokens ('' when the model has no tokenizer). */
  text: string;
  logProb: number;
  finished: boolean;
}

/** One (meta-prompt, prompt) pair of a train step: token ids and the prompt's log-reward. */
export interface TrainingPair {
  prefix: readonly number[];
  prompt: readonly number[];
  logReward: number;
}

export interface TrainStepResult {
  step: number;
  loss: number;
  gradNorm: number;
  finite: boolean;
  /** logZ after this step's EMA update. */
  logZ: number;
  /** logPF of each pair under the adapter before the update. */
  logPF: number[];
  lr: number;
}

export class PromptLMError extends Error {
  override name = 'PromptLMError';
}

interface Loaded {
  model: LoadedModel;
  tokenizer?: PromptTokenizer;
  weights: DeviceWeights;
  lm: CausalLM;
  trainer: Trainer;
  settings: PromptLMSettings;
  logZ: number;
  padTokenId: number;
  eos: number[];
}

export class PromptLM {
  private loaded: Loaded | undefined;

  constructor(
    private readonly loadOrt: () => Promise<Ort>,
    private readonly cache: ModelCache = new MemoryModelCache(),
  ) {}

  async load(source: ModelSource, settings: Partial<PromptLMSettings> = {}, onProgress?: (p: DownloadProgress) => void): Promise<ModelInfo> {
    const s: PromptLMSettings = { ...PROMPT_LM_DEFAULTS, ...settings, adamw: { ...PROMPT_LM_DEFAULTS.adamw, ...settings.adamw } };
    validateLora(s.lora);
    let model: LoadedModel;
    if (source.kind === 'llama2c') model = loadLlama2cFile(source.bytes);
    else if (source.kind === 'loaded') model = source.model;
    else {
      const files = source.kind === 'files' ? source.files : await fetchModel(source.modelId, { cache: this.cache, ...(source.settings ? { settings: source.settings } : {}), ...(onProgress ? { onProgress } : {}) });
      model = loadModelFiles(files);
    }
    const tokenizer = model.tokenizer ? await PromptTokenizer.fromJson(model.tokenizer.json, model.tokenizer.config) : undefined;
    const backend = await chooseBackend(s.backend);
    const ort = await this.loadOrt();
    await this.release();
    const weights = await uploadLlamaWeights(ort, backend.backend, model.config, model.weights);
    const init = initialLora(model.config, s.lora, mulberry32(s.seed));
    const bundle = compileTrainingBundle(gflownetModel(model.config, s.lora, { logitBias: s.allowedTokens !== undefined }), init);
    const trainer = await Trainer.create(ort, bundle, { backend: backend.backend, frozen: weights, hyper: s.adamw });
    const lm = await CausalLM.create(ort, model.config, weights, { lora: s.lora, ...(s.allowedTokens ? { allowedTokens: s.allowedTokens } : {}) });
    lm.setAdapter({ trainer });
    const eos = endOfSequenceIds(model, tokenizer?.eosTokenIds ?? []);
    const padTokenId = tokenizer?.padTokenId ?? eos[0] ?? 0;
    this.loaded = { model, weights, lm, trainer, settings: s, logZ: 0, padTokenId, eos, ...(tokenizer ? { tokenizer } : {}) };
    return {
      modelType: model.config.modelType,
      parameters: parameterCount(model.config),
      adapterParameters: bundle.manifest.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0),
      vocabSize: model.config.vocabSize,
      hasTokenizer: tokenizer !== undefined,
      hasChatTemplate: tokenizer?.hasChatTemplate ?? false,
      eosTokenIds: eos,
      backend,
    };
  }

  private get state(): Loaded {
    if (!this.loaded) throw new PromptLMError('no model is loaded; call load() first');
    return this.loaded;
  }

  private get tokenizer(): PromptTokenizer {
    const t = this.state.tokenizer;
    if (!t) throw new PromptLMError('this model has no tokenizer (a llama2.c checkpoint): pass token ids');
    return t;
  }

  /** Text -> ids, with BOS etc. as the tokenizer adds them. */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { addSpecialTokens: true });
  }

  /** Text -> ids without special tokens (a continuation). */
  encodeText(text: string): number[] {
    return this.tokenizer.encode(text, { addSpecialTokens: false });
  }

  /** Chat messages -> ids through the model's chat template (with the assistant turn opened). */
  encodeChat(messages: ChatMessage[], addGenerationPrompt = true): number[] {
    return this.tokenizer.encodeChat(messages, { addGenerationPrompt });
  }

  decode(ids: readonly number[]): string {
    return this.tokenizer.decode(ids, { skipSpecialTokens: true });
  }

  /** Samples continuations; `sharedPrefix` reuses the rows' common prefix cache (one meta-prompt, many samples). */
  async sample(
    prompts: number[][],
    options: { seeds: number[]; temperature?: number; topP?: number; maxNewTokens?: number; adapter?: boolean; sharedPrefix?: boolean; eosTokenIds?: number[] },
  ): Promise<PromptSample[]> {
    const st = this.state;
    const run = options.sharedPrefix ? st.lm.sampleSharedPrefix.bind(st.lm) : st.lm.sample.bind(st.lm);
    const samples = await run(prompts, {
      temperature: options.temperature ?? 1,
      topP: options.topP ?? 0.9,
      maxNewTokens: options.maxNewTokens ?? 150,
      adapter: options.adapter ?? true,
      seeds: options.seeds,
      eosTokenIds: options.eosTokenIds ?? st.eos,
      padTokenId: st.padTokenId,
    });
    return samples.map((s) => ({ ...s, text: st.tokenizer ? st.tokenizer.decode(s.tokens, { skipSpecialTokens: true }) : '' }));
  }

  score(prefixes: number[][], continuations: number[][], options: { adapter: boolean; sharedPrefix?: boolean }): Promise<number[]> {
    const opts = { adapter: options.adapter, padTokenId: this.state.padTokenId };
    return options.sharedPrefix ? this.state.lm.scoreSharedPrefix(prefixes, continuations, opts) : this.state.lm.score(prefixes, continuations, opts);
  }

  /** End-of-sequence id appended to prompts when they are scored or trained on. */
  get eosTokenId(): number {
    const eos = this.state.eos[0];
    if (eos === undefined) throw new PromptLMError('the model declares no end-of-sequence token');
    return eos;
  }

  /** One GFlowNet update on the pairs (right-padded into one batch); lr follows the linear warm-up unless given. */
  async trainStep(pairs: readonly TrainingPair[], overrides: { lr?: number; logZDecay?: number } = {}): Promise<TrainStepResult> {
    const st = this.state;
    if (pairs.length === 0) throw new PromptLMError('trainStep needs at least one (prefix, prompt) pair');
    const { B, T, ids, targets, targetMask, mask, positions } = packSequences(pairs.map((p) => p.prefix), pairs.map((p) => p.prompt), st.padTokenId);
    const next = st.trainer.step + 1;
    const lr = overrides.lr ?? st.settings.adamw.lr * Math.min(1, next / Math.max(1, st.settings.warmupSteps));
    const batch: Record<string, HostTensor> = {
      input_ids: hostTensor('int64', [B, T], ids),
      position_ids: hostTensor('int64', [B, T], positions),
      attn_mask: hostTensor('bool', [B, T, T], mask),
      targets: hostTensor('int64', [B, T], targets),
      target_mask: hostTensor('float32', [B, T], targetMask),
      log_reward: hostTensor('float32', [B], Float32Array.from(pairs.map((p) => p.logReward))),
      logz: hostTensor('float32', [], Float32Array.from([st.logZ])),
      logz_decay: hostTensor('float32', [], Float32Array.from([overrides.logZDecay ?? st.settings.logZDecay])),
    };
    // A fresh dropout mask each update, reproducible from the run seed and the update count.
    if (st.settings.allowedTokens) {
      const bias = logitBias(st.model.config.vocabSize, st.settings.allowedTokens);
      batch['logit_bias'] = hostTensor('float32', [bias.length], bias);
    }
    if (st.settings.lora.dropout > 0) batch['dropout_seed'] = hostTensor('float32', [], Float32Array.from([(st.settings.seed * 7919 + next) % 100_003]));
    const r = await st.trainer.trainStep(batch, { lr });
    const logZ = (r.outputs['logz_next']!.data as Float32Array)[0]!;
    if (r.finite) st.logZ = logZ;
    return { step: r.step, loss: r.loss, gradNorm: r.gradNorm, finite: r.finite, logZ: st.logZ, logPF: Array.from(r.outputs['log_pf']!.data as Float32Array), lr };
  }

  /** Adapter, AdamW state, step and logZ as safetensors bytes. */
  async saveCheckpoint(): Promise<Uint8Array> {
    const st = this.state;
    const c = await st.trainer.saveCheckpoint();
    return encodeCheckpoint(c, st.trainer.bundle.manifest.params, { logZ: String(st.logZ), lora: JSON.stringify(st.settings.lora) });
  }

  async loadCheckpoint(bytes: Uint8Array): Promise<void> {
    const st = this.state;
    const { checkpoint, metadata } = decodeCheckpoint(bytes, st.trainer.bundle.manifest.params);
    const logZ = Number(metadata['logZ'] ?? 0);
    if (!Number.isFinite(logZ)) throw new PromptLMError(`checkpoint logZ '${metadata['logZ']}' is not a number`);
    await st.trainer.loadCheckpoint(checkpoint);
    st.logZ = logZ;
  }

  async release(): Promise<void> {
    const st = this.loaded;
    if (!st) return;
    this.loaded = undefined;
    await st.lm.release();
    await st.trainer.release();
    st.weights.release();
  }
}
