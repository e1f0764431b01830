// A second causal-LM backend: transformers.js's AutoModelForCausalLM over a folder given as in-memory files (see
// transformersJsFolderFiles), for logits and generate(). Files reach transformers.js through the door's in-memory
// folders (transformers.ts: serveFolder); never the hub, never a CDN. Runs go through onDevice.
import type { PreTrainedModel, Tensor as TransformersTensor } from '@huggingface/transformers';
import { onDevice } from './device-queue';
import { isNode, loadTransformers, serveFolder, type Transformers } from './transformers';

/** Where transformers.js runs: 'cpu' (onnxruntime-node) in Node; 'wasm' or 'webgpu' (onnxruntime-web) in browsers. */
export type TransformersDevice = 'wasm' | 'webgpu' | 'cpu';

export interface TransformersGenerateOptions {
  maxNewTokens: number;
  /** false: greedy (argmax); true: a draw from softmax(logits / temperature) over the topK best (transformers.js's RNG, unseeded). */
  doSample: boolean;
  /** Default 1. transformers.js 4.3.2 has no top-p; use topK. */
  temperature?: number;
  /** 0 (default): the whole vocabulary. */
  topK?: number;
  /**
   * A row's output ends at the first of these (kept), and generation stops when every row has ended. Default: the
   * folder's generation_config.json. [] disables stopping: every row gets exactly maxNewTokens tokens.
   */
  eosTokenIds?: readonly number[];
  /** Token fed for left padding (masked out by attention_mask). */
  padTokenId: number;
}

export class TransformersLMError extends Error {
  override name = 'TransformersLMError';
}

const DEVICES: Readonly<Record<'node' | 'browser', readonly TransformersDevice[]>> = {
  node: ['cpu', 'webgpu'],
  browser: ['wasm', 'webgpu'],
};

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Left-padded (B, W) ids and attention mask; `padding[b]` slots of row b are padding. */
function leftPadded(t: Transformers, rows: readonly (readonly number[])[], padTokenId: number): { ids: TransformersTensor; mask: TransformersTensor; width: number; padding: number[] } {
  if (rows.length === 0) throw new TransformersLMError('no rows given; pass at least one token sequence');
  if (rows.some((r) => r.length === 0)) throw new TransformersLMError('every row needs at least one token (e.g. BOS)');
  const B = rows.length;
  const width = Math.max(...rows.map((r) => r.length));
  const padding = rows.map((r) => width - r.length);
  const ids = new BigInt64Array(B * width).fill(BigInt(padTokenId));
  const mask = new BigInt64Array(B * width);
  rows.forEach((r, b) => {
    r.forEach((id, i) => {
      ids[b * width + padding[b]! + i] = BigInt(id);
      mask[b * width + padding[b]! + i] = 1n;
    });
  });
  return { ids: new t.Tensor('int64', ids, [B, width]), mask: new t.Tensor('int64', mask, [B, width]), width, padding };
}

export class TransformersLM {
  private constructor(
    private readonly transformers: Transformers,
    private readonly model: PreTrainedModel,
    readonly device: TransformersDevice,
    readonly vocabSize: number,
  ) {}

  /** Opens the model of a transformers.js folder (config.json, generation_config.json, onnx/model.onnx, ...). */
  static async fromFiles(files: Readonly<Record<string, Uint8Array>>, options: { device: TransformersDevice }): Promise<TransformersLM> {
    const where = isNode() ? 'node' : 'browser';
    if (!DEVICES[where].includes(options.device)) {
      throw new TransformersLMError(`device '${options.device}' is not available to transformers.js in ${where === 'node' ? 'Node' : 'a browser'}; use one of ${DEVICES[where].join(', ')}`);
    }
    for (const name of ['config.json', 'onnx/model.onnx']) {
      if (!files[name]) throw new TransformersLMError(`${name} is missing; build the folder with transformersJsFolderFiles`);
    }
    const configJson = JSON.parse(new TextDecoder().decode(files['config.json'])) as { vocab_size?: unknown };
    if (typeof configJson.vocab_size !== 'number') throw new TransformersLMError('config.json has no vocab_size');
    const transformers = await loadTransformers();
    const { id, close } = serveFolder(files);
    try {
      const model = await onDevice(() => transformers.AutoModelForCausalLM.from_pretrained(id, { device: options.device, dtype: 'fp32' }));
      return new TransformersLM(transformers, model, options.device, configJson.vocab_size);
    } catch (error) {
      throw new TransformersLMError(`transformers.js could not open the model on ${options.device}: ${errorMessage(error)}`);
    } finally {
      close();
    }
  }

  /** Logits of every token of each row: row b is (ids[b].length, V) row-major. Rows are left-padded into one batch. */
  logits(ids: readonly (readonly number[])[], padTokenId = 0): Promise<Float32Array[]> {
    return onDevice(async () => {
      const { ids: input, mask, width, padding } = leftPadded(this.transformers, ids, padTokenId);
      const out = (await this.model.forward({ input_ids: input, attention_mask: mask })) as Record<string, TransformersTensor>;
      const logits = out['logits']!; // (B, W, V)
      const V = this.vocabSize;
      if (logits.dims[2] !== V) throw new TransformersLMError(`logits have ${logits.dims[2]} columns, config.json says vocab_size ${V}`);
      const data = logits.data as Float32Array;
      const rows = ids.map((_, b) => data.slice((b * width + padding[b]!) * V, (b + 1) * width * V));
      for (const t of Object.values(out)) t.dispose();
      return rows;
    });
  }

  /** New tokens per prompt (token ids), batched and left-padded; see TransformersGenerateOptions for stopping. */
  generate(prompts: readonly (readonly number[])[], options: TransformersGenerateOptions): Promise<number[][]> {
    return onDevice(async () => {
      const { ids, mask, width } = leftPadded(this.transformers, prompts, options.padTokenId);
      const eos = options.eosTokenIds;
      const sequences = (await this.model.generate({
        input_ids: ids,
        attention_mask: mask,
        max_new_tokens: options.maxNewTokens,
        do_sample: options.doSample,
        temperature: options.temperature ?? 1,
        top_k: options.topK ?? 0,
        pad_token_id: options.padTokenId,
        ...(eos === undefined ? {} : { eos_token_id: eos.length === 0 ? null : [...eos] }),
      } as Parameters<PreTrainedModel['generate']>[0])) as TransformersTensor;
      const stop = eos ?? this.generationEos();
      return (sequences.tolist() as bigint[][]).map((row) => {
        const fresh = row.slice(width).map(Number);
        const end = fresh.findIndex((t) => stop.includes(t));
        return end < 0 ? fresh : fresh.slice(0, end + 1);
      });
    });
  }

  async release(): Promise<void> {
    await onDevice(() => this.model.dispose());
  }

  private generationEos(): number[] {
    const id: unknown = (this.model.generation_config as { eos_token_id?: unknown } | null)?.eos_token_id;
    const ids = Array.isArray(id) ? id : [id];
    return ids.filter((x): x is number => typeof x === 'number');
  }
}
