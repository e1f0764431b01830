// MMLU from ../shared/data: 57 subjects, 285 dev / 14,042 test questions, quoted CSV, the A/B/C/D rendering,
// the validation split held out of test (sizes, disjointness, seed, notes, id), and malformed rows.
import { describe, expect, it } from 'vitest';
import { ImportError } from '../../src/tasks/import/types';
import { MMLU_SUBJECTS, defaultMmluValidationSize, mmluTask, parseMmluCsv } from '../../src/tasks/mmlu';
import type { Example } from '../../src/tasks/task';
import { loadSharedTask } from '../../src/tasks/registry';
import { TaskError, renderInput } from '../../src/tasks/task';
import { readSharedData } from './shared-tasks';
import { thrown } from '../support/thrown';

describe('MMLU', () => {
  it('has 57 subjects: 285 dev and 14,042 test questions, split by default into 1,534 held-out validation and the rest', () => {
    expect(MMLU_SUBJECTS).toHaveLength(57);
    let dev = 0;
    let validation = 0;
    let test = 0;
    const answers: Record<string, number> = {};
    for (const subject of MMLU_SUBJECTS) {
      const task = loadSharedTask(`mmlu/${subject}`, readSharedData);
      const file = parseMmluCsv(readSharedData(`mmlu/test/${subject}_test.csv`), 'test');
      const devFile = parseMmluCsv(readSharedData(`mmlu/dev/${subject}_dev.csv`), 'dev');
      expect(devFile).toHaveLength(5);
      expect(task.splits.train).toBe(task.splits.validation); // the authors: train = validation
      expect(task.splits.validation).toHaveLength(Math.max(5, Math.round((file.length * 1531) / 14042)));
      expect(task.labelWords).toEqual(['A', 'B', 'C', 'D']);
      expect(task.family).toBe('multiple_choice');
      expect(task.schedule).toBe('mmlu');
      dev += devFile.length;
      validation += task.splits.validation.length;
      test += task.splits.test.length;
      for (const e of file) answers[e.output] = (answers[e.output] ?? 0) + 1;
    }
    // 1,534 = sum over subjects of max(5, round(n * 1531/14042)) (computed in Python); MMLU's own split has 1,531.
    // 14,042 - 1,534 = 12,508; the 6 fewer are repeats of a held-out question that leave test (see the next test).
    expect([dev, validation, test]).toEqual([285, 1534, 12502]);
    expect(answers).toEqual({ A: 3222, B: 3462, C: 3582, D: 3776 }); // counted with Python's csv module
  });

  it('holds validation out of the test file: disjoint, both from the file, seeded, and said in notes and id', () => {
    const files = { dev: readSharedData('mmlu/dev/anatomy_dev.csv'), test: readSharedData('mmlu/test/anatomy_test.csv') };
    const file = parseMmluCsv(files.test, 'test');
    const key = (e: Example) => e.input;
    const task = mmluTask('anatomy', files);
    expect(defaultMmluValidationSize(135)).toBe(15); // 135 * 1531 / 14042 = 14.72
    expect([file.length, task.splits.validation.length, task.splits.test.length]).toEqual([135, 15, 120]);
    const inFile = new Set(file.map(key));
    const validation = new Set(task.splits.validation.map(key));
    expect(task.splits.test.filter((e) => validation.has(key(e)))).toEqual([]);
    expect([...task.splits.validation, ...task.splits.test].every((e) => inFile.has(key(e)))).toBe(true);
    // test keeps the file order
    expect(task.splits.test).toEqual(file.filter((e) => !validation.has(key(e))));
    // a held-out draw, not the first 15 questions
    expect(task.splits.validation).not.toEqual(file.slice(0, 15));
    expect(mmluTask('anatomy', files)).toEqual(task);
    const other = mmluTask('anatomy', files, { splitSeed: 1 });
    expect(other.splits.validation).not.toEqual(task.splits.validation);
    expect(other.id).not.toBe(task.id);
    expect(task.notes?.[0]).toBe("validation = 15 questions held out of the 135-question test file (mulberry32 seed 0; MMLU's own validation split is not in the data), test = the other 120");
    expect(task.id).toMatch(/^mmlu\/anatomy\[source=mmlu-dev-test,validation=test-holdout-15,split-seed=0,train=validation,label-space=leading-space\]#[0-9a-f]{14}$/);
    const dev = mmluTask('anatomy', files, { train: 'dev', validationSize: 20 });
    expect(dev.splits.train).toEqual(parseMmluCsv(files.dev, 'dev'));
    expect([dev.splits.validation.length, dev.splits.test.length]).toEqual([20, 115]);
    expect(dev.id).not.toBe(task.id);
    expect(() => mmluTask('anatomy', files, { validationSize: 135 })).toThrow(TaskError);
    expect(() => mmluTask('anatomy', files, { validationSize: 0 })).toThrow(/validationSize must be an integer in \[1, 134\]/);
  });

  it('drops from test the repeats of a held-out question (college_physics repeats 11 questions)', () => {
    const files = { dev: readSharedData('mmlu/dev/college_physics_dev.csv'), test: readSharedData('mmlu/test/college_physics_test.csv') };
    const file = parseMmluCsv(files.test, 'test');
    expect(file.length - new Set(file.map((e) => e.input)).size).toBe(11);
    // every validation size and seed keeps the two splits disjoint
    for (const seed of [0, 1, 2, 3]) {
      const task = mmluTask('college_physics', files, { splitSeed: seed, validationSize: 40 });
      const validation = new Set(task.splits.validation.map((e) => e.input));
      expect(task.splits.test.some((e) => validation.has(e.input))).toBe(false);
      expect(task.splits.validation.length + task.splits.test.length).toBeLessThanOrEqual(102);
      const removed = file.filter((e) => validation.has(e.input)).length - 40;
      expect(task.splits.test).toHaveLength(102 - 40 - removed);
    }
  });

  it('reads quoted fields with commas and renders the choices', () => {
    const task = loadSharedTask('mmlu/abstract_algebra', readSharedData, { mmlu: { train: 'dev' } });
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
    const test = parseMmluCsv(readSharedData('mmlu/test/elementary_mathematics_test.csv'), 'test');
    expect(test[186]!.fields?.['question']).toBe(
      'There are three different sections to sit in at a baseball park. The number of people who can sit in each section is described below.\n* red section seats 200 people\n* blue section seats 20 fewer people than the red section\n* green section seats 2 times as many people as the blue section\nWhat is the total number of people who can sit in the baseball park?',
    );
    expect(test[186]!.output).toBe('D');
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
