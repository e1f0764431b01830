// Table -> Task edges found by mutation testing (each case fails on some one-token change of to-task.ts or
// task-file.ts): the review's flags for JSON cells in inputs and targets (message, blocking), a table with no
// answer column, label order, every refusal of generation lists and alternatives, every way a multiple-choice row
// names its choices and answer and every refusal there, and taskFromFile's family and name overrides.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { taskFromFile } from '../../../src/tasks/import/task-file';
import { type TaskMapping, importTask, reviewMapping, suggestTask } from '../../../src/tasks/import/to-task';
import { ImportError, type Table } from '../../../src/tasks/import/types';
import { thrown } from '../../support/thrown';

const table = (columns: string[], rows: Record<string, string>[]): Table => ({ source: 'd/t.csv', format: 'csv', columns, rows, rowLines: rows.map((_, i) => i + 2) });
/** Nine rows (a third each to train, validation, test); row 4 (file line 6) gets `row4` over `base`. */
const nine = (base: (i: number) => Record<string, string>, row4: Record<string, string> = {}) => Array.from({ length: 9 }, (_, i) => (i === 4 ? { ...base(i), ...row4 } : base(i)));
const allExamples = (t: ReturnType<typeof importTask>) => [...t.splits.train, ...t.splits.validation, ...t.splits.test];

describe('reviewMapping flags for JSON cells', () => {
  const cls: Omit<TaskMapping, 'family'> = { inputColumns: ['q'], targetColumn: 'a' };
  it('JSON objects or lists in an input column block', () => {
    expect(reviewMapping(table(['q', 'a'], [{ q: '{"x":1}', a: 'y' }, { q: '[1]', a: 'n' }]), { family: 'classification', ...cls })).toEqual([
      { kind: 'dict-cells', column: 'q', blocking: true, message: '2 cells of input column "q" are JSON objects; the model would read them as JSON text: choose a text column' },
    ]);
    expect(reviewMapping(table(['q', 'a'], [{ q: '[1]', a: 'y' }, { q: 'text', a: 'n' }]), { family: 'classification', ...cls })).toEqual([
      { kind: 'list-cells', column: 'q', blocking: true, message: '1 cells of input column "q" are JSON lists; the model would read them as JSON text: choose a text column' },
    ]);
  });

  it('JSON objects in the target fit multiple choice, lists fit generation (then not blocking)', () => {
    const rows = [{ q: 'x', a: '{"a":1}' }, { q: 'y', a: '["b"]' }];
    expect(reviewMapping(table(['q', 'a'], rows), { family: 'multiple_choice', ...cls })).toEqual([
      { kind: 'dict-cells', column: 'a', blocking: true, message: `1 cells of "a" are JSON objects (like BIG-bench's target_scores): read as {choice: score}, the top score the answer` },
      { kind: 'list-cells', column: 'a', blocking: true, message: '1 cells of "a" are JSON lists; as a label they would be JSON text: use family generation (alternatives) or choicesColumn' },
    ]);
    expect(reviewMapping(table(['q', 'a'], rows), { family: 'generation', ...cls })).toEqual([
      { kind: 'dict-cells', column: 'a', blocking: true, message: `1 cells of "a" are JSON objects (like BIG-bench's target_scores); as a label or output they would be JSON text: use family multiple_choice` },
      { kind: 'list-cells', column: 'a', blocking: false, message: '1 cells of "a" are JSON lists: the first entry is the gold output, the others its alternatives' },
    ]);
  });

  it('a table with no answer column gives no mapping and a no-target flag on its input', () => {
    expect(suggestTask(table(['zz'], [{ zz: 'x' }]))).toEqual({
      mapping: null,
      inputColumns: ['zz'],
      flags: [{ kind: 'no-target', column: 'zz', blocking: true, message: 'no column looks like the answer (label, output, target, answer, ...); the columns are "zz": choose targetColumn' }],
    });
  });
});

describe('importTask: families, label order, generation lists', () => {
  it('refuses an unknown family', () => {
    expect(() => importTask(table(['q', 'a'], [{ q: 'x', a: 'y' }]), { family: 'regression' as never, inputColumns: ['q'], targetColumn: 'a' })).toThrow(
      'd/t.csv: family must be classification, generation or multiple_choice, got "regression"',
    );
  });

  it('labels are sorted numerically when all are numbers, else as text', () => {
    const m: TaskMapping = { family: 'classification', inputColumns: ['q'], targetColumn: 'a' };
    expect(importTask(table(['q', 'a'], nine((i) => ({ q: `x${i}`, a: ['10', '9', '2'][i % 3]! }))), m).labelWords).toEqual(['2', '9', '10']);
    expect(importTask(table(['q', 'a'], nine((i) => ({ q: `x${i}`, a: ['b', 'c', 'a'][i % 3]! }))), m).labelWords).toEqual(['a', 'b', 'c']);
  });

  it.each([
    ['{"k": 1}', 'has a JSON object in "a"; an output is text: use family multiple_choice for {choice: score} objects'],
    ['[]', 'has [] in "a"; a list of answers holds strings (at least one)'],
    ['[{"k":1}]', 'has [{"k":1}] in "a"; a list of answers holds strings (at least one)'],
    ['["", "x"]', 'has an empty first answer in "a"; the gold output must have text'],
  ])('a generation target %s is refused', (a, message) => {
    expect(() => importTask(table(['q', 'a'], nine((i) => ({ q: `x${i}`, a: 'ok' }), { a })), { family: 'generation', inputColumns: ['q'], targetColumn: 'a' })).toThrow(
      `d/t.csv: the row at line 6 ${message}`,
    );
  });

  it('alternatives: a list, one plain text, nothing for an empty cell; a JSON object is refused', () => {
    const gen = (alt: string) => {
      const task = importTask(table(['q', 'a', 'alt'], nine((i) => ({ q: `x${i}`, a: 'ok', alt: '' }), { alt })), { family: 'generation', inputColumns: ['q'], targetColumn: 'a', alternativesColumn: 'alt' });
      return allExamples(task).find((e) => e.input === 'x4')!;
    };
    expect(gen('["p", "ok", "q"]').alternatives).toEqual(['p', 'q']); // the output itself is not its own alternative
    expect(gen('single').alternatives).toEqual(['single']);
    expect(gen('   ')).not.toHaveProperty('alternatives');
    expect(() => gen('{"k": 1}')).toThrow('d/t.csv: the row at line 6 has a JSON object in alternatives column "alt"; give a list of strings');
  });
});

describe('importTask: multiple choice', () => {
  const cols = (i: number) => ({ q: `x${i}`, a: 'A', c1: 'red', c2: 'blue', list: '' });
  const mc = (extra: Partial<TaskMapping>, row4: Record<string, string>, base: (i: number) => Record<string, string> = cols) => {
    const task = importTask(table(['q', 'a', 'c1', 'c2', 'list'], nine(base, row4)), { family: 'multiple_choice', inputColumns: ['q'], targetColumn: 'a', ...extra });
    return { labelWords: task.labelWords, row: allExamples(task).find((e) => e.fields!['q'] === 'x4')! };
  };

  it('the answer as a letter, a letter in parentheses, a 0-based index or the choice text', () => {
    for (const a of ['B', '(B)', '1', 'blue']) {
      expect(mc({ choiceColumns: ['c1', 'c2'] }, { a })).toEqual({
        labelWords: ['A', 'B'],
        row: { input: 'x4\nchoices :\nA : red\nB : blue', output: 'B', fields: { q: 'x4', question: 'x4', A: 'red', B: 'blue' } },
      });
    }
  });

  it('choices from a column of JSON lists, or from {choice: score} objects (the top score wins)', () => {
    const listed = mc({ choicesColumn: 'list' }, {}, (i) => ({ q: `x${i}`, a: 'B', c1: '', c2: '', list: '["p", "q", "r"]' }));
    expect(listed.labelWords).toEqual(['A', 'B', 'C']);
    expect(listed.row.input).toBe('x4\nchoices :\nA : p\nB : q\nC : r');
    const scored = mc({}, {}, (i) => ({ q: `x${i}`, a: '{"p": 0, "q": 1, "r": 0.5}', c1: '', c2: '', list: '' }));
    expect([scored.row.output, scored.row.fields]).toEqual(['B', { q: 'x4', question: 'x4', A: 'p', B: 'q', C: 'r' }]);
  });

  it.each([
    [{ choiceColumns: ['c1', 'c2'] }, { a: 'C' }, undefined, 'line 6 has answer "C" in "a", which names none of its 2 choices (a letter A-B, a 0-based index or a choice\'s text)'],
    [{ choiceColumns: ['c1', 'c2'] }, { a: '2' }, undefined, 'line 6 has answer "2" in "a", which names none of its 2 choices'],
    [{ choiceColumns: ['c1', 'c2'] }, { c2: ' ' }, undefined, 'line 6 has an empty choice B; every choice needs text'],
    [{ choiceColumns: ['c1'] }, {}, undefined, 'line 2 has 1 choices; multiple choice needs 2 to 26'],
    [{ choicesColumn: 'list' }, { list: 'not a list' }, 'list', 'line 6 has no JSON list of choices in "list"'],
    [{ choicesColumn: 'list' }, { list: '{"p": 1}' }, 'list', 'line 6 has no JSON list of choices in "list"'],
    [{}, {}, 'plain', 'line 2 : multiple choice needs choiceColumns, a choicesColumn of lists, or {choice: score} objects in "a"'],
    [{}, { a: '{"p": 0, "q": "1"}' }, 'scores', 'line 6 has {"p": 0, "q": "1"} in "a"; {choice: score} objects need a number for each choice'],
    [{}, { a: '{"p": 0, "q": 0}' }, 'scores', 'line 6 has no choice scoring above 0 in "a", so none is correct'],
    [{}, { a: '{"p": 1}' }, 'scores', 'line 6 has 1 choices; multiple choice needs 2 to 26'],
  ] as const)('%j with row %j (%s) is refused', (extra, row4, base, message) => {
    const bases = {
      list: (i: number) => ({ q: `x${i}`, a: 'B', c1: '', c2: '', list: '["p", "q", "r"]' }),
      plain: (i: number) => ({ q: `x${i}`, a: 'B', c1: '', c2: '', list: '' }),
      scores: (i: number) => ({ q: `x${i}`, a: '{"p": 0, "q": 1}', c1: '', c2: '', list: '' }),
    };
    expect(() => mc(extra as Partial<TaskMapping>, row4, base ? bases[base] : cols)).toThrow(`d/t.csv: the row at ${message}`);
  });
});

describe('taskFromFile overrides', () => {
  const fixture = (path: string) => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url));
  const both = JSON.stringify({
    name: 'both', description: 'd', keywords: ['k'], metrics: ['exact_str_match'],
    examples: Array.from({ length: 9 }, (_, i) => ({ input: `mix ${i}`, target: `c${i}`, target_scores: { [`c${i}`]: 1, other: 0 } })),
  });

  it('refuses an unknown family, and classification for benchmark files', () => {
    expect(() => taskFromFile('t.csv', 'text,label\na,x\n', { family: 'regression' as never })).toThrow('t.csv: family must be classification, generation or multiple_choice, got "regression"');
    expect(() => taskFromFile('b.json', fixture('bigbench/colour_mixing/task.json'), { family: 'classification' })).toThrow('b.json: a BIG-bench file is multiple_choice or generation, not classification');
    expect(() => taskFromFile('b.json', fixture('bbh/polygon_sides.json'), { family: 'classification' })).toThrow('b.json: a BBH file is multiple_choice or generation, not classification');
  });

  it('a BIG-bench file takes the name and family given', () => {
    expect(taskFromFile('b.json', both).task).toMatchObject({ name: 'bigbench/both', family: 'multiple_choice' });
    expect(taskFromFile('b.json', both, { family: 'generation', name: 'mine' }).task).toMatchObject({ name: 'mine', family: 'generation' });
    expect(taskFromFile('b.json', fixture('bbh/polygon_sides.json'), { name: 'mine2' }).task).toMatchObject({ name: 'mine2', family: 'multiple_choice' });
  });

  it('a table takes the family and name given over the guess (the name also picks the metric)', () => {
    const csv = 'text,label\n' + Array.from({ length: 9 }, (_, i) => `sentence ${i},${i % 2 ? 'yes' : 'no'}`).join('\n');
    const r = taskFromFile('t.csv', csv, { family: 'generation', name: 'ii/tense' });
    expect([r.task.name, r.task.family, r.task.metric]).toEqual(['ii/tense', 'generation', 'f1']);
    expect(r.mapping).toEqual({ family: 'generation', inputColumns: ['text'], targetColumn: 'label', name: 'ii/tense' });
  });
});

describe('taskFromFile: when a guess is used, and what an explicit mapping is', () => {
  const numeric = 'text,label\n' + Array.from({ length: 9 }, (_, i) => `sentence ${i},${i % 2}`).join('\n');
  const confirm = 'n.csv: the guessed mapping needs your confirmation: the labels of "label" are numbers (0, 1)';

  it('a mapping is explicit only with both a family and a target column', () => {
    expect(() => taskFromFile('n.csv', numeric, { map: { targetColumn: 'label' } })).toThrow(confirm);
    expect(() => taskFromFile('n.csv', numeric, { map: { family: 'classification' } })).toThrow(confirm);
    expect(taskFromFile('n.csv', numeric, { map: { family: 'classification', targetColumn: 'label' } }).flags.map((f) => f.kind)).toEqual(['numeric-labels']);
  });

  it('every blocking flag is listed, "; "-separated, at line 1 column 1; a non-blocking flag does not stop a guess', () => {
    const twoFlags = 'text,label\n' + Array.from({ length: 9 }, (_, i) => `sentence ${i},${i === 3 ? '' : i % 2}`).join('\n');
    const e = thrown(() => taskFromFile('e.csv', twoFlags), ImportError);
    expect(e.message).toBe(
      'e.csv: the guessed mapping needs your confirmation: 1 of 9 rows have an empty "label" (the first at line 5); every example needs a gold answer: fill them in, remove them, or choose another column; ' +
        'the labels of "label" are numbers (0, 1); the model would have to answer with them: give labelWords (e.g. {"0": "negative", "1": "positive"}). ' +
        'Pass it, changed as needed, as the mapping: {"family":"classification","inputColumns":["text"],"targetColumn":"label"}',
    );
    expect([e.file, e.line, e.column]).toEqual(['e.csv', 1, 1]);
    const lists = Array.from({ length: 9 }, (_, i) => JSON.stringify({ input: `q${i}`, target: [`a${i}`, `b${i}`] })).join('\n');
    const r = taskFromFile('l.jsonl', lists);
    expect(r.flags).toEqual([{ kind: 'list-cells', column: 'target', blocking: false, message: '9 cells of "target" are JSON lists: the first entry is the gold output, the others its alternatives' }]);
    expect([...r.task.splits.train, ...r.task.splits.validation, ...r.task.splits.test].find((x) => x.input === 'q5')).toEqual({ input: 'q5', output: 'a5', fields: { input: 'q5' }, alternatives: ['b5'] });
  });

  it('without a guessed answer: the guessed input is kept; a family and a target are both needed', () => {
    const notes = 'text,notes\n' + Array.from({ length: 9 }, (_, i) => `s${i},${'long free text '.repeat(4)}${i}`).join('\n');
    expect(taskFromFile('x.csv', notes, { map: { family: 'generation', targetColumn: 'notes' } }).mapping).toEqual({ inputColumns: ['text'], family: 'generation', targetColumn: 'notes' });
    const none = 'x.csv: no mapping to a task: no column looks like the answer (label, output, target, answer, ...); the columns are "text", "notes": choose targetColumn; give one, e.g.';
    expect(() => taskFromFile('x.csv', notes, { map: { targetColumn: 'notes' } })).toThrow(none);
    expect(() => taskFromFile('x.csv', notes, { map: { family: 'generation' } })).toThrow(none);
  });
});

describe('reviewMapping counts', () => {
  const cls: TaskMapping = { family: 'classification', inputColumns: ['q'], targetColumn: 'a' };
  it('empty targets: blank or whitespace-only, the first named by its line', () => {
    const rows = Array.from({ length: 8 }, (_, i) => ({ q: `x${i}`, a: i === 0 || i === 5 ? ' ' : 'yes' }));
    expect(reviewMapping(table(['q', 'a'], rows), cls)).toEqual([
      { kind: 'empty-targets', column: 'a', blocking: true, message: '2 of 8 rows have an empty "a" (the first at line 2); every example needs a gold answer: fill them in, remove them, or choose another column' },
    ]);
    const later = rows.map((r, i) => ({ ...r, a: i === 2 || i === 6 ? '' : 'yes' }));
    expect(reviewMapping(table(['q', 'a'], later), cls)[0]!.message).toContain('(the first at line 4)');
  });

  it('distinct labels are counted up to 10,001', () => {
    const rows = Array.from({ length: 10_005 }, (_, i) => ({ q: `x${i}`, a: `label${i}` }));
    expect(reviewMapping(table(['q', 'a'], rows), cls)).toEqual([
      { kind: 'many-labels', column: 'a', blocking: true, message: '"a" has 10001 distinct values, more than 20 labels; it looks like free text: use family generation' },
    ]);
  });
});

describe('suggestTask and importTask details', () => {
  it('a column of JSON objects is the answer whatever its name; a free-text output makes generation', () => {
    expect(suggestTask(table(['question', 'scores'], [{ question: 'q1', scores: '{"a": 1, "b": 0}' }, { question: 'q2', scores: '{"a": 0, "b": 1}' }])).mapping).toEqual({
      family: 'multiple_choice', inputColumns: ['question'], targetColumn: 'scores',
    });
    expect(suggestTask(table(['text', 'answer'], [{ text: 'q1', answer: 'x'.repeat(50) }, { text: 'q2', answer: 'y'.repeat(50) }])).mapping).toEqual({
      family: 'generation', inputColumns: ['text'], targetColumn: 'answer',
    });
    expect(suggestTask(table(['x', 'text'], [{ x: '1', text: 'hello' }])).flags[0]!.column).toBe('text'); // the guessed input, not the first column
  });

  it('name from the file name (last extension only, either slash), template, description and notes per family', () => {
    const rows = nine((i) => ({ q: `x${i}`, a: i % 2 ? 'y' : 'n' }));
    const c = importTask({ ...table(['q', 'a'], rows), source: 'dir\\data.v2.csv' }, { family: 'classification', inputColumns: ['q'], targetColumn: 'a' });
    expect([c.name, c.template, c.description, c.notes]).toEqual([
      'import/data.v2', '{prompt} Input : {text} Output:', 'Imported from dir\\data.v2.csv: classification, input q, answer a; 9 rows.',
      ['splits: seeded shuffle (seed 0) stratified by label, train 3, validation 3, test 3 (fewer than 65 rows: a third each)'],
    ]);
    const g = importTask({ ...table(['q', 'p', 'a'], nine((i) => ({ q: `x${i}`, p: `p${i}`, a: `o${i}` }))), source: 'a/b/gen.tsv' }, { family: 'generation', inputColumns: ['q', 'p'], targetColumn: 'a' });
    expect([g.name, g.template, g.description, g.notes]).toEqual([
      'import/gen', '{prompt}\nInput : {input}\nOutput :', 'Imported from a/b/gen.tsv: generation (exact_match), input q + p, answer a; 9 rows.',
      ['splits: seeded shuffle (seed 0), train 3, validation 3, test 3 (fewer than 65 rows: a third each)'],
    ]);
  });

  it('split sizes: 32/32/rest from 65 rows, a third each below, refused below 3', () => {
    const sizes = (n: number) => {
      const k = importTask(table(['q', 'a'], Array.from({ length: n }, (_, i) => ({ q: `x${i}`, a: `o${i}` }))), { family: 'generation', inputColumns: ['q'], targetColumn: 'a' });
      return [k.splits.train.length, k.splits.validation.length, k.splits.test.length];
    };
    expect(sizes(65)).toEqual([32, 32, 1]);
    expect(sizes(64)).toEqual([21, 21, 22]);
    expect(sizes(3)).toEqual([1, 1, 1]);
    const e = thrown(() => sizes(2), ImportError);
    expect([e.message, e.line, e.column]).toEqual(['d/t.csv: 2 rows are too few; train, validation and test need at least one example each', 1, 1]);
  });

  it('labels: JSON is refused (shown cut to 40 characters), unused label words are dropped', () => {
    const long = `["${'z'.repeat(50)}"]`;
    expect(() => importTask(table(['q', 'a'], nine((i) => ({ q: `x${i}`, a: i === 4 ? long : 'y' }))), { family: 'classification', inputColumns: ['q'], targetColumn: 'a' })).toThrow(
      `d/t.csv: the row at line 6 has JSON ${JSON.stringify(long).slice(0, 40)} as its label in "a"; a label is one word: use family multiple_choice or generation`,
    );
    const worded = importTask(table(['q', 'a'], nine((i) => ({ q: `x${i}`, a: i % 2 ? '1' : '0' }))), { family: 'classification', inputColumns: ['q'], targetColumn: 'a', labelWords: { '0': 'no', '1': 'yes', '2': 'maybe' } });
    expect(worded.labelWords).toEqual(['no', 'yes']);
  });

  it('a list target: the first entry is the output, the rest deduplicated alternatives without the output or blanks', () => {
    const k = importTask(table(['q', 'a'], nine((i) => ({ q: `x${i}`, a: '["x", "y", "y", "x", " "]' }))), { family: 'generation', inputColumns: ['q'], targetColumn: 'a' });
    for (const e of allExamples(k)) expect([e.output, e.alternatives]).toEqual(['x', ['y']]);
  });
});

describe('multiple-choice answers at their edges', () => {
  const listed = (choices: string[], answer: string) => {
    const rows = nine((i) => ({ q: `x${i}`, a: i === 4 ? answer : 'A', list: JSON.stringify(choices) }));
    const k = importTask(table(['q', 'a', 'list'], rows), { family: 'multiple_choice', inputColumns: ['q'], targetColumn: 'a', choicesColumn: 'list' });
    return allExamples(k).find((e) => e.fields!['q'] === 'x4')!.output;
  };
  it('accepted forms', () => {
    expect(listed(['Red', 'Blue'], ' (B) ')).toBe('B');
    expect(listed(['Red', 'Blue'], 'Red')).toBe('A'); // a choice text that starts with a capital is text, not a letter
    expect(listed(Array.from({ length: 11 }, (_, i) => `c${i}`), '10')).toBe('K');
  });

  it.each(['xB', 'x1', '1x', 'green', '-1'])('answer %j names no choice', (answer) => {
    expect(() => listed(['Red', 'Blue'], answer)).toThrow(`d/t.csv: the row at line 6 has answer ${JSON.stringify(answer)} in "a", which names none of its 2 choices`);
  });

  it('2 to 26 choices, none empty (the first included)', () => {
    expect(() => listed(Array.from({ length: 27 }, (_, i) => `c${i}`), 'A')).toThrow('d/t.csv: the row at line 2 has 27 choices; multiple choice needs 2 to 26');
    expect(listed(Array.from({ length: 26 }, (_, i) => `c${i}`), 'Z')).toBe('Z');
    const rows = nine((i) => ({ q: `x${i}`, a: 'B', c1: i === 4 ? '' : 'red', c2: 'blue' }));
    expect(() => importTask(table(['q', 'a', 'c1', 'c2'], rows), { family: 'multiple_choice', inputColumns: ['q'], targetColumn: 'a', choiceColumns: ['c1', 'c2'] })).toThrow(
      'd/t.csv: the row at line 6 has an empty choice A; every choice needs text',
    );
  });
});
