// The task model: template rendering, label indices, the task invariants and TaskError's message.
import { describe, expect, it } from 'vitest';
import { CLASSIFICATION_TEMPLATE, GENERATION_TEMPLATE, TaskError, checkTask, labelIndex, renderInput, templateSlots, type Task } from '../../src/tasks/task';

const example = { input: 'premise : A man sleeps.\nhypothesis : A man rests.', output: 'Yes', fields: { premise: 'A man sleeps.', hypothesis: 'A man rests.' } };

function task(overrides: Partial<Task> = {}): Task {
  return {
    id: 'toy#test',
    name: 'toy',
    family: 'classification',
    template: CLASSIFICATION_TEMPLATE,
    labelWords: ['Yes', 'Maybe', 'No'],
    metric: 'accuracy',
    splits: { train: [example], validation: [example], test: [{ ...example, output: 'No' }] },
    description: 'toy',
    ...overrides,
  };
}

describe('renderInput', () => {
  it('fills the GFlowPO classification template', () => {
    expect(renderInput(task(), 'Does it follow?', example)).toBe('Does it follow? Input : premise : A man sleeps.\nhypothesis : A man rests. Output:');
  });

  it('fills the generation template', () => {
    expect(renderInput(task({ template: GENERATION_TEMPLATE }), 'Add the numbers.', { input: '3 4', output: '7' })).toBe('Add the numbers.\nInput : 3 4\nOutput :');
  });

  it('fills named field slots and never re-reads inserted text as slots', () => {
    const t = task({ template: 'P: {premise} H: {hypothesis} | {prompt}' });
    expect(renderInput(t, 'say {text} or {premise}', example)).toBe('P: A man sleeps. H: A man rests. | say {text} or {premise}');
  });

  it('rejects a slot the example cannot fill, naming the slot', () => {
    expect(() => renderInput(task({ template: '{prompt} {question}' }), 'p', example)).toThrow(/\{question\}.*premise, hypothesis/);
  });

  it('lists slots in order', () => {
    expect(templateSlots(CLASSIFICATION_TEMPLATE)).toEqual(['prompt', 'text']);
  });
});

describe('task invariants', () => {
  it('accepts a well-formed task and gives label indices', () => {
    const t = checkTask(task());
    expect(labelIndex(t, t.splits.test[0]!)).toBe(2);
  });

  it('rejects an output that is not a label word', () => {
    expect(() => checkTask(task({ splits: { train: [{ ...example, output: 'yes' }], validation: [example], test: [example] } }))).toThrow(TaskError);
  });

  it('rejects templates without exactly one {prompt} or without an example slot, and empty splits', () => {
    expect(() => checkTask(task({ template: 'Input : {text} Output:' }))).toThrow(/exactly one \{prompt\}/);
    expect(() => checkTask(task({ template: '{prompt} {prompt} {text}' }))).toThrow(/exactly one \{prompt\}/);
    expect(() => checkTask(task({ template: '{prompt} Output:' }))).toThrow(/no slot for the example/);
    expect(() => checkTask(task({ splits: { train: [], validation: [example], test: [example] } }))).toThrow(/train split is empty/);
  });

  it('rejects a classification task scored by anything but accuracy, and label words on a generation task', () => {
    expect(() => checkTask(task({ metric: 'exact_match' }))).toThrow(/accuracy/);
    expect(() => checkTask(task({ family: 'generation', metric: 'exact_match' }))).toThrow(/no label words/);
  });
});

describe('TaskError', () => {
  it('is named and puts file:line first', () => {
    const e = new TaskError('bad row', { file: 'train.tsv', line: 7 });
    expect(e.name).toBe('TaskError');
    expect(e.message).toBe('train.tsv:7: bad row');
    expect([e.file, e.line]).toEqual(['train.tsv', 7]);
    expect(new TaskError('no file').message).toBe('no file');
  });
});
