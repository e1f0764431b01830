// `npm run demo:train`: trains the demo world's target-LM and prompt-LM from scratch (seeded, wasm, one thread) and
// writes them to public/models/<name>/ in the hub layout with their model cards. Same code, same bytes.
//   --only target|prompt   one model          --out DIR   write under DIR/<name>/ instead of public/models/
//   --check                train into a temporary folder and compare every file with the committed one (exit 1 if any differs)
//   --steps N              train N steps instead of the recipe's (a quick trial of the pipeline; not the committed models)
// Prints progress, wall and CPU time per model, and the SHA-256 of every file written.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoModelFiles, hashTable, sha256Hex } from '../src/demo/world/model-files';
import { type PretrainResult, pretrain } from '../src/demo/world/pretrain';
import { DEMO_RECIPES, DEMO_ROLES, type DemoRole, modelCard, pretrainSpec, priorMass, priorRows, targetChecks } from '../src/demo/world/recipes';
import type { PriorMass } from '../src/demo/world/recipes';
import { demoTokenizerConfigJson, demoTokenizerJson } from '../src/demo/world/tokenizer-files';
import { loadOrtNode } from '../src/runtime/ort-node';
import { PromptTokenizer } from '../src/runtime/tokenizer';

class UsageError extends Error {
  override name = 'UsageError';
}

function parseArgs(argv: string[]): { roles: DemoRole[]; out: string; check: boolean; steps?: number } {
  let steps: number | undefined;
  let roles: DemoRole[] = [...DEMO_ROLES];
  let out = join(process.cwd(), 'public', 'models');
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--check') check = true;
    else if (a === '--only') {
      const v = argv[++i];
      if (v !== 'target' && v !== 'prompt') throw new UsageError(`--only takes target or prompt, got ${String(v)}`);
      roles = [v];
    } else if (a === '--out') {
      const v = argv[++i];
      if (!v) throw new UsageError('--out needs a folder');
      out = v;
    } else if (a === '--steps') {
      steps = Number(argv[++i]);
      if (!Number.isInteger(steps) || steps < 1) throw new UsageError(`--steps needs a positive integer, got ${String(argv[i])}`);
    } else throw new UsageError(`unknown argument ${a}; usage: npm run demo:train -- [--only target|prompt] [--out DIR] [--check] [--steps N]`);
  }
  if (check) out = mkdtempSync(join(tmpdir(), 'demo-train-'));
  return { roles, out, check, ...(steps !== undefined ? { steps } : {}) };
}

const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function trainOne(role: DemoRole, out: string, tokenizer: PromptTokenizer, steps?: number): Promise<Record<string, Uint8Array>> {
  const recipe = steps === undefined ? DEMO_RECIPES[role] : { ...DEMO_RECIPES[role], steps, warmupSteps: Math.min(DEMO_RECIPES[role].warmupSteps, steps) };
  const spec = pretrainSpec(recipe, tokenizer);
  const ort = await loadOrtNode(1);
  const wall0 = Date.now();
  const cpu0 = cpuSeconds();
  console.log(`[${recipe.name}] ${recipe.steps} steps of ${recipe.batchSize}, hidden ${recipe.shape.hiddenSize}, ${recipe.shape.layers} layers, seed ${recipe.seed}`);

  const prefix = await pretrain(ort, spec, { stopAfter: recipe.prefixSteps });
  const prefixHash = await sha256Hex(demoModelFiles(spec.config, prefix.weights)['model.safetensors']!);

  let checks: Record<string, number> | undefined;
  let prior: PriorMass[] | undefined;
  let priorWithReference: PriorMass[] | undefined;
  const every = Math.max(1, Math.round(recipe.steps / 10));
  const result: PretrainResult = await pretrain(ort, spec, {
    onStep: (p) => {
      if (p.step % every === 0 || p.step === recipe.steps) {
        console.log(`[${recipe.name}] step ${p.step}/${recipe.steps}: loss ${p.loss.toFixed(4)} lr ${p.lr.toExponential(2)} (${((Date.now() - wall0) / 1000).toFixed(0)} s)`);
      }
    },
    inspect: async (score) => {
      if (role === 'target') {
        checks = {};
        for (const [meaning, rows] of Object.entries(targetChecks(tokenizer))) {
          const scored = await score(rows);
          checks[meaning] = scored.filter((r) => r.exact).length / scored.length;
        }
      } else {
        const masses = async (withReference: boolean) => {
          const scored = [];
          for (const g of priorRows(tokenizer, { withReference })) scored.push({ task: g.task, logProbs: (await score(g.rows)).map((r) => r.logProb) });
          return priorMass(scored);
        };
        prior = await masses(false);
        priorWithReference = await masses(true);
      }
    },
  });

  const files = demoModelFiles(spec.config, result.weights);
  const card = modelCard({
    recipe,
    parameters: result.parameters,
    finalLoss: result.losses[result.losses.length - 1]!,
    ...(checks ? { checks } : {}),
    ...(prior ? { prior } : {}),
    ...(priorWithReference ? { priorWithReference } : {}),
    prefixHash,
    files: await hashTable(files),
  });
  const all: Record<string, Uint8Array> = { ...files, 'README.md': new TextEncoder().encode(card) };
  const folder = join(out, recipe.name);
  mkdirSync(folder, { recursive: true });
  for (const [name, bytes] of Object.entries(all)) writeFileSync(join(folder, name), bytes);
  const wall = (Date.now() - wall0) / 1000;
  console.log(`[${recipe.name}] done in ${wall.toFixed(0)} s wall, ${(cpuSeconds() - cpu0).toFixed(0)} s CPU; ${result.parameters} parameters, ${files['model.safetensors']!.byteLength} bytes of weights`);
  if (checks) console.log(`[${recipe.name}] exact match after training: ${Object.entries(checks).map(([k, v]) => `${k} ${(100 * v).toFixed(0)}%`).join(', ')}`);
  const show = (label: string, masses: PriorMass[] | undefined) => {
    for (const m of masses ?? []) console.log(`[${recipe.name}] ${label} ${m.task}: precise ${(100 * m.precise).toFixed(1)}% vague ${(100 * m.vague).toFixed(1)}% misleading ${(100 * m.misleading).toFixed(1)}% other ${(100 * m.other).toFixed(1)}% outside ${(100 * m.outside).toFixed(1)}%`);
  };
  show('prior', prior);
  show('prior with a vague reference', priorWithReference);
  for (const name of Object.keys(all).sort()) console.log(`[${recipe.name}] ${join(folder, name)} ${await sha256Hex(all[name]!)}`);
  return all;
}

async function main(): Promise<void> {
  const { roles, out, check, steps } = parseArgs(process.argv.slice(2));
  const tokenizer = await PromptTokenizer.fromJson(demoTokenizerJson(), demoTokenizerConfigJson());
  const wall0 = Date.now();
  let differs = 0;
  for (const role of roles) {
    const files = await trainOne(role, out, tokenizer, steps);
    if (!check) continue;
    const committed = join(process.cwd(), 'public', 'models', DEMO_RECIPES[role].name);
    for (const [name, bytes] of Object.entries(files)) {
      let same = false;
      try {
        same = Buffer.compare(readFileSync(join(committed, name)), Buffer.from(bytes)) === 0;
      } catch {
        same = false;
      }
      console.log(`[check] ${DEMO_RECIPES[role].name}/${name}: ${same ? 'identical' : 'DIFFERS'}`);
      if (!same) differs++;
    }
  }
  console.log(`demo:train finished in ${((Date.now() - wall0) / 1000).toFixed(0)} s wall, ${cpuSeconds().toFixed(0)} s CPU`);
  if (check) {
    console.log(differs === 0 ? 'demo:train --check: every file is identical to the committed one' : `demo:train --check: ${differs} file(s) differ from the committed ones`);
    if (differs > 0) process.exit(1);
  }
}

try {
  await main();
} catch (error) {
  const e = error as Error;
  process.stderr.write(`${e.name}: ${e.message}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
}
