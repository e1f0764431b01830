// The meta-prompt module loads: META_PROMPT_HEADER is computed when the module is imported (inputsPhrase(5)), so
// a defect that makes inputsPhrase refuse 5 breaks the import itself. Imported inside the test, not at the top of
// the file: an import that throws at the top fails the file before any test runs, which Stryker's vitest runner
// counts as no failing test (such mutants were reported as survivors, docs/mutation.md); here it fails this test.
import { describe, expect, it } from 'vitest';

describe('meta-prompt module', () => {
  // Every module-level constant is checked in this one test: it is the test that loads the module, so it is the one
  // Stryker's per-test coverage credits with them (with static mutants ignored, a later test sees the module as
  // loaded and cannot tell a mutated constant).
  it('imports, with the five-demonstration header computed at load and its constants as written', async () => {
    const { META_PROMPT_HEADER, ASSISTANT_PREFIX, REFERENCES_HEADER, inputsPhrase } = await import('../../src/gflow/meta-prompt');
    expect(META_PROMPT_HEADER).toBe(
      'I gave a friend an instruction and five inputs. The friend read the instruction and wrote an output for every one of the inputs. Here are the input-output pairs: \n',
    );
    expect(ASSISTANT_PREFIX).toBe('The Instruction is: ');
    expect(REFERENCES_HEADER).toBe('\nHere are some reference instructions:\n');
    const words = 'zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty';
    expect(Array.from({ length: 23 }, (_, n) => inputsPhrase(n))).toEqual([
      ...words.split(' ').map((w, n) => `${w} ${n === 1 ? 'input' : 'inputs'}`),
      '21 inputs',
      '22 inputs',
    ]);
  });
});
