// Batched sampling from a Llama-family model: left-padded rows decode step by step with their key/value cache
// kept on the device (optionally after a shared prefix's cache), one seeded generator per row, each next token
// chosen on the host by token-sampling.ts (temperature, top-k, top-p as Hugging Face generate orders them),
// rows stopping at end-of-sequence. Callers hold the device queue (CausalLM does).
import type * as ortTypes from 'onnxruntime-web';
import { mulberry32 } from '../random/mulberry32';
import { maskAndPositions } from '../models/llama/attention-mask';
import { io } from '../models/llama/graphs';
import { fromOrt, hostTensor, toOrt } from './host-tensor';
import { type LlamaSessions, SamplingError } from './llama-sessions';
import { sampleToken } from './token-sampling';
import { needsPadding, unpaddedPrefill } from './unpadded-prefill';

export interface SamplingOptions {
  /** <= 0: greedy. */
  temperature: number;
  /** Keep the k most likely tokens before top-p; 0 disables (default 50, Hugging Face generate's). */
  topK?: number;
  topP: number;
  maxNewTokens: number;
  /** Generation stops for a row at the first of these (the token is kept in its output). */
  eosTokenIds: readonly number[];
  /** One seed per prompt: the same seed and prompt give the same sample (with a shared prefix, see sampleSharedPrefix). */
  seeds: readonly number[];
  adapter: boolean;
  /**
   * Train mode: LoRA dropout active while sampling, as the authors sample (their model stays in train mode).
   * Each row's masks come from its seed. Default false; no effect without an adapter with dropout.
   */
  dropout?: boolean;
  /** Token fed for left padding and after a row has finished. */
  padTokenId: number;
}

export interface Sample {
  tokens: number[];
  /** Sum of log p(token) under the model (temperature 1, no truncation) with the adapter (and dropout) as sampled. */
  logProb: number;
  /** True when the row stopped at end-of-sequence (false: it hit maxNewTokens). */
  finished: boolean;
}

/** Default top-k: Hugging Face generate's, which GFlowPO's authors keep. */
export const DEFAULT_TOP_K = 50;

/** The batched decoding loop; with `shared`, rows continue a prefix of `length` tokens held in its cache. */
export async function decodeLoop(
  lm: LlamaSessions,
  prompts: readonly (readonly number[])[],
  options: SamplingOptions,
  shared: { cache: Record<string, ortTypes.Tensor>; length: number } | undefined,
): Promise<Sample[]> {
  const B = prompts.length;
  if (B === 0) return [];
  if (options.seeds.length !== B) throw new SamplingError(`got ${options.seeds.length} seeds for ${B} prompts; give one seed per prompt`);
  if (prompts.some((p) => p.length === 0)) throw new SamplingError('every prompt needs at least one token (e.g. BOS)');
  const topK = options.topK ?? DEFAULT_TOP_K;
  if (!Number.isInteger(topK) || topK < 0) throw new SamplingError(`topK must be a non-negative integer (0 disables it), got ${topK}`);
  const warpers = { temperature: options.temperature, topK, topP: options.topP };
  const { numLayers: L, numKvHeads: KV, headDim: D, vocabSize: V } = lm.config;
  const width = Math.max(...prompts.map((p) => p.length));
  const padding = prompts.map((p) => width - p.length);
  const rngs = options.seeds.map((s) => mulberry32(s));
  const samples: Sample[] = prompts.map(() => ({ tokens: [], logProb: 0, finished: false }));
  const decoder = await lm.decoderFor(shared?.cache);
  const model = decoder.feeds(options.adapter, options.seeds, options.dropout ?? false);
  const offset = BigInt(shared?.length ?? 0);
  let cache = new Map<string, ortTypes.Tensor>();
  for (let l = 0; l < L; l++) {
    cache.set(io.pastKey(l), toOrt(lm.ort, hostTensor('float32', [B, KV, 0, D], new Float32Array(0))));
    cache.set(io.pastValue(l), toOrt(lm.ort, hostTensor('float32', [B, KV, 0, D], new Float32Array(0))));
  }
  // On wasm (caches on the host) rows of different lengths prefill without their padding; see unpadded-prefill.ts.
  const unpadded = lm.weights.backend === 'wasm' && needsPadding(prompts);
  let input: number[][] = prompts.map((p, b) => [...new Array<number>(padding[b]!).fill(options.padTokenId), ...p]);
  let past = 0;
  try {
    for (let step = 0; step < options.maxNewTokens; step++) {
      const T = input[0]!.length;
      let logits: Float32Array; // (B, V)
      if (step === 0 && unpadded) {
        const feedsFor = (rows: readonly number[]) => decoder.feeds(options.adapter, rows.map((b) => options.seeds[b]!), options.dropout ?? false);
        const prefill = await unpaddedPrefill({ ort: lm.ort, config: lm.config, session: decoder.session, feedsFor, prefix: decoder.prefix, prompts, offset: Number(offset) });
        logits = prefill.logits;
        for (const t of cache.values()) t.dispose();
        cache = prefill.cache;
      } else {
        const { mask, positions } = maskAndPositions(padding, past, T);
        const out = await decoder.session.run({
          ...model,
          ...decoder.prefix,
          ...Object.fromEntries(cache),
          [io.ids]: toOrt(lm.ort, hostTensor('int64', [B, T], BigInt64Array.from(input.flat().map(BigInt)))),
          [io.positions]: toOrt(lm.ort, hostTensor('int64', [B, T], offset ? positions.map((p) => p + offset) : positions)),
          [io.mask]: toOrt(lm.ort, hostTensor('bool', [B, T, past + T], mask)),
        });
        logits = (await fromOrt(out['logits']!)).data as Float32Array;
        out['logits']!.dispose();
        for (const t of cache.values()) t.dispose();
        cache = new Map();
        for (let l = 0; l < L; l++) {
          cache.set(io.pastKey(l), out[io.presentKey(l)]!);
          cache.set(io.pastValue(l), out[io.presentValue(l)]!);
        }
      }
      past += T;
      const next: number[][] = [];
      for (let b = 0; b < B; b++) {
        const s = samples[b]!;
        if (s.finished) {
          next.push([options.padTokenId]);
          continue;
        }
        const choice = sampleToken(logits.subarray(b * V, (b + 1) * V), warpers, rngs[b]!);
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
    decoder.done();
  }
  return samples;
}
