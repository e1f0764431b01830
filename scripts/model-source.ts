// Command-line model arguments -> model sources: a llama2.c checkpoint file, a hub-layout folder, or a hub
// id fetched from --hub-host / $HF_HUB_HOST. Shared by `npm run lm` and `npm run lab`. Node only.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { readLocalModelFolder } from '../src/models/formats/local-folder-node';
import type { ModelSource } from '../src/engines/prompt-lm';

export async function modelSource(model: string, flags: ReadonlyMap<string, string>): Promise<ModelSource> {
  if (existsSync(model)) {
    if (statSync(model).isDirectory()) return { kind: 'files', files: await readLocalModelFolder(model) };
    return { kind: 'llama2c', bytes: new Uint8Array(await readFile(model)) };
  }
  const host = flags.get('hub-host') ?? process.env['HF_HUB_HOST'];
  const revision = flags.get('revision');
  return { kind: 'hub', modelId: model, settings: { ...(host ? { host } : {}), ...(revision ? { revision } : {}) } };
}
