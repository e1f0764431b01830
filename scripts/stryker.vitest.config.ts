// Vitest config for mutation testing only (npm run mutate): the node tests of the mutated modules, no
// browser project, no Svelte plugin. Stryker runs them from a sandbox copy (<tempDirName>/sandbox-*, one folder per part);
// scripts/stryker.config.mjs links <tempDirName>/shared to ../shared so tests that read the shared data
// find it there. Left out: the toy distribution test (it trains a model for ~30 s per run and the unit
// tests cover the same gflow code directly) and token-sampling-large.test.ts (49152-token vocabularies: about
// a minute per mutant once instrumented; token-sampling-topk.test.ts checks the same paths on up to 2000 tokens).
// causal-lm-sampling.test.ts is left out too: it drives the same sampleToken through the model (thousands of
// rows, ~20 s per mutant instrumented), while token-sampling-exact/topk check every kept set and probability exactly.
//
// MUTATE_UNIT_ONLY=1 also leaves out the whole-run gflow tests (tests/gflow/run-*.test.ts): they run GflowpoRun in
// beforeAll hooks, which makes every gflow mutant they reach a static mutant (rerun with every test, about a
// minute each instrumented). Without them a part's score is a lower bound: only the unit tests can kill.
import { defineConfig } from 'vitest/config';

const unitOnly = process.env['MUTATE_UNIT_ONLY'] === '1';

export default defineConfig({
  test: {
    name: 'node',
    environment: 'node',
    // Mutants can make code slow (a loop bound off by one); Stryker's own timeout decides, not this.
    testTimeout: 120_000,
    include: [
      'tests/gflow/**/*.test.ts',
      'tests/autodiff/**/*.test.ts',
      'tests/runtime/trainer.test.ts',
      // The MatMulNBits gradient rule (dx = g @ W'^T through dequantiseBlocks) is checked here.
      'tests/models/llama/quantised-matmul.test.ts',
      'tests/runtime/token-sampling*.test.ts',
      'tests/tasks/**/*.test.ts',
    ],
    exclude: [
      '**/node_modules/**',
      'tests/gflow/toy-distribution.test.ts',
      'tests/runtime/token-sampling-large.test.ts',
      ...(unitOnly ? ['tests/gflow/run-*.test.ts'] : []),
    ],
  },
});
