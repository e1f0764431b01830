// BIG-bench task.json -> Task on our own fixtures in the public format (tests/fixtures/bigbench): multiple choice from
// target_scores (letters, ties, fractional scores), list targets as alternatives, task_prefix and example prefixes
// kept, the splits rule, and every refusal at its line.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BBII_TASKS, bigBenchTask, benchmarkSplits, looksLikeBigBench, parseBigBench } from '../../src/tasks/bigbench';
import { metricFor } from '../../src/tasks/metrics';
import { TaskError, renderInput } from '../../src/tasks/task';
import { thrown } from '../support/thrown';

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
const colours = fixture('bigbench/colour_mixing/task.json');
const plurals = fixture('bigbench/plural_forms/task.json');

describe('BIG-bench multiple choice (target_scores)', () => {
  const task = bigBenchTask(colours, 'bigbench/colour_mixing/task.json');

  it('letters the choices in file order; the gold output is the letter of the top score', () => {
    expect(task.family).toBe('multiple_choice');
    expect(task.name).toBe('bigbench/colour_mixing');
    expect(task.labelWords).toEqual(['A', 'B', 'C']);
    expect(task.metric).toBe('accuracy');
    expect(task.splits.train[0]).toEqual({
      input: 'What colour do you get when you mix red and yellow paint?\nChoices :\nA : orange\nB : green\nC : purple',
      output: 'A',
      fields: {
        question: 'What colour do you get when you mix red and yellow paint?',
        A: 'orange',
        B: 'green',
        C: 'purple',
        task_prefix: 'Answer questions about mixing paint.\n',
        example_input_prefix: '\nQuestion: ',
        example_output_prefix: '\nAnswer: ',
        choice_prefix: '\n  choice: ',
      },
    });
    // rotated choices: mix 2 is ['green', 'purple', 'orange'] rotated by 1 -> blue + yellow = green is C
    expect(task.splits.train[1]!.output).toBe('C');
  });

  it('a tie takes the first top choice and is noted; a fractional top score is still the answer', () => {
    const all = [...task.splits.train, ...task.splits.validation, ...task.splits.test];
    expect(all.map((e) => e.output)).toEqual(['A', 'C', 'B', 'A', 'C', 'B', 'A', 'C', 'B', 'B', 'A']);
    expect(all[9]!.fields!['B']).toBe('red');
    expect(task.notes).toContain('1 examples have several choices with the top score; the first of them is the gold answer');
  });

  it('11 examples are split in thirds (3, 3, 5), in file order', () => {
    expect([task.splits.train.length, task.splits.validation.length, task.splits.test.length]).toEqual([3, 3, 5]);
    expect(task.notes![0]).toBe('the file has 11 examples, fewer than 61: split in thirds (train 3, validation 3, test 5)');
  });

  it("keeps task_prefix and the example prefixes: the 'bigbench' template renders the file's own format", () => {
    const own = bigBenchTask(colours, 'bigbench/colour_mixing/task.json', { template: 'bigbench' });
    expect(renderInput(own, 'Mix.', own.splits.train[0]!)).toBe(
      'Mix.Answer questions about mixing paint.\n\nQuestion: What colour do you get when you mix red and yellow paint?\nChoices :\nA : orange\nB : green\nC : purple\nAnswer: ',
    );
    expect(own.id).not.toBe(task.id);
  });
});

describe('BIG-bench generation (target strings and lists)', () => {
  const task = bigBenchTask(plurals, 'fixtures/plural_forms/task.json');

  it('a list target gives the gold output and its alternatives; default prefixes', () => {
    expect(task.family).toBe('generation');
    expect(task.metric).toBe('exact_match');
    const all = [...task.splits.train, ...task.splits.validation, ...task.splits.test];
    expect(all.find((e) => e.input === 'cactus')).toEqual({
      input: 'cactus',
      output: 'cacti',
      alternatives: ['cactuses'],
      fields: { task_prefix: '', example_input_prefix: '\nQ: ', example_output_prefix: '\nA: ', choice_prefix: '\n  choice: ' },
    });
    expect(all.find((e) => e.input === 'fish')!.alternatives).toEqual(['fishes']);
    expect(all.find((e) => e.input === 'mouse')!.alternatives).toBeUndefined();
    expect(task.labelWords).toBeUndefined();
  });

  it('primaryTarget picks another listed target as the gold output', () => {
    const second = bigBenchTask(plurals, 'p.json', { primaryTarget: 1 });
    const all = [...second.splits.train, ...second.splits.validation, ...second.splits.test];
    expect(all.find((e) => e.input === 'cactus')).toMatchObject({ output: 'cactuses', alternatives: ['cacti'] });
    expect(all.find((e) => e.input === 'mouse')!.output).toBe('mice'); // one target: that one
  });

  it('the family can be forced; generation of a multiple-choice file names the example without a target', () => {
    const e = thrown(() => bigBenchTask(colours, 'c.json', { family: 'generation' }), TaskError);
    expect(e.message).toMatch(/^c\.json:\d+: example 1 has no "target"; a generation task needs one on every example/);
  });
});

describe('structure, splits and refusals', () => {
  it('recognises task.json by structure', () => {
    expect(looksLikeBigBench(JSON.parse(colours))).toBe(true);
    expect(looksLikeBigBench(JSON.parse(plurals))).toBe(true);
    expect(looksLikeBigBench({ examples: [{ input: 'a', target: 'b' }] })).toBe(false); // BBH's shape
    expect(looksLikeBigBench({ examples: [{ input: 'a', target: ['b', 'c'] }] })).toBe(true);
    expect(looksLikeBigBench([{ input: 'a' }])).toBe(false);
  });

  it('splits 100 examples as the GFlowPO code trains (30) plus a held-out validation (30)', () => {
    const s = benchmarkSplits(Array.from({ length: 100 }, (_, i) => i), {}, 'f');
    expect([s.train.at(-1), s.validation[0], s.validation.at(-1), s.test[0], s.test.length]).toEqual([29, 30, 59, 60, 40]);
    expect(thrown(() => benchmarkSplits([1, 2], {}, 'f'), TaskError).message).toBe('f: needs at least 3 examples (one each for train, validation and test), found 2');
  });

  const bad = (examples: unknown[], extra: object = {}) => JSON.stringify({ name: 't', ...extra, examples }, null, 1);
  it.each<[string, string, RegExp]>([
    ['a score that is not a number', bad([{ input: 'q', target_scores: { a: 1, b: 'no' } }]), /^t\.json:\d+: example 1: the score of choice "b" must be a finite number, got "no"$/],
    ['neither target nor target_scores', bad([{ input: 'q', target: 'a' }, { input: 'q2' }]), /^t\.json:\d+: example 2: has neither "target" nor "target_scores"$/],
    ['a target that is a number', bad([{ input: 'q', target: 3 }]), /example 1: "target" must be a string or a non-empty list of strings, got 3/],
    ['an empty target list', bad([{ input: 'q', target: [] }]), /example 1: "target" must be a string or a non-empty list of strings, got \[\]/],
    ['no examples', JSON.stringify({ name: 't', examples: [] }), /no "examples" list/],
    ['metrics not a list', bad([{ input: 'q', target: 'a' }], { metrics: 'exact_str_match' }), /"metrics" must be a list of strings/],
  ])('refuses %s at its line', (_, text, message) => {
    const e = thrown(() => parseBigBench(text, 't.json'), TaskError);
    expect(e.message).toMatch(message);
    expect(e.line).toBeGreaterThan(0);
  });

  it('refuses choices none of which is correct, an empty gold target, and a single choice', () => {
    const zero = bad([1, 2, 3].map((i) => ({ input: `q${i}`, target_scores: { a: 0, b: 0 } })), { preferred_score: 'multiple_choice_grade' });
    expect(thrown(() => bigBenchTask(zero, 't.json'), TaskError).message).toMatch(/example 1: no choice scores above 0, so none is correct/);
    const empty = bad([{ input: 'a', target: 'x' }, { input: 'b', target: ' ' }, { input: 'c', target: 'z' }]);
    expect(thrown(() => bigBenchTask(empty, 't.json'), TaskError).message).toMatch(/^t\.json:\d+: example 2: the target is empty; a gold output must have text$/);
    const one = bad([1, 2, 3].map((i) => ({ input: `q${i}`, target_scores: { a: 1 } })));
    expect(thrown(() => bigBenchTask(one, 't.json'), TaskError).message).toMatch(/example 1 has 1 choices; multiple choice needs 2 to 26/);
  });
});

describe('the BBII task list and one metric rule (issue 9)', () => {
  it('has the 13 classification and 6 generation tasks of the paper', () => {
    expect(BBII_TASKS).toHaveLength(19);
    expect(BBII_TASKS).toContain('sports_understanding');
    expect(BBII_TASKS).toContain('word_sorting');
  });

  it('bbh/, bbii/, bigbench/ and no prefix pick the same metric (bbh/word_sorting was exact_match, bbii/ f1)', () => {
    for (const name of ['word_sorting', 'object_counting', 'dyck_languages', 'boolean_expressions', 'sum', 'synonyms']) {
      const metrics = ['', 'ii/', 'bbii/', 'bbh/', 'bigbench/'].map((p) => metricFor(`${p}${name}`));
      expect(new Set(metrics).size, name).toBe(1);
    }
    expect(metricFor('bbh/word_sorting')).toBe('f1');
    expect(metricFor('mmlu/anatomy')).toBe('accuracy');
  });
});
