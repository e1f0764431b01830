// The task importer (the setup view's worker engine): a user file becomes a preview with a suggested mapping, and a
// mapping becomes a checked Task with seeded splits; markup in a cell is kept as text; a bad mapping is named.
import { describe, expect, it } from 'vitest';
import { loadSharedTask } from '../../src/tasks/registry';
import { TaskImporter, TaskImporterError } from '../../src/engines/task-importer';
import { readShared } from '../support/shared-data';

const encode = (s: string) => new TextEncoder().encode(s);
const rows = Array.from({ length: 20 }, (_, i) => `"review ${i} <img src=x onerror=alert(${i})>",${i % 2 ? 'pos' : 'neg'}`);
const csv = `sentence,label\n${rows.join('\n')}\n`;

describe('TaskImporter', () => {
  it('previews a CSV with column summaries, a guessed mapping and no flags for it', () => {
    const importer = new TaskImporter();
    const reading = importer.readFile('reviews.csv', encode(csv));
    if (reading.kind !== 'table') throw new Error('expected a table');
    const p = reading.preview;
    expect([p.source, p.format, p.rowCount, p.rows.length]).toEqual(['reviews.csv', 'csv', 20, 6]);
    expect(p.suggested).toEqual({ family: 'classification', inputColumns: ['sentence'], targetColumn: 'label' });
    expect(p.flags).toEqual([]);
    expect(p.columns.find((c) => c.name === 'label')?.valueCounts).toEqual([{ value: 'neg', count: 10 }, { value: 'pos', count: 10 }]);
    expect(p.rows[0]!['sentence']).toBe('review 0 <img src=x onerror=alert(0)>');
  });

  it('builds a classification task with label words and seeded, stratified splits; markup stays text', () => {
    const importer = new TaskImporter();
    importer.readFile('reviews.csv', encode(csv));
    const mapping = { family: 'classification' as const, inputColumns: ['sentence'], targetColumn: 'label', labelWords: { neg: 'no', pos: 'yes' }, trainSize: 8, validationSize: 6, seed: 3 };
    const task = importer.buildTask(mapping);
    expect([task.family, task.metric, task.labelWords]).toEqual(['classification', 'accuracy', ['no', 'yes']]);
    expect([task.splits.train.length, task.splits.validation.length, task.splits.test.length]).toEqual([8, 6, 6]);
    expect(task.splits.train.filter((e) => e.output === 'yes')).toHaveLength(4);
    expect(task.splits.test.every((e) => /^review \d+ <img src=x onerror=alert\(\d+\)>$/.test(e.input))).toBe(true);
    expect(importer.buildTask(mapping)).toEqual(task);
    expect(importer.buildTask({ ...mapping, seed: 4 }).id).not.toBe(task.id);
  });

  it('flags numbers as labels (blocking) until label words are given', () => {
    const importer = new TaskImporter();
    importer.readFile('n.csv', encode(`text,label\n${Array.from({ length: 12 }, (_, i) => `t${i},${i % 2}`).join('\n')}\n`));
    const mapping = { family: 'classification' as const, inputColumns: ['text'], targetColumn: 'label' };
    expect(importer.review(mapping).map((f) => [f.kind, f.blocking])).toEqual([['numeric-labels', true]]);
    expect(importer.review({ ...mapping, labelWords: { 0: 'even', 1: 'odd' } })).toEqual([]);
  });

  it('builds a generation task from an output column with its metric', () => {
    const importer = new TaskImporter();
    const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ question: `${i} + 1`, answer: String(i + 1) }));
    importer.readFile('sums.jsonl', encode(lines.join('\n')));
    const task = importer.buildTask({ family: 'generation', inputColumns: ['question'], targetColumn: 'answer', metric: 'contains' });
    expect([task.family, task.metric, task.labelWords, task.splits.train.length]).toEqual(['generation', 'contains', undefined, 3]);
  });

  it('refuses to build before a file is read, and names a missing column', () => {
    const importer = new TaskImporter();
    const mapping = { family: 'generation' as const, inputColumns: ['sentence'], targetColumn: 'nope' };
    expect(() => importer.buildTask(mapping)).toThrow(TaskImporterError);
    importer.readFile('reviews.csv', encode(csv));
    expect(() => importer.buildTask(mapping)).toThrow(/no column "nope"/);
  });

  it('loads a BIG-bench task.json as a task at once, recognised by its structure', () => {
    const examples = Array.from({ length: 12 }, (_, i) => ({ input: `Is ${i} even?`, target_scores: { yes: i % 2 === 0 ? 1 : 0, no: i % 2 === 0 ? 0 : 1 } }));
    const reading = new TaskImporter().readFile('task.json', encode(JSON.stringify({ name: 'parity', description: 'even or odd', keywords: [], metrics: ['multiple_choice_grade'], examples })));
    expect(reading.kind).toBe('benchmark');
    if (reading.kind === 'benchmark') expect([reading.format, reading.task.family, reading.task.labelWords]).toEqual(['bigbench', 'multiple_choice', ['A', 'B']]);
  });

  it('loads a benchmark task from a picked folder, reading only what it needs, and names a missing file', async () => {
    const importer = new TaskImporter();
    const file = (path: string, text: string) => ({ path: `data/${path}`, file: new File([text], path.split('/').pop()!) });
    const induce = JSON.stringify({ metadata: { num_examples: 3 }, examples: { 1: { input: 'a', output: 'A' }, 2: { input: 'b', output: 'B' }, 3: { input: 'c', output: 'C' } } });
    await expect(importer.loadBenchmark('ii/larger_animal', [file('instruction-induction/raw/induce/larger_animal.json', induce)])).rejects.toThrow(/has no instruction-induction\/raw\/execute\/larger_animal\.json/);
    await expect(importer.loadBenchmark('nope', [])).rejects.toThrow(/unknown benchmark task/);
    // The real files: the same task the registry reads from the data folder.
    const paths = ['instruction-induction/raw/induce/antonyms.json', 'instruction-induction/raw/execute/antonyms.json'];
    const picked = paths.map((p) => ({ path: `data/${p}`, file: new File([readShared(`data/${p}`) as Uint8Array<ArrayBuffer>], p.split('/').pop()!) }));
    const decoy = { path: 'data/mmlu/dev/x.csv', file: new File([new Uint8Array([0xff])], 'x.csv') };
    const task = await importer.loadBenchmark('ii/antonyms', [decoy, ...picked]);
    expect(task).toEqual(loadSharedTask('ii/antonyms', (p) => new TextDecoder().decode(readShared(`data/${p}`))));
  });
});
