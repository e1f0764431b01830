// The StablePrompt meta-prompt text, exactly, with and without references; reference cleaning.
import { describe, expect, it } from 'vitest';
import { ASSISTANT_PREFIX, buildMetaPrompt, cleanReference } from '../../src/gflow/meta-prompt';

const validation = [
  { input: '3 4', output: '7' },
  { input: '10 5', output: '15' },
  { input: '1 1', output: '2' },
];
const HEADER =
  'I gave a friend an instruction and five inputs. The friend read the instruction and wrote an output for every one of the inputs. Here are the input-output pairs:';

describe('buildMetaPrompt', () => {
  it('writes the header, a blank line and the demonstrations in the official format', () => {
    const m = buildMetaPrompt(validation, [1, 0]);
    expect(m.text).toBe(`${HEADER}\n\nInput : 10 5\nOutput : 15\nInput : 3 4\nOutput : 7\n`);
    expect(m.assistantPrefix).toBe('The Instruction is: ');
    expect(ASSISTANT_PREFIX).toBe('The Instruction is: ');
    expect(m.demonstrationIndices).toEqual([1, 0]);
    expect(m.references).toEqual([]);
  });

  it('appends the numbered reference block, cleaned', () => {
    const m = buildMetaPrompt(validation, [2], ['**Add** the two numbers.', 'Sum up_the\n values.']);
    expect(m.text).toBe(`${HEADER}\n\nInput : 1 1\nOutput : 2\n\nHere are some reference instructions:\n1. Add the two numbers.\n2. Sum up the values.\n`);
    expect(m.references).toEqual(['Add the two numbers.', 'Sum up the values.']);
  });

  it('rejects a demonstration index outside the split', () => {
    expect(() => buildMetaPrompt(validation, [3])).toThrow(/outside the validation split \(3 examples\)/);
  });
});

describe('cleanReference', () => {
  it('removes runs of *, turns runs of _ into a space, collapses whitespace (official clean_special_chars)', () => {
    expect(cleanReference('**Bold** and *it* __under__ a_b\n\tc  ')).toBe('Bold and it under a b c');
  });
});
