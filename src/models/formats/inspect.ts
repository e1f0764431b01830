// A model's summary for `npm run lm -- inspect`: config.json parsed and bounded, weight headers checked against it
// (names, shapes, dtypes; no tensor is converted or copied), the tokenizer files present. Hub-layout files by name
// (safetensors, or an onnx-community ONNX export: that one is read whole, as loading it would), or a llama2.c
// checkpoint. It loads nothing into a runtime.
import { expectedWeightShapes, parseLlamaConfig } from '../llama/config';
import type { LlamaConfig } from '../llama/types';
import { readLlama2c } from './llama2c';
import { ModelFilesError } from './load-model';
import { onnxModelFile } from './onnx-files';
import { type OnnxLinearSource, readOnnxLlama } from './onnx-llama';
import { checkSafetensorsWeights, parseShardIndex } from './safetensors-weights';

export interface ModelSummary {
  /** 'llama', 'qwen2', 'qwen3' (llama2.c checkpoints are 'llama'). */
  type: string;
  format: 'safetensors' | 'onnx' | 'llama2c';
  layers: number;
  hidden: number;
  intermediate: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  maxPositions: number;
  tiedEmbeddings: boolean;
  /** Parameters the config implies (all checked present in the weights). */
  parameters: number;
  /** Weight dtypes found in the headers (llama2.c: F32; ONNX: how its linears are stored, e.g. 'float', 'Q4 block 32'). */
  dtype: string[];
  /** Every file with its size in bytes. */
  files: { name: string; bytes: number }[];
  tokenizer: boolean;
  chatTemplate: boolean;
}

/** Parameters the config implies. */
function parameters(config: LlamaConfig): number {
  let n = 0;
  for (const s of expectedWeightShapes(config).values()) n += s.reduce((a, b) => a * b, 1);
  return n;
}

function jsonObject(files: ReadonlyMap<string, Uint8Array>, name: string): Record<string, unknown> | undefined {
  const bytes = files.get(name);
  if (!bytes) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new ModelFilesError(`${name} is not valid UTF-8 JSON (${(error as Error).message}); download or pick the file again`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ModelFilesError(`${name} must be a JSON object`);
  return value as Record<string, unknown>;
}

function summary(config: LlamaConfig, format: ModelSummary['format'], dtype: string[], files: ReadonlyMap<string, Uint8Array>): ModelSummary {
  const tokenizerConfig = format !== 'llama2c' ? jsonObject(files, 'tokenizer_config.json') : undefined;
  return {
    type: config.modelType,
    format,
    layers: config.numLayers,
    hidden: config.hiddenSize,
    intermediate: config.intermediateSize,
    heads: config.numHeads,
    kvHeads: config.numKvHeads,
    headDim: config.headDim,
    vocab: config.vocabSize,
    maxPositions: config.maxPositionEmbeddings,
    tiedEmbeddings: config.tieWordEmbeddings,
    parameters: parameters(config),
    dtype,
    files: [...files].map(([name, bytes]) => ({ name, bytes: bytes.byteLength })).sort((a, b) => (a.name < b.name ? -1 : 1)),
    tokenizer: files.has('tokenizer.json'),
    chatTemplate: typeof tokenizerConfig?.['chat_template'] === 'string' || Array.isArray(tokenizerConfig?.['chat_template']),
  };
}

/** Summary of hub-layout files (config.json, safetensors weights or shards with their index, tokenizer files). */
export function inspectModelFiles(files: ReadonlyMap<string, Uint8Array>): ModelSummary {
  const configJson = jsonObject(files, 'config.json');
  if (configJson === undefined) throw new ModelFilesError(`config.json is missing (given: ${[...files.keys()].join(', ') || 'nothing'})`);
  const config = parseLlamaConfig(configJson);
  const onnxFile = onnxModelFile(files);
  if (onnxFile) {
    const read = readOnnxLlama(files.get(onnxFile.model)!, config, onnxFile.data ? files.get(onnxFile.data) : undefined, onnxFile.model);
    return summary(read.config, 'onnx', linearStorage(read.linears), files);
  }
  const index = jsonObject(files, 'model.safetensors.index.json');
  let weights: Record<string, Uint8Array>;
  if (index !== undefined) {
    const shards = parseShardIndex(index, config).files;
    const missing = shards.filter((f) => !files.has(f));
    if (missing.length > 0) throw new ModelFilesError(`shards ${missing.join(', ')} listed in model.safetensors.index.json are missing`);
    weights = Object.fromEntries(shards.map((f) => [f, files.get(f)!]));
  } else {
    const single = files.get('model.safetensors');
    if (!single) throw new ModelFilesError('model.safetensors (or model.safetensors.index.json with its shards) is missing');
    weights = { 'model.safetensors': single };
  }
  const { dtypes } = checkSafetensorsWeights(weights, config);
  return summary(config, 'safetensors', dtypes, files);
}

/** How an ONNX export stores its linears, each kind once: 'float', or 'Q4 block 32' (with ' zero points' when asymmetric). */
function linearStorage(linears: readonly OnnxLinearSource[]): string[] {
  const kinds = linears.map((l) => (l.format === 'float' ? 'float' : `Q${l.bits} block ${l.blockSize}${l.zeroPoints ? ' zero points' : ''}`));
  return [...new Set(kinds)].sort();
}

/** Summary of a llama2.c checkpoint file (read whole: its size must equal the header's). */
export function inspectLlama2c(bytes: Uint8Array, name = 'model.bin'): ModelSummary {
  const { config } = readLlama2c(bytes);
  return summary(config, 'llama2c', ['F32'], new Map([[name, bytes]]));
}

/**
 * A hub model before its weights are downloaded: the small files (config.json, tokenizer files, the shard index) and
 * the names of the weight files the hub plan lists (safetensors, or an ONNX export's model and data files); the
 * dtype is config.json's torch_dtype, weight headers unchecked.
 */
export function inspectHubPlan(small: ReadonlyMap<string, Uint8Array>, weightFiles: readonly string[]): ModelSummary & { weightsChecked: false } {
  const configJson = jsonObject(small, 'config.json');
  if (configJson === undefined) throw new ModelFilesError('config.json is missing');
  const config = parseLlamaConfig(configJson);
  const index = jsonObject(small, 'model.safetensors.index.json');
  if (index !== undefined) parseShardIndex(index, config);
  const dtype = typeof configJson['torch_dtype'] === 'string' ? [configJson['torch_dtype']] : [];
  const format = weightFiles.some((f) => f.endsWith('.onnx')) ? 'onnx' : 'safetensors';
  const base = summary(config, format, dtype, small);
  return { ...base, files: [...base.files, ...weightFiles.filter((f) => !small.has(f)).map((name) => ({ name, bytes: -1 }))], weightsChecked: false };
}
