// Import -> Task: from a parsed table and a TaskMapping (family, columns, template) to a checked Task, and the review
// of a mapping that flags what looks wrong (JSON objects or lists in cells, numbers as labels, empty targets, more
// labels than a label set should have). suggestTask guesses a mapping from usual column names and returns it with its
// flags: a guess with a blocking flag must be confirmed (an explicit mapping), never used silently. Reading files and
// recognising benchmark formats is task-file.ts.
//
// Families:
//   classification   the target column's values are labels; labelWords maps a raw value to the word the model says
//                    (default: the value itself); scored by accuracy over the label words.
//   generation       the target column's text is the gold output; a JSON list cell gives the output (its first
//                    entry) and its alternatives, as does an alternativesColumn of lists; metric default exact_match.
//   multiple_choice  choices from choiceColumns (one column per choice), a choicesColumn of JSON lists, or a target
//                    column of {choice: score} objects (BIG-bench's target_scores: the top score is the answer);
//                    otherwise the target names the answer as a letter ("B", "(B)"), a 0-based index or the choice's
//                    text. Input "<input>\nchoices :\nA : ...\nB : ..."; label words are the letters.
// Splits: seeded shuffle (stratified by label for classification and multiple choice), train = trainSize (32),
// validation = validationSize (32), test = the rest; a third each when the table has fewer than 97 rows.
import { metricFor } from '../metrics';
import { CLASSIFICATION_TEMPLATE, GENERATION_TEMPLATE, finishTask, type Example, type Metric, type Task, type TaskFamily } from '../task';
import { MAX_LABEL_VALUES, mapExamples, previewRows, suggestMapping } from './mapping';
import { splitExamples } from './split';
import { ImportError, type Row, type Table, cell, rowPosition } from './types';

export interface TaskMapping {
  family: TaskFamily;
  /** Columns joined by '\n' into the input; each is also a template slot {name}. */
  inputColumns: string[];
  /** The answer: label, output text (or a JSON list), or the multiple-choice answer (letter, index, text, {choice: score}). */
  targetColumn: string;
  /** Classification: raw value -> label word (every value needs one). Default: the values themselves. */
  labelWords?: Record<string, string>;
  /** Generation: default exact_match (or metricFor(name) for a known task name). */
  metric?: Metric;
  /** Multiple choice: one column per choice, in order (A, B, C, ...). */
  choiceColumns?: string[];
  /** Multiple choice: a column of JSON lists of choices. */
  choicesColumn?: string;
  /** Generation: a column of JSON lists (or single strings) of other accepted outputs. */
  alternativesColumn?: string;
  /** Default CLASSIFICATION_TEMPLATE or GENERATION_TEMPLATE by family. */
  template?: string;
  /** Task name; default 'import/<file name>'. */
  name?: string;
  trainSize?: number;
  validationSize?: number;
  seed?: number;
}

export type ImportFlagKind = 'dict-cells' | 'list-cells' | 'numeric-labels' | 'empty-targets' | 'many-labels' | 'no-target';

export interface ImportFlag {
  kind: ImportFlagKind;
  column: string;
  /** What was seen, where, and what to do. */
  message: string;
  /** In a guessed mapping: it must be confirmed or changed before it is used. */
  blocking: boolean;
}

/** Classification with more distinct labels than this is flagged (a label set, not free text). */
export const MAX_LABEL_WORDS = MAX_LABEL_VALUES;

const LETTERS = Array.from({ length: 26 }, (_, i) => String.fromCharCode(65 + i));
const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/** The JSON value of a cell that holds an object or a list (its text starts with '{' or '['), else undefined. */
export function jsonCell(text: string | undefined): Record<string, unknown> | unknown[] | undefined {
  const t = text?.trim() ?? '';
  if (!(t.startsWith('{') && t.endsWith('}')) && !(t.startsWith('[') && t.endsWith(']'))) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown> | unknown[]) : undefined;
  } catch {
    return undefined;
  }
}

interface ColumnCells {
  dicts: number;
  lists: number;
  empty: number;
  numeric: number;
  distinct: Set<string>;
  firstEmpty: number;
}

function scanColumn(rows: readonly Row[], column: string): ColumnCells {
  const out: ColumnCells = { dicts: 0, lists: 0, empty: 0, numeric: 0, distinct: new Set(), firstEmpty: -1 };
  rows.forEach((row, r) => {
    const v = cell(row, column) ?? '';
    if (v.trim() === '') {
      out.empty++;
      if (out.firstEmpty < 0) out.firstEmpty = r;
      return;
    }
    const json = jsonCell(v);
    if (Array.isArray(json)) out.lists++;
    else if (json) out.dicts++;
    if (NUMBER.test(v)) out.numeric++;
    if (out.distinct.size <= 10_000) out.distinct.add(v);
  });
  return out;
}

/** What looks wrong in a mapping of this table; `blocking` marks what a guess must not use unconfirmed. */
export function reviewMapping(table: Table, mapping: TaskMapping): ImportFlag[] {
  const flags: ImportFlag[] = [];
  const q = JSON.stringify;
  const nonEmpty = (c: ColumnCells) => table.rows.length - c.empty;
  for (const column of mapping.inputColumns) {
    const c = scanColumn(table.rows, column);
    if (c.dicts + c.lists > 0) flags.push({ kind: c.dicts > 0 ? 'dict-cells' : 'list-cells', column, blocking: true, message: `${c.dicts + c.lists} cells of input column ${q(column)} are JSON ${c.dicts > 0 ? 'objects' : 'lists'}; the model would read them as JSON text: choose a text column` });
  }
  const target = scanColumn(table.rows, mapping.targetColumn);
  const col = q(mapping.targetColumn);
  if (target.empty > 0) {
    const at = rowPosition(table, target.firstEmpty).where;
    flags.push({ kind: 'empty-targets', column: mapping.targetColumn, blocking: true, message: `${target.empty} of ${table.rows.length} rows have an empty ${col} (the first at ${at}); every example needs a gold answer: fill them in, remove them, or choose another column` });
  }
  if (target.dicts > 0) {
    const fits = mapping.family === 'multiple_choice';
    flags.push({ kind: 'dict-cells', column: mapping.targetColumn, blocking: true, message: `${target.dicts} cells of ${col} are JSON objects (like BIG-bench's target_scores)${fits ? ': read as {choice: score}, the top score the answer' : '; as a label or output they would be JSON text: use family multiple_choice'}` });
  }
  if (target.lists > 0) {
    const fits = mapping.family === 'generation';
    flags.push({ kind: 'list-cells', column: mapping.targetColumn, blocking: !fits, message: `${target.lists} cells of ${col} are JSON lists${fits ? ': the first entry is the gold output, the others its alternatives' : '; as a label they would be JSON text: use family generation (alternatives) or choicesColumn'}` });
  }
  if (mapping.family === 'classification') {
    if (target.numeric === nonEmpty(target) && target.numeric > 0 && !mapping.labelWords) {
      flags.push({ kind: 'numeric-labels', column: mapping.targetColumn, blocking: true, message: `the labels of ${col} are numbers (${[...target.distinct].slice(0, 5).join(', ')}); the model would have to answer with them: give labelWords (e.g. {"0": "negative", "1": "positive"})` });
    }
    if (target.distinct.size > MAX_LABEL_WORDS) {
      flags.push({ kind: 'many-labels', column: mapping.targetColumn, blocking: true, message: `${col} has ${target.distinct.size} distinct values, more than ${MAX_LABEL_WORDS} labels; it looks like free text: use family generation` });
    }
  }
  return flags;
}

/**
 * A mapping guessed from the table (usual column names, label candidates, JSON cells) and its review. The mapping is
 * null when no column looks like the answer. Throws ImportError for a table without rows.
 */
export function suggestTask(table: Table): { mapping: TaskMapping | null; flags: ImportFlag[]; inputColumns: string[] } {
  if (table.rows.length === 0) throw new ImportError(`${table.source}: the file has no rows to import; it needs one row per example`, { file: table.source, line: 1, column: 1 });
  const preview = previewRows(table.rows, 0, table.columns);
  const base = suggestMapping(table, preview);
  const inputColumns = base?.inputColumns ?? [];
  // A column of JSON objects or lists (BIG-bench's target_scores, a list of targets) is an answer whatever its name.
  const structured = table.columns.find((c) => !inputColumns.includes(c) && table.rows.every((r) => jsonCell(cell(r, c)) !== undefined));
  const targetColumn = base?.labelColumn ?? base?.outputColumn ?? structured;
  if (!base || targetColumn === undefined) {
    const column = inputColumns[0] ?? table.columns[0] ?? '';
    return { mapping: null, inputColumns, flags: [{ kind: 'no-target', column, blocking: true, message: `no column looks like the answer (label, output, target, answer, ...); the columns are ${table.columns.map((c) => JSON.stringify(c)).join(', ')}: choose targetColumn` }] };
  }
  const cells = scanColumn(table.rows, targetColumn);
  const family: TaskFamily = cells.dicts > 0 ? 'multiple_choice' : cells.lists > 0 ? 'generation' : base.labelColumn !== undefined ? 'classification' : 'generation';
  const mapping: TaskMapping = { family, inputColumns, targetColumn };
  return { mapping, inputColumns, flags: reviewMapping(table, mapping) };
}

function fileBase(source: string): string {
  return (source.split(/[/\\]/).pop() ?? source).replace(/\.[A-Za-z0-9]+$/, '');
}

/** Builds the Task a mapping describes; ImportError (with the row's line and column) or TaskError for what cannot work. */
export function importTask(table: Table, mapping: TaskMapping): Task {
  const { family, targetColumn } = mapping;
  const file = table.source;
  if (family !== 'classification' && family !== 'generation' && family !== 'multiple_choice') {
    throw new ImportError(`${file}: family must be classification, generation or multiple_choice, got ${JSON.stringify(family)}`, { file, line: 1, column: 1 });
  }
  const name = mapping.name ?? `import/${fileBase(file)}`;
  const fail = (r: number, message: string): never => {
    const { where, ...at } = rowPosition(table, r);
    throw new ImportError(`${file}: the row at ${where} ${message}`, at);
  };
  let examples: (Example & { label?: string })[];
  let labelWords: string[] | undefined;
  let metric: Metric = 'accuracy';
  if (family === 'classification') {
    const imported = mapExamples(table, { inputColumns: mapping.inputColumns, labelColumn: targetColumn, ...(mapping.labelWords && { labelWords: mapping.labelWords }) });
    imported.forEach((e, r) => {
      if (jsonCell(e.label) !== undefined) fail(r, `has JSON ${JSON.stringify(e.label).slice(0, 40)} as its label in ${JSON.stringify(targetColumn)}; a label is one word: use family multiple_choice or generation`);
    });
    // Label order: the labelWords mapping's, else the values sorted (numerically when all are numbers).
    const used = new Set(imported.map((e) => e.output));
    const order = mapping.labelWords ? Object.values(mapping.labelWords) : [...used].sort((a, b) => (NUMBER.test(a) && NUMBER.test(b) ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
    labelWords = [...new Set(order)].filter((w) => used.has(w));
    examples = imported.map(({ input, output, fields, label }) => ({ input, output, fields, ...(label !== undefined && { label }) }));
  } else if (family === 'generation') {
    const imported = mapExamples(table, { inputColumns: mapping.inputColumns, outputColumn: targetColumn });
    metric = mapping.metric ?? (mapping.name ? metricFor(mapping.name) : 'exact_match');
    examples = imported.map((e, r) => {
      const list = jsonCell(e.output);
      if (list !== undefined && !Array.isArray(list)) fail(r, `has a JSON object in ${JSON.stringify(targetColumn)}; an output is text: use family multiple_choice for {choice: score} objects`);
      const answers = Array.isArray(list) ? textList(list, r, targetColumn, fail) : [e.output];
      const extra = mapping.alternativesColumn !== undefined ? alternativesOf(table.rows[r]!, mapping.alternativesColumn, r, fail) : [];
      const alternatives = [...new Set([...answers.slice(1), ...extra])].filter((a) => a !== answers[0] && a.trim() !== '');
      return { input: e.input, output: answers[0]!, fields: e.fields, ...(alternatives.length > 0 && { alternatives }) };
    });
  } else {
    const imported = mapExamples(table, { inputColumns: mapping.inputColumns, outputColumn: targetColumn });
    let most = 0;
    examples = imported.map((e, r) => {
      const { choices, gold } = choicesOf(table.rows[r]!, e.output, mapping, r, fail);
      most = Math.max(most, choices.length);
      const fields: Record<string, string> = { ...e.fields, question: e.input };
      choices.forEach((c, i) => (fields[LETTERS[i]!] = c));
      const input = [e.input, 'choices :', ...choices.map((c, i) => `${LETTERS[i]} : ${c}`)].join('\n');
      return { input, output: LETTERS[gold]!, fields, label: LETTERS[gold]! };
    });
    labelWords = LETTERS.slice(0, most);
  }
  const n = examples.length;
  const trainSize = mapping.trainSize ?? 32;
  const validationSize = mapping.validationSize ?? 32;
  const small = n < trainSize + validationSize + 1;
  const t = small ? Math.floor(n / 3) : trainSize;
  const v = small ? Math.floor(n / 3) : validationSize;
  if (t < 1 || v < 1 || n - t - v < 1) throw new ImportError(`${file}: ${n} rows are too few; train, validation and test need at least one example each`, { file, line: 1, column: 1 });
  const seed = mapping.seed ?? 0;
  const split = splitExamples(examples, { train: t / n, validation: v / n, test: (n - t - v) / n }, seed, { stratify: family !== 'generation' });
  const strip = (list: (Example & { label?: string })[]): Example[] => list.map(({ label: _label, ...e }) => e);
  const template = mapping.template ?? (family === 'generation' ? GENERATION_TEMPLATE : CLASSIFICATION_TEMPLATE);
  return finishTask(
    {
      name,
      family,
      template,
      ...(labelWords && { labelWords }),
      metric,
      splits: { train: strip(split.train), validation: strip(split.validation), test: strip(split.test) },
      description: `Imported from ${file}: ${family}${family === 'generation' ? ` (${metric})` : ''}, input ${mapping.inputColumns.join(' + ')}, answer ${targetColumn}; ${n} rows.`,
      notes: [`splits: seeded shuffle (seed ${seed})${family !== 'generation' ? ' stratified by label' : ''}, train ${split.train.length}, validation ${split.validation.length}, test ${split.test.length}${small ? ` (fewer than ${trainSize + validationSize + 1} rows: a third each)` : ''}`],
    },
    { source: file, family, target: targetColumn, train: t, validation: v, seed },
  );
}

type Fail = (r: number, message: string) => never;

function textList(list: unknown[], r: number, column: string, fail: Fail): string[] {
  if (list.length === 0 || !list.every((x) => typeof x === 'string' || typeof x === 'number')) fail(r, `has ${JSON.stringify(list).slice(0, 60)} in ${JSON.stringify(column)}; a list of answers holds strings (at least one)`);
  const out = list.map(String);
  if (out[0]!.trim() === '') fail(r, `has an empty first answer in ${JSON.stringify(column)}; the gold output must have text`);
  return out;
}

function alternativesOf(row: Row, column: string, r: number, fail: Fail): string[] {
  const text = cell(row, column) ?? '';
  if (text.trim() === '') return [];
  const json = jsonCell(text);
  if (json === undefined) return [text];
  if (!Array.isArray(json)) return fail(r, `has a JSON object in alternatives column ${JSON.stringify(column)}; give a list of strings`);
  return textList(json, r, column, fail);
}

/** The choices of one multiple-choice row and the index of its answer. */
function choicesOf(row: Row, target: string, mapping: TaskMapping, r: number, fail: Fail): { choices: string[]; gold: number } {
  const column = JSON.stringify(mapping.targetColumn);
  const json = jsonCell(target);
  let choices: string[];
  if (json !== undefined && !Array.isArray(json)) {
    const entries = Object.entries(json);
    if (!entries.every(([, s]) => typeof s === 'number' && Number.isFinite(s))) fail(r, `has ${target.slice(0, 60)} in ${column}; {choice: score} objects need a number for each choice`);
    choices = entries.map(([c]) => c);
    const best = Math.max(...entries.map(([, s]) => s as number));
    if (!(best > 0)) fail(r, `has no choice scoring above 0 in ${column}, so none is correct`);
    return checked(choices, entries.findIndex(([, s]) => s === best));
  }
  if (mapping.choiceColumns) choices = mapping.choiceColumns.map((c) => cell(row, c) ?? '');
  else if (mapping.choicesColumn !== undefined) {
    const list = jsonCell(cell(row, mapping.choicesColumn));
    if (!Array.isArray(list)) return fail(r, `has no JSON list of choices in ${JSON.stringify(mapping.choicesColumn)}`);
    choices = textList(list, r, mapping.choicesColumn, fail);
  } else return fail(r, `: multiple choice needs choiceColumns, a choicesColumn of lists, or {choice: score} objects in ${column}`);
  const t = target.trim();
  const letter = /^\(?([A-Z])\)?$/.exec(t)?.[1];
  let gold = letter !== undefined ? LETTERS.indexOf(letter) : /^\d+$/.test(t) ? Number(t) : choices.indexOf(t);
  if (gold < 0 || gold >= choices.length) {
    gold = -1;
    fail(r, `has answer ${JSON.stringify(target)} in ${column}, which names none of its ${choices.length} choices (a letter A-${LETTERS[choices.length - 1]}, a 0-based index or a choice's text)`);
  }
  return checked(choices, gold);

  function checked(list: string[], answer: number) {
    if (list.length < 2 || list.length > 26) fail(r, `has ${list.length} choices; multiple choice needs 2 to 26`);
    const empty = list.findIndex((c) => c.trim() === '');
    if (empty >= 0) fail(r, `has an empty choice ${LETTERS[empty]}; every choice needs text`);
    return { choices: list, gold: answer };
  }
}
