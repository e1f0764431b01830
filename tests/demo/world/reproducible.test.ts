// demo:train is deterministic: the first steps of each committed model's recipe, retrained here from the seed on
// one wasm thread, give the model.safetensors bytes whose SHA-256 the model card records (the full run is checked
// bit for bit by `npm run demo:train -- --check`, minutes rather than seconds). The card's hash was made by another
// process (demo:train), so a match also shows the run does not depend on anything but the recipe.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoModelFiles, sha256Hex } from '../../../src/demo/world/model-files';
import { pretrain } from '../../../src/demo/world/pretrain';
import { DEMO_MODEL_NAMES, DEMO_RECIPES, DEMO_ROLES, pretrainSpec } from '../../../src/demo/world/recipes';
import { demoTokenizerConfigJson, demoTokenizerJson } from '../../../src/demo/world/tokenizer-files';
import { loadOrtNode } from '../../../src/runtime/ort-node';
import { PromptTokenizer } from '../../../src/runtime/tokenizer';

const tokenizer = await PromptTokenizer.fromJson(demoTokenizerJson(), demoTokenizerConfigJson());

describe.each(DEMO_ROLES)('demo %s-LM recipe', (role) => {
  it('retrains its first steps to the hash on the model card', async () => {
    const recipe = DEMO_RECIPES[role];
    const card = readFileSync(join(process.cwd(), 'public', 'models', DEMO_MODEL_NAMES[role], 'README.md'), 'utf8');
    const recorded = new RegExp(`After the first ${recipe.prefixSteps} steps of this schedule, \`model\\.safetensors\` has SHA-256 \`([0-9a-f]{64})\``).exec(card)?.[1];
    expect(recorded, 'the model card records the prefix hash').toBeDefined();
    const spec = pretrainSpec(recipe, tokenizer);
    const ort = await loadOrtNode(1);
    const result = await pretrain(ort, spec, { stopAfter: recipe.prefixSteps });
    expect(result.losses).toHaveLength(recipe.prefixSteps);
    expect(await sha256Hex(demoModelFiles(spec.config, result.weights)['model.safetensors']!)).toBe(recorded);
  });
});
