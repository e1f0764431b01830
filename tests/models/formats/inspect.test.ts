// Model summaries for `npm run lm -- inspect`: the tiny fixture folder (headers checked, nothing converted), a
// llama2.c checkpoint, a hub plan before download, and the named errors of broken models.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inspectHubPlan, inspectLlama2c, inspectModelFiles } from '../../../src/models/formats/inspect';
import { ModelFilesError, loadModelFiles } from '../../../src/models/formats/load-model';
import { OnnxModelError } from '../../../src/models/formats/onnx-llama';
import { WeightsMismatchError } from '../../../src/models/formats/safetensors-weights';
import { UnsupportedConfigError } from '../../../src/models/llama/config';
import { tinyLlamaFixtureFiles } from '../../../src/models/llama/fixture';
import { decodeSafetensors, encodeSafetensors } from '../../../src/onnx/safetensors';
import { onnxCommunityExport } from '../../support/onnx-community-export';
import { sharedPath } from '../../support/shared-data';
import { thrown } from '../../support/thrown';

const fixture = tinyLlamaFixtureFiles({ seed: 2 });
const files = (change: Record<string, Uint8Array | undefined> = {}) => {
  const all = new Map(Object.entries({ ...fixture, ...change }));
  for (const [k, v] of all) if (v === undefined) all.delete(k);
  return all as Map<string, Uint8Array>;
};
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const config = JSON.parse(new TextDecoder().decode(fixture['config.json'])) as Record<string, unknown>;

describe('inspectModelFiles', () => {
  it('summarises the tiny fixture: dimensions, parameters, dtype, files, tokenizer', () => {
    const s = inspectModelFiles(files());
    expect(s).toMatchObject({ type: 'llama', format: 'safetensors', layers: 2, hidden: 32, intermediate: 64, heads: 4, kvHeads: 2, headDim: 8, vocab: 64, tiedEmbeddings: false, dtype: ['F32'], tokenizer: true, chatTemplate: true });
    // embed 64x32 + lm_head 64x32 + norm 32 + 2 layers x (2x32 + q 32x32 + k,v 16x32 x2 + o 32x32 + 3 x 64x32)
    expect(s.parameters).toBe(2 * 64 * 32 + 32 + 2 * (64 + 1024 + 1024 + 1024 + 3 * 2048));
    expect(s.files.map((f) => f.name)).toEqual(['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
  });

  it('refuses a config beyond the bounds, a missing tensor and a missing config with named errors', () => {
    expect(thrown(() => inspectModelFiles(files({ 'config.json': json({ ...config, num_hidden_layers: 1e9 }) })), UnsupportedConfigError).message).toMatch(/num_hidden_layers = 1000000000 is above 512/);
    const { tensors } = decodeSafetensors(fixture['model.safetensors']!);
    delete tensors['model.norm.weight'];
    const e = thrown(() => inspectModelFiles(files({ 'model.safetensors': encodeSafetensors(tensors) })), WeightsMismatchError);
    expect(e.message).toMatch(/^tensor 'model\.norm\.weight' \[32\] is missing from model\.safetensors/);
    expect(thrown(() => inspectModelFiles(files({ 'config.json': undefined })), ModelFilesError).message).toMatch(/^config\.json is missing/);
  });
});

describe('inspectLlama2c and inspectHubPlan', () => {
  it('stories260K: 5 layers, 512 vocabulary, tied', () => {
    const s = inspectLlama2c(new Uint8Array(readFileSync(sharedPath('models/stories260K/stories260K.bin'))), 'stories260K.bin');
    expect(s).toMatchObject({ format: 'llama2c', layers: 5, hidden: 64, vocab: 512, tiedEmbeddings: true, dtype: ['F32'], tokenizer: false });
    // embed 512x64 + final norm 64 + 5 x (2 norms 64 + q,o 64x64 + k,v 32x64 + 3 x 172x64)
    expect(s.parameters).toBe(512 * 64 + 64 + 5 * (128 + 2 * 4096 + 2 * 2048 + 3 * 172 * 64));
  });

  it('a hub plan lists the weight files to download, with config.json torch_dtype', () => {
    const small = files({ 'model.safetensors': undefined, 'config.json': json({ ...config, torch_dtype: 'bfloat16' }) });
    const s = inspectHubPlan(small, ['config.json', 'model.safetensors']);
    expect(s).toMatchObject({ layers: 2, dtype: ['bfloat16'], weightsChecked: false });
    expect(s.files.find((f) => f.name === 'model.safetensors')).toEqual({ name: 'model.safetensors', bytes: -1 });
  });
});

describe('an onnx-community ONNX export', () => {
  const model = loadModelFiles(files());
  // Decoder linears 4-bit in blocks of 16 with zero points, the untied head left float.
  const { bytes } = onnxCommunityExport(model.config, model.weights, (w) => (w === 'lm_head.weight' ? null : { bits: 4, block: 16, zeroPoints: true }));
  const onnxFolder = () => files({ 'model.safetensors': undefined, 'onnx/model_q4.onnx': bytes });

  it('a folder: format onnx, how its linears are stored, the same dimensions and parameters as the safetensors model', () => {
    const s = inspectModelFiles(onnxFolder());
    const safetensors = inspectModelFiles(files());
    expect(s).toMatchObject({ type: 'llama', format: 'onnx', layers: 2, hidden: 32, vocab: 64, tiedEmbeddings: false, dtype: ['Q4 block 16 zero points', 'float'], tokenizer: true, chatTemplate: true });
    expect(s.parameters).toBe(safetensors.parameters);
    expect(s.files.map((f) => f.name)).toEqual(['config.json', 'generation_config.json', 'onnx/model_q4.onnx', 'tokenizer.json', 'tokenizer_config.json']);
  });

  it('a float export says float only; a broken one is refused with the reader\'s named error', () => {
    const float = onnxCommunityExport(model.config, model.weights, () => null).bytes;
    expect(inspectModelFiles(files({ 'model.safetensors': undefined, 'onnx/model.onnx': float })).dtype).toEqual(['float']);
    const broken = thrown(() => inspectModelFiles(files({ 'model.safetensors': undefined, 'onnx/model.onnx': bytes.subarray(0, 100) })), OnnxModelError, ModelFilesError);
    expect(broken.message).toContain('model.onnx');
  });

  it('a hub plan whose weights are an ONNX export says onnx; with safetensors, safetensors', () => {
    const small = files({ 'model.safetensors': undefined });
    expect(inspectHubPlan(small, ['onnx/model_q4.onnx', 'onnx/model_q4.onnx_data']).format).toBe('onnx');
    expect(inspectHubPlan(small, ['model.safetensors']).format).toBe('safetensors');
  });
});
