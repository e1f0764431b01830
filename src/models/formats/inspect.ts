// A model's summary for `npm run lm -- inspect` and the lab's model view: config.json parsed and bounded, weight
// headers checked against it (names, shapes, dtypes; no tensor is converted or copied), the tokenizer files present.
// Hub-layout files by name, or a llama2.c checkpoint. It loads nothing into a runtime.
import { expectedWeightShapes, parseLlamaConfig } from '../llama/config';
import type { LlamaConfig } from '../llama/types';
import { readLlama2c } from './llama2c';
import { ModelFilesError } from './load-model';
import { checkSafetensorsWeights, parseShardIndex } from './safetensors-weights';

export interface ModelSummary {
  /** 'llama', 'qwen2', 'qwen3' (llama2.c checkpoints are 'llama'). */
  type: string;
  format: 'safetensors' | 'llama2c';
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
  /** Weight dtypes found in the headers (or llama2.c's F32). */
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
  const tokenizerConfig = format === 'safetensors' ? jsonObject(files, 'tokenizer_config.json') : undefined;
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

/** Summary of a llama2.c checkpoint file (read whole: its size must equal the header's). */
export function inspectLlama2c(bytes: Uint8Array, name = 'model.bin'): ModelSummary {
  const { config } = readLlama2c(bytes);
  return summary(config, 'llama2c', ['F32'], new Map([[name, bytes]]));
}

/**
 * A hub model before its weights are downloaded: the small files (config.json, tokenizer files, the shard index) and
 * the names of the weight files the hub plan lists; the dtype is config.json's torch_dtype, weight headers unchecked.
 */
export function inspectHubPlan(small: ReadonlyMap<string, Uint8Array>, weightFiles: readonly string[]): ModelSummary & { weightsChecked: false } {
  const configJson = jsonObject(small, 'config.json');
  if (configJson === undefined) throw new ModelFilesError('config.json is missing');
  const config = parseLlamaConfig(configJson);
  const index = jsonObject(small, 'model.safetensors.index.json');
  if (index !== undefined) parseShardIndex(index, config);
  const dtype = typeof configJson['torch_dtype'] === 'string' ? [configJson['torch_dtype']] : [];
  const base = summary(config, 'safetensors', dtype, small);
  return { ...base, files: [...base.files, ...weightFiles.filter((f) => !small.has(f)).map((name) => ({ name, bytes: -1 }))], weightsChecked: false };
}
