// What a transformers.js target-LM folder may hold: a generation_config.json whose eos_token_id is not a token id (or
// list of them), or a JSON file that does not parse, is refused by name before any model is built.
import { describe, expect, it } from 'vitest';
import { TargetEngine } from '../../src/engines/target-engine';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { loadModelFiles } from '../../src/models/formats/load-model';
import { transformersJsFolderFiles } from '../../src/models/llama/transformersjs-export';
import { toGraphLayout } from '../../src/models/llama/weights';
import { loadOrtNode } from '../../src/runtime/ort-node';

const files = tinyLlamaFixtureFiles({ seed: 3 });
const model = loadModelFiles(new Map(Object.entries(files)));
const folder = transformersJsFolderFiles(files, model.config, toGraphLayout(model.config, model.weights));
const text = (s: string) => new TextEncoder().encode(s);

async function load(changes: Record<string, Uint8Array>): Promise<Error> {
  const engine = new TargetEngine(loadOrtNode);
  try {
    await engine.load({ kind: 'files', files: new Map(Object.entries({ ...folder, ...changes })) }, { implementation: 'transformers.js', backend: 'wasm' });
  } catch (error) {
    return error as Error;
  } finally {
    await engine.release();
  }
  throw new Error('the folder loaded');
}

describe('transformers.js target folders', () => {
  it('refuses an eos_token_id that is not a token id, naming the file and what it holds', async () => {
    for (const bad of ['"2"', '-1', '[2, 1.5]', '{"id": 2}']) {
      const e = await load({ 'generation_config.json': text(`{"eos_token_id": ${bad}}`) });
      expect([e.name, e.message]).toEqual(['TargetEngineError', `local files: generation_config.json's eos_token_id must be a token id or a list of them, got ${JSON.stringify(JSON.parse(bad))}; fix or remove that entry`]);
    }
  });

  it('takes a list of ids', async () => {
    const engine = new TargetEngine(loadOrtNode);
    const info = await engine.load({ kind: 'files', files: new Map(Object.entries({ ...folder, 'generation_config.json': text('{"eos_token_id": [2, 0]}') })) }, { implementation: 'transformers.js', backend: 'wasm' });
    expect(info.id).toMatch(/^local files@transformers\.js\//);
    await engine.release();
  });

  it('refuses a JSON file that does not parse, naming it', async () => {
    const e = await load({ 'generation_config.json': text('{"eos_token_id": [2,') });
    expect(e.name).toBe('TargetEngineError');
    expect(e.message).toMatch(/^local files: generation_config\.json is not valid JSON \(.+\); replace it with the model's original file$/);
  });
});
