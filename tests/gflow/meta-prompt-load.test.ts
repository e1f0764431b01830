// The meta-prompt module loads: META_PROMPT_HEADER is computed when the module is imported (inputsPhrase(5)), so
// a defect that makes inputsPhrase refuse 5 breaks the import itself. Imported inside the test, not at the top of
// the file: an import that throws at the top fails the file before any test runs, which Stryker's vitest runner
// counts as no failing test (such mutants were reported as survivors, docs/mutation.md); here it fails this test.
import { describe, expect, it } from 'vitest';

describe('meta-prompt module', () => {
  it('imports, with the five-demonstration header computed at load', async () => {
    const { META_PROMPT_HEADER } = await import('../../src/gflow/meta-prompt');
    expect(META_PROMPT_HEADER).toBe(
      'I gave a friend an instruction and five inputs. The friend read the instruction and wrote an output for every one of the inputs. Here are the input-output pairs: \n',
    );
  });
});
