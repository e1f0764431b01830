// taskFromFile and recogniseTaskFile at their edges (found by mutation testing: each case fails on some one-token
// change of task-file.ts): a benchmark file with space before its "{", a JSON table returned without its parsed
// document, the refusals' exact messages and positions (line 1 column 1), a parser format that forces the table
// route, a table without columns, a cleared target reported with every flag, and no undefined name in the mapping.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recogniseTaskFile, taskFromFile } from '../../../src/tasks/import/task-file';
import { ImportError } from '../../../src/tasks/import/types';
import { thrown } from '../../support/thrown';

const fixture = (path: string) => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');
const where = (e: ImportError) => ({ file: e.file, line: e.line, column: e.column });

describe('recogniseTaskFile', () => {
  it('a BIG-bench file with a BOM, line breaks and spaces before its "{" is still recognised', () => {
    expect(recogniseTaskFile('t.json', `\ufeff\n  ${fixture('bigbench/colour_mixing/task.json')}`).format).toBe('bigbench');
  });

  it('a JSON array is a table, returned without a parsed document (only "{" files are parsed here)', () => {
    expect(recogniseTaskFile('a.json', '[{"text": "a", "label": "x"}]')).toStrictEqual({ format: 'json' });
  });
});

describe('taskFromFile refusals: message and position', () => {
  it('an unknown family', () => {
    const e = thrown(() => taskFromFile('t.json', fixture('bigbench/colour_mixing/task.json'), { family: 'bogus' as never }), ImportError);
    expect(e.message).toBe('t.json: family must be classification, generation or multiple_choice, got "bogus"');
    expect(where(e)).toEqual({ file: 't.json', line: 1, column: 1 });
  });

  it('a BBH file as classification', () => {
    const e = thrown(() => taskFromFile('p.json', fixture('bbh/polygon_sides.json'), { family: 'classification' }), ImportError);
    expect(e.message).toBe('p.json: a BBH file is multiple_choice or generation, not classification');
    expect(where(e)).toEqual({ file: 'p.json', line: 1, column: 1 });
  });

  it('a table without columns, even with a family and target given: no input columns to use', () => {
    const e = thrown(() => taskFromFile('e.json', '[{}, {}]', { map: { family: 'generation', targetColumn: 'x' } }), ImportError);
    expect(e.message).toBe(
      'e.json: no mapping to a task: no column looks like the answer (label, output, target, answer, ...); the columns are : choose targetColumn; give one, e.g. {"family": "classification", "inputColumns": ["text"], "targetColumn": "label"}',
    );
    expect(where(e)).toEqual({ file: 'e.json', line: 1, column: 1 });
  });

  it('a target cleared in the mapping: every flag of the guess, joined by "; "', () => {
    const csv = 'sentence,label\na,0\nb,1\nc,\n';
    const e = thrown(() => taskFromFile('n.csv', csv, { map: { targetColumn: undefined } }), ImportError);
    expect(e.message).toBe(
      'n.csv: no mapping to a task: 1 of 3 rows have an empty "label" (the first at line 4); every example needs a gold answer: fill them in, remove them, or choose another column; the labels of "label" are numbers (0, 1); the model would have to answer with them: give labelWords (e.g. {"0": "negative", "1": "positive"}); give one, e.g. {"family": "classification", "inputColumns": ["text"], "targetColumn": "label"}',
    );
  });

  it('a target cleared in the mapping of a guess without flags: the message has no empty ": " part', () => {
    const e = thrown(() => taskFromFile('c.csv', 'text,label\na,pos\nb,neg\nc,pos\n', { map: { targetColumn: undefined } }), ImportError);
    expect(e.message).toBe('c.csv: no mapping to a task; give one, e.g. {"family": "classification", "inputColumns": ["text"], "targetColumn": "label"}');
    expect(where(e)).toEqual({ file: 'c.csv', line: 1, column: 1 });
  });
});

describe('taskFromFile routes', () => {
  it('a parser format given reads even a BIG-bench file as a table (here: its guessed mapping needs confirming)', () => {
    const e = thrown(() => taskFromFile('t.json', fixture('bigbench/colour_mixing/task.json'), { import: { format: 'json' } }), ImportError);
    expect(e.message).toMatch(/^t\.json: the guessed mapping needs your confirmation: \d+ cells of "target_scores" are JSON objects/);
  });

  it('the mapping used has no name key when no name is given', () => {
    const numeric = `sentence,label\n${Array.from({ length: 9 }, (_, i) => `text ${i},${i % 2}`).join('\n')}\n`;
    const { mapping } = taskFromFile('n.csv', numeric, { map: { family: 'classification', targetColumn: 'label' } });
    expect(mapping).toStrictEqual({ family: 'classification', inputColumns: ['sentence'], targetColumn: 'label' });
    expect(taskFromFile('n.csv', numeric, { map: { family: 'classification', targetColumn: 'label' }, name: 'mine' }).mapping?.name).toBe('mine');
  });
});
