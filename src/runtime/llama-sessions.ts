// Graphs and sessions of one Llama-family model on onnxruntime-web: where the frozen weights go (baked in as
// initialisers or fed as shared device inputs), five lazily opened sessions (decoder, shared-prefix decoder,
// scorer, shared-prefix scorer, next-token scorer; with `oneDecoder` the shared-prefix decoder serves every
// decoding call, an empty prefix standing for none), and the feeds every run needs (frozen weights, LoRA weights
// and switch, logit bias, LoRA dropout). Frozen weights are float32 or quantised at load (options.quant:
// MatMulNBits codes, the adapter stays float32). Runs nothing itself; sampling and scoring live in their own files.
import type * as ortTypes from 'onnxruntime-web';
import { type WeightPlacement, decoderGraph, io, nextTokenGraph, scoringGraph } from '../models/llama/graphs';
import { dropoutRowSeed } from '../models/llama/lora-dropout';
import type { LlamaConfig, LlamaWeights } from '../models/llama/types';
import { type QuantFormat, frozenHostWeights, frozenWeightSpecs } from '../models/llama/quantised-weights';
import { type LoraSettings, loraParamSpecs } from '../models/llama/lora';
import type { Backend } from './device';
import { DeviceWeights } from './device-weights';
import { FeedError, type Ort, hostTensor, toOrt } from './host-tensor';
import type { Trainer } from './trainer';
import { ortWebGpuDevice } from './webgpu-device';

/** Largest weight size both wasm decoders bake in (two sessions plus prepacked copies must fit ~1 GiB). */
export const WASM_BAKE_LIMIT_BYTES = 96 * 2 ** 20;
/** The two scorers (the target LM's hot path) bake in below this: four sessions then hold copies. */
export const WASM_BAKE_SCORERS_LIMIT_BYTES = 48 * 2 ** 20;
/**
 * Large weights (above WASM_BAKE_LIMIT_BYTES) bake into one decoder session while the realm's budget has room (a
 * 135M-parameter model in float32 is 513 MiB): fed as inputs, every decode step copies them all into the wasm heap
 * and MatMul cannot prepack them (at SmolLM2-135M's shapes a step of 4 rows took ~350 ms fed, ~150 ms baked). The
 * scorers, whose runs are few and long, keep the one shared input copy. One wasm heap (at most 4 GiB) serves every
 * session of a worker, so the budget is per realm; lower it on a device short of memory.
 */
export const wasmBakeBudget = { bytes: 640 * 2 ** 20 };

/** Bytes baked into large one-decoder sessions in this realm (the first model to sample; the rest feed theirs). */
let largeBakedBytes = 0;

/**
 * The model whose one decoder holds each set of weights baked in, by weights copy (registered when its decoder first
 * opens baked). Another model over the same copy (a target-LM of the prompt-LM's base model) runs its adapter-off
 * calls on that decoder instead of feeding the weights: residentDecoder().
 */
const bakedBy = new Map<DeviceWeights, LlamaSessions>();

/** A decoding call's session (LlamaSessions.decoderFor). */
export interface DecoderCall {
  session: ortTypes.InferenceSession;
  /** The session holds the weights (its own bake, or another model's: residentDecoder). */
  baked: boolean;
  /** Frozen weights unless baked, adapter and its switch, logit bias, LoRA dropout (one seed per row). */
  feeds(adapter: boolean, seeds: readonly number[], train: boolean): Record<string, ortTypes.Tensor>;
  /** The shared prefix's cache, an empty prefix, or nothing, as the session needs. */
  prefix: Record<string, ortTypes.Tensor>;
  done(): void;
}

/** A decoder session that holds another model's baked copy of these weights, and the feeds that switch its adapter off. */
export interface ResidentDecoder {
  session: ortTypes.InferenceSession;
  /** Everything but ids, positions, mask, caches and prefix for a run of `rows` rows (adapter off, no dropout). */
  feeds(rows: number): Record<string, ortTypes.Tensor>;
}

export class SamplingError extends Error {
  override name = 'SamplingError';
}

/** Where the adapter's weights come from: a trainer's live parameters, or fixed host values. */
export type AdapterSource = { trainer: Trainer } | { values: Readonly<Record<string, Float32Array>> };

export type SessionKind = 'decoder' | 'sharedDecoder' | 'scorer' | 'sharedScorer' | 'sharedNext';

export interface LlamaSessionOptions {
  lora?: LoraSettings;
  /** 'auto': bake weights in on wasm below the size limits; 'inputs': one shared copy fed to every run. */
  placement?: 'auto' | 'inputs' | 'initialisers';
  /** Tokens the model may produce (a restricted prompt vocabulary); all when absent. */
  allowedTokens?: readonly number[];
  /** The frozen weights are held quantised in this format (upload them with the same format); float32 when absent. */
  quant?: QuantFormat;
  /**
   * One decoder session (the shared-prefix graph; an empty prefix stands for none) instead of two. Default: for
   * large weights on wasm (above WASM_BAKE_LIMIT_BYTES), so a baked copy is held once.
   */
  oneDecoder?: boolean;
}

/**
 * Uploads a model's frozen weights for `backend`: float32 in graph layout (linears transposed once), or with
 * `quant` its matrices quantised at load into MatMulNBits codes and scales (quantised-weights.ts).
 */
export async function uploadLlamaWeights(ort: Ort, backend: Backend, config: LlamaConfig, weights: LlamaWeights, quant?: QuantFormat): Promise<DeviceWeights> {
  const data = frozenHostWeights(config, weights, quant);
  return DeviceWeights.upload(ort, backend, Object.fromEntries(frozenWeightSpecs(config, quant).map((s) => [s.name, hostTensor(s.dtype ?? 'float32', s.shape, data.get(s.name)!)])));
}

/** Refuses weights uploaded at another precision than the sessions' graphs expect (names, shapes and dtypes). */
function checkFrozen(config: LlamaConfig, weights: DeviceWeights, quant: QuantFormat | undefined): void {
  const wanted = quant ? `${quant.bits}-bit blocks of ${quant.block}` : 'float32';
  for (const spec of frozenWeightSpecs(config, quant)) {
    const dims = weights.dims(spec.name);
    if (!dims || dims.join(',') !== spec.shape.join(',') || weights.dtype(spec.name) !== (spec.dtype ?? 'float32')) {
      throw new FeedError(`frozen weight '${spec.name}' (${spec.dtype ?? 'float32'} (${spec.shape.join(',')})) is not among the uploaded weights as the sessions expect ${wanted}; upload with uploadLlamaWeights(..., quant) using the same quant as the sessions' options`);
    }
  }
}

/** (V) logit bias that forbids every token outside `allowed`. */
export function logitBias(vocabSize: number, allowed: readonly number[]): Float32Array {
  if (allowed.length === 0) throw new SamplingError('allowedTokens is empty: nothing could be sampled');
  const bias = new Float32Array(vocabSize).fill(-1e9);
  for (const t of allowed) {
    if (!Number.isInteger(t) || t < 0 || t >= vocabSize) throw new SamplingError(`allowed token ${t} is outside the vocabulary (size ${vocabSize})`);
    bias[t] = 0;
  }
  return bias;
}

/** A graph row seed for a sample's seed (decorrelated from the token draws, which use the seed directly). */
export function rowDropoutSeed(seed: number): number {
  return dropoutRowSeed(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0);
}

export class LlamaSessions {
  private adapterSource: AdapterSource | undefined;
  private hostLora = new Map<string, ortTypes.Tensor>();
  /** Open sessions by kind and weight placement ('decoder:true' bakes the weights in). */
  private readonly sessions = new Map<string, Promise<ortTypes.InferenceSession>>();
  /** Bytes this model holds of the realm's large-bake budget (given back on release). */
  private largeBaked = 0;

  private constructor(
    readonly ort: Ort,
    readonly config: LlamaConfig,
    readonly weights: DeviceWeights,
    readonly lora: LoraSettings | undefined,
    private readonly openers: Readonly<Record<SessionKind, (bakeDecoders: boolean) => Promise<ortTypes.InferenceSession>>>,
    /**
     * Whether the decoders bake the weights in: decided now, or 'budget' (large weights, placement 'auto'): when the
     * first decoder opens, if the realm's large-bake budget still has room for them.
     */
    private decoderBake: boolean | 'budget',
    /** The scorers hold the weights as initialisers. */
    readonly scorersBaked: boolean,
    /** Every decoding call runs the shared-prefix decoder (an empty prefix when there is none). */
    readonly oneDecoder: boolean,
    /** (V) 0 on allowed tokens, -1e9 elsewhere; every graph adds it to its logits. */
    private readonly bias?: Float32Array,
  ) {}

  /**
   * Prepares the five graphs over `weights` (graph layout); each is compiled and opened on first use.
   * On wasm, graph inputs are copied into the heap on every run and MatMul cannot prepack them, so the decoders
   * (the sampling loop) bake the weights in as initialisers: both decoders for small models; for large ones
   * (up to wasmBakeBudget) one decoder, if the realm's budget has room when it first opens
   * (the first model of a worker to sample). 'inputs' keeps one shared copy fed to every run.
   */
  static async create(ort: Ort, config: LlamaConfig, weights: DeviceWeights, options: LlamaSessionOptions = {}): Promise<LlamaSessions> {
    const backend = weights.backend;
    if (backend === 'webgpu') await ortWebGpuDevice(ort);
    checkFrozen(config, weights, options.quant);
    const quant = options.quant ? { quant: options.quant } : {};
    const choice = options.placement ?? 'auto';
    const bytes = weights.byteLength();
    const large = backend === 'wasm' && bytes > WASM_BAKE_LIMIT_BYTES;
    const decoderBake: boolean | 'budget' =
      backend !== 'wasm' || choice === 'inputs' ? false : choice === 'initialisers' || !large ? true : bytes <= wasmBakeBudget.bytes ? 'budget' : false;
    const oneDecoder = options.oneDecoder ?? large;
    const baked = (): WeightPlacement => ({ kind: 'initialisers', weights: weights.hostWeights(), ...quant });
    const fed: WeightPlacement = { kind: 'inputs', ...quant };
    const bakeScorers = backend === 'wasm' && (choice === 'initialisers' || (choice === 'auto' && bytes <= WASM_BAKE_SCORERS_LIMIT_BYTES));
    const scorerPlacement = (): WeightPlacement => (bakeScorers ? baked() : fed);
    const presents = Array.from({ length: config.numLayers }, (_, l) => [io.presentKey(l), io.presentValue(l)]).flat();
    const decoderOptions = {
      executionProviders: [backend],
      logSeverityLevel: 3 as const,
      ...(backend === 'webgpu' ? { preferredOutputLocation: Object.fromEntries(presents.map((n) => [n, 'gpu-buffer' as const])) } : {}),
    };
    const restricted = options.allowedTokens !== undefined;
    const lora = { ...(options.lora ? { lora: options.lora } : {}), logitBias: restricted };
    const scorerOptions = { executionProviders: [backend], logSeverityLevel: 3 as const };
    const open = (graph: () => Uint8Array, sessionOptions: ortTypes.InferenceSession.SessionOptions) => ort.InferenceSession.create(graph(), sessionOptions);
    const openers: Record<SessionKind, (bakeDecoders: boolean) => Promise<ortTypes.InferenceSession>> = {
      decoder: (bake) => open(() => decoderGraph(config, { weights: bake ? baked() : fed, cache: true, logits: 'last', ...lora }), decoderOptions),
      sharedDecoder: (bake) => open(() => decoderGraph(config, { weights: bake ? baked() : fed, cache: true, logits: 'last', sharedPrefix: true, ...lora }), decoderOptions),
      scorer: () => open(() => scoringGraph(config, scorerPlacement(), options.lora, { logitBias: restricted }), scorerOptions),
      sharedScorer: () => open(() => scoringGraph(config, scorerPlacement(), options.lora, { sharedPrefix: true, logitBias: restricted }), scorerOptions),
      sharedNext: () => open(() => nextTokenGraph(config, scorerPlacement(), options.lora, { sharedPrefix: true, logitBias: restricted }), scorerOptions),
    };
    const bias = restricted ? logitBias(config.vocabSize, options.allowedTokens!) : undefined;
    return new LlamaSessions(ort, config, weights, options.lora, openers, decoderBake, bakeScorers, oneDecoder, bias);
  }

  /** The decoders hold the weights as initialisers (for large weights: known once the first decoder opened). */
  get decodersBaked(): boolean {
    return this.decoderBake === true;
  }

  /** Settles a 'budget' bake when the first decoder opens: bake if the realm's budget has room, and hold it. */
  private settleDecoderBake(): boolean {
    if (this.decoderBake === 'budget') {
      const bytes = this.weights.byteLength();
      this.decoderBake = largeBakedBytes + bytes <= wasmBakeBudget.bytes;
      if (this.decoderBake) {
        this.largeBaked = bytes;
        largeBakedBytes += bytes;
      }
    }
    return this.decoderBake;
  }

  /** The scorer session of `kind` (decoders: decoderFor), compiled and opened the first time it is needed. */
  session(kind: Exclude<SessionKind, 'decoder' | 'sharedDecoder'>): Promise<ortTypes.InferenceSession> {
    return this.opened(kind, false);
  }

  private opened(kind: SessionKind, bake: boolean): Promise<ortTypes.InferenceSession> {
    const key = `${kind}:${bake}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = this.openers[kind](bake);
      s.catch(() => this.sessions.delete(key)); // a failed open is retried next time
      this.sessions.set(key, s);
    }
    return s;
  }

  /** Uses this adapter for adapter-on calls (a trainer's live parameters follow its steps). */
  setAdapter(source: AdapterSource): void {
    if (!this.lora) throw new SamplingError('this model was opened without a LoRA adapter; pass options.lora to CausalLM.create');
    for (const t of this.hostLora.values()) t.dispose();
    this.hostLora.clear();
    if ('values' in source) {
      for (const spec of loraParamSpecs(this.config, this.lora)) {
        const v = source.values[spec.name];
        if (!v || v.length !== spec.shape[0]! * spec.shape[1]!) throw new FeedError(`adapter value '${spec.name}' is missing or has the wrong size`);
        this.hostLora.set(spec.name, toOrt(this.ort, hostTensor('float32', spec.shape, v)));
      }
    }
    this.adapterSource = source;
  }

  /** Frozen weights (unless baked), LoRA weights and the adapter switch, and the logit bias, as feeds. */
  modelFeeds(adapter: boolean, weightsBaked: boolean): Record<string, ortTypes.Tensor> {
    const feeds: Record<string, ortTypes.Tensor> = {};
    if (!weightsBaked) for (const name of this.weights.names()) feeds[io.frozen(name)] = this.weights.tensor(name);
    if (this.bias) feeds[io.logitBias] = toOrt(this.ort, hostTensor('float32', [this.bias.length], this.bias));
    if (!this.lora) {
      if (adapter) throw new SamplingError('adapter-on call on a model opened without LoRA');
      return feeds;
    }
    if (adapter && !this.adapterSource) throw new SamplingError('no adapter set; call setAdapter first');
    for (const spec of loraParamSpecs(this.config, this.lora)) {
      const src = this.adapterSource;
      let t: ortTypes.Tensor;
      if (src && 'trainer' in src) t = src.trainer.parameterTensor(spec.name);
      else t = this.hostLora.get(spec.name) ?? toOrt(this.ort, hostTensor('float32', spec.shape, new Float32Array(spec.shape[0]! * spec.shape[1]!)));
      feeds[io.lora(spec.name)] = t;
    }
    feeds[io.adapterScale] = new this.ort.Tensor('float32', Float32Array.from([adapter ? this.lora.alpha / this.lora.rank : 0]), []);
    return feeds;
  }

  /**
   * The decoder session for a call with or without a shared prefix's cache, whether it holds the weights, the feeds
   * of a run (`feeds(adapter, seeds, train)`: frozen weights unless baked, adapter, logit bias, LoRA dropout per row
   * seed), and the prefix feeds it needs: the cache itself, an empty prefix (1, KV, 0, D) per layer when one decoder
   * serves both, or none; `done()` disposes what was made here.
   * `claim` false (a scoring prefill: one short run): never settles the large-weight bake; while it is unsettled or
   * held by another model, a decoder that feeds the weights runs the call. A model without an adapter whose own
   * decoders would feed the weights runs on another model's baked decoder over the same copy (residentDecoder).
   */
  async decoderFor(cache: Record<string, ortTypes.Tensor> | undefined, claim = true): Promise<DecoderCall> {
    const resident = this.lora ? undefined : await this.residentDecoder();
    const own = !resident;
    const baked = resident ? true : claim ? this.settleDecoderBake() : this.decoderBake === true;
    if (own && baked && this.oneDecoder && !bakedBy.has(this.weights)) bakedBy.set(this.weights, this);
    const session = resident ? resident.session : await this.opened(cache || this.oneDecoder ? 'sharedDecoder' : 'decoder', baked);
    const feeds = (adapter: boolean, seeds: readonly number[], train: boolean): Record<string, ortTypes.Tensor> => {
      if (!resident) return { ...this.modelFeeds(adapter, baked), ...this.dropoutFeeds(seeds, train) };
      if (adapter) throw new SamplingError('adapter-on call on a model opened without LoRA');
      return resident.feeds(seeds.length);
    };
    if (cache) return { session, baked, feeds, prefix: cache, done: () => {} };
    if (own && !this.oneDecoder) return { session, baked, feeds, prefix: {}, done: () => {} };
    const { numLayers: NL, numKvHeads: KV, headDim: D } = this.config;
    const prefix: Record<string, ortTypes.Tensor> = {};
    for (let l = 0; l < NL; l++) {
      prefix[io.sharedKey(l)] = toOrt(this.ort, hostTensor('float32', [1, KV, 0, D], new Float32Array(0)));
      prefix[io.sharedValue(l)] = toOrt(this.ort, hostTensor('float32', [1, KV, 0, D], new Float32Array(0)));
    }
    return { session, baked, feeds, prefix, done: () => Object.values(prefix).forEach((t) => t.dispose()) };
  }

  /**
   * The one decoder another model baked over this model's weights copy, when this model holds none of its own (its
   * adapter-off calls then copy no weights: a prompt-LM and a target-LM of one base model share one resident copy).
   * Undefined when there is none, or when its graph cannot take this model's logit bias.
   */
  async residentDecoder(): Promise<ResidentDecoder | undefined> {
    const owner = bakedBy.get(this.weights);
    if (!owner || owner === this || this.decoderBake === true || (this.bias && !owner.bias)) return undefined;
    const session = await owner.opened('sharedDecoder', true);
    const V = this.config.vocabSize;
    return {
      session,
      feeds: (rows) => {
        const feeds = { ...owner.modelFeeds(false, true), ...owner.dropoutFeeds(new Array<number>(rows).fill(0), false) };
        if (owner.bias) feeds[io.logitBias] = toOrt(this.ort, hostTensor('float32', [V], this.bias ?? new Float32Array(V)));
        return feeds;
      },
    };
  }

  /**
   * The decoders' LoRA dropout feeds (only when the adapter has dropout): one graph row seed per sample seed, and
   * the ratio, 0 unless `train` (sampling in train mode, as the authors do).
   */
  dropoutFeeds(seeds: readonly number[], train: boolean): Record<string, ortTypes.Tensor> {
    if (!this.lora || this.lora.dropout === 0) return {};
    return {
      [io.dropoutSeed]: toOrt(this.ort, hostTensor('float32', [seeds.length], Float32Array.from(seeds, rowDropoutSeed))),
      [io.dropoutRatio]: toOrt(this.ort, hostTensor('float32', [], Float32Array.from([train ? this.lora.dropout : 0]))),
    };
  }

  async release(): Promise<void> {
    if (bakedBy.get(this.weights) === this) bakedBy.delete(this.weights);
    largeBakedBytes -= this.largeBaked;
    this.largeBaked = 0;
    for (const t of this.hostLora.values()) t.dispose();
    const open = await Promise.allSettled(this.sessions.values());
    this.sessions.clear();
    for (const r of open) if (r.status === 'fulfilled') await r.value.release();
  }
}
