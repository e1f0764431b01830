// Stryker mutation testing (npm run mutate; not in CI: it takes hours on 2 cores). Mutates the modules
// whose tests must catch single-line defects: the GFlowPO algorithm, the gradient table and AdamW, the
// token sampler, answer metrics and prompt evaluation, and the import parsers. Each mutant runs only the
// tests that cover it (perTest coverage) from the node tests listed in scripts/stryker.vitest.config.ts.
// Results are incremental (reports/stryker-incremental.json, gitignored): a rerun tests only mutants whose
// code or covering tests changed; `npm run mutate -- --force` redoes everything. The folder-score
// reporter (scripts/stryker-folder-reporter.mjs) prints the score per folder at the end; the HTML and
// JSON reports are in reports/mutation/. Surviving mutants and why each is equivalent: docs/mutation.md.
//
// MUTATE_ONLY='src/tasks/import/**/*.ts,src/tasks/metrics.ts' npm run mutate  mutates only those globs, with
// its own incremental and JSON files (reports/*-<slug>.json), so a partial run never overwrites the full one.
// MUTATE_UNIT_ONLY=1 leaves the whole-run gflow tests out (a lower bound, much faster; files get a -unit suffix).
// MUTATE_STATIC=1 also runs the static mutants (see ignoreStatic below; hours more).

import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, symlinkSync } from 'node:fs';
import { resolve } from 'node:path';


const ALL = [
  'src/gflow/**/*.ts',
  'src/autodiff/gradients.ts',
  'src/autodiff/optimizer.ts',
  'src/runtime/token-sampling.ts',
  'src/tasks/metrics.ts',
  'src/tasks/evaluate.ts',
  'src/tasks/import/**/*.ts',
];
const only = process.env.MUTATE_ONLY?.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
const unitOnly = process.env.MUTATE_UNIT_ONLY === '1'; // see scripts/stryker.vitest.config.ts
const withStatic = process.env.MUTATE_STATIC === '1';
// A part's name from its globs; a long list (file names have at most 255 bytes) keeps its start and a hash of the rest.
const partName = (globs) => {
  const name = globs.join('+').replace(/[^A-Za-z0-9.+-]+/g, '_');
  return name.length <= 160 ? name : `${name.slice(0, 120)}~${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
};
const suffix = (only ? `-${partName(only)}` : '') + (unitOnly ? '-unit' : '') + (withStatic ? '-static' : '');
// Each part has its own sandbox folder, so two parts can run at once (Stryker removes its folder when done).
// Tests find the read-only shared data at ../shared beside the repo (tests/support/shared-data.ts); from a
// sandbox (<tempDirName>/sandbox-*) that path is <tempDirName>/shared: link it (removing a link never touches
// what it points to).
const tempDirName = `.stryker-tmp${suffix}`;
const sharedLink = resolve(tempDirName, 'shared');
if (existsSync(resolve('../shared')) && !lstatSync(sharedLink, { throwIfNoEntry: false })) {
  mkdirSync(resolve(tempDirName), { recursive: true });
  symlinkSync(resolve('../shared'), sharedLink, 'dir');
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner', './scripts/stryker-folder-reporter.mjs'],
  vitest: { configFile: 'scripts/stryker.vitest.config.ts', related: true },
  mutate: only ?? ALL,
  coverageAnalysis: 'perTest',
  // The machine has 2 cores shared with other work.
  concurrency: 2,
  incremental: true,
  incrementalFile: `reports/stryker-incremental${suffix}.json`,
  // A mutant times out after timeoutFactor x its covering tests' dry-run time + timeoutMS. The factor covers
  // model-running tests (gradients, AdamW, sampling: seconds each); the margin covers a shared machine. Each
  // timeout also restarts a test runner, so the margin is kept short: the parsers' loop mutants (a CSV scan
  // whose index never moves) time out by the dozen, and at 30 s each they took most of a whole run.
  timeoutMS: 10_000,
  timeoutFactor: 3,
  dryRunTimeoutMinutes: 30,
  reporters: ['clear-text', 'progress-append-only', 'json', 'html', 'folder-score'],
  jsonReporter: { fileName: `reports/mutation/mutation${suffix}.json` },
  htmlReporter: { fileName: `reports/mutation/mutation${suffix}.html` },
  clearTextReporter: { allowColor: false, reportScoreTable: true, reportMutants: true },
  // Static mutants (code run at import or in beforeAll: module constants, tables, regexes, the whole-run gflow
  // tests' runs) each rerun every related test in a fresh environment: Stryker found 636 of import's 2724 mutants
  // static and estimated them at 97% of its run (hours on 2 cores). With ignoreStatic, a mutant also covered by
  // tests runs only those tests, and one reached only statically (156 in import) is ignored (not counted).
  // MUTATE_STATIC=1 runs them all (its own incremental and report files, suffix -static).
  ignoreStatic: !withStatic,
  tempDirName,
  // Another part's sandbox folder (running at the same time) is not part of the project: never copy it.
  ignorePatterns: ['/.stryker-tmp*'],
  cleanTempDir: 'always',
};
