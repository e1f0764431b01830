// Command-line model arguments -> model sources: a llama2.c checkpoint file, a hub-layout folder, or a hub
// id fetched from --hub-host / $HF_HUB_HOST (--onnx model_q4.onnx: that ONNX export of the repo instead of its
// safetensors). Shared by `npm run lm` and `npm run lab`. Node only.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { readLocalModelFolder } from '../src/models/formats/local-folder-node';
import type { ModelSource } from '../src/engines/prompt-lm';
import type { OnnxVariant } from '../src/models/hub/hub';

export async function modelSource(model: string, flags: ReadonlyMap<string, string>): Promise<ModelSource> {
  if (existsSync(model)) {
    if (statSync(model).isDirectory()) return { kind: 'files', files: await readLocalModelFolder(model) };
    return { kind: 'llama2c', bytes: new Uint8Array(await readFile(model)) };
  }
  const host = flags.get('hub-host') ?? process.env['HF_HUB_HOST'];
  const revision = flags.get('revision');
  const onnx = flags.get('onnx') as OnnxVariant | undefined; // an unknown name is the hub's HubRequestError, naming the ones read
  return { kind: 'hub', modelId: model, settings: { ...(host ? { host } : {}), ...(revision ? { revision } : {}), ...(onnx ? { onnx } : {}) } };
}
