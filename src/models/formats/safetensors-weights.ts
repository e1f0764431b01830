// Hugging Face safetensors checkpoints (one file or shards) -> float32 LlamaWeights, checked against the config;
// exact F16/BF16 -> F32 conversion; model.safetensors.index.json parsing. The container codec is src/onnx/safetensors.ts.
import { type HeaderEntry, SafetensorsError, parseSafetensorsHeader } from '../../onnx/safetensors';
import { expectedWeightShapes } from '../llama/config';
import type { LlamaConfig, LlamaWeights } from '../llama/types';

/** The checkpoint does not hold what the config describes; the message names the tensor, the shapes and the file. */
export class WeightsMismatchError extends Error {
  override name = 'WeightsMismatchError';
  constructor(
    readonly tensor: string,
    message: string,
  ) {
    super(message);
  }
}

/** model.safetensors.index.json is malformed. */
export class ShardIndexError extends Error {
  override name = 'ShardIndexError';
}

const scratch = new ArrayBuffer(4);
const scratchBits = new Uint32Array(scratch);
const scratchFloat = new Float32Array(scratch);

/** IEEE binary16 bits -> binary32 bits, exact (subnormals normalised, inf and NaN payloads kept). */
function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  let e = 113; // a subnormal is mant * 2^-24: shift the leading one up to the implicit bit
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

/** The float32 value of a binary16 bit pattern (0..0xffff). */
export function f16ToF32(bits: number): number {
  scratchBits[0] = f16BitsToF32Bits(bits & 0xffff);
  return scratchFloat[0]!;
}

/** The float32 value of a bfloat16 bit pattern (0..0xffff): the top half of a float32. */
export function bf16ToF32(bits: number): number {
  scratchBits[0] = (bits & 0xffff) << 16;
  return scratchFloat[0]!;
}

let f16Table: Uint32Array | null = null;

/** Converts via bit patterns so every value (NaN payloads included) is exact. */
function convert16(src: Uint16Array, dtype: 'F16' | 'BF16'): Float32Array {
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  if (dtype === 'BF16') {
    for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
    return out;
  }
  if (f16Table === null) {
    f16Table = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToF32Bits(h);
  }
  for (let i = 0; i < src.length; i++) bits[i] = f16Table[src[i]!]!;
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Float32 copy of one tensor's bytes (safetensors data is little-endian; so is every host we run on). */
function toFloat32(bytes: Uint8Array, dtype: 'F32' | 'F16' | 'BF16'): Float32Array {
  if (!LITTLE_ENDIAN) throw new Error('big-endian hosts are not supported: safetensors data is little-endian');
  if (dtype === 'F32') return new Float32Array(bytes.slice().buffer);
  const aligned = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice();
  return convert16(new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2), dtype);
}

/** One file or shards: a list (named "file #i of n" in errors) or a record keyed by file name. */
export type SafetensorsFiles = Uint8Array | readonly Uint8Array[] | Readonly<Record<string, Uint8Array>>;

function namedFiles(files: SafetensorsFiles): [string, Uint8Array][] {
  if (files instanceof Uint8Array) return [['model.safetensors', files]];
  if (Array.isArray(files)) return files.map((f: Uint8Array, i) => [files.length === 1 ? 'model.safetensors' : `file #${i + 1} of ${files.length}`, f]);
  return Object.entries(files as Record<string, Uint8Array>);
}

const fmt = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** Buffers some checkpoints carry that are not parameters (older transformers saved RoPE's inv_freq). */
const IGNORED_BUFFER = /(^|\.)rotary_emb\.inv_freq$/;

/**
 * Decides what to do with a tensor the config does not list. Ignored: lm_head.weight of a tied model, rotary
 * inv_freq buffers, and anything outside model.layers (e.g. a classification head). Refused: anything under
 * model.layers.N, because a layer beyond num_hidden_layers, or an extra parameter inside a layer (an o_proj bias,
 * q_norm in a config without it), means config.json describes a different model and ignoring it would compute
 * the wrong function.
 */
function checkUnexpected(name: string, file: string, config: LlamaConfig): void {
  if (IGNORED_BUFFER.test(name) || name === 'lm_head.weight') return;
  const layer = /^model\.layers\.(\d+)\./.exec(name);
  if (layer === null) return;
  const index = Number(layer[1]);
  if (index >= config.numLayers) {
    throw new WeightsMismatchError(name, `tensor '${name}' in ${file} belongs to layer ${index}, but config.json has num_hidden_layers ${config.numLayers} (layers 0..${config.numLayers - 1}): the config and the weights are from different models`);
  }
  throw new WeightsMismatchError(name, `tensor '${name}' in ${file} is not a parameter of a ${config.modelType} layer as config.json describes it (attention bias ${config.attentionBias}, q/k norm ${config.qkNorm}): the config and the weights are from different models`);
}

interface Located {
  file: string;
  bytes: Uint8Array;
  dataStart: number;
  entry: HeaderEntry;
}

function indexFiles(files: SafetensorsFiles, config: LlamaConfig, expected: Map<string, number[]>): Map<string, Located> {
  const found = new Map<string, Located>();
  for (const [file, bytes] of namedFiles(files)) {
    let header: ReturnType<typeof parseSafetensorsHeader>;
    try {
      header = parseSafetensorsHeader(bytes);
    } catch (error) {
      if (error instanceof SafetensorsError) throw new SafetensorsError(`${file}: ${error.message}`);
      throw error;
    }
    for (const entry of header.entries) {
      if (!expected.has(entry.name)) {
        checkUnexpected(entry.name, file, config);
        continue;
      }
      const before = found.get(entry.name);
      if (before) throw new WeightsMismatchError(entry.name, `tensor '${entry.name}' is in both ${before.file} and ${file}; pass each shard once`);
      found.set(entry.name, { file, bytes, dataStart: header.dataStart, entry });
    }
  }
  return found;
}

/**
 * Reads every parameter that `config` implies from a checkpoint (one file or all its shards), as float32.
 * F32 is copied, F16 and BF16 are converted exactly; other dtypes, missing tensors and wrong shapes throw
 * WeightsMismatchError. The result is in expectedWeightShapes order and does not reference the input buffers.
 */
export function readSafetensorsWeights(files: SafetensorsFiles, config: LlamaConfig): LlamaWeights {
  const weights: LlamaWeights = new Map();
  for (const [name, at] of locateWeights(files, config)) {
    const bytes = at.bytes.subarray(at.dataStart + at.entry.begin, at.dataStart + at.entry.end);
    weights.set(name, { shape: [...at.entry.shape], data: toFloat32(bytes, at.entry.dtype as 'F32' | 'F16' | 'BF16') });
  }
  return weights;
}

/**
 * Every check readSafetensorsWeights makes (headers, names, dtypes, shapes, unexpected layer tensors), reading
 * headers only: nothing is converted or copied. Returns the dtypes found and which file holds each parameter.
 */
export function checkSafetensorsWeights(files: SafetensorsFiles, config: LlamaConfig): { dtypes: string[]; fileOf: Map<string, string> } {
  const located = locateWeights(files, config);
  return { dtypes: [...new Set([...located.values()].map((l) => l.entry.dtype))].sort(), fileOf: new Map([...located].map(([name, l]) => [name, l.file])) };
}

function locateWeights(files: SafetensorsFiles, config: LlamaConfig): Map<string, Located> {
  const expected = expectedWeightShapes(config);
  const found = indexFiles(files, config, expected);
  const fileList = namedFiles(files).map(([name]) => name).join(', ');
  const located = new Map<string, Located>();
  for (const [name, shape] of expected) {
    const at = found.get(name);
    if (!at) {
      throw new WeightsMismatchError(name, `tensor '${name}' ${fmt(shape)} is missing from ${fileList}: the checkpoint does not match config.json (${config.modelType}, ${config.numLayers} layers, tie_word_embeddings ${config.tieWordEmbeddings}), or a shard was not passed`);
    }
    const { entry, file } = at;
    if (entry.dtype !== 'F32' && entry.dtype !== 'F16' && entry.dtype !== 'BF16') {
      throw new WeightsMismatchError(name, `tensor '${name}' in ${file} is ${entry.dtype}${fmt(entry.shape)}; supported dtypes are F32, F16 and BF16 (expected shape ${fmt(shape)}): use an unquantised checkpoint`);
    }
    if (entry.shape.length !== shape.length || entry.shape.some((d, i) => d !== shape[i])) {
      throw new WeightsMismatchError(name, `tensor '${name}' in ${file} has shape ${fmt(entry.shape)}, but config.json implies ${fmt(shape)}: the config and the weights are from different models`);
    }
    located.set(name, at);
  }
  return located;
}

/** model.safetensors.index.json: which shard holds each tensor. */
export interface ShardIndex {
  /** metadata.total_size (bytes of tensor data over all shards) when given. */
  totalSize: number | null;
  /** Tensor name -> shard file name. */
  weightMap: Map<string, string>;
  /** The distinct shard files, sorted. */
  files: string[];
}

const SHARD_NAME = /^[\w.-]+\.safetensors$/;

/**
 * Parses and validates model.safetensors.index.json (object or text). Shard names must be plain file names
 * ending in .safetensors (no folders). With `config`, also checks that every expected tensor is mapped, so a
 * wrong repository is refused before any shard is downloaded.
 */
export function parseShardIndex(json: unknown, config?: LlamaConfig): ShardIndex {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new ShardIndexError(`model.safetensors.index.json is not valid JSON (${(error as Error).message}); download it again`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ShardIndexError('model.safetensors.index.json must be a JSON object');
  const { metadata, weight_map: map } = value as { metadata?: unknown; weight_map?: unknown };
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new ShardIndexError('model.safetensors.index.json has no weight_map object (tensor name -> shard file)');
  }
  let totalSize: number | null = null;
  if (metadata !== undefined && metadata !== null) {
    const size = (metadata as { total_size?: unknown }).total_size;
    if (size !== undefined) {
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) throw new ShardIndexError(`metadata.total_size must be a non-negative integer, got ${JSON.stringify(size)}`);
      totalSize = size;
    }
  }
  const weightMap = new Map<string, string>();
  for (const [name, file] of Object.entries(map as Record<string, unknown>)) {
    if (typeof file !== 'string' || !SHARD_NAME.test(file) || file.startsWith('.')) {
      throw new ShardIndexError(`weight_map['${name}'] = ${JSON.stringify(file)} is not a plain shard file name ending in .safetensors`);
    }
    weightMap.set(name, file);
  }
  if (weightMap.size === 0) throw new ShardIndexError('model.safetensors.index.json maps no tensors');
  if (config) {
    for (const [name, shape] of expectedWeightShapes(config)) {
      if (!weightMap.has(name)) {
        throw new WeightsMismatchError(name, `tensor '${name}' ${fmt(shape)} is not in model.safetensors.index.json: the checkpoint does not match config.json (${config.modelType}, ${config.numLayers} layers, tie_word_embeddings ${config.tieWordEmbeddings})`);
      }
    }
  }
  return { totalSize, weightMap, files: [...new Set(weightMap.values())].sort() };
}
