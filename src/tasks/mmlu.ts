// MMLU subjects (Hendrycks et al. 2021) from the original CSV files (no header: question, A, B, C, D, answer
// letter; quoted fields may hold commas and newlines) as four-way multiple choice with verbalizers A/B/C/D.
//
// Splits: the data here has dev (the 5 standard few-shot exemplars per subject) and test; the 1,531-question
// validation split is not shipped. Default: train = validation = the 5 dev exemplars (the GFlowPO code also
// trains on dev; the meta-prompt needs 5 validation demonstrations), test = the subject's test file. With
// validationFromTest: n, validation is instead the first n test questions and test the rest, so selection
// happens on questions the reward never saw.
//
// Errors: a malformed CSV (an open quote, a row whose field count differs from the first row's) is import/csv.ts's
// ImportError; six well-formed columns that are not a question (an answer other than A-D) are a TaskError. Both
// name the file and line.
import { parseCsv } from './import/csv';
import { CHOICE_LETTERS, multipleChoiceExample } from './multiple-choice';
import { CLASSIFICATION_TEMPLATE, TaskError, checkTask, type Example, type Task } from './task';

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

export interface MmluOptions {
  /** Move the first n test questions into validation (default 0: validation = the dev exemplars). */
  validationFromTest?: number;
  paths?: { dev?: string; test?: string };
  /** Registry id; defaults to 'mmlu/<subject>'. */
  taskName?: string;
}

export function mmluTask(subject: string, files: { dev: string; test: string }, options: MmluOptions = {}): Task {
  const devFile = options.paths?.dev ?? `dev/${subject}_dev.csv`;
  const testFile = options.paths?.test ?? `test/${subject}_test.csv`;
  const dev = parseMmluCsv(files.dev, devFile);
  const all = parseMmluCsv(files.test, testFile);
  const n = options.validationFromTest ?? 0;
  if (!Number.isInteger(n) || n < 0 || n >= all.length) throw new TaskError(`validationFromTest must be an integer in [0, ${all.length - 1}], got ${n}`, { file: testFile });
  const validation = n > 0 ? all.slice(0, n) : dev;
  const test = all.slice(n);
  return checkTask({
    name: options.taskName ?? `mmlu/${subject}`,
    family: 'multiple_choice',
    template: CLASSIFICATION_TEMPLATE,
    labelWords: CHOICE_LETTERS,
    metric: 'accuracy',
    splits: { train: dev, validation, test },
    description: `MMLU ${subject.replaceAll('_', ' ')}: answer with the letter of the correct choice. Train: the ${dev.length} dev exemplars; validation: ${n > 0 ? `the first ${n} test questions` : 'the same dev exemplars'}; test: ${test.length} questions.`,
  });
}
