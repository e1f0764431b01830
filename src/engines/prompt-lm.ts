// The prompt-LM engine: loads a Llama-family model (hub id, picked files, a llama2.c checkpoint or a model in
// memory), samples prompts with the LoRA adapter on (train-mode dropout as the authors sample), scores them with
// it off (the reference prior) or on, and trains the adapter as a GFlowNet by micro-batches: accumulate() adds one
// micro-batch's gradient on the device, applyUpdate() takes one clipped AdamW step at the lr it is given (the
// warm-up is the loop's). Its settings come from a resolved GflowpoSettings (GFLOWPO_DEFAULTS: the one set of
// defaults). One device queue; exposed by workers/prompt-lm.
import { mulberry32 } from '../random/mulberry32';
import type { GflowpoSettings } from '../gflow/settings';
import { gflownetInputs, gflownetModel, gflownetOutputs } from '../models/llama/gflownet-objective';
import { type DownloadProgress, type HubSettings, fetchModel } from '../models/hub/hub';
import { parameterCount } from '../models/llama/weights';
import type { LlamaConfig } from '../models/llama/types';
import { type LoadedModel, endOfSequenceIds, loadLlama2cFile, loadModelFiles } from '../models/formats/load-model';
import { type LoraSettings, initialLora, loraFromSettings } from '../models/llama/lora';
import { type WeightPrecision, quantFormat } from '../models/llama/quantised-weights';
import { dropoutRowSeed } from '../models/llama/lora-dropout';
import { packPositioned, packSharedPrefix } from '../models/llama/target-positions';
import { type ModelCache, MemoryModelCache } from '../models/hub/model-cache';
import { compileAccumulatingBundle } from '../onnx/bundle';
import { decodeCheckpoint, encodeCheckpoint } from '../onnx/checkpoint';
import { CausalLM, logitBias, uploadLlamaWeights } from '../runtime/causal-lm';
import type { DeviceWeights } from '../runtime/device-weights';
import { type BackendInfo, type BackendPreference, chooseBackend } from '../runtime/device';
import { type HostTensor, type Ort, hostTensor } from '../runtime/host-tensor';
import { type ChatMessage, PromptTokenizer } from '../runtime/tokenizer';
import { type WeightsLease, weightResidency } from '../runtime/weight-residency';
import { llama2cIdentity, weightsIdentity } from './weights-identity';
import { Trainer } from '../runtime/trainer';

export type ModelSource =
  | { kind: 'hub'; modelId: string; settings?: Partial<HubSettings> }
  | { kind: 'files'; files: Map<string, Uint8Array> }
  | { kind: 'llama2c'; bytes: Uint8Array }
  /** A model already in memory (a generated config and weights; tests and benchmarks). */
  /** An already-read model; `identity` (a content identity, see weights-identity.ts) lets a target-LM share its weights. */
  | { kind: 'loaded'; model: LoadedModel; identity?: string };

/** What the prompt-LM reads from a resolved GflowpoSettings: the adapter, AdamW and the seed. */
export type PromptLMSettings = Pick<GflowpoSettings, 'seed' | 'lora' | 'gradClip' | 'weightDecay' | 'adamBeta1' | 'adamBeta2' | 'adamEpsilon'>;

/** How the engine runs, apart from the algorithm's settings. */
export interface PromptLMOptions {
  backend?: BackendPreference;
  /** Tokens prompts may contain (sampling, prior, logPF and training all renormalise over them); all when absent. */
  allowedTokens?: readonly number[];
  /** Frozen base weights quantised at load ('q8', 'q4': MatMulNBits, blocks of 32); the adapter stays float32. Default 'f32'. */
  weightPrecision?: WeightPrecision;
}

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

export interface PromptSamplingOptions {
  seeds: number[];
  temperature?: number;
  /** Default 50 (Hugging Face generate's). */
  topK?: number;
  topP?: number;
  maxNewTokens?: number;
  /** Default true. */
  adapter?: boolean;
  /** Train-mode LoRA dropout while sampling (the GFlowNet sampler's mode, as the authors sample). Default false. */
  dropout?: boolean;
  /** Reuse the rows' common prefix cache (one meta-prompt, many samples). */
  sharedPrefix?: boolean;
  eosTokenIds?: number[];
}

/** One (meta-prompt, prompt) pair of a micro-batch: token ids and the prompt's log-reward. */
export interface TrainingPair {
  prefix: readonly number[];
  prompt: readonly number[];
  logReward: number;
}

export interface AccumulateOptions {
  /** logZ before this micro-batch; null before the run's first one (then logZDecay must be 0). */
  logZ: number | null;
  /** EMA decay: 0 sets logZ to this micro-batch's mean(logR - logPF). */
  logZDecay: number;
  /** The step's micro-batch count: the loss is divided by it before its gradient is accumulated. */
  microBatches: number;
  /** 0-based index in the step; 0 first zeroes the accumulated gradient. */
  microBatch: number;
}

export interface AccumulateResult {
  /** mean((logZ' + logPF - logR)^2), not divided by microBatches. */
  loss: number;
  /** logZ after this micro-batch. */
  logZ: number;
  /** logPF of each pair (adapter on, train-mode dropout) before this step's update. */
  logPF: number[];
}

export interface UpdateResult {
  /** Updates applied so far. */
  step: number;
  gradNorm: number;
  finite: boolean;
}

export class PromptLMError extends Error {
  override name = 'PromptLMError';
}

interface Loaded {
  model: LoadedModel;
  tokenizer?: PromptTokenizer;
  weights: DeviceWeights;
  /** The shared copy of the frozen weights (one per content identity, see weight-residency.ts). */
  lease: WeightsLease;
  lm: CausalLM;
  trainer: Trainer;
  settings: PromptLMSettings;
  lora: LoraSettings;
  allowedTokens?: readonly number[];
  /** The logZ the last accumulate returned (null before any). */
  logZ: number | null;
  padTokenId: number;
  eos: number[];
}

export class PromptLM {
  private loaded: Loaded | undefined;

  constructor(
    private readonly loadOrt: () => Promise<Ort>,
    private readonly cache: ModelCache = new MemoryModelCache(),
  ) {}

  /** Loads the model and a fresh adapter (initialised from settings.seed) with its training graphs. */
  async load(source: ModelSource, settings: PromptLMSettings, options: PromptLMOptions = {}, onProgress?: (p: DownloadProgress) => void): Promise<ModelInfo> {
    const lora = loraFromSettings(settings.lora);
    let model: LoadedModel;
    let identity: string | undefined; // content identity of the weights: a target-LM of the same model shares them
    if (source.kind === 'llama2c') {
      model = loadLlama2cFile(source.bytes);
      identity = await llama2cIdentity(source.bytes);
    } else if (source.kind === 'loaded') {
      model = source.model;
      identity = source.identity;
    }
    else {
      const files = source.kind === 'files' ? source.files : await fetchModel(source.modelId, { cache: this.cache, ...(source.settings ? { settings: source.settings } : {}), ...(onProgress ? { onProgress } : {}) });
      model = loadModelFiles(files);
      identity = await weightsIdentity(files, model.config);
    }
    const tokenizer = model.tokenizer ? await PromptTokenizer.fromJson(model.tokenizer.json, model.tokenizer.config) : undefined;
    const backend = await chooseBackend(options.backend ?? 'auto');
    const ort = await this.loadOrt();
    await this.release();
    const precision = options.weightPrecision ?? 'f32';
    const quant = quantFormat(precision);
    const upload = () => uploadLlamaWeights(ort, backend.backend, model.config, model.weights, quant);
    if (identity && quant) identity = `${identity}:${precision}`; // a quantised copy is another set of weights
    const lease: WeightsLease = identity ? await weightResidency.acquire(backend.backend, identity, upload) : await upload().then((w) => ({ weights: w, release: () => w.release() }));
    const weights = lease.weights;
    const restricted = options.allowedTokens !== undefined;
    const bundle = compileAccumulatingBundle(gflownetModel(model.config, lora, { logitBias: restricted, sharedPrefix: true, ...(quant ? { quant } : {}) }), initialLora(model.config, lora, mulberry32(settings.seed)));
    const hyper = { beta1: settings.adamBeta1, beta2: settings.adamBeta2, eps: settings.adamEpsilon, weightDecay: settings.weightDecay, maxGradNorm: settings.gradClip };
    const trainer = await Trainer.create(ort, bundle, { backend: backend.backend, frozen: weights, hyper });
    const lm = await CausalLM.create(ort, model.config, weights, { lora, ...(restricted ? { allowedTokens: options.allowedTokens! } : {}), ...(quant ? { quant } : {}) });
    lm.setAdapter({ trainer });
    const eos = endOfSequenceIds(model, tokenizer?.eosTokenIds ?? []);
    const padTokenId = tokenizer?.padTokenId ?? eos[0] ?? 0;
    this.loaded = { model, weights, lease, lm, trainer, settings, lora, logZ: null, padTokenId, eos, ...(tokenizer ? { tokenizer } : {}), ...(restricted ? { allowedTokens: options.allowedTokens! } : {}) };
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

  /** Samples continuations (temperature, top-k, top-p); `sharedPrefix` reuses the rows' common prefix cache. */
  async sample(prompts: number[][], options: PromptSamplingOptions): Promise<PromptSample[]> {
    const st = this.state;
    const run = options.sharedPrefix ? st.lm.sampleSharedPrefix.bind(st.lm) : st.lm.sample.bind(st.lm);
    const samples = await run(prompts, {
      temperature: options.temperature ?? 1,
      ...(options.topK !== undefined ? { topK: options.topK } : {}),
      topP: options.topP ?? 0.9,
      maxNewTokens: options.maxNewTokens ?? 150,
      adapter: options.adapter ?? true,
      dropout: options.dropout ?? false,
      seeds: options.seeds,
      eosTokenIds: options.eosTokenIds ?? st.eos,
      padTokenId: st.padTokenId,
    });
    return samples.map((s) => ({ ...s, text: st.tokenizer ? st.tokenizer.decode(s.tokens, { skipSpecialTokens: true }) : '' }));
  }

  /** Summed log-probabilities of each continuation after its prefix, adapter on or off (eval mode). */
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

  /**
   * Forward and backward of one micro-batch of the GFlowNet objective (logits at the prompt tokens only); adds
   * grad(loss / microBatches) to the gradient accumulated on the device. Train-mode LoRA dropout, with masks
   * reproducible from (seed, updates so far, micro-batch index, row).
   */
  async accumulate(pairs: readonly TrainingPair[], options: AccumulateOptions): Promise<AccumulateResult> {
    const st = this.state;
    if (pairs.length === 0) throw new PromptLMError('accumulate needs at least one (meta-prompt, prompt) pair');
    if (!(Number.isInteger(options.microBatches) && options.microBatches >= 1)) throw new PromptLMError(`microBatches must be a positive integer, got ${options.microBatches}`);
    if (!(Number.isInteger(options.microBatch) && options.microBatch >= 0 && options.microBatch < options.microBatches)) {
      throw new PromptLMError(`microBatch must be an integer in [0, ${options.microBatches}), got ${options.microBatch}`);
    }
    if (!(options.logZDecay >= 0 && options.logZDecay < 1)) throw new PromptLMError(`logZDecay must be in [0, 1), got ${options.logZDecay}`);
    if (options.logZ === null && options.logZDecay !== 0) throw new PromptLMError('the first micro-batch of a run (logZ null) needs logZDecay 0: logZ starts at its batch mean');
    if (options.logZ !== null && !Number.isFinite(options.logZ)) throw new PromptLMError(`logZ must be a finite number or null, got ${options.logZ}`);
    if (options.microBatch === 0 && st.trainer.pendingMicroBatches > 0) await st.trainer.clearAccumulated();
    const r = await st.trainer.accumulate(this.trainingBatch(pairs, options), { scale: 1 / options.microBatches });
    const logZ = (r.outputs[gflownetOutputs.logZNext]!.data as Float32Array)[0]!;
    st.logZ = logZ;
    return { loss: r.loss, logZ, logPF: Array.from(r.outputs[gflownetOutputs.logPF]!.data as Float32Array) };
  }

  /** The forward pass of accumulate()'s graph alone (no gradient, nothing changes): logPF of each pair. For benchmarks. */
  async forwardOnly(pairs: readonly TrainingPair[], options: Pick<AccumulateOptions, 'logZ' | 'logZDecay' | 'microBatch'>): Promise<number[]> {
    if (pairs.length === 0) throw new PromptLMError('forwardOnly needs at least one (meta-prompt, prompt) pair');
    const out = await this.state.trainer.evaluate(this.trainingBatch(pairs, options));
    return Array.from(out[gflownetOutputs.logPF]!.data as Float32Array);
  }

  /**
   * The training graph's batch feeds for `pairs` (ids, positions, mask, prompt-token targets, logR, logZ, dropout
   * seeds): the pairs' common meta-prompt prefix apart, run once (sharedPrefix graph), or an empty prefix when
   * they share none.
   */
  private trainingBatch(pairs: readonly TrainingPair[], options: Pick<AccumulateOptions, 'logZ' | 'logZDecay' | 'microBatch'>): Record<string, HostTensor> {
    const st = this.state;
    const prefixes = pairs.map((p) => p.prefix);
    const prompts = pairs.map((p) => p.prompt);
    const b = packSharedPrefix(prefixes, prompts, st.padTokenId) ?? { ...packPositioned(prefixes, prompts, st.padTokenId), L: 0, prefixIds: new BigInt64Array(0), prefixPositions: new BigInt64Array(0), prefixMask: new Uint8Array(0) };
    const n = gflownetInputs;
    const f32 = (dims: number[], values: ArrayLike<number>) => hostTensor('float32', dims, Float32Array.from(values));
    const batch: Record<string, HostTensor> = {
      [n.prefixIds]: hostTensor('int64', [1, b.L], b.prefixIds),
      [n.prefixPositions]: hostTensor('int64', [1, b.L], b.prefixPositions),
      [n.prefixMask]: hostTensor('bool', [1, b.L, b.L], b.prefixMask),
      [n.ids]: hostTensor('int64', [b.B, b.T], b.ids),
      [n.positions]: hostTensor('int64', [b.B, b.T], b.positions),
      [n.mask]: hostTensor('bool', [b.B, b.T, b.T], b.mask),
      [n.targetIndex]: hostTensor('int64', [b.B, b.N], b.targetIndex),
      [n.targets]: hostTensor('int64', [b.B, b.N], b.targets),
      [n.targetMask]: hostTensor('float32', [b.B, b.N], b.targetMask),
      [n.logReward]: f32([b.B], pairs.map((p) => p.logReward)),
      [n.logZ]: f32([], [options.logZ ?? 0]),
      [n.logZDecay]: f32([], [options.logZDecay]),
    };
    if (st.allowedTokens) batch[n.logitBias] = hostTensor('float32', [st.model.config.vocabSize], logitBias(st.model.config.vocabSize, st.allowedTokens));
    if (st.lora.dropout > 0) {
      const base = mulberry32(((st.settings.seed * 7919) ^ (st.trainer.step * 104_729) ^ (options.microBatch * 1_299_709)) >>> 0);
      const seed = () => dropoutRowSeed(Math.floor(base() * 2 ** 32));
      batch[n.dropoutSeed] = f32([b.B], pairs.map(seed));
      batch[n.prefixDropoutSeed] = f32([1], [seed()]); // drawn after the rows': their masks are as before
    }
    return batch;
  }

  /** One clipped AdamW step (clip, weight decay and betas from the settings) at `lr` on the accumulated gradient. */
  async applyUpdate(options: { lr: number }): Promise<UpdateResult> {
    if (!(Number.isFinite(options.lr) && options.lr >= 0)) throw new PromptLMError(`lr must be a non-negative number, got ${options.lr}`);
    const r = await this.state.trainer.applyUpdate({ lr: options.lr });
    return { step: r.step, gradNorm: r.gradNorm, finite: r.finite };
  }

  /** Updates applied so far and the logZ the last accumulate returned (null before any). */
  adapterState(): { step: number; logZ: number | null } {
    return { step: this.state.trainer.step, logZ: this.state.logZ };
  }

  /** Adapter, AdamW moments, step and the last logZ as safetensors bytes (between steps: nothing accumulated). */
  async saveCheckpoint(): Promise<Uint8Array> {
    const st = this.state;
    if (st.trainer.pendingMicroBatches > 0) throw new PromptLMError(`${st.trainer.pendingMicroBatches} micro-batch(es) are accumulated but not applied; save between steps`);
    const c = await st.trainer.saveCheckpoint();
    return encodeCheckpoint(c, st.trainer.bundle.manifest.params, { logZ: JSON.stringify(st.logZ), lora: JSON.stringify(st.lora) });
  }

  /** Restores a checkpoint of saveCheckpoint; refuses one saved with another LoRA shape or a damaged logZ. */
  async loadCheckpoint(bytes: Uint8Array): Promise<void> {
    const st = this.state;
    const { checkpoint, metadata } = decodeCheckpoint(bytes, st.trainer.bundle.manifest.params);
    const saved = metadata['lora'];
    if (saved !== JSON.stringify(st.lora)) throw new PromptLMError(`the checkpoint's LoRA settings ${saved ?? '(missing)'} differ from this model's ${JSON.stringify(st.lora)}`);
    let logZ: unknown;
    try {
      logZ = JSON.parse(metadata['logZ'] ?? '');
    } catch {
      logZ = undefined;
    }
    if (!(logZ === null || (typeof logZ === 'number' && Number.isFinite(logZ)))) throw new PromptLMError(`checkpoint logZ '${metadata['logZ']}' is not a number or null`);
    await st.trainer.loadCheckpoint(checkpoint);
    st.logZ = logZ;
  }

  async release(): Promise<void> {
    const st = this.loaded;
    if (!st) return;
    this.loaded = undefined;
    await st.lm.release();
    await st.trainer.release();
    st.lease.release();
  }
}
