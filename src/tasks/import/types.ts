// Output types of the import of user files and hub datasets: string rows with their source lines, a column
// preview, a column mapping and the examples it yields; and ImportError. No parsing here (csv.ts, jsonl.ts,
// json.ts, detect.ts), and no Task/Example model (src/tasks/task.ts connects these to it).

/** One record: column name -> cell text. Numbers, booleans and nested JSON arrive as their text; null as ''. */
export type Row = Record<string, string>;

export type TableFormat = 'csv' | 'tsv' | 'jsonl' | 'json' | 'hub';

/** Everything a parser read from one source, all of it checked: parsers return a whole table or throw. */
export interface Table {
  /** File name, or 'owner/name/config/split' for a hub dataset; used in error messages. */
  source: string;
  format: TableFormat;
  /** Column names in file order (CSV header, first appearance of a JSON key, hub feature order). */
  columns: string[];
  rows: Row[];
  /** 1-based line where rows[i] starts in the source file (row_idx + 1 for hub rows). */
  rowLines: number[];
  /** 1-based column where rows[i] starts, for JSON and JSON Lines (rows of a one-line file differ only in it); absent: 1. */
  rowColumns?: number[];
}

export interface SourcePosition {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in characters (code points) from the start of the line. */
  column: number;
}

/** A user file (or a mapping of it) that cannot be imported; the message says where, what is wrong and what to do. */
export class ImportError extends Error {
  override name = 'ImportError';
  readonly file: string;
  readonly line: number;
  readonly column: number;

  constructor(message: string, at: SourcePosition) {
    super(message);
    this.file = at.file;
    this.line = at.line;
    this.column = at.column;
  }
}

export type ColumnType = 'string' | 'number';

export interface ValueCount {
  value: string;
  count: number;
}

export interface ColumnSummary {
  name: string;
  /** 'number' when every non-empty cell is a finite number. */
  type: ColumnType;
  /** Rows where the cell is missing or only whitespace. */
  empty: number;
  /** Distinct non-empty values. */
  distinct: number;
  /** Few distinct, short values: could be a label column. */
  labelCandidate: boolean;
  /** For label candidates: every value with its count, in value order (numeric for number columns). */
  valueCounts?: ValueCount[];
}

export interface TablePreview {
  columns: ColumnSummary[];
  /** The first n rows. */
  rows: Row[];
  rowCount: number;
}

/** Which columns make an example. At most one of labelColumn (classification) and outputColumn (free text). */
export interface ColumnMapping {
  /** One or more text fields, e.g. ['sentence'] or ['sentence1', 'sentence2']; joined by '\n' into `input`. */
  inputColumns: string[];
  labelColumn?: string;
  outputColumn?: string;
  /** Raw label value -> the word the model should say; when given, every label value needs one. */
  labelWords?: Record<string, string>;
}

export interface ImportedExample {
  /** The input columns' text joined by '\n'. */
  input: string;
  /** The label word (or the raw label without labelWords), the output column's text, or '' with neither. */
  output: string;
  /** The input columns by name, for templates that place them separately. */
  fields: Record<string, string>;
  /** Raw label value when the mapping has a label column (splits stratify on it). */
  label?: string;
  /** 1-based source line of the row. */
  line: number;
}

export interface SplitFractions {
  train: number;
  validation: number;
  test: number;
}

export interface ExampleSplits<T> {
  train: T[];
  validation: T[];
  test: T[];
}

/**
 * Where row r starts, and how messages name it: 'line L' for a row at the start of its line (CSV, JSON Lines), else
 * 'line L column C (row N)' so rows of a one-line JSON file are told apart.
 */
export function rowPosition(table: Pick<Table, 'source' | 'rowLines' | 'rowColumns'>, r: number): SourcePosition & { where: string } {
  const line = table.rowLines[r] ?? r + 1;
  const column = table.rowColumns?.[r] ?? 1;
  const where = column === 1 ? `line ${line}` : `line ${line} column ${column} (row ${r + 1})`;
  return { file: table.source, line, column, where };
}

/** The row's cell, or undefined when the row lacks the column (never an Object.prototype member). */
export function cell(row: Row, column: string): string | undefined {
  return Object.hasOwn(row, column) ? row[column] : undefined;
}

/** Cell text of a JSON value: strings as they are, numbers and booleans as text, null as '', arrays and objects as JSON. */
export function cellText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
