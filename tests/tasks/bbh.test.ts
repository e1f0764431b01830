// BIG-Bench Hard files -> Task on our own fixtures in BBH's public format (tests/fixtures/bbh): multiple choice with
// lenient "(B)" / "B" / "(B) text" targets, free-form tasks with their metric, and refusals at their lines.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BBH_TASKS, bbhTask, looksLikeBbh, matchChoice, optionsOf, parseBbh } from '../../src/tasks/bbh';
import { TaskError } from '../../src/tasks/task';
import { thrown } from '../support/thrown';

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
const polygons = fixture('bbh/polygon_sides.json');
const booleans = fixture('bbh/boolean_flips.json');

describe('lenient choices', () => {
  const options = optionsOf('Which polygon has four sides?\nOptions:\n(A) pentagon\n(B) square\n(C) decagon\n(D) triangle');

  it('reads the options after "Options:"', () => {
    expect([...options]).toEqual([['A', 'pentagon'], ['B', 'square'], ['C', 'decagon'], ['D', 'triangle']]);
    expect(optionsOf('no options here').size).toBe(0);
  });

  it('"(B)", "B", "(B) square", "B) square" and "square" name B; other text names nothing', () => {
    for (const answer of ['(B)', 'B', ' (B) ', '(B) square', 'B) square', 'B. square', 'square']) expect(matchChoice(answer, options), answer).toBe('B');
    for (const answer of ['(E)', '(B) triangle', 'Square', 'Yes', 'B square extra', '']) expect(matchChoice(answer, options), answer).toBeUndefined();
  });
});

describe('BBH multiple choice', () => {
  const task = bbhTask(polygons, 'bbh/polygon_sides.json');

  it('targets written "(D)", "B" and "(A) pentagon" all become the label word of their option', () => {
    expect(task.family).toBe('multiple_choice');
    expect(task.name).toBe('bbh/polygon_sides');
    expect(task.labelWords).toEqual(['(A)', '(B)', '(C)', '(D)']);
    expect(task.splits.train.map((e) => e.output)).toEqual(['(D)', '(B)', '(A)', '(C)']);
    expect(task.splits.train[1]!.fields).toEqual({ A: 'pentagon', B: 'square', C: 'decagon', D: 'triangle' });
    expect(task.splits.train[0]!.input).toBe('Which polygon has three sides?\nOptions:\n(A) octagon\n(B) pentagon\n(C) square\n(D) triangle');
    expect([task.splits.train.length, task.splits.validation.length, task.splits.test.length]).toEqual([4, 4, 4]);
  });
});

describe('BBH free-form', () => {
  it('boolean expressions are generation with exact match', () => {
    const task = bbhTask(booleans, 'bbh/boolean_flips.json');
    expect(task.family).toBe('generation');
    expect(task.metric).toBe('exact_match');
    expect(task.splits.train[0]).toEqual({ input: JSON.parse(booleans).examples[0].input, output: JSON.parse(booleans).examples[0].target });
  });

  it('a registry name sets the metric by the one rule (word_sorting: f1)', () => {
    const text = JSON.stringify({ examples: [1, 2, 3].map((i) => ({ input: `sort w${i} a`, target: `a w${i}` })) });
    expect(bbhTask(text, 'x.json', { taskName: 'bbh/word_sorting' }).metric).toBe('f1');
  });
});

describe('structure and refusals', () => {
  it('recognises BBH files by structure, not BIG-bench task.json', () => {
    expect(looksLikeBbh(JSON.parse(polygons))).toBe(true);
    expect(looksLikeBbh({ examples: [{ input: 'a', target: 'b' }], metrics: ['exact_str_match'] })).toBe(false);
    expect(looksLikeBbh({ examples: [{ input: 'a', target: ['b'] }] })).toBe(false);
  });

  it('forcing multiple choice on free-form targets names the example and why', () => {
    const e = thrown(() => bbhTask(booleans, 'b.json', { family: 'multiple_choice' }), TaskError);
    expect(e.message).toMatch(/^b\.json:4: example 1 cannot be multiple choice: its input lists no "Options:" with \(A\), \(B\), \.\.\.$/);
  });

  it('a target that is not a string, and an empty target, are refused at their line', () => {
    const text = '{"examples": [\n{"input": "a", "target": "b"},\n{"input": "c", "target": 3}\n]}';
    expect(thrown(() => parseBbh(text, 'b.json'), TaskError).message).toBe('b.json:3: example 2: "target" must be a non-empty string, got 3');
    const empty = '{"examples": [{"input": "a", "target": " "}]}';
    expect(thrown(() => parseBbh(empty, 'b.json'), TaskError).message).toBe('b.json:1: example 1: "target" must be a non-empty string, got " "');
  });

  it('lists the 27 BBH tasks', () => {
    expect(BBH_TASKS).toHaveLength(27);
  });
});
