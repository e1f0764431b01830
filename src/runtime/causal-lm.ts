// A Llama-family model on onnxruntime-web, as engines use it: batched sampling (llama-sampling.ts) and scoring of
// continuations (llama-scoring.ts), each with the LoRA adapter on or off, over the sessions and feeds of
// llama-sessions.ts; prompt-prefix reuse through shared-prefix.ts. Every call runs on the one device queue.
import type { LlamaConfig } from '../models/llama/types';
import type { LoraSettings } from '../models/llama/lora';
import type { Backend } from './device';
import type { DeviceWeights } from './device-weights';
import { onDevice } from './device-queue';
import type { Ort } from './host-tensor';
import { type Sample, type SamplingOptions, decodeLoop } from './llama-sampling';
import { type ScoringOptions, score, scoreSharedPrefix } from './llama-scoring';
import { type AdapterSource, type LlamaSessionOptions, LlamaSessions } from './llama-sessions';
import { commonPrefixLength, prefill } from './shared-prefix';

export type { Sample, SamplingOptions } from './llama-sampling';
export type { AdapterSource } from './llama-sessions';
export { SamplingError, logitBias, uploadLlamaWeights } from './llama-sessions';

export class CausalLM {
  private constructor(private readonly lm: LlamaSessions) {}

  /** Prepares the sessions over `weights` (opened on first use; see LlamaSessions.create for weight placement). */
  static async create(ort: Ort, config: LlamaConfig, weights: DeviceWeights, options: LlamaSessionOptions = {}): Promise<CausalLM> {
    return new CausalLM(await LlamaSessions.create(ort, config, weights, options));
  }

  get config(): LlamaConfig {
    return this.lm.config;
  }

  get backend(): Backend {
    return this.lm.weights.backend;
  }

  get weights(): DeviceWeights {
    return this.lm.weights;
  }

  get lora(): LoraSettings | undefined {
    return this.lm.lora;
  }

  /** The decoders hold the weights as initialisers (not fed per run). */
  get decodersBaked(): boolean {
    return this.lm.decodersBaked;
  }

  /** One decoder session serves sampling with and without a shared prefix (large baked weights held once). */
  get oneDecoder(): boolean {
    return this.lm.oneDecoder;
  }

  /** The scorers hold the weights as initialisers. */
  get scorersBaked(): boolean {
    return this.lm.scorersBaked;
  }

  /** Uses this adapter for adapter-on calls (a trainer's live parameters follow its steps). */
  setAdapter(source: AdapterSource): void {
    this.lm.setAdapter(source);
  }

  /** Samples one continuation per prompt (token ids), batched and left-padded. */
  sample(prompts: readonly (readonly number[])[], options: SamplingOptions): Promise<Sample[]> {
    return onDevice(() => decodeLoop(this.lm, prompts, options, undefined));
  }

  /**
   * sample() with prompt-prefix reuse: the longest common token prefix runs once (batch 1) and every row decodes
   * against its cache. Same tokens as sample() (up to float rounding); with train-mode dropout the prefix's masks
   * are those of the first row's seed, shared by every row (each row's own tokens keep their own masks).
   */
  sampleSharedPrefix(prompts: readonly (readonly number[])[], options: SamplingOptions): Promise<Sample[]> {
    const L = prompts.length === 0 ? 0 : Math.min(commonPrefixLength(prompts), Math.min(...prompts.map((p) => p.length)) - 1);
    if (L < 1) return this.sample(prompts, options);
    return onDevice(async () => {
      const seed = options.seeds[0] ?? 0;
      const cache = await prefill(this.lm, prompts[0]!.slice(0, L), options.adapter, { seed, train: options.dropout ?? false });
      try {
        return await decodeLoop(this.lm, prompts.map((p) => p.slice(L)), options, { cache, length: L });
      } finally {
        for (const t of Object.values(cache)) t.dispose();
      }
    });
  }

  /** Summed log-probabilities of each continuation after its prefix (token ids), adapter on or off; eval mode. */
  score(prefixes: readonly (readonly number[])[], continuations: readonly (readonly number[])[], options: ScoringOptions): Promise<number[]> {
    return onDevice(() => score(this.lm, prefixes, continuations, options));
  }

  /** score() with prompt-prefix reuse (the target-LM's path: one prompt, many examples). */
  scoreSharedPrefix(prefixes: readonly (readonly number[])[], continuations: readonly (readonly number[])[], options: ScoringOptions): Promise<number[]> {
    return onDevice(() => scoreSharedPrefix(this.lm, prefixes, continuations, options));
  }

  /** Releases after every run queued before it, and before any queued after (another model may run on its decoder). */
  async release(): Promise<void> {
    await onDevice(() => this.lm.release());
  }
}
