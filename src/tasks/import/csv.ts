// CSV and TSV (RFC 4180): quoted fields with delimiters, doubled quotes and line breaks inside; CRLF, LF or CR line
// ends; a UTF-8 BOM; blank lines skipped. quoting 'none' reads quotes as text (GLUE-style TSV). Returns the whole
// table or throws an ImportError at the exact line and column; it does not guess the format (detect.ts does).
// User-file import and the shipped dataset loaders (glue.ts, mmlu.ts) both read through here.
import { isKnownColumnName } from './column-names';
import { countBreaks, describeChar, lineColumn, stripBom } from './position';
import { ImportError, type Row, type Table } from './types';

export type CsvQuoting = 'rfc4180' | 'none';

export interface CsvOptions {
  /** One character; default ',' (parseTsv: tab). */
  delimiter?: string;
  /** 'rfc4180' (default): a field that starts with '"' is quoted. 'none': quotes are ordinary text. */
  quoting?: CsvQuoting;
  /** true (default): the first row names the columns. false: columns are column1..columnN. 'auto': sniff it. */
  header?: boolean | 'auto';
  /**
   * A row with more fields than the first row: 'error' (default), or 'last': its last field fills the last column
   * and the extra fields before it are dropped (GLUE's SNLI files, where some rows list four more annotator labels
   * before gold_label). A row with fewer fields is always an error.
   */
  longRows?: 'error' | 'last';
}

const QUOTE = 34;
const CR = 13;
const LF = 10;

interface Records {
  records: string[][];
  lines: number[];
  /** Offsets where the first record's fields start (header names, for duplicate-name errors). */
  firstStarts: number[];
}

export function parseTsv(file: string, text: string, options: Omit<CsvOptions, 'delimiter'> = {}): Table {
  return parseCsv(file, text, { ...options, delimiter: '\t' });
}

export function parseCsv(file: string, text: string, options: CsvOptions = {}): Table {
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new RangeError(`CSV delimiter must be one character other than a quote or line break, got ${JSON.stringify(delimiter)}`);
  }
  const body = stripBom(text);
  const quoting = options.quoting ?? 'rfc4180';
  const format = delimiter === '\t' ? 'tsv' : 'csv';
  const firstRow = options.header === false || options.header === 'auto' ? 'the first row' : 'the header';
  const longRows = options.longRows ?? 'error';
  const { records, lines, firstStarts } = scanRecords(file, body, delimiter, quoting, longRows, firstRow);
  const header = options.header === 'auto' ? looksLikeHeader(records) : (options.header ?? true);
  if (records.length === 0) {
    if (header) throw new ImportError(`${file}: the file is empty; expected a header row naming the columns, then one row per example`, { file, line: 1, column: 1 });
    return { source: file, format, columns: [], rows: [], rowLines: [] };
  }
  const width = records[0]!.length;
  const columns = header ? headerNames(file, body, records[0]!, firstStarts) : Array.from({ length: width }, (_, k) => `column${k + 1}`);
  const first = header ? 1 : 0;
  const rows: Row[] = [];
  for (let r = first; r < records.length; r++) {
    const fields = records[r]!;
    rows.push(Object.fromEntries(columns.map((name, k) => [name, k === width - 1 ? fields[fields.length - 1]! : fields[k]!])));
  }
  return { source: file, format, columns, rows, rowLines: lines.slice(first) };
}

function scanRecords(file: string, text: string, delimiter: string, quoting: CsvQuoting, longRows: 'error' | 'last', firstRow: string): Records {
  const delim = delimiter.charCodeAt(0);
  const delimName = delimiter === '\t' ? 'tab' : `'${delimiter}'`;
  const n = text.length;
  const records: string[][] = [];
  const lines: number[] = [];
  let firstStarts: number[] = [];
  const fail = (offset: number, what: (line: number, column: number) => string): never => {
    const { line, column } = lineColumn(text, offset);
    throw new ImportError(`${file}: ${what(line, column)}`, { file, line, column });
  };
  let i = 0;
  let line = 1;
  while (i < n) {
    const recordStart = i;
    const recordLine = line;
    const fields: string[] = [];
    const starts: number[] = [];
    for (;;) {
      starts.push(i);
      if (quoting === 'rfc4180' && text.charCodeAt(i) === QUOTE) {
        const open = i;
        let value = '';
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) {
            fail(open, (l, c) =>
              `unterminated quote starting at line ${l} column ${c}: close the field with '"' and write a quote inside it as two ("");` +
              ` if quotes in this file are literal text (GLUE-style TSV), import it with quoting 'none'`);
          }
          value += text.slice(i, q);
          line += countBreaks(text, i, q);
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += '"';
            i = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        const c = text.charCodeAt(i);
        if (i < n && c !== delim && c !== CR && c !== LF) {
          fail(i, (l, col) =>
            `found ${describeChar(text, i)} at line ${l} column ${col} after the closing quote of a field; a field that starts with '"'` +
            ` must end with '"' right before the ${delimName} or line end: write a quote inside it as two (""), or import with quoting 'none' if quotes are literal text`);
        }
        fields.push(value);
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === delim || c === CR || c === LF) break;
          j++;
        }
        fields.push(text.slice(i, j));
        i = j;
      }
      if (i < n && text.charCodeAt(i) === delim) {
        i++;
        continue;
      }
      break;
    }
    const recordEnd = i;
    if (text.charCodeAt(i) === CR) i += text.charCodeAt(i + 1) === LF ? 2 : 1;
    else if (text.charCodeAt(i) === LF) i++;
    if (i > recordEnd) line++;
    const blank = fields.length === 1 && fields[0]!.trim() === '' && (quoting === 'none' || text.charCodeAt(recordStart) !== QUOTE);
    if (blank) continue; // an empty or all-space line, not a row
    if (records.length === 0) firstStarts = starts;
    else {
      const width = records[0]!.length;
      const what = lines[0] === 1 ? firstRow : `${firstRow} (line ${lines[0]})`;
      if (fields.length > width && longRows === 'error') {
        fail(starts[width]!, (l, c) =>
          `the row starting at line ${recordLine} has ${fields.length} fields where ${what} has ${width}; the extra field starts at line ${l} column ${c}:` +
          ` quote fields that contain a ${delimName} ("a${delimiter}b"), or check the delimiter`);
      }
      if (fields.length < width) {
        fail(recordEnd, (l, c) =>
          `the row starting at line ${recordLine} has ${fields.length} fields where ${what} has ${width}; it ends at line ${l} column ${c}:` +
          ` add the missing fields (an empty field is still written, e.g. a${delimiter}${delimiter}c)`);
      }
    }
    records.push(fields);
    lines.push(recordLine);
  }
  return { records, lines, firstStarts };
}

/** Header names as written; an empty name becomes columnK (K its 1-based position). Duplicates are rejected. */
function headerNames(file: string, text: string, names: string[], starts: number[]): string[] {
  const seen = new Map<string, number>();
  return names.map((raw, k) => {
    const name = raw === '' ? `column${k + 1}` : raw;
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      const { line, column } = lineColumn(text, starts[k]!);
      throw new ImportError(
        `${file}: the header names column ${JSON.stringify(name)} twice (fields ${earlier + 1} and ${k + 1}, the second at line ${line} column ${column}); give each column its own name`,
        { file, line, column },
      );
    }
    seen.set(name, k);
    return name;
  });
}

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/**
 * Whether the first record names columns (header: 'auto'). Its cells must be non-empty and distinct; then each
 * column votes +1 when the cells below it are all numbers and the first is not, -2 when the first is a number
 * over numbers too, and +1 when the first is a usual column name (sentence, label, ...). A header when votes > 0.
 */
export function looksLikeHeader(records: readonly (readonly string[])[]): boolean {
  const first = records[0];
  if (!first || first.some((f) => f.trim() === '') || new Set(first).size !== first.length) return false;
  const body = records.slice(1, 101);
  let votes = 0;
  first.forEach((name, k) => {
    const values = body.map((r) => r[k] ?? '').filter((v) => v.trim() !== '');
    const bodyNumeric = values.length > 0 && values.every((v) => NUMBER.test(v));
    if (bodyNumeric) votes += NUMBER.test(name) ? -2 : 1;
    if (isKnownColumnName(name)) votes += 1;
  });
  return votes > 0;
}
