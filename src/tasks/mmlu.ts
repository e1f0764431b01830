// MMLU subjects (Hendrycks et al. 2021) from the original CSV files (no header: question, A, B, C, D, answer
// letter; quoted fields may hold commas and newlines) as four-way multiple choice with verbalizers A/B/C/D.
//
// Splits. The authors (GFlowPO MMLU.sh, task 'qa') train and select on MMLU's validation split (train = validation
// = the subject's validation questions) and report on test. The data here has only dev (the 5 standard few-shot
// exemplars per subject) and test; the 1,531-question validation split is not shipped. So by default part of the
// test file is held out as validation: validationSize questions (default: MMLU's own validation/test ratio,
// 1,531/14,042, of the subject's test file, rounded, at least 5; anatomy 15 of 135), drawn with mulberry32(splitSeed),
// and test is the rest of the file, in file order, without any repeat of a held-out question (disjoint). train = that validation (as the
// authors), or with train: 'dev' the 5 dev exemplars. The task's notes say so, and its id carries every option.
// Demonstrations are 'question-answer' (the authors' got_example_mmlu: the question and the correct choice's text);
// the schedule is 'mmlu' (150 steps, 16 x 1, 3 demonstrations; numbers in gflow/settings.ts).
//
// Errors: a malformed CSV (an open quote, a row whose field count differs from the first row's) is import/csv.ts's
// ImportError; six well-formed columns that are not a question (an answer other than A-D) are a TaskError. Both
// name the file and line.
import { mulberry32, randomInt } from '../random/mulberry32';
import { parseCsv } from './import/csv';
import { CHOICE_LETTERS, multipleChoiceExample } from './multiple-choice';
import { CLASSIFICATION_TEMPLATE, DEFAULT_LABEL_SPACE, TaskError, finishTask, type Example, type LabelSpace, type Task, withoutInputsOf } from './task';

export const MMLU_SUBJECTS = [
  'abstract_algebra', 'anatomy', 'astronomy', 'business_ethics', 'clinical_knowledge', 'college_biology',
  'college_chemistry', 'college_computer_science', 'college_mathematics', 'college_medicine', 'college_physics',
  'computer_security', 'conceptual_physics', 'econometrics', 'electrical_engineering', 'elementary_mathematics',
  'formal_logic', 'global_facts', 'high_school_biology', 'high_school_chemistry', 'high_school_computer_science',
  'high_school_european_history', 'high_school_geography', 'high_school_government_and_politics',
  'high_school_macroeconomics', 'high_school_mathematics', 'high_school_microeconomics', 'high_school_physics',
  'high_school_psychology', 'high_school_statistics', 'high_school_us_history', 'high_school_world_history',
  'human_aging', 'human_sexuality', 'international_law', 'jurisprudence', 'logical_fallacies', 'machine_learning',
  'management', 'marketing', 'medical_genetics', 'miscellaneous', 'moral_disputes', 'moral_scenarios', 'nutrition',
  'philosophy', 'prehistory', 'professional_accounting', 'professional_law', 'professional_medicine',
  'professional_psychology', 'public_relations', 'security_studies', 'sociology', 'us_foreign_policy', 'virology',
  'world_religions',
] as const;

/** Examples of one MMLU CSV file. */
export function parseMmluCsv(text: string, file: string): Example[] {
  const table = parseCsv(file, text, { header: false });
  if (table.rows.length > 0 && table.columns.length !== 6) {
    throw new TaskError(`expected 6 columns (question, A, B, C, D, answer), found ${table.columns.length}`, { file, line: table.rowLines[0]! });
  }
  return table.rows.map((row, r) => {
    const cells = table.columns.map((c) => row[c]!);
    const answer = cells[5]!.trim();
    if (!(CHOICE_LETTERS as readonly string[]).includes(answer)) throw new TaskError(`answer ${JSON.stringify(cells[5])} is not one of A, B, C, D`, { file, line: table.rowLines[r]! });
    return multipleChoiceExample(cells[0]!, cells.slice(1, 5), answer);
  });
}

/** MMLU's validation/test sizes over all 57 subjects: the default share of a test file held out as validation. */
export const MMLU_VALIDATION_RATIO = 1531 / 14042;

/** The default number of a subject's test questions held out as validation. */
export function defaultMmluValidationSize(testQuestions: number): number {
  return Math.max(5, Math.round(testQuestions * MMLU_VALIDATION_RATIO));
}

export interface MmluOptions {
  /** Test-file questions held out as validation (default defaultMmluValidationSize of the file). */
  validationSize?: number;
  /** Seed of the held-out draw (default 0). */
  splitSeed?: number;
  /** What the reward scores: 'validation' (default, the authors) or 'dev' (the 5 dev exemplars). */
  train?: 'validation' | 'dev';
  /** Default DEFAULT_LABEL_SPACE. */
  labelSpace?: LabelSpace;
  paths?: { dev?: string; test?: string };
  /** Registry name; defaults to 'mmlu/<subject>'. */
  taskName?: string;
}

/** `count` distinct indices of [0, n), drawn with mulberry32(seed) (a partial Fisher-Yates shuffle), ascending. */
function heldOut(n: number, count: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const rng = mulberry32(seed);
  for (let i = 0; i < count; i++) {
    const j = i + randomInt(rng, n - i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.slice(0, count).sort((a, b) => a - b);
}

export function mmluTask(subject: string, files: { dev: string; test: string }, options: MmluOptions = {}): Task {
  const devFile = options.paths?.dev ?? `dev/${subject}_dev.csv`;
  const testFile = options.paths?.test ?? `test/${subject}_test.csv`;
  const dev = parseMmluCsv(files.dev, devFile);
  const all = parseMmluCsv(files.test, testFile);
  const n = options.validationSize ?? defaultMmluValidationSize(all.length);
  if (!Number.isInteger(n) || n < 1 || n >= all.length) throw new TaskError(`validationSize must be an integer in [1, ${all.length - 1}] (the test file has ${all.length} questions), got ${n}`, { file: testFile });
  const splitSeed = options.splitSeed ?? 0;
  if (!Number.isInteger(splitSeed)) throw new TaskError(`splitSeed must be an integer, got ${splitSeed}`);
  const picked = new Set(heldOut(all.length, n, splitSeed));
  const validation = all.filter((_, i) => picked.has(i));
  const rest = all.filter((_, i) => !picked.has(i));
  // A few test files repeat a question (27 repeats in all, e.g. college_physics 11): a copy of a held-out one leaves test.
  const test = withoutInputsOf(rest, validation);
  const trainFrom = options.train ?? 'validation';
  const train = trainFrom === 'dev' ? dev : validation;
  const labelSpace = options.labelSpace ?? DEFAULT_LABEL_SPACE;
  const repeats = rest.length - test.length;
  const holdout = `validation = ${n} questions held out of the ${all.length}-question test file (mulberry32 seed ${splitSeed}; MMLU's own validation split is not in the data), test = the other ${test.length}${repeats > 0 ? ` (${repeats} repeat${repeats === 1 ? '' : 's'} of a held-out question left out)` : ''}`;
  return finishTask(
    {
      name: options.taskName ?? `mmlu/${subject}`,
      family: 'multiple_choice',
      template: CLASSIFICATION_TEMPLATE,
      labelWords: CHOICE_LETTERS,
      metric: 'accuracy',
      splits: { train, validation, test },
      description: `MMLU ${subject.replaceAll('_', ' ')}: answer with the letter of the correct choice. Train: ${trainFrom === 'dev' ? `the ${dev.length} dev exemplars` : 'the validation questions (as the authors)'}; validation: ${n} questions held out of the test file; test: the other ${test.length}.`,
      labelSpace,
      demonstration: 'question-answer',
      schedule: 'mmlu',
      notes: [holdout, trainFrom === 'dev' ? `train = the ${dev.length} dev exemplars` : 'train = validation (the authors train and select on the validation split)'],
    },
    { source: 'mmlu-dev-test', validation: `test-holdout-${n}`, 'split-seed': splitSeed, train: trainFrom, 'label-space': labelSpace },
  );
}
