// OpenBookQA (Mihaylov et al. 2018) from JSONL, as four-way multiple choice with verbalizers A/B/C/D. Reads
// both public layouts: the Hugging Face one {id, question_stem, choices: {text: [...], label: [...]}, answerKey}
// and the original allenai one {id, question: {stem, choices: [{text, label}, ...]}, answerKey}.
// The "additional" configuration's fact1 (the science fact the question was written from) is dropped: the
// GFlowPO code appends it as "Hint :", which hands the model the answer. humanScore, clarity and worker ids are
// dropped too.
//
// Splits: train = the first trainSize (default 32) questions of the train file, validation = the first
// validationSize (default 32) of the validation file that are not also in the test file, test = the whole test file
// (500 in the public release). Demonstrations 'question-answer', as the authors' got_example_mmlu (their 'qa' task).
// Errors: a line that is not one JSON object is import/jsonl.ts's ImportError; an object that is not a question
// (no stem, not four choices A-D) is a TaskError. Both name the file and line.
import { readJsonLines } from './import/jsonl';
import { CHOICE_LETTERS, multipleChoiceExample } from './multiple-choice';
import { CLASSIFICATION_TEMPLATE, DEFAULT_LABEL_SPACE, TaskError, finishTask, withoutInputsOf, type Example, type LabelSpace, type Task } from './task';

type Raw = Record<string, unknown>;

interface Choice {
  text: string;
  label: string;
}

function choicesOf(record: Raw): { stem: unknown; choices: Choice[] | undefined } {
  const flat = record['choices'] as Raw | undefined;
  if (typeof record['question_stem'] === 'string' || (flat && !Array.isArray(flat))) {
    const text = flat?.['text'];
    const label = flat?.['label'];
    const ok = Array.isArray(text) && Array.isArray(label) && text.length === label.length;
    return { stem: record['question_stem'], choices: ok ? text.map((t, i) => ({ text: t as string, label: label[i] as string })) : undefined };
  }
  const question = record['question'] as Raw | undefined;
  const nested = question?.['choices'];
  return { stem: question?.['stem'], choices: Array.isArray(nested) ? (nested as Choice[]) : undefined };
}

/** Examples of one OpenBookQA JSONL file (blank lines skipped). */
export function parseOpenBookQa(text: string, file: string): Example[] {
  return readJsonLines(file, text).map(({ value: record, line }) => {
    const { stem, choices } = choicesOf(record);
    if (typeof stem !== 'string') throw new TaskError('no question text: expected "question_stem" or "question": {"stem"}', { file, line });
    const labels = choices?.map((c) => c?.label).sort();
    if (!choices || choices.some((c) => typeof c?.text !== 'string') || JSON.stringify(labels) !== JSON.stringify(CHOICE_LETTERS)) {
      throw new TaskError('expected exactly four choices with string texts labelled A, B, C, D', { file, line });
    }
    const answer = record['answerKey'];
    if (typeof answer !== 'string' || !(CHOICE_LETTERS as readonly string[]).includes(answer)) throw new TaskError(`answerKey ${JSON.stringify(answer)} is not one of A, B, C, D`, { file, line });
    const byLabel = [...choices].sort((a, b) => a.label.localeCompare(b.label));
    return multipleChoiceExample(stem, byLabel.map((c) => c.text), answer);
  });
}

export interface OpenBookQaOptions {
  trainSize?: number;
  validationSize?: number;
  /** Default DEFAULT_LABEL_SPACE. */
  labelSpace?: LabelSpace;
  paths?: { train?: string; validation?: string; test?: string };
  taskName?: string;
}

export function openBookQaTask(files: { train: string; validation: string; test: string }, options: OpenBookQaOptions = {}): Task {
  const paths = { train: 'train.jsonl', validation: 'validation.jsonl', test: 'test.jsonl', ...options.paths };
  const trainSize = options.trainSize ?? 32;
  const validationSize = options.validationSize ?? 32;
  const labelSpace = options.labelSpace ?? DEFAULT_LABEL_SPACE;
  const test = parseOpenBookQa(files.test, paths.test);
  const train = parseOpenBookQa(files.train, paths.train).slice(0, trainSize);
  const validation = withoutInputsOf(parseOpenBookQa(files.validation, paths.validation), test).slice(0, validationSize);
  return finishTask(
    {
      name: options.taskName ?? 'openbookqa',
      family: 'multiple_choice',
      template: CLASSIFICATION_TEMPLATE,
      labelWords: CHOICE_LETTERS,
      metric: 'accuracy',
      splits: { train, validation, test },
      description: `OpenBookQA: elementary science questions, answer with the letter of the correct choice (no fact hint). Train ${train.length}, validation ${validation.length}, test ${test.length}.`,
      labelSpace,
      demonstration: 'question-answer',
    },
    { source: 'openbookqa', train: trainSize, validation: validationSize, 'label-space': labelSpace },
  );
}
