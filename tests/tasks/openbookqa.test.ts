// OpenBookQA JSONL in both public layouts (inline data written for this test: none is shipped in ../shared).
import { describe, expect, it } from 'vitest';
import { openBookQaTask, parseOpenBookQa } from '../../src/tasks/openbookqa';
import { ImportError } from '../../src/tasks/import/types';
import { TaskError, renderInput } from '../../src/tasks/task';

const flat = (id: string, stem: string, texts: string[], answer: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id, question_stem: stem, choices: { text: texts, label: ['A', 'B', 'C', 'D'] }, answerKey: answer, ...extra });

const TRAIN = [
  flat('1', 'Which of these melts in the sun?', ['a rock', 'an ice cube', 'a nail', 'a brick'], 'B', { fact1: 'heat melts ice', humanScore: 1, clarity: 2, turkIdAnonymized: 'w1' }),
  flat('2', 'Plants need what to make food?', ['sunlight', 'sand', 'plastic', 'noise'], 'A'),
  '',
  flat('3', 'A magnet attracts', ['wood', 'paper', 'iron', 'glass'], 'C'),
].join('\n');

// the original allenai layout, with the choices listed out of order
const NESTED = JSON.stringify({
  id: '9',
  question: { stem: 'Sound travels fastest through', choices: [{ text: 'steel', label: 'D' }, { text: 'air', label: 'A' }, { text: 'a vacuum', label: 'B' }, { text: 'water', label: 'C' }] },
  fact1: 'sound travels faster in solids',
  answerKey: 'D',
});

describe('OpenBookQA', () => {
  it('reads the Hugging Face layout and drops fact1 and the annotation fields', () => {
    const [first] = parseOpenBookQa(TRAIN, 'train.jsonl');
    expect(first).toEqual({
      input: 'question : Which of these melts in the sun?\nchoices :\nA : a rock\nB : an ice cube\nC : a nail\nD : a brick',
      output: 'B',
      fields: { question: 'Which of these melts in the sun?', A: 'a rock', B: 'an ice cube', C: 'a nail', D: 'a brick' },
    });
    expect(JSON.stringify(first)).not.toContain('heat melts ice');
  });

  it('reads the original nested layout and orders choices by label', () => {
    const [e] = parseOpenBookQa(NESTED, 'test.jsonl');
    expect(e!.fields).toEqual({ question: 'Sound travels fastest through', A: 'air', B: 'a vacuum', C: 'water', D: 'steel' });
    expect(e!.output).toBe('D');
  });

  it('builds a multiple-choice task with A/B/C/D and the split sizes asked for', () => {
    const task = openBookQaTask({ train: TRAIN, validation: `${TRAIN}\n${NESTED}`, test: NESTED }, { trainSize: 2, validationSize: 3 });
    expect([task.splits.train.length, task.splits.validation.length, task.splits.test.length]).toEqual([2, 3, 1]);
    expect(task.demonstration).toBe('question-answer');
    expect(task.id).toMatch(/^openbookqa\[source=openbookqa,train=2,validation=3,label-space=leading-space\]#[0-9a-f]{14}$/);
    expect(task.labelWords).toEqual(['A', 'B', 'C', 'D']);
    expect(task.metric).toBe('accuracy');
    expect(renderInput(task, 'Answer.', task.splits.train[1]!)).toBe('Answer. Input : question : Plants need what to make food?\nchoices :\nA : sunlight\nB : sand\nC : plastic\nD : noise Output:');
  });

  it('keeps validation disjoint from test: a validation question also in the test file is left out', () => {
    const task = openBookQaTask({ train: TRAIN, validation: `${NESTED}\n${TRAIN}`, test: `${NESTED}\n${flat('7', 'A magnet attracts', ['wood', 'paper', 'iron', 'glass'], 'C')}` });
    expect(task.splits.validation.map((e) => e.fields!['question'])).toEqual(['Which of these melts in the sun?', 'Plants need what to make food?']);
    expect(task.splits.test).toHaveLength(2);
  });

  it('rejects bad lines, naming them', () => {
    // A line that is not one JSON object is the JSONL parser's ImportError; an object that is not a question a TaskError.
    const error = (text: string) => {
      try {
        parseOpenBookQa(text, 'obqa.jsonl');
      } catch (e) {
        if (e instanceof ImportError) return `${e.name} at ${e.file}:${e.line}: ${e.message}`;
        if (e instanceof TaskError) return e.message;
        throw e;
      }
      return 'no error';
    };
    expect(error(`${flat('1', 'q', ['a', 'b', 'c', 'd'], 'A')}\n{"id": "2", "question_stem": "q"`)).toMatch(/^ImportError at obqa\.jsonl:2: obqa\.jsonl: invalid JSON at line 2 column \d+: /);
    expect(error(`${flat('1', 'q', ['a', 'b', 'c', 'd'], 'A')}\r\n\r\n["not", "an object"]`)).toMatch(/^ImportError at obqa\.jsonl:3: obqa\.jsonl: line 3 column 1 is an array, not a JSON object/);
    expect(error(flat('1', 'q', ['a', 'b', 'c', 'd'], 'E'))).toBe('obqa.jsonl:1: answerKey "E" is not one of A, B, C, D');
    expect(error(flat('1', 'q', ['a', 'b', 'c'], 'A'))).toBe('obqa.jsonl:1: expected exactly four choices with string texts labelled A, B, C, D');
    expect(error('\n{"id": "1", "answerKey": "A"}')).toBe('obqa.jsonl:2: no question text: expected "question_stem" or "question": {"stem"}');
  });
});
