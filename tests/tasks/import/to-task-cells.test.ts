// Table -> Task details left by the mutation run of 2026-12-03 19:10 (each case fails on some one-token change of
// to-task.ts): JSON cells read after trimming, a row without the target or a structured column, and the review of
// such tables.
import { describe, expect, it } from 'vitest';
import { type TaskMapping, importTask, jsonCell, reviewMapping, suggestTask } from '../../../src/tasks/import/to-task';
import { ImportError, type Table } from '../../../src/tasks/import/types';
import { thrown } from '../../support/thrown';

const table = (columns: string[], rows: Record<string, string>[]): Table => ({ source: 'd/t.jsonl', format: 'jsonl', columns, rows, rowLines: rows.map((_, i) => i + 1) });

describe('jsonCell', () => {
  it.each([
    [' {"a": 1} ', { a: 1 }],
    ['\t[1, "x"]\n', [1, 'x']],
    ['{}', {}],
    ['[]', []],
    ['{"a": 1', undefined],
    ['"text"', undefined],
    ['null', undefined],
    ['12', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j -> %j', (text, value) => {
    expect(jsonCell(text)).toEqual(value);
  });
});

describe('rows without the cell', () => {
  it('a row lacking the target column counts as an empty target', () => {
    const t = table(['q', 'a'], [{ q: 'x', a: 'yes' }, { q: 'y' }, { q: 'z', a: 'no' }]);
    expect(reviewMapping(t, { family: 'classification', inputColumns: ['q'], targetColumn: 'a' })).toEqual([
      { kind: 'empty-targets', column: 'a', blocking: true, message: '1 of 3 rows have an empty "a" (the first at line 2); every example needs a gold answer: fill them in, remove them, or choose another column' },
    ]);
  });

  it('a column of JSON objects with a row lacking it is not taken as the answer', () => {
    const t = table(['question', 'scores'], [{ question: 'q1', scores: '{"a": 1, "b": 0}' }, { question: 'q2' }]);
    expect(suggestTask(t).mapping).toBeNull();
  });

  it('JSON cells with spaces around them are still JSON', () => {
    const t = table(['question', 'scores'], [{ question: 'q1', scores: ' {"a": 1, "b": 0}' }, { question: 'q2', scores: '{"a": 0, "b": 1} ' }]);
    expect(suggestTask(t).mapping).toEqual({ family: 'multiple_choice', inputColumns: ['question'], targetColumn: 'scores' });
  });
});

const nine = (base: (i: number) => Record<string, string>, row4: Record<string, string> = {}) => Array.from({ length: 9 }, (_, i) => (i === 4 ? { ...base(i), ...row4 } : base(i)));
const all = (t: ReturnType<typeof importTask>) => [...t.splits.train, ...t.splits.validation, ...t.splits.test];
const row4 = (t: ReturnType<typeof importTask>) => all(t).find((e) => e.input.startsWith('x4'))!;

describe('reviewMapping: label flags', () => {
  const cls: TaskMapping = { family: 'classification', inputColumns: ['q'], targetColumn: 'a' };
  const labels = (values: string[]) => table(['q', 'a'], values.map((a, i) => ({ q: `x${i}`, a })));
  it('numbers as labels are flagged only for classification, only when every non-empty label is one', () => {
    expect(reviewMapping(labels(['1', '0', '1']), { ...cls, family: 'generation' })).toEqual([]);
    expect(reviewMapping(labels(['1', 'yes', '0']), cls)).toEqual([]);
    expect(reviewMapping(labels(['', ' ']), cls).map((f) => f.kind)).toEqual(['empty-targets']);
  });

  it('the message shows the first five distinct numbers', () => {
    expect(reviewMapping(labels(['3', '1', '4', '1', '5', '9', '2', '6']), cls)[0]!.message).toBe(
      'the labels of "a" are numbers (3, 1, 4, 5, 9); the model would have to answer with them: give labelWords (e.g. {"0": "negative", "1": "positive"})',
    );
  });

  it('exactly 20 distinct labels are a label set; 21 are flagged', () => {
    const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`);
    expect(reviewMapping(labels(words(20)), cls)).toEqual([]);
    expect(reviewMapping(labels(words(21)), cls).map((f) => f.kind)).toEqual(['many-labels']);
  });
});

describe('suggestTask without usual names', () => {
  const long = (k: number) => JSON.stringify({ [`a fairly long choice number ${k}`]: 1, [`another long choice ${k}`]: 0 });
  it('a column of long JSON objects (no label candidate) is the answer; one plain row makes it not one', () => {
    const rows = [0, 1, 2].map((k) => ({ question: `q${k}`, scores: long(k) }));
    expect(suggestTask(table(['question', 'scores'], rows)).mapping).toEqual({ family: 'multiple_choice', inputColumns: ['question'], targetColumn: 'scores' });
    expect(suggestTask(table(['question', 'scores'], [...rows, { question: 'q3', scores: 'plain text that is also rather long, over forty characters' }])).mapping).toBeNull();
  });

  it('rows without columns: no mapping, no input, a no-target flag on no column', () => {
    expect(suggestTask(table([], [{}, {}]))).toEqual({
      mapping: null,
      inputColumns: [],
      flags: [{ kind: 'no-target', column: '', blocking: true, message: 'no column looks like the answer (label, output, target, answer, ...); the columns are : choose targetColumn' }],
    });
  });

  it('errors are placed at line 1 column 1 of the file', () => {
    const e = thrown(() => suggestTask(table(['q'], [])), ImportError);
    expect([e.message, e.file, e.line, e.column]).toEqual(['d/t.jsonl: the file has no rows to import; it needs one row per example', 'd/t.jsonl', 1, 1]);
    const f = thrown(() => importTask(table(['q', 'a'], [{ q: 'x', a: 'y' }]), { family: 'ranking' as never, inputColumns: ['q'], targetColumn: 'a' }), ImportError);
    expect([f.file, f.line, f.column]).toEqual(['d/t.jsonl', 1, 1]);
  });
});

describe('importTask details', () => {
  it('labels in order: numbers numerically before words, words as text', () => {
    const t = importTask(table(['q', 'a'], nine((i) => ({ q: `x${i}`, a: ['yes', '2', 'no', '1'][i % 4]! }))), { family: 'classification', inputColumns: ['q'], targetColumn: 'a' });
    expect(t.labelWords).toEqual(['1', '2', 'no', 'yes']);
  });

  it('a column named "undefined" is not read as alternatives unless named', () => {
    const t = importTask(table(['q', 'a', 'undefined'], nine((i) => ({ q: `x${i}`, a: `o${i}`, undefined: `u${i}` }))), { family: 'generation', inputColumns: ['q'], targetColumn: 'a' });
    expect(row4(t)).toEqual({ input: 'x4', output: 'o4', fields: { q: 'x4' } });
  });

  it('a row without the alternatives cell has no alternatives', () => {
    const rows = nine((i) => ({ q: `x${i}`, a: `o${i}`, alt: `p${i}` }));
    delete (rows[4] as Record<string, string>)['alt'];
    const t = importTask(table(['q', 'a', 'alt'], rows), { family: 'generation', inputColumns: ['q'], targetColumn: 'a', alternativesColumn: 'alt' });
    expect(row4(t)).toEqual({ input: 'x4', output: 'o4', fields: { q: 'x4' } });
    expect(all(t).find((e) => e.input === 'x3')!.alternatives).toEqual(['p3']);
  });

  it('answer lists: numbers are text, every entry must be a string or number, the first not blank', () => {
    const gen = (a: string) => importTask(table(['q', 'a'], nine((i) => ({ q: `x${i}`, a: 'ok' }), { a })), { family: 'generation', inputColumns: ['q'], targetColumn: 'a' });
    expect(row4(gen('["x", 3]'))).toEqual({ input: 'x4', output: 'x', fields: { q: 'x4' }, alternatives: ['3'] });
    expect(() => gen('["x", {"k": 1}]')).toThrow('d/t.jsonl: the row at line 5 has ["x",{"k":1}] in "a"; a list of answers holds strings (at least one)');
    const longList = JSON.stringify(['a'.repeat(70), null]);
    expect(() => gen(longList)).toThrow(`d/t.jsonl: the row at line 5 has ${longList.slice(0, 60)} in "a"; a list`);
    expect(() => gen('["  ", "x"]')).toThrow('d/t.jsonl: the row at line 5 has an empty first answer in "a"; the gold output must have text');
  });

  it('train or validation size 0 is refused; 65+ rows say nothing about thirds', () => {
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ q: `x${i}`, a: `o${i}` }));
    const gen: TaskMapping = { family: 'generation', inputColumns: ['q'], targetColumn: 'a' };
    const tooFew = 'd/t.jsonl: 10 rows are too few; train, validation and test need at least one example each';
    expect(() => importTask(table(['q', 'a'], rows(10)), { ...gen, trainSize: 0, validationSize: 5 })).toThrow(tooFew);
    expect(() => importTask(table(['q', 'a'], rows(10)), { ...gen, trainSize: 5, validationSize: 0 })).toThrow(tooFew);
    expect(importTask(table(['q', 'a'], rows(65)), gen).notes).toEqual(['splits: seeded shuffle (seed 0), train 32, validation 32, test 1']);
  });

  it('{choice: score}: scores must be finite numbers (1e999 is not); a long cell is shown cut to 60 characters', () => {
    const mc = (a: string) => importTask(table(['q', 'a'], nine((i) => ({ q: `x${i}`, a: '{"p": 0, "q": 1}' }), { a })), { family: 'multiple_choice', inputColumns: ['q'], targetColumn: 'a' });
    expect(() => mc('{"p": 1e999, "q": 0}')).toThrow('d/t.jsonl: the row at line 5 has {"p": 1e999, "q": 0} in "a"; {choice: score} objects need a number for each choice');
    const long = `{"${'p'.repeat(70)}": "1", "q": 0}`;
    expect(() => mc(long)).toThrow(`d/t.jsonl: the row at line 5 has ${long.slice(0, 60)} in "a"; {choice: score}`);
  });

  it('a row without a choice column has an empty choice', () => {
    const rows = nine((i) => ({ q: `x${i}`, a: 'A', c1: 'red', c2: 'blue' }));
    delete (rows[4] as Record<string, string>)['c2'];
    expect(() => importTask(table(['q', 'a', 'c1', 'c2'], rows), { family: 'multiple_choice', inputColumns: ['q'], targetColumn: 'a', choiceColumns: ['c1', 'c2'] })).toThrow(
      'd/t.jsonl: the row at line 5 has an empty choice B; every choice needs text',
    );
  });
});
