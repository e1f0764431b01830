// Vitest config for mutation testing only (npm run mutate): the node tests of the mutated modules, no
// browser project, no Svelte plugin. Tests that read ../shared are left out: Stryker runs them from a
// sandbox copy of the repo (.stryker-tmp/sandbox-*) where that relative path does not exist. The toy
// distribution test is left out too: it trains a model for ~30 s per run and the unit tests cover the
// same gflow code (replay buffer, rng) directly.
import { defineConfig } from 'vitest/config';

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
      'tests/runtime/token-sampling*.test.ts',
      'tests/runtime/causal-lm-sampling.test.ts',
      'tests/tasks/**/*.test.ts',
    ],
    exclude: [
      '**/node_modules/**',
      'tests/gflow/toy-distribution.test.ts',
      // These read ../shared/data.
      'tests/tasks/glue.test.ts',
      'tests/tasks/mmlu.test.ts',
      'tests/tasks/registry.test.ts',
      'tests/tasks/instruction-induction.test.ts',
      'tests/tasks/builtin.test.ts',
    ],
  },
});
