// GLUE classification tasks from the LM-BFF 16-shot TSV files (SST-2, MRPC, RTE, QNLI, MNLI, SNLI) and the
// MNLI/SNLI labelled evaluation pools. Text in, typed Task out; file reading is the caller's (registry.ts).
//
// Splits (gflowpo.md): train = the seed's 16-shot train file (16 per label), validation = its dev file (another
// 16 per label), test = the GLUE dev split (test.tsv in the LM-BFF folder). MNLI/SNLI test files are not
// shipped, so their test is the 1000-example eval pool. Any test pair that is also in this seed's train or
// validation leaves test (2 MNLI pairs for seed 87; none for the other tasks and seeds in the shared data).
//
// Verbalizers in label order, as the GFlowPO code's dataset_dicts: sst2 no/yes (0 negative, 1 positive);
// mrpc No/Yes (Quality 0, 1); rte and qnli yes/no (entailment, not_entailment); mnli and snli Yes/Maybe/No
// (entailment, neutral, contradiction).
//
// Input text ({text} in the template), following the GFlowPO code's formats without the space it puts after
// each newline: sst2 the sentence; mrpc "sentence1 : A\nsentence2 : B"; qnli "question : Q\nsentence : S";
// rte, mnli, snli "premise : P\nhypothesis : H". The parts are also fields under those names. Demonstrations
// (demonstration.ts): sst2 'input-output', the pair tasks 'labelled-parts', as the authors' got_example writes them.
// Identity: name + source, seed (when the caller gives it), label-space, and the content hash (task.ts).
//
// Errors: a malformed file (a field count unlike the header's, broken JSON) is the parser's ImportError
// (import/csv.ts, import/json.ts); a well-formed file that is not a GLUE file of this task (a missing column, an
// unknown label) is a TaskError. Both name the file and line.
import { parseTsv } from './import/csv';
import { readJsonDocument } from './import/json';
import { CLASSIFICATION_TEMPLATE, DEFAULT_LABEL_SPACE, TaskError, finishTask, withoutInputsOf, type Example, type LabelSpace, type Task } from './task';

export type GlueTaskName = 'sst2' | 'mrpc' | 'rte' | 'qnli' | 'mnli' | 'snli';

export const GLUE_TASKS: readonly GlueTaskName[] = ['sst2', 'mrpc', 'rte', 'qnli', 'mnli', 'snli'];

interface GlueFormat {
  description: string;
  labelWords: readonly string[];
  /** Raw label cell -> label index. */
  labels: Readonly<Record<string, number>>;
  /** Header column holding the label. */
  labelColumn: string;
  /** MNLI/SNLI: the label column (gold_label) is the last, and a row may list extra annotator labels before it. */
  extraLabels?: true;
  /** Header columns of the text parts and the names they get in the input text and fields. */
  parts: readonly (readonly [column: string, name: string])[];
}

const PREMISE_HYPOTHESIS = [
  ['sentence1', 'premise'],
  ['sentence2', 'hypothesis'],
] as const;

/** MNLI and SNLI: three-way labels, gold_label last (after one or five annotator labels). */
const NLI = {
  labelWords: ['Yes', 'Maybe', 'No'],
  labels: { entailment: 0, neutral: 1, contradiction: 2 },
  labelColumn: 'gold_label',
  extraLabels: true,
  parts: PREMISE_HYPOTHESIS,
} as const;

const FORMATS: Readonly<Record<GlueTaskName, GlueFormat>> = {
  sst2: {
    description: 'SST-2: is the sentiment of a movie-review sentence positive (yes) or negative (no)?',
    labelWords: ['no', 'yes'],
    labels: { '0': 0, '1': 1 },
    labelColumn: 'label',
    parts: [['sentence', 'sentence']],
  },
  mrpc: {
    description: 'MRPC: are the two sentences paraphrases of each other (Yes) or not (No)?',
    labelWords: ['No', 'Yes'],
    labels: { '0': 0, '1': 1 },
    labelColumn: 'Quality',
    parts: [
      ['#1 String', 'sentence1'],
      ['#2 String', 'sentence2'],
    ],
  },
  rte: {
    description: 'RTE: does the premise entail the hypothesis (yes) or not (no)?',
    labelWords: ['yes', 'no'],
    labels: { entailment: 0, not_entailment: 1 },
    labelColumn: 'label',
    parts: PREMISE_HYPOTHESIS,
  },
  qnli: {
    description: 'QNLI: does the sentence contain the answer to the question (yes) or not (no)?',
    labelWords: ['yes', 'no'],
    labels: { entailment: 0, not_entailment: 1 },
    labelColumn: 'label',
    parts: [
      ['question', 'question'],
      ['sentence', 'sentence'],
    ],
  },
  mnli: { ...NLI, description: 'MNLI: does the premise entail (Yes), leave open (Maybe) or contradict (No) the hypothesis?' },
  snli: { ...NLI, description: 'SNLI: does the caption premise entail (Yes), leave open (Maybe) or contradict (No) the hypothesis?' },
};

export function glueLabelWords(name: GlueTaskName): readonly string[] {
  return FORMATS[name].labelWords;
}

function example(format: GlueFormat, texts: readonly string[], labelIndex: number): Example {
  const fields: Record<string, string> = {};
  format.parts.forEach(([, name], j) => (fields[name] = texts[j]!));
  const input = format.parts.length === 1 ? texts[0]! : format.parts.map(([, name], j) => `${name} : ${texts[j]}`).join('\n');
  return { input, output: format.labelWords[labelIndex]!, fields };
}

function labelOf(format: GlueFormat, raw: string, file: string, line: number): number {
  const index = Object.hasOwn(format.labels, raw) ? format.labels[raw] : undefined;
  if (index === undefined) throw new TaskError(`label ${JSON.stringify(raw)} is not one of ${Object.keys(format.labels).join(', ')}`, { file, line });
  return index;
}

/** Examples of one LM-BFF/GLUE TSV file (header row required, quoting disabled). */
export function parseGlueTsv(name: GlueTaskName, text: string, file: string): Example[] {
  const format = FORMATS[name];
  const table = parseTsv(file, text, { quoting: 'none', longRows: format.extraLabels ? 'last' : 'error' });
  const column = (wanted: string): string => {
    if (!table.columns.includes(wanted)) throw new TaskError(`the header has no "${wanted}" column (found: ${table.columns.join(', ')}); is this a ${name} file?`, { file, line: 1 });
    return wanted;
  };
  const parts = format.parts.map(([wanted]) => column(wanted));
  const labelColumn = column(format.labelColumn);
  if (format.extraLabels && table.columns[table.columns.length - 1] !== labelColumn) {
    throw new TaskError(`"${labelColumn}" must be the last column of the header (found: ${table.columns.join(', ')}); is this a ${name} file?`, { file, line: 1 });
  }
  return table.rows.map((row, r) => example(format, parts.map((c) => row[c]!), labelOf(format, row[labelColumn]!, file, table.rowLines[r]!)));
}

/** The MNLI/SNLI eval pool: {"0": {"text_a": premise, "text_b": hypothesis, "label": "entailment"|"neutral"|"contradiction"}, ...}. */
export function nliEvalPool(jsonText: string, file = 'pool.json', name: 'mnli' | 'snli' = 'mnli'): Example[] {
  const format = FORMATS[name];
  const json = readJsonDocument(file, jsonText);
  const pool = json.value;
  if (typeof pool !== 'object' || pool === null || Array.isArray(pool)) throw new TaskError('expected a JSON object {"0": {"text_a", "text_b", "label"}, ...}', json.positionOf([]));
  return Object.entries(pool).map(([key, entry]) => {
    const where = () => json.positionOf([key]);
    const e = entry as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || typeof e['text_a'] !== 'string' || typeof e['text_b'] !== 'string' || typeof e['label'] !== 'string') {
      throw new TaskError(`entry "${key}" needs string fields text_a, text_b and label`, where());
    }
    const raw = e['label'];
    if (!Object.hasOwn(format.labels, raw)) throw new TaskError(`entry "${key}": label ${JSON.stringify(raw)} is not one of ${Object.keys(format.labels).join(', ')}`, where());
    return example(format, [e['text_a'], e['text_b']], format.labels[raw]!);
  });
}

export interface GlueFiles {
  /** 16-shot train.tsv text. */
  train: string;
  /** 16-shot dev.tsv (MNLI: dev_matched.tsv) text. */
  dev: string;
  /** GLUE dev split (test.tsv) text, or for mnli/snli the eval pool JSON text. */
  test: string;
}

export interface GlueOptions {
  /** File names for error messages. */
  paths?: Partial<Record<keyof GlueFiles, string>>;
  /** Registry name; defaults to the GLUE name. */
  taskName?: string;
  /** The LM-BFF seed the files belong to (for the task's id; the registry passes it). */
  seed?: number;
  /** Default DEFAULT_LABEL_SPACE. */
  labelSpace?: LabelSpace;
}

export function glueTask(name: GlueTaskName, files: GlueFiles, options: GlueOptions = {}): Task {
  const format = FORMATS[name];
  const nli = name === 'mnli' || name === 'snli';
  const paths = { train: 'train.tsv', dev: 'dev.tsv', test: nli ? 'pool.json' : 'test.tsv', ...options.paths };
  const train = parseGlueTsv(name, files.train, paths.train);
  const validation = parseGlueTsv(name, files.dev, paths.dev);
  const source = nli ? nliEvalPool(files.test, paths.test, name) : parseGlueTsv(name, files.test, paths.test);
  // Test keeps out any pair also in train or validation, so selection on validation never sees a test example.
  const test = withoutInputsOf(source, [...train, ...validation]);
  const removed = source.length - test.length;
  const testNote = `${nli ? `test = eval pool of ${source.length}` : 'test = GLUE dev split'}${removed > 0 ? ` minus ${removed} pair${removed === 1 ? '' : 's'} also in train/validation` : ''}`;
  const labelSpace = options.labelSpace ?? DEFAULT_LABEL_SPACE;
  return finishTask(
    {
      name: options.taskName ?? name,
      family: 'classification',
      template: CLASSIFICATION_TEMPLATE,
      labelWords: format.labelWords,
      metric: 'accuracy',
      splits: { train, validation, test },
      description: `${format.description} Train/validation: LM-BFF 16-shot files; ${testNote}.`,
      labelSpace,
      demonstration: format.parts.length === 1 ? 'input-output' : 'labelled-parts',
      notes: [`train = LM-BFF 16-shot train (16 per label), validation = its dev file (16 per label), ${testNote}`],
    },
    { source: 'lm-bff-16-shot', seed: options.seed, 'label-space': labelSpace },
  );
}
