// Built-in tasks: sizes, determinism by seed, distinct inputs, and every answer checked by an independent
// computation; num_to_verbal against all 10,000 numbers of the Instruction Induction data.
import { describe, expect, it } from 'vitest';
import { BUILTIN_TASKS, BUILTIN_WORDS, builtinTask, numToVerbal } from '../../src/tasks/builtin';
import { parseInstructionInduction } from '../../src/tasks/instruction-induction';
import { scoreOutput } from '../../src/tasks/metrics';
import { TaskError, type Example } from '../../src/tasks/task';
import { readSharedData } from './shared-tasks';

const all = (name: string, seed = 0): Example[] => {
  const { train, validation, test } = builtinTask(name, { seed }).splits;
  return [...train, ...validation, ...test];
};

/** What each task's answer must be, computed here without the generator's code. */
const CHECKS: Record<string, (input: string) => string> = {
  sum: (input) => {
    const [a, b] = input.split(' ').map(Number);
    expect([a, b].every((n) => Number.isInteger(n) && n! >= 0 && n! <= 99)).toBe(true);
    return String(a! + b!);
  },
  diff: (input) => {
    const [x, y] = input.split(' ').map(Number);
    expect(y! >= 0 && y! <= 99 && x! - y! >= 0 && x! - y! <= 99).toBe(true);
    return String(x! - y!);
  },
  first_word_letter: (w) => w.charAt(0),
  second_word_letter: (w) => w.charAt(1),
  last_word_letter: (w) => w.charAt(w.length - 1),
  letters_list: (w) => w.split('').join(' '),
  num_to_verbal: (n) => numToVerbal(Number(n)),
  word_sorting: (input) => {
    const words = input.split(' ');
    expect(words.length >= 3 && words.length <= 5 && new Set(words).size === words.length).toBe(true);
    return [...words].sort((a, b) => (a < b ? -1 : 1)).join(' ');
  },
  larger_number: (input) => {
    const [a, b] = input.split(', ').map(Number);
    expect(a).not.toBe(b);
    return String(a! > b! ? a : b);
  },
  reverse_word: (w) => w.split('').reverse().join(''),
  count_letters: (w) => String(w.length),
  even_odd: (n) => (Number(n) % 2 === 0 ? 'even' : 'odd'),
};

describe('built-in tasks', () => {
  it('has a check for every task', () => {
    expect([...BUILTIN_TASKS].sort()).toEqual(Object.keys(CHECKS).sort());
  });

  it.each(BUILTIN_TASKS)('%s: 32/32/100, distinct inputs, correct answers that score 1, wrong ones 0', (name) => {
    const task = builtinTask(name);
    expect([task.splits.train.length, task.splits.validation.length, task.splits.test.length]).toEqual([32, 32, 100]);
    expect(task.name).toBe(`builtin/${name}`);
    expect(task.metric).toBe('exact_match');
    const examples = all(name);
    expect(new Set(examples.map((e) => e.input)).size).toBe(164);
    for (const e of examples) {
      expect(e.output).toBe(CHECKS[name]!(e.input));
      expect(scoreOutput(task.metric, e.output, e)).toBe(1);
    }
    // some other example's answer is wrong for this one (at least where the answers differ)
    const wrong = examples.filter((e, i) => e.output !== examples[(i + 1) % examples.length]!.output);
    expect(wrong.length).toBeGreaterThan(0);
    for (const e of wrong) expect(scoreOutput(task.metric, examples[(examples.indexOf(e) + 1) % examples.length]!.output, e)).toBe(0);
  });

  it.each(BUILTIN_TASKS)('%s: the same seed gives the same examples, another seed others', (name) => {
    expect(all(name, 5)).toEqual(all(name, 5));
    expect(all(name, 6)).not.toEqual(all(name, 5));
  });

  it('is pinned: a change to the generator changes this draw (and every saved run built on it)', () => {
    expect(builtinTask('sum').splits.train.slice(0, 3)).toEqual([
      { input: '42 42', output: '84' },
      { input: '98 87', output: '185' },
      { input: '32 12', output: '44' },
    ]);
  });

  it('uses 260 distinct lowercase words, no palindromes', () => {
    expect(BUILTIN_WORDS).toHaveLength(260);
    expect(new Set(BUILTIN_WORDS).size).toBe(260);
    for (const w of BUILTIN_WORDS) {
      expect(w).toMatch(/^[a-z]{4,8}$/);
      expect(w.split('').reverse().join('')).not.toBe(w);
    }
  });

  it('rejects unknown names and impossible sizes', () => {
    expect(() => builtinTask('uppercase')).toThrow(TaskError);
    expect(() => builtinTask('count_letters', { sizes: { train: 200, validation: 32, test: 100 } })).toThrow(/cannot draw 332 distinct inputs/);
  });
});

describe('numToVerbal', () => {
  it('writes numbers the Instruction Induction way (hand-checked)', () => {
    expect([0, 14, 40, 94, 100, 101, 120, 1000, 1015, 1100, 1254, 3010, 5054, 9999].map(numToVerbal)).toEqual([
      'zero', 'fourteen', 'forty', 'ninety-four', 'one hundred', 'one hundred and one', 'one hundred and twenty', 'one thousand',
      'one thousand and fifteen', 'one thousand, one hundred', 'one thousand, two hundred and fifty-four', 'three thousand and ten',
      'five thousand and fifty-four', 'nine thousand, nine hundred and ninety-nine',
    ]);
    expect(() => numToVerbal(10000)).toThrow(RangeError);
  });

  it('agrees with all 10,000 numbers of the num_to_verbal induce and execute files', () => {
    const examples = ['induce', 'execute'].flatMap((s) =>
      parseInstructionInduction('num_to_verbal', readSharedData(`instruction-induction/raw/${s}/num_to_verbal.json`), s),
    );
    expect(new Set(examples.map((e) => e.input)).size).toBe(10000);
    const mismatches = examples.filter((e) => numToVerbal(Number(e.input)) !== e.output);
    expect(mismatches).toEqual([]);
  });
});
