// JSON Lines: one JSON object per line, blank lines allowed, CRLF or LF. Columns are the keys in order of first
// appearance (a row may lack some). Parses every line before returning; throws an ImportError at the exact line
// and column. Whole-file JSON is json.ts. readJsonLines (the objects as parsed) also serves dataset loaders.
import { invalidJsonError, objectRows } from './json';
import { stripBom } from './position';
import { ImportError, type Table } from './types';

export interface JsonLine {
  value: Record<string, unknown>;
  /** 1-based line of the object. */
  line: number;
  /** 1-based column where the object starts (after any indentation). */
  column: number;
}

/** The object on each non-blank line, as JSON.parse reads it; an ImportError for a line that is not one JSON object. */
export function readJsonLines(file: string, text: string): JsonLine[] {
  const objects: JsonLine[] = [];
  const lines = stripBom(text).split(/\r\n|\n|\r/);
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
    objects.push({ value: value as Record<string, unknown>, line, column: lineText.length - lineText.trimStart().length + 1 });
  });
  return objects;
}

export function parseJsonl(file: string, text: string): Table {
  const objects = readJsonLines(file, text);
  const { columns, rows } = objectRows(objects.map((o) => o.value));
  return { source: file, format: 'jsonl', columns, rows, rowLines: objects.map((o) => o.line), rowColumns: objects.map((o) => o.column) };
}
