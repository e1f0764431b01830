// JSON Lines: one JSON object per line, blank lines allowed, CRLF or LF. Columns are the keys in order of first
// appearance (a row may lack some). Parses every line before returning; throws an ImportError at the exact line
// and column. Whole-file JSON is json.ts.
import { invalidJsonError } from './json';
import { stripBom } from './position';
import { ImportError, type Row, type Table, cellText } from './types';

export function parseJsonl(file: string, text: string): Table {
  const body = stripBom(text);
  const columns: string[] = [];
  const known = new Set<string>();
  const rows: Row[] = [];
  const rowLines: number[] = [];
  const lines = body.split(/\r\n|\n|\r/);
  lines.forEach((lineText, k) => {
    const line = k + 1;
    if (lineText.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch (error) {
      const advice = /^\s*[[{]\s*$/.test(lineText)
        ? 'each line must be one whole JSON object; this looks like pretty-printed JSON: import it as a .json file'
        : 'each non-blank line must be one whole JSON object, e.g. {"text": "...", "label": 1}';
      throw invalidJsonError(file, lineText, error, advice, line);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      const column = lineText.length - lineText.trimStart().length + 1;
      const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
      throw new ImportError(`${file}: line ${line} column ${column} is ${kind}, not a JSON object; each line must be one object like {"text": "...", "label": 1}`, {
        file,
        line,
        column,
      });
    }
    const record = value as Record<string, unknown>;
    const row: Row = {};
    for (const key of Object.keys(record)) {
      if (!known.has(key)) {
        known.add(key);
        columns.push(key);
      }
      Object.defineProperty(row, key, { value: cellText(record[key]), enumerable: true, writable: true, configurable: true });
    }
    rows.push(row);
    rowLines.push(line);
  });
  return { source: file, format: 'jsonl', columns, rows, rowLines };
}
