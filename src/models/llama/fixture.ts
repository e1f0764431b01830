// A tiny seeded random Llama/Qwen2/Qwen3 in the Hugging Face hub layout (config, tokenizer, F32 safetensors, optional
// shards) for tests and local runs. Pure except writeTinyLlamaFixture, which imports node:fs lazily (browser-safe module).
import { mulberry32, randn } from '../../random/mulberry32';
import { type RawTensor, encodeSafetensors } from '../../onnx/safetensors';
import { expectedWeightShapes, parseLlamaConfig } from './config';
import type { LlamaConfig, LlamaWeights } from './types';

export class TinyLlamaFixtureError extends Error {
  override name = 'TinyLlamaFixtureError';
}

export interface TinyLlamaFixtureOptions {
  /** Same seed, same bytes (default 0). An integer in 0..2^32-1. */
  seed?: number;
  /** Default 'llama'. The qwen3 fixture has head_dim 16 != hidden/heads, as Qwen3-0.6B does. */
  modelType?: LlamaConfig['modelType'];
  /** tie_word_embeddings (default false: no lm_head.weight when true). */
  tied?: boolean;
  /** 1 (default): model.safetensors; n > 1: model-0000i-of-0000n.safetensors plus model.safetensors.index.json. */
  shards?: number;
}

const SPECIAL = ['<unk>', '<s>', '</s>', '<pad>'] as const;

/** The WordLevel vocabulary, by id: the specials, punctuation, then lowercase words (every word of the chat template). */
export const TINY_LLAMA_VOCAB: readonly string[] = [
  ...SPECIAL,
  ':', '.', ',', '?', '!', "'",
  'the', 'a', 'is', 'are', 'was', 'and', 'or', 'not', 'of', 'to', 'in', 'on', 'it', 'this', 'that', 'what', 'who', 'how',
  'yes', 'no', 'i', 'you', 'we', 'they', 'cat', 'dog', 'sat', 'mat', 'ran', 'big', 'small', 'red', 'blue', 'good', 'bad',
  'one', 'two', 'three', 'answer', 'question', 'positive', 'negative', 'review', 'movie', 'great', 'terrible', 'hello',
  'world', 'user', 'assistant', 'system', 'love', 'hate', 'say',
];

export const TINY_LLAMA_CHAT_TEMPLATE =
  "{% for m in messages %}<s>{{ m['role'] }} : {{ m['content'] }} </s>{% endfor %}{% if add_generation_prompt %}<s>assistant : {% endif %}";

const MODEL_TYPES = ['llama', 'qwen2', 'qwen3'] as const;
const ARCHITECTURE = { llama: 'LlamaForCausalLM', qwen2: 'Qwen2ForCausalLM', qwen3: 'Qwen3ForCausalLM' } as const;

function validate(options: TinyLlamaFixtureOptions): Required<TinyLlamaFixtureOptions> {
  const { seed = 0, modelType = 'llama', tied = false, shards = 1 } = options;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new TinyLlamaFixtureError(`seed ${seed} must be an integer in 0..4294967295`);
  if (!MODEL_TYPES.includes(modelType)) throw new TinyLlamaFixtureError(`model type ${String(modelType)} is not one of ${MODEL_TYPES.join(', ')}`);
  if (typeof tied !== 'boolean') throw new TinyLlamaFixtureError(`tied must be true or false, got ${String(tied)}`);
  if (!Number.isInteger(shards) || shards < 1 || shards > 8) throw new TinyLlamaFixtureError(`shards ${shards} must be an integer in 1..8`);
  return { seed, modelType, tied, shards };
}

function configJson(o: Required<TinyLlamaFixtureOptions>): Record<string, unknown> {
  const config: Record<string, unknown> = {
    architectures: [ARCHITECTURE[o.modelType]],
    model_type: o.modelType,
    vocab_size: TINY_LLAMA_VOCAB.length,
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    hidden_act: 'silu',
    max_position_embeddings: 128,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    rope_scaling: null,
    tie_word_embeddings: o.tied,
    bos_token_id: 1,
    eos_token_id: 2,
    pad_token_id: 3,
    initializer_range: 0.05,
    torch_dtype: 'float32',
    use_cache: true,
  };
  if (o.modelType === 'llama') Object.assign(config, { attention_bias: false, mlp_bias: false });
  if (o.modelType === 'qwen2') Object.assign(config, { use_sliding_window: false, sliding_window: null, max_window_layers: 2 });
  if (o.modelType === 'qwen3') Object.assign(config, { head_dim: 16, attention_bias: false, use_sliding_window: false, sliding_window: null });
  return config;
}

function tokenizerJson(): Record<string, unknown> {
  const addedTokens = SPECIAL.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: null,
    model: { type: 'WordLevel', vocab: Object.fromEntries(TINY_LLAMA_VOCAB.map((w, i) => [w, i])), unk_token: '<unk>' },
  };
}

function tokenizerConfigJson(): Record<string, unknown> {
  const decoder = Object.fromEntries(SPECIAL.map((content, id) => [String(id), { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true }]));
  return {
    add_bos_token: true,
    add_eos_token: false,
    added_tokens_decoder: decoder,
    bos_token: '<s>',
    eos_token: '</s>',
    pad_token: '<pad>',
    unk_token: '<unk>',
    chat_template: TINY_LLAMA_CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    model_max_length: 128,
    tokenizer_class: 'PreTrainedTokenizerFast',
  };
}

const isNorm = (name: string): boolean => /norm\.weight$/.test(name);

/** Weights in expectedWeightShapes order from one stream: norms 1 + 0.02 n, everything else 0.05 n. */
function randomTensors(config: LlamaConfig, seed: number): [string, RawTensor][] {
  const rng = mulberry32(seed);
  return [...expectedWeightShapes(config)].map(([name, shape]) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = isNorm(name) ? 1 + 0.02 * randn(rng) : 0.05 * randn(rng);
    return [name, { dtype: 'F32', shape, bytes: new Uint8Array(data.buffer) }];
  });
}

/** Random weights for any config (benchmarks), from the same stream the fixture files use. */
export function randomLlamaWeights(config: LlamaConfig, seed: number): LlamaWeights {
  return new Map(randomTensors(config, seed).map(([name, t]) => [name, { shape: t.shape, data: new Float32Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength / 4) }]));
}

const jsonBytes = (value: unknown): Uint8Array => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
const pad5 = (n: number): string => String(n).padStart(5, '0');

/** Every file of the fixture, by its name in the repository. The same options give the same bytes. */
export function tinyLlamaFixtureFiles(options: TinyLlamaFixtureOptions = {}): Record<string, Uint8Array> {
  const o = validate(options);
  const config = configJson(o);
  const tensors = randomTensors(parseLlamaConfig(config), o.seed);
  const files: Record<string, Uint8Array> = {
    'config.json': jsonBytes(config),
    'generation_config.json': jsonBytes({ _from_model_config: true, bos_token_id: 1, eos_token_id: 2, pad_token_id: 3, do_sample: false }),
    'tokenizer.json': jsonBytes(tokenizerJson()),
    'tokenizer_config.json': jsonBytes(tokenizerConfigJson()),
  };
  const metadata = { format: 'pt' };
  if (o.shards === 1) {
    files['model.safetensors'] = encodeSafetensors(Object.fromEntries(tensors), metadata);
    return files;
  }
  if (o.shards > tensors.length) throw new TinyLlamaFixtureError(`shards ${o.shards} is more than the ${tensors.length} tensors`);
  const weightMap: Record<string, string> = {};
  let totalSize = 0;
  for (let s = 0; s < o.shards; s++) {
    const part = tensors.slice(Math.floor((s * tensors.length) / o.shards), Math.floor(((s + 1) * tensors.length) / o.shards));
    const file = `model-${pad5(s + 1)}-of-${pad5(o.shards)}.safetensors`;
    files[file] = encodeSafetensors(Object.fromEntries(part), metadata);
    for (const [name, t] of part) {
      weightMap[name] = file;
      totalSize += t.bytes.byteLength;
    }
  }
  const sortedMap = Object.fromEntries(Object.keys(weightMap).sort().map((k) => [k, weightMap[k]!]));
  files['model.safetensors.index.json'] = jsonBytes({ metadata: { total_size: totalSize }, weight_map: sortedMap });
  return files;
}

/** Writes the fixture into `dir` (created if needed); returns the paths written, sorted. Node only. */
export async function writeTinyLlamaFixture(dir: string, options: TinyLlamaFixtureOptions = {}): Promise<string[]> {
  const files = tinyLlamaFixtureFiles(options);
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const name of Object.keys(files).sort()) {
    const path = join(dir, name);
    await writeFile(path, files[name]!);
    written.push(path);
  }
  return written;
}
