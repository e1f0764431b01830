// A Llama-family model on onnxruntime-web: batched sampling with a key/value cache kept on the device
// (temperature, top-p, stop at end-of-sequence, per-sequence seeds) and scoring of continuations, each with
// the LoRA adapter on or off. Frozen weights are shared DeviceWeights; runs are serialised.
import type * as ortTypes from 'onnxruntime-web';
import { mulberry32 } from '../random/mulberry32';
import { maskAndPositions } from '../models/llama/attention-mask';
import { packSequences } from '../models/llama/sequence-batch';
import { type WeightPlacement, decoderGraph, io, nextTokenGraph, scoringGraph } from '../models/llama/graphs';
import type { LlamaConfig, LlamaWeights } from '../models/llama/types';
import { graphWeightSpecs, toGraphLayout } from '../models/llama/weights';
import { type LoraSettings, loraParamSpecs } from '../models/llama/lora';
import { DeviceWeights } from './device-weights';
import { deviceIdle, onDevice } from './device-queue';
import { FeedError, type HostTensor, type Ort, fromOrt, hostTensor, toOrt } from './host-tensor';
import { sampleToken } from './token-sampling';
import type { Backend, Trainer } from './trainer';
import { ortWebGpuDevice } from './webgpu-device';

export interface SamplingOptions {
  temperature: number;
  topP: number;
  maxNewTokens: number;
  /** Generation stops for a row at the first of these (the token is kept in its output). */
  eosTokenIds: readonly number[];
  /** One seed per prompt: the same seed and prompt give the same sample. */
  seeds: readonly number[];
  adapter: boolean;
  /** Token fed for left padding and after a row has finished. */
  padTokenId: number;
}

export interface Sample {
  tokens: number[];
  /** Sum of log p(token) under the model (temperature 1, no truncation) with the adapter as sampled. */
  logProb: number;
  /** True when the row stopped at end-of-sequence (false: it hit maxNewTokens). */
  finished: boolean;
}

/** Uploads a model's frozen weights in graph layout (linears transposed once) for `backend`. */
export async function uploadLlamaWeights(ort: Ort, backend: Backend, config: LlamaConfig, weights: LlamaWeights): Promise<DeviceWeights> {
  const data = toGraphLayout(config, weights);
  return DeviceWeights.upload(ort, backend, Object.fromEntries(graphWeightSpecs(config).map((s) => [s.name, hostTensor('float32', s.shape, data.get(s.name)!)])));
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

/** Length of the longest token prefix all rows share. */
export function commonPrefixLength(rows: readonly (readonly number[])[]): number {
  const first = rows[0];
  if (!first) return 0;
  let n = 0;
  while (n < first.length && rows.every((r) => r.length > n && r[n] === first[n])) n++;
  return n;
}

/** Largest weight size the wasm decoders bake in (two sessions plus prepacked copies must fit ~1 GiB). */
export const WASM_BAKE_LIMIT_BYTES = 96 * 2 ** 20;
/** The two scorers (the target LM's hot path) bake in below this: four sessions then hold copies. */
export const WASM_BAKE_SCORERS_LIMIT_BYTES = 48 * 2 ** 20;

export class SamplingError extends Error {
  override name = 'SamplingError';
}

/** Where the adapter's weights come from: a trainer's live parameters, or fixed host values. */
export type AdapterSource = { trainer: Trainer } | { values: Readonly<Record<string, Float32Array>> };

type SessionKind = 'decoder' | 'sharedDecoder' | 'scorer' | 'sharedScorer' | 'sharedNext';

export class CausalLM {
  private adapterSource: AdapterSource | undefined;
  private hostLora = new Map<string, ortTypes.Tensor>();
  /** Sessions open on first use: a prompt-LM never needs sharedNext, a target LM rarely the plain decoder. */
  private readonly sessions = new Map<SessionKind, Promise<ortTypes.InferenceSession>>();

  private constructor(
    private readonly ort: Ort,
    readonly config: LlamaConfig,
    readonly backend: Backend,
    readonly weights: DeviceWeights,
    readonly lora: LoraSettings | undefined,
    private readonly openers: Readonly<Record<SessionKind, () => Promise<ortTypes.InferenceSession>>>,
    /** The decoders hold the weights as initialisers (not fed per run). */
    readonly decodersBaked: boolean,
    /** The scorers hold the weights as initialisers. */
    readonly scorersBaked: boolean,
    /** (V) 0 on allowed tokens, -1e9 elsewhere; every graph adds it to its logits. */
    private readonly bias?: Float32Array,
  ) {}

  /**
   * Prepares the decoder and scoring sessions over `weights` (graph layout, see llama-weights.ts); each is
   * compiled and opened on first use.
   * On wasm, graph inputs are copied into the heap on every run and MatMul cannot prepack them, so the two
   * decoders (the sampling loop) bake small models' weights in as initialisers; 'inputs' keeps one shared copy.
   */
  static async create(
    ort: Ort,
    config: LlamaConfig,
    weights: DeviceWeights,
    options: { lora?: LoraSettings; placement?: 'auto' | 'inputs' | 'initialisers'; allowedTokens?: readonly number[] } = {},
  ): Promise<CausalLM> {
    const backend = weights.backend;
    if (backend === 'webgpu') await ortWebGpuDevice(ort);
    const placementChoice = options.placement ?? 'auto';
    const bake = backend === 'wasm' && (placementChoice === 'initialisers' || (placementChoice === 'auto' && weights.byteLength() <= WASM_BAKE_LIMIT_BYTES));
    const decoderPlacement: WeightPlacement = bake ? { kind: 'initialisers', weights: weights.hostWeights() } : { kind: 'inputs' };
    const bakeScorers = bake && (placementChoice === 'initialisers' || weights.byteLength() <= WASM_BAKE_SCORERS_LIMIT_BYTES);
    const scorerPlacement: WeightPlacement = bakeScorers ? decoderPlacement : { kind: 'inputs' };
    const presents = Array.from({ length: config.numLayers }, (_, l) => [io.presentKey(l), io.presentValue(l)]).flat();
    const decoderOptions = {
      executionProviders: [backend],
      logSeverityLevel: 3 as const,
      ...(backend === 'webgpu' ? { preferredOutputLocation: Object.fromEntries(presents.map((n) => [n, 'gpu-buffer' as const])) } : {}),
    };
    const restricted = options.allowedTokens !== undefined;
    const lora = { ...(options.lora ? { lora: options.lora } : {}), logitBias: restricted };
    const scorerOptions = { executionProviders: [backend], logSeverityLevel: 3 as const };
    const open = (graph: () => Uint8Array, sessionOptions: ortTypes.InferenceSession.SessionOptions) => () => ort.InferenceSession.create(graph(), sessionOptions);
    const openers: Record<SessionKind, () => Promise<ortTypes.InferenceSession>> = {
      decoder: open(() => decoderGraph(config, { weights: decoderPlacement, cache: true, logits: 'last', ...lora }), decoderOptions),
      sharedDecoder: open(() => decoderGraph(config, { weights: decoderPlacement, cache: true, logits: 'last', sharedPrefix: true, ...lora }), decoderOptions),
      scorer: open(() => scoringGraph(config, scorerPlacement, options.lora, { logitBias: restricted }), scorerOptions),
      sharedScorer: open(() => scoringGraph(config, scorerPlacement, options.lora, { sharedPrefix: true, logitBias: restricted }), scorerOptions),
      sharedNext: open(() => nextTokenGraph(config, scorerPlacement, options.lora, { sharedPrefix: true, logitBias: restricted }), scorerOptions),
    };
    const bias = restricted ? logitBias(config.vocabSize, options.allowedTokens!) : undefined;
    return new CausalLM(ort, config, backend, weights, options.lora, openers, bake, bakeScorers, bias);
  }

  /** The session of `kind`, compiled and opened the first time it is needed. */
  private session(kind: SessionKind): Promise<ortTypes.InferenceSession> {
    let s = this.sessions.get(kind);
    if (!s) {
      s = this.openers[kind]();
      s.catch(() => this.sessions.delete(kind)); // a failed open is retried next time
      this.sessions.set(kind, s);
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

  /** Frozen weights, LoRA weights and the adapter switch, as feeds. */
  private modelFeeds(adapter: boolean, weightsBaked = false): Record<string, ortTypes.Tensor> {
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

  /** Samples one continuation per prompt (token ids), batched and left-padded. */
  sample(prompts: readonly (readonly number[])[], options: SamplingOptions): Promise<Sample[]> {
    return onDevice(async () => this.decodeLoop(prompts, options, undefined));
  }

  /**
   * sample() with prompt-prefix reuse: the longest common token prefix runs once (batch 1) and every row
   * decodes against its cache. Same tokens as sample() (up to float rounding); the target-LM's greedy path.
   */
  sampleSharedPrefix(prompts: readonly (readonly number[])[], options: SamplingOptions): Promise<Sample[]> {
    const L = prompts.length === 0 ? 0 : Math.min(commonPrefixLength(prompts), Math.min(...prompts.map((p) => p.length)) - 1);
    if (L < 1) return this.sample(prompts, options);
    return onDevice(async () => {
      const prefix = await this.prefill(prompts[0]!.slice(0, L), options.adapter);
      try {
        return await this.decodeLoop(prompts.map((p) => p.slice(L)), options, { cache: prefix, length: L });
      } finally {
        for (const t of Object.values(prefix)) t.dispose();
      }
    });
  }

  /** Runs `tokens` as one row from an empty cache; returns the cache as shared.<l>.key/value feeds. */
  private async prefill(tokens: readonly number[], adapter: boolean): Promise<Record<string, ortTypes.Tensor>> {
    const { numLayers: NL, numKvHeads: KV, headDim: D } = this.config;
    const L = tokens.length;
    const { mask, positions } = maskAndPositions([0], 0, L);
    const feeds: Record<string, ortTypes.Tensor> = { ...this.modelFeeds(adapter, this.decodersBaked) };
    for (let l = 0; l < NL; l++) {
      feeds[io.pastKey(l)] = toOrt(this.ort, hostTensor('float32', [1, KV, 0, D], new Float32Array(0)));
      feeds[io.pastValue(l)] = toOrt(this.ort, hostTensor('float32', [1, KV, 0, D], new Float32Array(0)));
    }
    feeds[io.ids] = toOrt(this.ort, hostTensor('int64', [1, L], BigInt64Array.from(tokens.map(BigInt))));
    feeds[io.positions] = toOrt(this.ort, hostTensor('int64', [1, L], positions));
    feeds[io.mask] = toOrt(this.ort, hostTensor('bool', [1, L, L], mask));
    const out = await (await this.session('decoder')).run(feeds);
    out['logits']!.dispose();
    const shared: Record<string, ortTypes.Tensor> = {};
    for (let l = 0; l < NL; l++) {
      shared[io.sharedKey(l)] = out[io.presentKey(l)]!;
      shared[io.sharedValue(l)] = out[io.presentValue(l)]!;
    }
    return shared;
  }

  /** The batched decoding loop; with `shared`, rows continue a prefix of `length` tokens held in its cache. */
  private async decodeLoop(
    prompts: readonly (readonly number[])[],
    options: SamplingOptions,
    shared: { cache: Record<string, ortTypes.Tensor>; length: number } | undefined,
  ): Promise<Sample[]> {
    const B = prompts.length;
    if (B === 0) return [];
    if (options.seeds.length !== B) throw new SamplingError(`got ${options.seeds.length} seeds for ${B} prompts; give one seed per prompt`);
    if (prompts.some((p) => p.length === 0)) throw new SamplingError('every prompt needs at least one token (e.g. BOS)');
    const { numLayers: L, numKvHeads: KV, headDim: D, vocabSize: V } = this.config;
    const width = Math.max(...prompts.map((p) => p.length));
    const padding = prompts.map((p) => width - p.length);
    const rngs = options.seeds.map((s) => mulberry32(s));
    const samples: Sample[] = prompts.map(() => ({ tokens: [], logProb: 0, finished: false }));
    const model = this.modelFeeds(options.adapter, this.decodersBaked);
    const session = await this.session(shared ? 'sharedDecoder' : 'decoder');
    const offset = BigInt(shared?.length ?? 0);
    let cache = new Map<string, ortTypes.Tensor>();
    for (let l = 0; l < L; l++) {
      cache.set(io.pastKey(l), toOrt(this.ort, hostTensor('float32', [B, KV, 0, D], new Float32Array(0))));
      cache.set(io.pastValue(l), toOrt(this.ort, hostTensor('float32', [B, KV, 0, D], new Float32Array(0))));
    }
    let input: number[][] = prompts.map((p, b) => [...new Array<number>(padding[b]!).fill(options.padTokenId), ...p]);
    let past = 0;
    try {
      for (let step = 0; step < options.maxNewTokens; step++) {
        const T = input[0]!.length;
        const { mask, positions } = maskAndPositions(padding, past, T);
        const out = await session.run({
          ...model,
          ...(shared ? shared.cache : {}),
          ...Object.fromEntries(cache),
          [io.ids]: toOrt(this.ort, hostTensor('int64', [B, T], BigInt64Array.from(input.flat().map(BigInt)))),
          [io.positions]: toOrt(this.ort, hostTensor('int64', [B, T], offset ? positions.map((p) => p + offset) : positions)),
          [io.mask]: toOrt(this.ort, hostTensor('bool', [B, T, past + T], mask)),
        });
        const logits = (await fromOrt(out['logits']!)).data as Float32Array; // (B, V)
        out['logits']!.dispose();
        for (const t of cache.values()) t.dispose();
        cache = new Map();
        for (let l = 0; l < L; l++) {
          cache.set(io.pastKey(l), out[io.presentKey(l)]!);
          cache.set(io.pastValue(l), out[io.presentValue(l)]!);
        }
        past += T;
        const next: number[][] = [];
        for (let b = 0; b < B; b++) {
          const s = samples[b]!;
          if (s.finished) {
            next.push([options.padTokenId]);
            continue;
          }
          const choice = sampleToken(logits.subarray(b * V, (b + 1) * V), options.temperature, options.topP, rngs[b]!);
          s.tokens.push(choice.token);
          s.logProb += choice.logProb;
          if (options.eosTokenIds.includes(choice.token)) s.finished = true;
          next.push([choice.token]);
        }
        if (samples.every((s) => s.finished)) break;
        input = next;
      }
    } finally {
      for (const t of cache.values()) t.dispose();
    }
    return samples;
  }

  /**
   * Summed log-probabilities of each continuation after its prefix (token ids), adapter on or off.
   * Rows are right-padded into one batch; padded targets do not count.
   */
  score(prefixes: readonly (readonly number[])[], continuations: readonly (readonly number[])[], options: { adapter: boolean; padTokenId: number }): Promise<number[]> {
    return onDevice(async () => {
      if (prefixes.length === 0 && continuations.length === 0) return [];
      const { B, T, ids, targets, targetMask, mask, positions } = packSequences(prefixes, continuations, options.padTokenId);
      const feeds: Record<string, HostTensor> = {
        [io.ids]: hostTensor('int64', [B, T], ids),
        [io.positions]: hostTensor('int64', [B, T], positions),
        [io.mask]: hostTensor('bool', [B, T, T], mask),
        targets: hostTensor('int64', [B, T], targets),
        target_mask: hostTensor('float32', [B, T], targetMask),
      };
      const out = await (await this.session('scorer')).run({ ...this.modelFeeds(options.adapter, this.scorersBaked), ...Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toOrt(this.ort, v)])) });
      const logprob = Array.from((await fromOrt(out['logprob']!)).data as Float32Array);
      out['logprob']!.dispose();
      return logprob;
    });
  }

  /**
   * The same numbers as score(), computed with the prompt-prefix reuse the target-LM needs: the longest
   * common token prefix of all rows runs once (batch 1) and every row attends to its cache, so a prompt's
   * examples cost one prefix pass plus their own tokens. Falls back to score() when rows share nothing.
   */
  scoreSharedPrefix(prefixes: readonly (readonly number[])[], continuations: readonly (readonly number[])[], options: { adapter: boolean; padTokenId: number }): Promise<number[]> {
    const L = Math.min(commonPrefixLength(prefixes), Math.min(...prefixes.map((p) => p.length)) - 1);
    if (prefixes.length === 0 || L < 1) return this.score(prefixes, continuations, options);
    return onDevice(async () => {
      const model = this.modelFeeds(options.adapter, this.scorersBaked);
      const prefill = await this.prefill(prefixes[0]!.slice(0, L), options.adapter);
      if (continuations.every((c) => c.length === 1)) {
        try {
          return await this.singleTokenScores(prefixes.map((p) => p.slice(L)), continuations.map((c) => c[0]!), L, model, prefill, options.padTokenId);
        } finally {
          for (const t of Object.values(prefill)) t.dispose();
        }
      }
      const batch = packSequences(prefixes.map((p) => p.slice(L)), continuations, options.padTokenId);
      const { B, T } = batch;
      const scoreFeeds: Record<string, ortTypes.Tensor> = {
        ...model,
        [io.ids]: toOrt(this.ort, hostTensor('int64', [B, T], batch.ids)),
        [io.positions]: toOrt(this.ort, hostTensor('int64', [B, T], batch.positions.map((p) => p + BigInt(L)))),
        [io.mask]: toOrt(this.ort, hostTensor('bool', [B, T, T], batch.mask)),
        targets: toOrt(this.ort, hostTensor('int64', [B, T], batch.targets)),
        target_mask: toOrt(this.ort, hostTensor('float32', [B, T], batch.targetMask)),
      };
      try {
        const out = await (await this.session('sharedScorer')).run({ ...scoreFeeds, ...prefill });
        const logprob = Array.from((await fromOrt(out['logprob']!)).data as Float32Array);
        out['logprob']!.dispose();
        return logprob;
      } finally {
        for (const t of Object.values(prefill)) t.dispose();
      }
    });
  }

  /**
   * Single-token continuations (label words of one token): each distinct row runs once and every continuation
   * reads its log-prob off that row's next-token distribution, so K labels cost one row, not K.
   */
  private async singleTokenScores(
    rows: readonly (readonly number[])[],
    tokens: readonly number[],
    offset: number,
    model: Record<string, ortTypes.Tensor>,
    shared: Record<string, ortTypes.Tensor>,
    padTokenId: number,
  ): Promise<number[]> {
    const keys = rows.map((r) => r.join(','));
    const unique = [...new Set(keys)];
    const distinct = unique.map((k) => rows[keys.indexOf(k)]!);
    const B = distinct.length;
    const T = Math.max(...distinct.map((r) => r.length));
    const ids = new BigInt64Array(B * T).fill(BigInt(padTokenId));
    distinct.forEach((r, b) => r.forEach((t, i) => (ids[b * T + i] = BigInt(t))));
    const { mask, positions } = maskAndPositions(new Array<number>(B).fill(0), 0, T);
    const out = await (await this.session('sharedNext')).run({
      ...model,
      ...shared,
      [io.ids]: toOrt(this.ort, hostTensor('int64', [B, T], ids)),
      [io.positions]: toOrt(this.ort, hostTensor('int64', [B, T], positions.map((p) => p + BigInt(offset)))),
      [io.mask]: toOrt(this.ort, hostTensor('bool', [B, T, T], mask)),
      last_index: toOrt(this.ort, hostTensor('int64', [B], BigInt64Array.from(distinct.map((r) => BigInt(r.length - 1))))),
    });
    const logp = (await fromOrt(out['next_logprob']!)).data as Float32Array; // (B, V)
    out['next_logprob']!.dispose();
    const V = this.config.vocabSize;
    return keys.map((k, i) => logp[unique.indexOf(k) * V + tokens[i]!]!);
  }

  async release(): Promise<void> {
    await deviceIdle();
    for (const t of this.hostLora.values()) t.dispose();
    const open = await Promise.allSettled(this.sessions.values());
    this.sessions.clear();
    for (const r of open) if (r.status === 'fulfilled') await r.value.release();
  }

}
