// A model's files (from the hub, the user's picked files or a folder) -> config, float32 weights and the
// tokenizer's JSON; or a llama2.c checkpoint (no tokenizer). Weights from safetensors, or, when there are none, from
// a transformers.js-layout ONNX export (onnx-llama.ts: float, float16 or MatMulNBits 4/8-bit, dequantised to
// float32). Validates and says what is missing. Pure TS.
import { parseLlamaConfig } from '../llama/config';
import type { LlamaConfig, LlamaWeights } from '../llama/types';
import { readLlama2c } from './llama2c';
import { ONNX_MODEL_FILES, onnxModelFile } from './onnx-files';
import { readOnnxLlama } from './onnx-llama';
import { parseShardIndex, readSafetensorsWeights } from './safetensors-weights';

export interface LoadedModel {
  config: LlamaConfig;
  weights: LlamaWeights;
  /** Parsed tokenizer.json and tokenizer_config.json; absent for llama2.c checkpoints (ids only). */
  tokenizer?: { json: unknown; config: unknown };
  /** generation_config.json when present (extra end-of-sequence ids). */
  generationConfig?: Record<string, unknown>;
}

export class ModelFilesError extends Error {
  override name = 'ModelFilesError';
}

function json(files: ReadonlyMap<string, Uint8Array>, name: string): unknown {
  const bytes = files.get(name);
  if (!bytes) return undefined;
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new ModelFilesError(`${name} is not valid UTF-8 JSON (${(error as Error).message}); download or pick the file again`);
  }
}

/** generation_config.json: an object whose eos_token_id, when present, is a token id below vocabSize or a list of them. */
function generationConfig(value: unknown, vocabSize: number): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ModelFilesError(`generation_config.json must be a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  const config = value as Record<string, unknown>;
  const eos = Object.hasOwn(config, 'eos_token_id') ? config['eos_token_id'] : undefined;
  const isId = (id: unknown) => typeof id === 'number' && Number.isInteger(id) && id >= 0 && id < vocabSize;
  if (Array.isArray(eos)) {
    eos.forEach((id, i) => {
      if (!isId(id)) throw new ModelFilesError(`generation_config.json eos_token_id[${i}] must be a token id in [0, ${vocabSize}), got ${JSON.stringify(id)}`);
    });
  } else if (eos !== undefined && eos !== null && !isId(eos)) {
    throw new ModelFilesError(`generation_config.json eos_token_id must be a token id in [0, ${vocabSize}) or a list of them, got ${JSON.stringify(eos)}`);
  }
  return config;
}

/** The files that hold the weights (safetensors shards, or the ONNX model and its data): what identifies them. */
export function weightFileNames(files: ReadonlyMap<string, Uint8Array>, config: LlamaConfig): string[] {
  const onnxFile = onnxModelFile(files);
  if (onnxFile) return onnxFile.data ? [onnxFile.model, onnxFile.data] : [onnxFile.model];
  const index = json(files, 'model.safetensors.index.json');
  return index !== undefined ? ['model.safetensors.index.json', ...parseShardIndex(index, config).files] : ['model.safetensors'];
}

/** Hub-layout files by base name (config.json, tokenizer.json, model*.safetensors or onnx/model*.onnx, ...). */
export function loadModelFiles(files: ReadonlyMap<string, Uint8Array>): LoadedModel {
  const configJson = json(files, 'config.json');
  if (configJson === undefined) throw new ModelFilesError(`config.json is missing (given: ${[...files.keys()].join(', ') || 'nothing'})`);
  let config = parseLlamaConfig(configJson);
  let weights: LlamaWeights;
  const index = json(files, 'model.safetensors.index.json');
  const onnxFile = onnxModelFile(files);
  if (onnxFile) {
    const read = readOnnxLlama(files.get(onnxFile.model)!, config, onnxFile.data ? files.get(onnxFile.data) : undefined, onnxFile.model);
    config = read.config; // a quantised copy of a tied head unties it
    weights = read.weights;
  } else if (index !== undefined) {
    const shards = parseShardIndex(index, config).files;
    const missing = shards.filter((f) => !files.has(f));
    if (missing.length > 0) throw new ModelFilesError(`shards ${missing.join(', ')} listed in model.safetensors.index.json are missing`);
    weights = readSafetensorsWeights(Object.fromEntries(shards.map((f) => [f, files.get(f)!])), config);
  } else {
    const single = files.get('model.safetensors');
    if (!single) throw new ModelFilesError(`model.safetensors (or model.safetensors.index.json with its shards, or onnx/${ONNX_MODEL_FILES.join(' / ')}) is missing`);
    weights = readSafetensorsWeights({ 'model.safetensors': single }, config);
  }
  const tokenizerJson = json(files, 'tokenizer.json');
  const loaded: LoadedModel = { config, weights };
  if (tokenizerJson !== undefined) loaded.tokenizer = { json: tokenizerJson, config: json(files, 'tokenizer_config.json') ?? {} };
  const generation = json(files, 'generation_config.json');
  if (generation !== undefined) loaded.generationConfig = generationConfig(generation, config.vocabSize);
  return loaded;
}

/** A llama2.c checkpoint file (e.g. stories260K.bin): token ids only. */
export function loadLlama2cFile(bytes: Uint8Array): LoadedModel {
  return readLlama2c(bytes);
}

/** End-of-sequence ids from the config, generation_config.json and the tokenizer, deduplicated. */
export function endOfSequenceIds(model: LoadedModel, tokenizerEos: readonly number[] = []): number[] {
  const fromGeneration = model.generationConfig?.['eos_token_id'];
  const extra = Array.isArray(fromGeneration) ? fromGeneration : typeof fromGeneration === 'number' ? [fromGeneration] : [];
  const isId = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < model.config.vocabSize;
  return [...new Set([...model.config.eosTokenIds, ...extra.filter(isId), ...tokenizerEos.filter(isId)])];
}
