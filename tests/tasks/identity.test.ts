// Task identity: the id names the data source and the split and scoring options, and hashes everything scoring
// reads, so two variants of a task never share a reward-cache entry or a resumable run; equal loads give equal ids.
import { describe, expect, it } from 'vitest';
import { builtinTask } from '../../src/tasks/builtin';
import { loadSharedTask } from '../../src/tasks/registry';
import { GENERATION_TEMPLATE, TaskError, checkTask, finishTask, taskContentHash, taskId, withoutInputsOf, type Task } from '../../src/tasks/task';
import { readSharedData } from './shared-tasks';

const draft: Omit<Task, 'id'> = {
  name: 'toy',
  family: 'generation',
  template: GENERATION_TEMPLATE,
  metric: 'exact_match',
  splits: { train: [{ input: '1 2', output: '3' }], validation: [{ input: '2 2', output: '4' }], test: [{ input: '3 2', output: '5' }] },
  description: 'toy',
};

describe('taskId', () => {
  it('is name[options]#hash, leaving out undefined options, in the order given', () => {
    const hash = taskContentHash(draft);
    expect(hash).toMatch(/^[0-9a-f]{14}$/);
    expect(taskId(draft, { seed: 3, sizes: '1/1/1', skipped: undefined, lenient: false })).toBe(`toy[seed=3,sizes=1/1/1,lenient=false]#${hash}`);
    expect(taskId(draft)).toBe(`toy#${hash}`);
    expect(finishTask(draft, { seed: 3 }).id).toBe(`toy[seed=3]#${hash}`);
  });

  it('hashes what scoring reads (examples, template, metric, modes) and not display text', () => {
    const base = taskContentHash(draft);
    expect(taskContentHash({ ...draft, description: 'other words', name: 'other', notes: ['a note'] })).toBe(base);
    const changed: Omit<Task, 'id'>[] = [
      { ...draft, splits: { ...draft.splits, test: [{ input: '3 2', output: '6' }] } },
      { ...draft, splits: { ...draft.splits, train: [{ input: '1 2', output: '3', alternatives: ['three'] }] } },
      { ...draft, splits: { ...draft.splits, validation: [{ input: '2 2', output: '4', fields: { x: '2' } }] } },
      { ...draft, template: '{prompt} {input}' },
      { ...draft, metric: 'contains' },
      { ...draft, answerMode: 'lenient' },
      // a train example moved to validation: same examples, different splits
      { ...draft, splits: { train: [], validation: [...draft.splits.train, ...draft.splits.validation], test: draft.splits.test } },
    ];
    const hashes = changed.map(taskContentHash);
    expect(hashes.every((h) => h !== base)).toBe(true);
    expect(new Set(hashes).size).toBe(changed.length);
  });

  it('differs between GLUE seeds and label-space settings, and is stable across loads', () => {
    const a = loadSharedTask('sst2', readSharedData);
    expect(a.id).toMatch(/^sst2\[source=lm-bff-16-shot,seed=13,label-space=leading-space\]#[0-9a-f]{14}$/);
    expect(loadSharedTask('sst2', readSharedData).id).toBe(a.id);
    const seed21 = loadSharedTask('sst2', readSharedData, { glueSeed: 21 });
    expect(seed21.id).toMatch(/^sst2\[source=lm-bff-16-shot,seed=21,/);
    const unspaced = loadSharedTask('sst2', readSharedData, { labelSpace: 'none' });
    expect(unspaced.id).toMatch(/label-space=none\]#/);
    expect(new Set([a.id, seed21.id, unspaced.id]).size).toBe(3);
    // same examples, only the label space differs: the hash part differs too
    expect(unspaced.id.split('#')[1]).not.toBe(a.id.split('#')[1]);
    expect(a.name).toBe('sst2');
  });

  it('differs between Instruction Induction orders, shuffle seeds, pool modes and answer modes', () => {
    const ids = [
      loadSharedTask('ii/sum', readSharedData),
      loadSharedTask('ii/sum', readSharedData, { instructionInduction: { shuffleSeed: 7 } }),
      loadSharedTask('ii/sum', readSharedData, { instructionInduction: { order: 'file' } }),
      loadSharedTask('ii/informal_to_formal', readSharedData),
      loadSharedTask('ii/informal_to_formal', readSharedData, { instructionInduction: { smallPool: 'share' } }),
    ].map((t) => t.id);
    expect(new Set(ids).size).toBe(5);
    expect(ids[2]).toMatch(/^ii\/sum\[source=instruction-induction,order=file,small-pool=split,answers=first-answer\]#/);
  });

  it('differs between built-in seeds and sizes', () => {
    const a = builtinTask('sum');
    expect(a.id).toMatch(/^builtin\/sum\[source=builtin,seed=0,sizes=32\/32\/100\]#[0-9a-f]{14}$/);
    const others = [builtinTask('sum', { seed: 1 }), builtinTask('sum', { sizes: { train: 16, validation: 32, test: 100 } })];
    expect(others.map((t) => t.id)).not.toContain(a.id);
    expect(others[0]!.id).not.toBe(others[1]!.id);
    expect(builtinTask('sum').id).toBe(a.id);
  });
});

describe('checkTask and the task modes', () => {
  it('requires an id and modes that fit the family', () => {
    expect(() => checkTask({ ...draft, id: ' ' })).toThrow(/task toy has no id; build it with finishTask/);
    expect(() => finishTask({ ...draft, labelSpace: 'none' })).toThrow(TaskError);
    expect(() => finishTask({ ...draft, labelSpace: 'none' })).toThrow(/labelSpace applies to label words/);
    const classification: Omit<Task, 'id'> = { ...draft, family: 'classification', metric: 'accuracy', labelWords: ['3', '4', '5'] };
    expect(finishTask({ ...classification, labelSpace: 'none' }).labelSpace).toBe('none');
    expect(() => finishTask({ ...classification, answerMode: 'lenient' })).toThrow(/answerMode applies to generation tasks, not classification/);
  });
});

describe('withoutInputsOf', () => {
  it('drops examples whose input and fields occur in the other list, whatever their output', () => {
    const others = [{ input: 'a', output: 'x' }, { input: 'b', output: 'y', fields: { f: '1' } }];
    const examples = [{ input: 'a', output: 'z' }, { input: 'b', output: 'y' }, { input: 'b', output: 'y', fields: { f: '1' } }, { input: 'c', output: 'x' }];
    expect(withoutInputsOf(examples, others)).toEqual([{ input: 'b', output: 'y' }, { input: 'c', output: 'x' }]);
  });
});
