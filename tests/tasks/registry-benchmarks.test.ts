// The registry's benchmark names (bbii/<task>, bbh/<task>, bigbench/<task>) read from a user-provided data folder
// (here tests/fixtures/benchmark-data, our own files in the public layouts), and the registry's byte decoding.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ImportError } from '../../src/tasks/import/types';
import { loadSharedTask, sharedTaskNames, type ReadData } from '../../src/tasks/registry';
import { TaskError } from '../../src/tasks/task';
import { thrown } from '../support/thrown';

const root = new URL('../fixtures/benchmark-data/', import.meta.url);
const paths: string[] = [];
const read: ReadData = (path) => (paths.push(path), readFileSync(new URL(path, root)));

describe('benchmark tasks by name', () => {
  it('bbii/snarks reads bigbench-ii/snarks/task.json: multiple choice with letters', () => {
    paths.length = 0;
    const task = loadSharedTask('bbii/snarks', read);
    expect(paths).toEqual(['bigbench-ii/snarks/task.json']);
    expect([task.name, task.family, task.metric]).toEqual(['bbii/snarks', 'multiple_choice', 'accuracy']);
    expect(task.labelWords).toEqual(['A', 'B']);
    expect(task.splits.train.map((e) => e.output)).toEqual(['A', 'B']);
  });

  it('bbii/object_counting takes the digits, as the GFlowPO code does, and scores by f1', () => {
    const task = loadSharedTask('bbii/object_counting', read);
    expect(task.metric).toBe('f1');
    expect(task.splits.train[0]).toMatchObject({ output: '2', alternatives: ['two'] });
  });

  it('bbh/word_sorting reads bbh/word_sorting.json; bigbench/<name> reads bigbench/<name>/task.json', () => {
    paths.length = 0;
    const task = loadSharedTask('bbh/word_sorting', read);
    expect([task.family, task.metric]).toEqual(['generation', 'f1']);
    expect(paths).toEqual(['bbh/word_sorting.json']);
    expect(thrown(() => loadSharedTask('bigbench/colour_mixing', read), TaskError).message).toMatch(/^cannot read bigbench\/colour_mixing\/task\.json from the data folder/);
  });

  it('lists the paper BBII tasks and the BBH tasks; unknown benchmark names are refused', () => {
    const names = sharedTaskNames();
    expect(names.filter((n) => n.startsWith('bbii/'))).toHaveLength(19);
    expect(names.filter((n) => n.startsWith('bbh/'))).toHaveLength(27);
    expect(thrown(() => loadSharedTask('bbii/colour_mixing', read), TaskError).message).toMatch(/^unknown task "bbii\/colour_mixing"/);
    expect(thrown(() => loadSharedTask('bigbench/../etc', read), TaskError).message).toMatch(/^unknown task "bigbench\/\.\.\/etc"/);
  });
});

describe('bytes from the data folder (issue 9: non-UTF-8 files were read as U+FFFD)', () => {
  it('a file that is not UTF-8 is an ImportError at its line and column', () => {
    const bytes = Uint8Array.from([...new TextEncoder().encode('{"examples": [\n{"input": "caf'), 0xe9, ...new TextEncoder().encode('", "target": "x"}]}')]);
    const e = thrown(() => loadSharedTask('bbh/word_sorting', () => bytes), ImportError);
    expect([e.file, e.line, e.column]).toEqual(['bbh/word_sorting.json', 2, 15]);
    expect(e.message).toBe('bbh/word_sorting.json: not UTF-8 text: byte 0xE9 at line 2 column 15 (byte 29); save the file as UTF-8 (Excel: "CSV UTF-8"), or as UTF-16 with a BOM');
  });

  it('UTF-8 bytes read as the text they encode', () => {
    const task = loadSharedTask('bbh/word_sorting', (path) => readFileSync(new URL(path, root)));
    expect(task.splits.train[0]!.output).toBe('apple pear');
  });
});
