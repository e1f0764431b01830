// The StablePrompt meta-prompt text, exactly: the header naming the number of demonstrations shown, with and
// without references; reference cleaning.
import { describe, expect, it } from 'vitest';
import { ASSISTANT_PREFIX, META_PROMPT_HEADER, buildMetaPrompt, cleanReference, inputsPhrase, metaPromptHeader } from '../../src/gflow/meta-prompt';

const validation = [
  { input: '3 4', output: '7' },
  { input: '10 5', output: '15' },
  { input: '1 1', output: '2' },
];
const task = { name: 'builtin/sum', splits: { train: [], validation, test: [] } };
const header = (count: string) =>
  `I gave a friend an instruction and ${count}. The friend read the instruction and wrote an output for every one of the inputs. Here are the input-output pairs: \n`;

describe('metaPromptHeader', () => {
  it("is the authors' meta_prompt with the count shown", () => {
    expect(META_PROMPT_HEADER).toBe(header('five inputs'));
    expect(metaPromptHeader(3)).toBe(header('three inputs'));
    expect(metaPromptHeader(1)).toBe(header('one input'));
    expect(metaPromptHeader(20)).toBe(header('twenty inputs'));
    expect(metaPromptHeader(21)).toBe(header('21 inputs'));
  });

  it('refuses a count that is not a non-negative integer', () => {
    expect(() => inputsPhrase(-1)).toThrow(RangeError);
    expect(() => inputsPhrase(2.5)).toThrow(/non-negative integer/);
  });
});

describe('buildMetaPrompt', () => {
  it('writes the header, a newline and the demonstrations in the official format, naming how many it shows', () => {
    const m = buildMetaPrompt(task, [1, 0]);
    expect(m.text).toBe(`${header('two inputs')}\nInput : 10 5\nOutput : 15\nInput : 3 4\nOutput : 7\n`);
    expect(m.assistantPrefix).toBe('The Instruction is: ');
    expect(ASSISTANT_PREFIX).toBe('The Instruction is: ');
    expect(m.demonstrationIndices).toEqual([1, 0]);
    expect(m.references).toEqual([]);
  });

  it('shows a demonstration drawn twice twice (draws are with replacement) and counts it twice', () => {
    const m = buildMetaPrompt(task, [2, 2, 0]);
    expect(m.text).toBe(`${header('three inputs')}\nInput : 1 1\nOutput : 2\nInput : 1 1\nOutput : 2\nInput : 3 4\nOutput : 7\n`);
  });

  it('appends the numbered reference block, cleaned', () => {
    const m = buildMetaPrompt(task, [2], ['**Add** the two numbers.', 'Sum up_the\n values.']);
    expect(m.text).toBe(`${header('one input')}\nInput : 1 1\nOutput : 2\n\nHere are some reference instructions:\n1. Add the two numbers.\n2. Sum up the values.\n`);
    expect(m.references).toEqual(['Add the two numbers.', 'Sum up the values.']);
  });

  it("writes demonstrations in the task family's format (pair classification: the input names its parts)", () => {
    const pairs = { name: 'rte', demonstration: 'labelled-parts' as const, splits: { train: [], validation: [{ input: 'premise : It rains.\nhypothesis : It is wet.', output: 'yes' }], test: [] } };
    const m = buildMetaPrompt(pairs, [0, 0]);
    expect(m.text).toBe(`${header('two inputs')}\npremise : It rains.\nhypothesis : It is wet.\nOutput : yes\npremise : It rains.\nhypothesis : It is wet.\nOutput : yes\n`);
  });

  it('rejects a demonstration index outside the split', () => {
    expect(() => buildMetaPrompt(task, [3])).toThrow(/outside the validation split \(3 examples\)/);
  });
});

describe('cleanReference', () => {
  it('removes runs of *, turns runs of _ into a space, collapses whitespace (official clean_special_chars)', () => {
    expect(cleanReference('**Bold** and *it* __under__ a_b\n\tc  ')).toBe('Bold and it under a b c');
  });
});
