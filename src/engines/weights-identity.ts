// The identity under which a model's frozen weights are shared (runtime/weight-residency.ts): a content hash of
// config.json and the weight files (safetensors shards or an ONNX export; or a llama2.c checkpoint's bytes), so a
// prompt-LM and a target-LM loaded from the same model share one device copy whatever folder or hub id they came
// from. Tokenizer files are left out on purpose: they do not change the weights. Undefined when the files do not say
// which bytes are weights.
import { weightFileNames } from '../models/formats/load-model';
import type { LlamaConfig } from '../models/llama/types';
import { contentHash } from './target-identity';

export async function weightsIdentity(files: ReadonlyMap<string, Uint8Array>, config: LlamaConfig): Promise<string | undefined> {
  const weights = weightFileNames(files, config); // safetensors shards, or an ONNX export and its data
  const names = ['config.json', ...weights];
  if (!names.every((n) => files.has(n))) return undefined;
  return `weights:${await contentHash(files, names)}`;
}

export async function llama2cIdentity(bytes: Uint8Array): Promise<string> {
  return `llama2c:${await contentHash(new Map([['model.bin', bytes]]), ['model.bin'])}`;
}
