// From a parsed table to examples: a preview (column types, label candidates with their value counts), a
// suggested column mapping from usual column names, and the mapping itself, checked row by row (ImportError
// naming the row's line). Splitting into train/validation/test is split.ts; templates are elsewhere.
import { INPUT_COLUMN_NAMES, INPUT_COLUMN_PAIRS, LABEL_COLUMN_NAMES, OUTPUT_COLUMN_NAMES, normaliseColumnName } from './column-names';
import { type ColumnMapping, type ColumnSummary, ImportError, type ImportedExample, type Row, type Table, type TablePreview, cell, rowPosition } from './types';

/** A column is a label candidate with at most this many distinct values... */
export const MAX_LABEL_VALUES = 20;
/** ...none longer than this many characters. */
export const MAX_LABEL_LENGTH = 40;

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/** Column names in order of first appearance in the rows. */
export function columnsOf(rows: readonly Row[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

/** The first n rows and a summary of every column over all rows. */
export function previewRows(rows: readonly Row[], n = 5, columns: readonly string[] = columnsOf(rows)): TablePreview {
  return { columns: columns.map((name) => summarise(rows, name)), rows: rows.slice(0, n), rowCount: rows.length };
}

function summarise(rows: readonly Row[], name: string): ColumnSummary {
  const counts = new Map<string, number>();
  let empty = 0;
  let numeric = true;
  let longest = 0;
  for (const row of rows) {
    const value = cell(row, name);
    if (value === undefined || value.trim() === '') {
      empty++;
      continue;
    }
    counts.set(value, (counts.get(value) ?? 0) + 1);
    if (numeric && !NUMBER.test(value)) numeric = false;
    longest = Math.max(longest, value.length);
  }
  const type = numeric && counts.size > 0 ? 'number' : 'string';
  const labelCandidate = counts.size > 0 && counts.size <= MAX_LABEL_VALUES && longest <= MAX_LABEL_LENGTH;
  const summary: ColumnSummary = { name, type, empty, distinct: counts.size, labelCandidate };
  if (labelCandidate) {
    const order = type === 'number' ? (a: string, b: string) => Number(a) - Number(b) : (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    summary.valueCounts = [...counts.keys()].sort(order).map((value) => ({ value, count: counts.get(value)! }));
  }
  return summary;
}

/**
 * A mapping from usual column names (case, spaces and '-' ignored): an input pair (sentence1+sentence2,
 * premise+hypothesis, ...) or a single input (sentence, text, question, ...), then a label (label, gold_label, ...;
 * or answer, output, ... when the preview calls it a label candidate), else a free-text output. Without a known input name,
 * the string column with the longest cells; without a known label name, the candidate with fewest values (>= 2),
 * numeric ones first.
 * Null when the table has no columns.
 */
export function suggestMapping(table: Pick<Table, 'columns' | 'rows'>, preview = previewRows(table.rows, 0, table.columns)): ColumnMapping | null {
  const { columns } = table;
  if (columns.length === 0) return null;
  const byName = new Map<string, string>();
  for (const c of columns) if (!byName.has(normaliseColumnName(c))) byName.set(normaliseColumnName(c), c);
  const summaries = new Map(preview.columns.map((s) => [s.name, s]));

  let inputColumns: string[] | undefined;
  for (const [a, b] of INPUT_COLUMN_PAIRS) {
    if (byName.has(a) && byName.has(b)) {
      inputColumns = [byName.get(a)!, byName.get(b)!];
      break;
    }
  }
  if (!inputColumns) {
    const single = INPUT_COLUMN_NAMES.find((name) => byName.has(name));
    if (single) inputColumns = [byName.get(single)!];
  }
  const taken = new Set(inputColumns);
  const free = (name: string) => byName.has(name) && !taken.has(byName.get(name)!);
  const outputName = OUTPUT_COLUMN_NAMES.find(free);
  const labelName =
    LABEL_COLUMN_NAMES.find(free) ?? (outputName !== undefined && summaries.get(byName.get(outputName)!)?.labelCandidate ? outputName : undefined);
  const targetName = labelName ?? outputName;
  const target = targetName === undefined ? undefined : byName.get(targetName); // not get(''): a column may be named ''

  if (!inputColumns) {
    const text = columns
      .filter((c) => c !== target && summaries.get(c)?.type !== 'number')
      .map((c) => ({ c, mean: meanLength(table.rows, c) }))
      .sort((x, y) => y.mean - x.mean)[0];
    inputColumns = [text?.c ?? columns.find((c) => c !== target) ?? columns[0]!];
  }
  const mapping: ColumnMapping = { inputColumns };
  if (labelName) mapping.labelColumn = target;
  else if (outputName) mapping.outputColumn = target;
  else {
    const candidate = preview.columns
      .filter((s) => s.labelCandidate && s.distinct >= 2 && !inputColumns.includes(s.name))
      .sort((x, y) => Number(y.type === 'number') - Number(x.type === 'number') || x.distinct - y.distinct)[0];
    if (candidate) mapping.labelColumn = candidate.name;
  }
  return mapping;
}

function meanLength(rows: readonly Row[], column: string): number {
  let total = 0;
  for (const row of rows) total += cell(row, column)?.length ?? 0;
  return rows.length === 0 ? 0 : total / rows.length;
}

/** Examples from every row, or an ImportError for the first problem (unknown column, empty input, unmapped label). */
export function mapExamples(table: Table, mapping: ColumnMapping): ImportedExample[] {
  const file = table.source;
  const atStart = { file, line: 1, column: 1 };
  const fail = (message: string, at = atStart): never => {
    throw new ImportError(`${file}: ${message}`, at);
  };
  const { inputColumns, labelColumn, outputColumn, labelWords } = mapping;
  if (table.rows.length === 0) fail('the file has no rows to import; it needs one row per example');
  if (inputColumns.length === 0) fail('the mapping has no input column; choose the column(s) that hold the text to classify');
  if (labelColumn !== undefined && outputColumn !== undefined) fail(`the mapping has both a label column (${JSON.stringify(labelColumn)}) and an output column (${JSON.stringify(outputColumn)}); keep one`);
  const columns = new Set(table.columns);
  const named = [...inputColumns, ...(labelColumn !== undefined ? [labelColumn] : []), ...(outputColumn !== undefined ? [outputColumn] : [])];
  for (const c of named) {
    if (!columns.has(c)) fail(`there is no column ${JSON.stringify(c)}; the columns are ${table.columns.map((x) => JSON.stringify(x)).join(', ')}`);
  }
  const target = labelColumn ?? outputColumn;
  if (new Set(named).size !== named.length) fail(`a column is used twice in the mapping (${named.map((x) => JSON.stringify(x)).join(', ')}); the output must not also be an input`);
  if (labelWords) {
    for (const [raw, word] of Object.entries(labelWords)) if (word.trim() === '') fail(`the label word for ${JSON.stringify(raw)} is empty; give each label a word the model can say`);
  }

  return table.rows.map((row, r) => {
    const { where, ...at } = rowPosition(table, r);
    const fields: Record<string, string> = {};
    for (const c of inputColumns) {
      const value = cell(row, c) ?? '';
      if (value.trim() === '') fail(`the row at ${where} has an empty ${JSON.stringify(c)}; fill it in or remove the row`, at);
      if (c === '__proto__') Object.defineProperty(fields, c, { value, enumerable: true, writable: true, configurable: true });
      else fields[c] = value;
    }
    const example: ImportedExample = { input: inputColumns.map((c) => fields[c]!).join('\n'), output: '', fields, line: at.line };
    if (target === undefined) return example;
    const value = cell(row, target) ?? '';
    if (value.trim() === '') fail(`the row at ${where} has an empty ${JSON.stringify(target)}; fill it in or remove the row`, at);
    if (labelColumn === undefined) return { ...example, output: value };
    if (!labelWords) return { ...example, output: value, label: value };
    if (!Object.hasOwn(labelWords, value)) {
      const known = Object.keys(labelWords).map((k) => JSON.stringify(k)).join(', ');
      fail(`the row at ${where} has label ${JSON.stringify(value)}, which has no label word (label words are given for ${known}); add a word for it or remove the row`, at);
    }
    return { ...example, output: labelWords[value]!, label: value };
  });
}
