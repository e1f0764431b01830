// Import -> Task: suggested mappings and their flags (dicts, JSON lists, numeric labels, empty targets, many labels),
// tasks of each family from explicit mappings with exact examples and splits, and refusals at the row's position.
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../src/tasks/import/csv';
import { parseJson } from '../../../src/tasks/import/json';
import { importTask, reviewMapping, suggestTask, type TaskMapping } from '../../../src/tasks/import/to-task';
import { ImportError } from '../../../src/tasks/import/types';
import { TaskError, checkTask, type Example, type Task } from '../../../src/tasks/task';
import { thrown } from '../../support/thrown';

const rows = (n: number, make: (i: number) => Record<string, unknown>) => JSON.stringify(Array.from({ length: n }, (_, i) => make(i)));
const kinds = (flags: { kind: string; blocking: boolean }[]) => flags.map((f) => `${f.kind}${f.blocking ? '!' : ''}`);
const all = (task: Task) => [...task.splits.train, ...task.splits.validation, ...task.splits.test];

describe('checkTask refuses empty gold outputs (issue 9: files with no target gave empty outputs it accepted)', () => {
  it('an example with an empty or blank output', () => {
    const example = { input: 'x', output: 'y' };
    const task: Task = { id: 't#1', name: 't', family: 'generation', template: '{prompt} {text}', metric: 'exact_match', splits: { train: [example], validation: [example], test: [example, { input: 'z', output: '  ' }] }, description: '' };
    expect(thrown(() => checkTask(task), TaskError).message).toBe('task t: example 2 of the test split has an empty gold output; every example needs an answer to score against');
  });
});

describe('suggestTask flags what a guess must not use silently', () => {
  it('BIG-bench-like rows: target_scores dicts become a flagged multiple-choice guess (they became label words like {"yes":0,"no":1})', () => {
    const table = parseJson('bb.json', rows(6, (i) => ({ input: `q${i}`, target_scores: { yes: i % 2, no: 1 - (i % 2) } })));
    const { mapping, flags } = suggestTask(table);
    expect(mapping).toEqual({ family: 'multiple_choice', inputColumns: ['input'], targetColumn: 'target_scores' });
    expect(kinds(flags)).toEqual(['dict-cells!']);
    expect(flags[0]!.message).toBe('6 cells of "target_scores" are JSON objects (like BIG-bench\'s target_scores): read as {choice: score}, the top score the answer');
    const task = importTask(table, mapping!);
    expect(all(task).find((e) => e.fields!['question'] === 'q1')).toMatchObject({ input: 'q1\nchoices :\nA : yes\nB : no', output: 'A' });
    expect(task.labelWords).toEqual(['A', 'B']);
  });

  it('list targets become alternatives, flagged but usable (they became JSON text, so a right answer scored 0)', () => {
    const table = parseJson('l.json', rows(6, (i) => ({ input: `w${i}`, target: [`a${i}`, `b${i}`] })));
    const { mapping, flags } = suggestTask(table);
    expect(mapping).toEqual({ family: 'generation', inputColumns: ['input'], targetColumn: 'target' });
    expect(kinds(flags)).toEqual(['list-cells']);
    const task = importTask(table, mapping!);
    expect(all(task).find((e) => e.input === 'w3')).toMatchObject({ output: 'a3', alternatives: ['b3'] });
  });

  it('a numeric column guessed as the label is flagged; label words clear it', () => {
    const table = parseCsv('n.csv', `sentence,label\n${Array.from({ length: 9 }, (_, i) => `text ${i},${i % 2}`).join('\n')}\n`);
    const { mapping, flags } = suggestTask(table);
    expect(mapping).toEqual({ family: 'classification', inputColumns: ['sentence'], targetColumn: 'label' });
    expect(kinds(flags)).toEqual(['numeric-labels!']);
    expect(flags[0]!.message).toContain('the labels of "label" are numbers (0, 1)');
    expect(reviewMapping(table, { ...mapping!, labelWords: { '0': 'no', '1': 'yes' } })).toEqual([]);
  });

  it('empty targets and more labels than a label set are flagged, with where', () => {
    const table = parseJson('e.json', '[\n' + Array.from({ length: 30 }, (_, i) => JSON.stringify({ text: `t${i}`, label: i === 4 ? '' : `class ${i}` })).join(',\n') + '\n]');
    const flags = reviewMapping(table, { family: 'classification', inputColumns: ['text'], targetColumn: 'label' });
    expect(kinds(flags)).toEqual(['empty-targets!', 'many-labels!']);
    expect(flags[0]!.message).toBe('1 of 30 rows have an empty "label" (the first at line 6); every example needs a gold answer: fill them in, remove them, or choose another column');
    expect(flags[1]!.message).toContain('"label" has 29 distinct values, more than 20 labels');
  });

  it('a file with no answer column gives no mapping, and an empty table is "no rows"', () => {
    const none = suggestTask(parseJson('x.json', rows(4, (i) => ({ text: `t${i}` }))));
    expect(none.mapping).toBeNull();
    expect(kinds(none.flags)).toEqual(['no-target!']);
    expect(thrown(() => suggestTask(parseJson('x.json', '[]')), ImportError).message).toBe('x.json: the file has no rows to import; it needs one row per example');
  });
});

describe('importTask', () => {
  const sentiment = parseCsv('s.csv', `review,stars\n${Array.from({ length: 12 }, (_, i) => `review ${i},${i % 3 === 0 ? 'bad' : 'good'}`).join('\n')}\n`);

  it('classification with label words, stratified splits in thirds for a small file, and an id naming the options', () => {
    const task = importTask(sentiment, { family: 'classification', inputColumns: ['review'], targetColumn: 'stars', labelWords: { bad: 'negative', good: 'positive' }, seed: 5 });
    expect(task.labelWords).toEqual(['negative', 'positive']); // the labelWords mapping's order
    expect([task.splits.train.length, task.splits.validation.length, task.splits.test.length]).toEqual([4, 4, 4]);
    // 4 of 12 are negative: each split holds its share (4/3) rounded down or up
    expect((Object.values(task.splits) as Example[][]).map((split) => split.filter((e) => e.output === "negative").length).sort()).toEqual([1, 1, 2]);
    expect(task.name).toBe('import/s');
    expect(task.id).toMatch(/^import\/s\[source=s\.csv,family=classification,target=stars,train=4,validation=4,seed=5\]#[0-9a-f]{14}$/);
    expect(importTask(sentiment, { family: 'classification', inputColumns: ['review'], targetColumn: 'stars', seed: 5 }).splits).not.toEqual(task.splits);
  });

  it('multiple choice from choice columns with letter, index and text answers', () => {
    const text = 'q,A,B,C,answer\nsky?,blue,red,green,A\ngrass?,blue,red,green,2\nblood?,blue,red,green,red\nsea?,blue,red,green,(A)\n';
    const table = parseCsv('mc.csv', text);
    const task = importTask(table, { family: 'multiple_choice', inputColumns: ['q'], targetColumn: 'answer', choiceColumns: ['A', 'B', 'C'], trainSize: 1, validationSize: 1 });
    const byQ = Object.fromEntries(all(task).map((e) => [e.fields!['question'], e.output]));
    expect(byQ).toEqual({ 'sky?': 'A', 'grass?': 'C', 'blood?': 'B', 'sea?': 'A' });
    expect(all(task).find((e: { fields?: Record<string, string> }) => e.fields!["question"] === "sky?")!.input).toBe('sky?\nchoices :\nA : blue\nB : red\nC : green');
  });

  it('refuses answers naming no choice, JSON labels in classification, and too few rows, at the row', () => {
    const bad = parseCsv('mc.csv', 'q,A,B,answer\nx,a,b,C\n');
    const e = thrown(() => importTask(bad, { family: 'multiple_choice', inputColumns: ['q'], targetColumn: 'answer', choiceColumns: ['A', 'B'] }), ImportError);
    expect(e.message).toBe('mc.csv: the row at line 2 has answer "C" in "answer", which names none of its 2 choices (a letter A-B, a 0-based index or a choice\'s text)');
    const dicts = parseJson('d.json', rows(6, (i) => ({ input: `q${i}`, target_scores: { yes: 1, no: 0 } })));
    const d = thrown(() => importTask(dicts, { family: 'classification', inputColumns: ['input'], targetColumn: 'target_scores' }), ImportError);
    expect(d.message).toMatch(/^d\.json: the row at line 1 column 2 \(row 1\) has JSON "\{\\"yes\\":1,\\"no\\":0\}" as its label/);
    const two = parseCsv('t.csv', 'a,b\nx,y\nz,w\n');
    expect(thrown(() => importTask(two, { family: 'generation', inputColumns: ['a'], targetColumn: 'b' }), ImportError).message).toBe('t.csv: 2 rows are too few; train, validation and test need at least one example each');
  });

  it('generation with an alternatives column and a metric', () => {
    const table = parseJson('g.json', rows(6, (i) => ({ input: `w${i}`, output: `o${i}`, also: i === 2 ? ['x', 'y'] : `z${i}` })));
    const mapping: TaskMapping = { family: 'generation', inputColumns: ['input'], targetColumn: 'output', alternativesColumn: 'also', metric: 'f1' };
    const task = importTask(table, mapping);
    expect(task.metric).toBe('f1');
    expect(all(task).find((e) => e.input === 'w2')).toMatchObject({ output: 'o2', alternatives: ['x', 'y'] });
    expect(all(task).find((e) => e.input === 'w4')).toMatchObject({ output: 'o4', alternatives: ['z4'] });
  });
});
