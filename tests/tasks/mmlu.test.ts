// MMLU from ../shared/data: 57 subjects, 285 dev / 14,042 test questions, quoted CSV, the A/B/C/D rendering,
// the split choice, and malformed rows.
import { describe, expect, it } from 'vitest';
import { ImportError } from '../../src/tasks/import/types';
import { MMLU_SUBJECTS, mmluTask, parseMmluCsv } from '../../src/tasks/mmlu';
import { loadSharedTask } from '../../src/tasks/registry';
import { TaskError, renderInput } from '../../src/tasks/task';
import { readSharedData } from './shared-tasks';
import { thrown } from '../support/thrown';

describe('MMLU', () => {
  it('has 57 subjects with 5 dev questions each: 285 dev and 14,042 test in total', () => {
    expect(MMLU_SUBJECTS).toHaveLength(57);
    let dev = 0;
    let test = 0;
    const answers: Record<string, number> = {};
    for (const subject of MMLU_SUBJECTS) {
      const task = loadSharedTask(`mmlu/${subject}`, readSharedData);
      expect(task.splits.train).toHaveLength(5);
      expect(task.splits.validation).toBe(task.splits.train);
      expect(task.labelWords).toEqual(['A', 'B', 'C', 'D']);
      expect(task.family).toBe('multiple_choice');
      dev += task.splits.train.length;
      test += task.splits.test.length;
      for (const e of task.splits.test) answers[e.output] = (answers[e.output] ?? 0) + 1;
    }
    expect([dev, test]).toEqual([285, 14042]);
    expect(answers).toEqual({ A: 3222, B: 3462, C: 3582, D: 3776 }); // counted with Python's csv module
  });

  it('reads quoted fields with commas and renders the choices', () => {
    const task = loadSharedTask('mmlu/abstract_algebra', readSharedData);
    const second = task.splits.train[1]!;
    expect(second.fields).toEqual({
      question: 'Statement 1 | If aH is an element of a factor group, then |aH| divides |a|. Statement 2 | If H and K are subgroups of G then HK is a subgroup of G.',
      A: 'True, True',
      B: 'False, False',
      C: 'True, False',
      D: 'False, True',
    });
    expect(second.output).toBe('B');
    expect(renderInput(task, 'Pick one.', second)).toBe(
      'Pick one. Input : question : Statement 1 | If aH is an element of a factor group, then |aH| divides |a|. Statement 2 | If H and K are subgroups of G then HK is a subgroup of G.\nchoices :\nA : True, True\nB : False, False\nC : True, False\nD : False, True Output:',
    );
  });

  it('keeps newlines inside quoted questions', () => {
    const test = loadSharedTask('mmlu/elementary_mathematics', readSharedData).splits.test;
    expect(test[186]!.fields?.['question']).toBe(
      'There are three different sections to sit in at a baseball park. The number of people who can sit in each section is described below.\n* red section seats 200 people\n* blue section seats 20 fewer people than the red section\n* green section seats 2 times as many people as the blue section\nWhat is the total number of people who can sit in the baseball park?',
    );
    expect(test[186]!.output).toBe('D');
  });

  it('validationFromTest moves the first n test questions into validation', () => {
    const files = { dev: readSharedData('mmlu/dev/anatomy_dev.csv'), test: readSharedData('mmlu/test/anatomy_test.csv') };
    const whole = mmluTask('anatomy', files);
    const carved = mmluTask('anatomy', files, { validationFromTest: 20 });
    expect(whole.splits.test).toHaveLength(135);
    expect(carved.splits.validation).toEqual(whole.splits.test.slice(0, 20));
    expect(carved.splits.test).toEqual(whole.splits.test.slice(20));
    expect(() => mmluTask('anatomy', files, { validationFromTest: 135 })).toThrow(TaskError);
  });

  it('rejects a row with the wrong column count or an answer that is not A-D, naming the line', () => {
    // Malformed CSV is the parser's ImportError; well-formed rows that are not questions are a TaskError.
    const errorOf = (text: string, file: string): TaskError | ImportError => thrown<TaskError | ImportError>(() => parseMmluCsv(text, file), TaskError, ImportError);
    const ragged = errorOf('q,a,b,c,d,A\n"q, two",a,b,c,D\n', 'x_dev.csv');
    expect(ragged).toBeInstanceOf(ImportError);
    expect([ragged.file, ragged.line]).toEqual(['x_dev.csv', 2]);
    expect(ragged.message).toMatch(/^x_dev\.csv: the row starting at line 2 has 5 fields where the first row has 6/);
    const narrow = errorOf('\n"q, two",a,b,c,D\n', 'x_dev.csv');
    expect(narrow).toBeInstanceOf(TaskError);
    expect(narrow.message).toBe('x_dev.csv:2: expected 6 columns (question, A, B, C, D, answer), found 5');
    const answer = errorOf('q,a,b,c,d,A\r\n"multi\nline q",a,b,c,d,E\r\n', 'x_test.csv');
    expect(answer).toBeInstanceOf(TaskError);
    expect(answer.message).toBe('x_test.csv:2: answer "E" is not one of A, B, C, D');
    const open = errorOf('q,a,b,c,d,A\n"open,a,b,c,d,B\n', 'x_test.csv');
    expect(open).toBeInstanceOf(ImportError);
    expect([open.file, open.line]).toEqual(['x_test.csv', 2]);
    expect(open.message).toMatch(/^x_test\.csv: unterminated quote starting at line 2 column 1/);
  });
});
