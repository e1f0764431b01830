// A model's files (from the hub, the user's picked files or a folder) -> config, float32 weights and the
// tokenizer's JSON; or a llama2.c checkpoint (no tokenizer). Validates and says what is missing. Pure TS.
import { parseLlamaConfig } from '../llama/config';
import type { LlamaConfig, LlamaWeights } from '../llama/types';
import { readLlama2c } from './llama2c';
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

/** Hub-layout files by base name (config.json, tokenizer.json, model*.safetensors, ...). */
export function loadModelFiles(files: ReadonlyMap<string, Uint8Array>): LoadedModel {
  const configJson = json(files, 'config.json');
  if (configJson === undefined) throw new ModelFilesError(`config.json is missing (given: ${[...files.keys()].join(', ') || 'nothing'})`);
  const config = parseLlamaConfig(configJson);
  let weightFiles: Record<string, Uint8Array>;
  const index = json(files, 'model.safetensors.index.json');
  if (index !== undefined) {
    const shards = parseShardIndex(index, config).files;
    const missing = shards.filter((f) => !files.has(f));
    if (missing.length > 0) throw new ModelFilesError(`shards ${missing.join(', ')} listed in model.safetensors.index.json are missing`);
    weightFiles = Object.fromEntries(shards.map((f) => [f, files.get(f)!]));
  } else {
    const single = files.get('model.safetensors');
    if (!single) throw new ModelFilesError('model.safetensors (or model.safetensors.index.json with its shards) is missing');
    weightFiles = { 'model.safetensors': single };
  }
  const weights = readSafetensorsWeights(weightFiles, config);
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
