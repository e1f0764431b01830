// The committed demo models: every file matches the SHA-256 its model card lists, both load through the same
// validation as any model (config, safetensors, tokenizer), and a corrupted copy (a flipped weight byte, a truncated
// weight file, a broken tokenizer.json, a missing file) is refused naming the file, with nothing returned.
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL_FILES, DEMO_MODEL_NAMES, DemoModelError, demoModelSource } from '../../../src/demo/world/models';
import { parseHashTable, sha256Hex } from '../../../src/demo/world/model-files';
import { DEMO_RECIPES, DEMO_ROLES, recipeConfig } from '../../../src/demo/world/recipes';
import { demoTokenizerConfigJson, demoTokenizerJson } from '../../../src/demo/world/tokenizer-files';
import { loadModelFiles } from '../../../src/models/formats/load-model';
import { readLocalModelFolder } from '../../../src/models/formats/local-folder-node';
import { PromptTokenizer } from '../../../src/runtime/tokenizer';

const root = process.cwd();
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** A copy of the repository's public/models/<name> under a fresh temporary root. */
function copyRoot(role: 'target' | 'prompt'): { root: string; folder: string } {
  const copy = mkdtempSync(join(tmpdir(), 'demo-models-'));
  temps.push(copy);
  const folder = join(copy, 'public', 'models', DEMO_MODEL_NAMES[role]);
  cpSync(join(root, 'public', 'models', DEMO_MODEL_NAMES[role]), folder, { recursive: true });
  return { root: copy, folder };
}

async function refusal(run: () => Promise<unknown>): Promise<DemoModelError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(DemoModelError);
    return error as DemoModelError;
  }
  throw new Error('expected DemoModelError');
}

describe.each(DEMO_ROLES)('demo %s-LM as committed', (role) => {
  const folder = join(root, 'public', 'models', DEMO_MODEL_NAMES[role]);

  it('matches its model card, loads as a Llama with the demo tokenizer, and fits the size budget', async () => {
    const card = readFileSync(join(folder, 'README.md'), 'utf8');
    const hashes = parseHashTable(card);
    expect([...hashes.keys()].sort()).toEqual([...DEMO_MODEL_FILES].sort());
    for (const name of DEMO_MODEL_FILES) expect(await sha256Hex(readFileSync(join(folder, name))), name).toBe(hashes.get(name));
    expect(card).toContain('npm run demo:train');

    const source = await demoModelSource(role);
    const model = loadModelFiles(source.files);
    const config = recipeConfig(DEMO_RECIPES[role]);
    expect(JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'))).toEqual(config);
    expect(model.config.hiddenSize).toBe(DEMO_RECIPES[role].shape.hiddenSize);
    expect(model.config.tieWordEmbeddings).toBe(true);
    expect(model.tokenizer!.json).toEqual(demoTokenizerJson());
    expect(model.tokenizer!.config).toEqual(demoTokenizerConfigJson());
    const tokenizer = await PromptTokenizer.fromJson(model.tokenizer!.json, model.tokenizer!.config);
    expect(tokenizer.vocabSize).toBe(model.config.vocabSize);
    // The generic folder reader (npm run lab -- --prompt-lm <folder>) accepts it too.
    expect([...(await readLocalModelFolder(folder)).keys()]).toContain('model.safetensors');
    const bytes = DEMO_MODEL_FILES.reduce((n, f) => n + source.files.get(f)!.byteLength, 0);
    expect(bytes).toBeLessThan(8 * 2 ** 20); // both models together stay under 16 MB
  });

  it('refuses a flipped weight byte, a truncated weight file, a broken tokenizer and a missing file, by name', async () => {
    const flipped = copyRoot(role);
    const weights = join(flipped.folder, 'model.safetensors');
    const bytes = readFileSync(weights);
    bytes[bytes.length - 7]! ^= 0x40; // one bit of one float: the file still parses as safetensors
    writeFileSync(weights, bytes);
    let e = await refusal(() => demoModelSource(role, { root: flipped.root }));
    expect(e.file).toBe('model.safetensors');
    expect(e.message).toMatch(/model\.safetensors is corrupted .*SHA-256/);

    const truncated = copyRoot(role);
    truncateSync(join(truncated.folder, 'model.safetensors'), 1000);
    e = await refusal(() => demoModelSource(role, { root: truncated.root }));
    expect(e.file).toBe('model.safetensors');
    expect(e.message).toContain('(1000 bytes read)');
    // Through the generic path (no card), the truncation is caught by the safetensors reader, naming the file.
    expect(() => loadModelFiles(new Map([...Object.entries({ 'config.json': readFileSync(join(truncated.folder, 'config.json')), 'model.safetensors': readFileSync(join(truncated.folder, 'model.safetensors')) })]))).toThrow(/model\.safetensors/);

    const broken = copyRoot(role);
    writeFileSync(join(broken.folder, 'tokenizer.json'), readFileSync(join(broken.folder, 'tokenizer.json'), 'utf8').slice(0, 500));
    e = await refusal(() => demoModelSource(role, { root: broken.root }));
    expect(e.file).toBe('tokenizer.json');
    expect(() => loadModelFiles(new Map([['config.json', readFileSync(join(broken.folder, 'config.json'))], ['model.safetensors', readFileSync(join(broken.folder, 'model.safetensors'))], ['tokenizer.json', readFileSync(join(broken.folder, 'tokenizer.json'))]]))).toThrow(/tokenizer\.json is not valid (UTF-8 )?JSON/);

    const missing = copyRoot(role);
    unlinkSync(join(missing.folder, 'config.json'));
    e = await refusal(() => demoModelSource(role, { root: missing.root }));
    expect(e.file).toBe('config.json');
    expect(e.message).toContain('npm run demo:train');
  });
});
