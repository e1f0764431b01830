// The registry: names, the files it asks the reader for, and the errors for unknown names, seeds and files.
import { describe, expect, it } from 'vitest';
import { loadSharedTask, sharedTaskNames, type ReadFile } from '../../src/tasks/registry';
import { TaskError } from '../../src/tasks/task';
import { readSharedData } from './shared-tasks';

function recording(): { read: ReadFile; paths: string[] } {
  const paths: string[] = [];
  return { paths, read: (p) => (paths.push(p), readSharedData(p)) };
}

describe('registry', () => {
  it('names 6 GLUE, 24 Instruction Induction, 57 MMLU, 12 built-in, 19 BBII, 27 BBH and 8 demo tasks', () => {
    const names = sharedTaskNames();
    expect(names).toHaveLength(153);
    expect(new Set(names).size).toBe(153);
    expect(names.filter((n) => n.startsWith('demo/'))).toHaveLength(8);
    expect(names.filter((n) => n.startsWith('ii/'))).toHaveLength(24);
    expect(names.filter((n) => n.startsWith('mmlu/'))).toHaveLength(57);
    expect(names.filter((n) => n.startsWith('builtin/'))).toHaveLength(12);
  });

  it.each([
    ['mnli', { glueSeed: 21 }, ['glue-16-shot/MNLI/16-21/train.tsv', 'glue-16-shot/MNLI/16-21/dev_matched.tsv', 'glue-nli-eval-pools/MNLI/pool.json']],
    ['snli', {}, ['glue-16-shot/SNLI/16-13/train.tsv', 'glue-16-shot/SNLI/16-13/dev.tsv', 'glue-nli-eval-pools/SNLI/pool.json']],
    ['sst2', { glueSeed: 100 }, ['glue-16-shot/SST-2/16-100/train.tsv', 'glue-16-shot/SST-2/16-100/dev.tsv', 'glue-16-shot/SST-2/test.tsv']],
    ['ii/translation_en-fr', {}, ['instruction-induction/raw/induce/translation_en-fr.json', 'instruction-induction/raw/execute/translation_en-fr.json']],
    ['mmlu/virology', {}, ['mmlu/dev/virology_dev.csv', 'mmlu/test/virology_test.csv']],
    ['builtin/sum', {}, []],
  ] as const)('%s reads %j', (name, options, expected) => {
    const { read, paths } = recording();
    expect(loadSharedTask(name, read, options).name).toBe(name);
    expect(paths).toEqual(expected);
  });

  it('passes options through', () => {
    expect(loadSharedTask('builtin/sum', readSharedData, { builtin: { seed: 3 } })).toEqual(loadSharedTask('builtin/sum', readSharedData, { builtin: { seed: 3 } }));
    expect(loadSharedTask('mmlu/anatomy', readSharedData, { mmlu: { validationSize: 10 } }).splits.validation).toHaveLength(10);
    expect(loadSharedTask('sst2', readSharedData, { labelSpace: 'none' }).labelSpace).toBe('none');
    expect(loadSharedTask('mmlu/anatomy', readSharedData, { labelSpace: 'none' }).labelSpace).toBe('none');
    expect(loadSharedTask('ii/rhymes', readSharedData, { instructionInduction: { answers: 'lenient' } }).answerMode).toBe('lenient');
    const file = loadSharedTask('ii/sum', readSharedData, { instructionInduction: { order: 'file' } });
    expect(file.splits.train[0]!.input).toBe('0 0');
  });

  it('rejects unknown names with suggestions, unknown seeds, and unreadable files', () => {
    expect(() => loadSharedTask('sum', readSharedData)).toThrow(/unknown task "sum"; did you mean ii\/sum, builtin\/sum/);
    expect(() => loadSharedTask('mmlu/astrology', readSharedData)).toThrow(TaskError);
    expect(() => loadSharedTask('rte', readSharedData, { glueSeed: 7 })).toThrow('LM-BFF seed 7 does not exist; use one of 13, 21, 42, 87, 100');
    const missing: ReadFile = (p) => {
      throw new Error(`ENOENT: ${p}`);
    };
    expect(() => loadSharedTask('rte', missing)).toThrow(/cannot read glue-16-shot\/RTE\/16-13\/train\.tsv from the data folder \(ENOENT/);
  });
});
