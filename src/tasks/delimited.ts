// Readers for the delimited text formats of the shipped datasets: GLUE TSV (quoting disabled, quotes are
// literal) and RFC 4180 CSV (quoted fields with commas, "" and newlines inside). Both return string cells with
// each record's 1-based starting line and throw TaskError naming the file and line. No column meaning here.
import { TaskError } from './task';

export interface DelimitedRecord {
  cells: string[];
  /** 1-based line where the record starts. */
  line: number;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Tab-separated lines, as Python's csv with QUOTE_NONE reads GLUE files: no quoting, a tab always separates,
 * "\r\n" or "\n" ends a line, a leading UTF-8 BOM is dropped, a final newline does not start a record.
 * An empty line before the end is an error (GLUE files have none; it is a sign of a damaged file).
 */
export function readTsv(text: string, file: string): DelimitedRecord[] {
  const lines = stripBom(text).split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((raw, i) => {
    const lineText = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (lineText === '') throw new TaskError('empty line in a TSV file; remove it', { file, line: i + 1 });
    return { cells: lineText.split('\t'), line: i + 1 };
  });
}

/**
 * RFC 4180 CSV with Python csv's defaults: ',' separates, '"' quotes, '""' inside quotes is one '"', a quote
 * inside an unquoted field is literal, records end with "\n" or "\r\n" outside quotes, line breaks inside
 * quotes are kept as they are. Blank lines are skipped (as csv.reader yields them empty). A leading BOM is
 * dropped. Text after a closing quote other than ',' or a line end, and a quote left open, are errors.
 */
export function readCsv(text: string, file: string): DelimitedRecord[] {
  const s = stripBom(text);
  const records: DelimitedRecord[] = [];
  let line = 1;
  let i = 0;
  while (i < s.length) {
    const start = line;
    const cells: string[] = [];
    let atRecordEnd = false;
    while (!atRecordEnd) {
      let cell = '';
      if (s[i] === '"') {
        const openLine = line;
        i++;
        for (;;) {
          if (i >= s.length) throw new TaskError('a quoted field is never closed (missing ")', { file, line: openLine });
          const ch = s[i]!;
          if (ch === '"') {
            if (s[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n') line++;
          cell += ch;
          i++;
        }
        const next = s[i];
        if (next !== undefined && next !== ',' && next !== '\n' && !(next === '\r' && s[i + 1] === '\n')) {
          throw new TaskError(`unexpected ${JSON.stringify(next)} after a closing quote; quote the whole field and write an inner " as ""`, { file, line });
        }
      } else {
        while (i < s.length && s[i] !== ',' && s[i] !== '\n' && !(s[i] === '\r' && s[i + 1] === '\n')) cell += s[i++];
      }
      cells.push(cell);
      if (s[i] === ',') {
        i++;
      } else {
        atRecordEnd = true;
        if (s[i] === '\r') i++;
        if (s[i] === '\n') {
          i++;
          line++;
        }
      }
    }
    if (!(cells.length === 1 && cells[0] === '')) records.push({ cells, line: start });
  }
  return records;
}
