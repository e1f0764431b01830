// A trained demo model as the files of a Hugging Face hub folder: config.json (llama), generation_config.json,
// model.safetensors (F32, tensors in expectedWeightShapes order), tokenizer.json, tokenizer_config.json, and the
// model card README.md with the recipe, sizes and the SHA-256 of every other file. Same inputs, same bytes.
// Pure TS (hashing through Web Crypto, present in Node and browsers); writing to disk is the script's business.
import { encodeSafetensors, type RawTensor } from '../../onnx/safetensors';
import { expectedWeightShapes, parseLlamaConfig } from '../../models/llama/config';
import type { LlamaWeights } from '../../models/llama/types';
import { demoTokenizerConfigJson, demoTokenizerJson, DEMO_TOKEN_IDS } from './tokenizer-files';

const jsonBytes = (value: unknown): Uint8Array => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

/** config.json of a demo model: a tiny Llama with tied embeddings over the demo vocabulary. */
export function demoConfigJson(shape: { vocabSize: number; hiddenSize: number; intermediateSize: number; layers: number; heads: number; kvHeads: number; maxPositions: number }): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: shape.vocabSize,
    hidden_size: shape.hiddenSize,
    intermediate_size: shape.intermediateSize,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    num_key_value_heads: shape.kvHeads,
    hidden_act: 'silu',
    max_position_embeddings: shape.maxPositions,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    rope_scaling: null,
    tie_word_embeddings: true,
    attention_bias: false,
    mlp_bias: false,
    bos_token_id: DEMO_TOKEN_IDS.bos,
    eos_token_id: DEMO_TOKEN_IDS.eos,
    pad_token_id: DEMO_TOKEN_IDS.pad,
    torch_dtype: 'float32',
    use_cache: true,
  };
}

/** The model's weight files: model.safetensors with every tensor as F32. */
export function safetensorsBytes(config: Record<string, unknown>, weights: LlamaWeights): Uint8Array {
  const tensors: Record<string, RawTensor> = {};
  for (const [name, shape] of expectedWeightShapes(parseLlamaConfig(config))) {
    const w = weights.get(name);
    if (!w) throw new Error(`weight '${name}' is missing`);
    const data = Float32Array.from(w.data);
    tensors[name] = { dtype: 'F32', shape: [...shape], bytes: new Uint8Array(data.buffer) };
  }
  return encodeSafetensors(tensors, { format: 'pt' });
}

/** Every file of the folder but the model card, by name. */
export function demoModelFiles(config: Record<string, unknown>, weights: LlamaWeights): Record<string, Uint8Array> {
  return {
    'config.json': jsonBytes(config),
    'generation_config.json': jsonBytes({ _from_model_config: true, bos_token_id: DEMO_TOKEN_IDS.bos, eos_token_id: DEMO_TOKEN_IDS.eos, pad_token_id: DEMO_TOKEN_IDS.pad, do_sample: false }),
    'model.safetensors': safetensorsBytes(config, weights),
    'tokenizer.json': jsonBytes(demoTokenizerJson()),
    'tokenizer_config.json': jsonBytes(demoTokenizerConfigJson()),
  };
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The lines of a model card that list file hashes: "| `name` | bytes | sha256 |". */
export async function hashTable(files: Readonly<Record<string, Uint8Array>>): Promise<string> {
  const rows = ['| file | bytes | SHA-256 |', '|---|---|---|'];
  for (const name of Object.keys(files).sort()) rows.push(`| \`${name}\` | ${files[name]!.byteLength} | \`${await sha256Hex(files[name]!)}\` |`);
  return rows.join('\n');
}

/** Reads the hash table of a model card back: file name -> SHA-256. */
export function parseHashTable(card: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of card.matchAll(/^\| `([^`]+)` \| \d+ \| `([0-9a-f]{64})` \|$/gm)) out.set(m[1]!, m[2]!);
  return out;
}
