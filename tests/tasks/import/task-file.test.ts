// A dropped or inspected file -> Task: BIG-bench and BBH files recognised by structure with no flag (through the
// generic importer their target_scores became label words and list targets JSON text), tables through a mapping
// whose blocking flags stop a guess, explicit mappings, overrides, and strict decoding.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recogniseTaskFile, taskFromFile } from '../../../src/tasks/import/task-file';
import { ImportError } from '../../../src/tasks/import/types';
import { thrown } from '../../support/thrown';

const fixture = (path: string) => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url));

describe('recognition by structure', () => {
  it('a BIG-bench task.json is a multiple-choice benchmark task, whatever its file name', () => {
    const { format, task, flags } = taskFromFile('dropped.json', fixture('bigbench/colour_mixing/task.json'));
    expect(format).toBe('bigbench');
    expect([task.name, task.family, task.labelWords]).toEqual(['bigbench/colour_mixing', 'multiple_choice', ['A', 'B', 'C']]);
    expect(task.splits.train[0]!.output).toBe('A');
    expect(flags).toEqual([]);
  });

  it('list targets of a BIG-bench file are alternatives, not JSON text', () => {
    const { task } = taskFromFile('plurals.json', fixture('bigbench/plural_forms/task.json'));
    const all = [...task.splits.train, ...task.splits.validation, ...task.splits.test];
    expect(all.find((e) => e.input === 'octopus')).toMatchObject({ output: 'octopuses', alternatives: ['octopi'] });
  });

  it('a BBH file is recognised, and its family can be overridden', () => {
    expect(recogniseTaskFile('x.json', fixture('bbh/polygon_sides.json').toString('utf8')).format).toBe('bbh');
    const { task } = taskFromFile('polygon_sides.json', fixture('bbh/polygon_sides.json'), { family: 'generation' });
    expect([task.name, task.family, task.metric]).toEqual(['bbh/polygon_sides', 'generation', 'exact_match']);
    expect(task.splits.train[1]!.output).toBe('B');
  });

  it('a JSON array, JSON Lines and CSV are tables', () => {
    expect(recogniseTaskFile('a.json', '[{"text": "a", "label": "x"}]').format).toBe('json');
    expect(recogniseTaskFile('a.json', '{"data": [{"text": "a"}]}').format).toBe('json');
    expect(recogniseTaskFile('a.jsonl', '{"examples": [{"input": "a", "target": "b"}]}\n').format).toBe('jsonl');
    expect(recogniseTaskFile('a.csv', 'a,b\n1,2\n').format).toBe('csv');
  });
});

describe('tables', () => {
  const numeric = `sentence,label\n${Array.from({ length: 9 }, (_, i) => `text ${i},${i % 2}`).join('\n')}\n`;

  it('a guess with a blocking flag is refused with the flag and the mapping to confirm', () => {
    const e = thrown(() => taskFromFile('n.csv', numeric), ImportError);
    expect(e.message).toBe(
      'n.csv: the guessed mapping needs your confirmation: the labels of "label" are numbers (0, 1); the model would have to answer with them: give labelWords (e.g. {"0": "negative", "1": "positive"}). Pass it, changed as needed, as the mapping: {"family":"classification","inputColumns":["sentence"],"targetColumn":"label"}',
    );
  });

  it('label words in the mapping clear the flag; an explicit family and target make any flag a warning', () => {
    const worded = taskFromFile('n.csv', numeric, { map: { labelWords: { '0': 'no', '1': 'yes' } } });
    expect(worded.task.labelWords).toEqual(['no', 'yes']);
    expect(worded.flags).toEqual([]);
    const explicit = taskFromFile('n.csv', numeric, { map: { family: 'classification', targetColumn: 'label' } });
    expect(explicit.task.labelWords).toEqual(['0', '1']);
    expect(explicit.flags.map((f) => f.kind)).toEqual(['numeric-labels']);
    expect(explicit.mapping).toEqual({ family: 'classification', inputColumns: ['sentence'], targetColumn: 'label' });
  });

  it('a mapping given for a BIG-bench file reads it as a table (its "examples" rows)', () => {
    const text = JSON.stringify({ examples: [1, 2, 3].map((i) => ({ input: `q${i}`, target: `a${i}` })), metrics: ['exact_str_match'] });
    const result = taskFromFile('t.json', text, { map: { family: 'generation', targetColumn: 'target', inputColumns: ['input'] } });
    expect([result.format, result.task.name, result.task.metric]).toEqual(['json', 'import/t', 'exact_match']);
  });

  it('no answer column, and bytes that are not UTF-8, are ImportErrors', () => {
    expect(thrown(() => taskFromFile('x.csv', 'text\na\nb\nc\n'), ImportError).message).toMatch(/^x\.csv: no mapping to a task: no column looks like the answer/);
    expect(thrown(() => taskFromFile('x.csv', Uint8Array.from([0x61, 0x2c, 0x62, 0x0a, 0xff])), ImportError).message).toMatch(/^x\.csv: not UTF-8 text: byte 0xFF at line 2 column 1/);
  });
});
