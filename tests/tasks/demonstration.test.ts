// Demonstrations as the authors' meta-prompt shows them, per family, on the shared data: instruction induction and
// sst2 "Input : x\nOutput : y\n", pair classification the labelled parts then "Output : y", MMLU the question and the
// correct choice's text (no choices, no letter).
import { describe, expect, it } from 'vitest';
import { formatDemonstration } from '../../src/tasks/demonstration';
import { loadSharedTask } from '../../src/tasks/registry';
import { TaskError } from '../../src/tasks/task';
import { readSharedData } from './shared-tasks';

describe('formatDemonstration', () => {
  it('instruction induction: Input : x / Output : y', () => {
    const task = loadSharedTask('ii/sum', readSharedData);
    expect(task.demonstration).toBe('input-output');
    expect(formatDemonstration(task, { input: '3 4', output: '7' })).toBe('Input : 3 4\nOutput : 7\n');
  });

  it('sst2 (one text): Input : sentence / Output : label word', () => {
    const task = loadSharedTask('sst2', readSharedData);
    expect(task.demonstration).toBe('input-output');
    const e = task.splits.validation[0]!;
    expect(formatDemonstration(task, e)).toBe(`Input : ${e.input}\nOutput : ${e.output}\n`);
  });

  it('pair classification: the labelled parts, then Output : label word', () => {
    const rte = loadSharedTask('rte', readSharedData);
    expect(rte.demonstration).toBe('labelled-parts');
    const premise = 'A man sleeps.';
    const hypothesis = 'A man rests.';
    expect(formatDemonstration(rte, { input: `premise : ${premise}\nhypothesis : ${hypothesis}`, output: 'yes', fields: { premise, hypothesis } })).toBe(
      'premise : A man sleeps.\nhypothesis : A man rests.\nOutput : yes\n',
    );
    for (const name of ['mrpc', 'qnli', 'mnli', 'snli'] as const) expect(loadSharedTask(name, readSharedData).demonstration).toBe('labelled-parts');
    const qnli = loadSharedTask('qnli', readSharedData).splits.validation[0]!;
    expect(formatDemonstration({ name: 'qnli', demonstration: 'labelled-parts' }, qnli)).toMatch(/^question : .+\nsentence : .+\nOutput : (yes|no)\n$/s);
  });

  it('MMLU: the question and the text of the correct choice', () => {
    const task = loadSharedTask('mmlu/abstract_algebra', readSharedData, { mmlu: { train: 'dev' } });
    expect(task.demonstration).toBe('question-answer');
    // dev row 2: "Statement 1 | If aH is an element of a factor group, ...", answer B = "False, False"
    expect(formatDemonstration(task, task.splits.train[1]!)).toBe(
      'Input : Statement 1 | If aH is an element of a factor group, then |aH| divides |a|. Statement 2 | If H and K are subgroups of G then HK is a subgroup of G.\nOutput : False, False\n',
    );
  });

  it('a question-answer task whose example lacks the fields is a TaskError naming them', () => {
    expect(() => formatDemonstration({ name: 'mc', demonstration: 'question-answer' }, { input: 'q', output: 'A' })).toThrow(TaskError);
    expect(() => formatDemonstration({ name: 'mc', demonstration: 'question-answer' }, { input: 'q', output: 'A', fields: { question: 'q' } })).toThrow(
      'task mc: a question-answer demonstration needs the fields "question" and "A" (the correct choice\'s text); this example has question',
    );
  });
});
