// JSON files of examples: an array of objects, an object of objects ({"0": {...}, "1": {...}}, pandas
// orient='index'), or either one under "data" or "examples". Each row's line is where its object starts. Parses
// everything before returning; throws an ImportError at the exact line and column. JSON Lines is jsonl.ts.
import { locateJsonError, scanJson, type ValueSpan } from './json-scan';
import { lineColumn, stripBom } from './position';
import { ImportError, type Row, type Table, cellText } from './types';

const WRAPPER_KEYS = ['data', 'examples'];
const SHAPES = 'an array of objects ([{"text": ..., "label": ...}, ...]), an object of objects ({"0": {...}, "1": {...}}), or one of these under "data" or "examples"';

export function parseJson(file: string, text: string): Table {
  const body = stripBom(text);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw invalidJsonError(file, body, error, 'fix the JSON there (a missing comma, quote or bracket is the usual cause)');
  }
  const scan = scanJson(body, 2);
  if (!scan.ok) throw new Error(`JSON.parse accepted what the scanner rejects at ${scan.offset}: ${scan.description}`); // an invariant
  const at = (span: ValueSpan | undefined) => ({ file, ...lineColumn(body, span?.start ?? 0) });
  const fail = (span: ValueSpan | undefined, message: string): never => {
    const pos = at(span);
    throw new ImportError(`${file}: ${message.replace('{at}', `line ${pos.line} column ${pos.column}`)}`, pos);
  };

  let rowsValue: unknown = value;
  let rowsSpan: ValueSpan | undefined = scan.root;
  if (isObject(value)) {
    const wrapper = WRAPPER_KEYS.find((k) => Object.hasOwn(value, k) && (Array.isArray(value[k]) || isObjectOfObjects(value[k])));
    if (wrapper !== undefined) {
      rowsValue = value[wrapper];
      rowsSpan = scan.root.keys?.get(wrapper);
    }
  }

  let entries: [string, unknown, ValueSpan | undefined][];
  if (Array.isArray(rowsValue)) {
    entries = rowsValue.map((v, k) => [String(k), v, rowsSpan?.items?.[k]]);
    entries.forEach(([k, v, span]) => {
      if (!isObject(v)) fail(span, `element ${k} of the array (at {at}) is ${kindOf(v)}, not an object; each example must be an object like {"text": ..., "label": ...}`);
    });
  } else if (isObject(rowsValue)) {
    const keys = Object.keys(rowsValue);
    entries = keys.map((k) => [k, rowsValue[k], rowsSpan?.keys?.get(k)]);
    for (const [k, v, span] of entries) {
      if (!isObject(v)) fail(span, `the value of ${JSON.stringify(k)} (at {at}) is ${kindOf(v)}, not an object; expected ${SHAPES}`);
    }
    if (looksColumnOriented(keys, entries.map(([, v]) => v as Record<string, unknown>))) {
      fail(rowsSpan, `the object at {at} maps column names to {"0": value, ...}: this is pandas orient='columns'; save it with orient='records' (or 'index'), or as JSON Lines`);
    }
  } else {
    return fail(rowsSpan, `the file holds ${kindOf(rowsValue)} at {at}; expected ${SHAPES}`);
  }

  const columns: string[] = [];
  const known = new Set<string>();
  const rows: Row[] = [];
  const rowLines: number[] = [];
  for (const [, v, span] of entries) {
    const record = v as Record<string, unknown>;
    const row: Row = {};
    for (const key of Object.keys(record)) {
      if (!known.has(key)) {
        known.add(key);
        columns.push(key);
      }
      Object.defineProperty(row, key, { value: cellText(record[key]), enumerable: true, writable: true, configurable: true });
    }
    rows.push(row);
    rowLines.push(at(span).line);
  }
  return { source: file, format: 'json', columns, rows, rowLines };
}

/** An ImportError for text JSON.parse rejected (starting at file line `firstLine`): where, what, and `advice`. */
export function invalidJsonError(file: string, text: string, error: unknown, advice: string, firstLine = 1): ImportError {
  const { offset, description } = locateJsonError(text, error, firstLine);
  const local = lineColumn(text, offset);
  const line = local.line + firstLine - 1;
  return new ImportError(`${file}: invalid JSON at line ${line} column ${local.column}: ${description}; ${advice}`, { file, line, column: local.column });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isObjectOfObjects(value: unknown): boolean {
  return isObject(value) && Object.values(value).every(isObject);
}

const INDEX_KEY = /^(0|[1-9]\d*)$/;

/** Outer keys that are not all row indexes over inner objects keyed only by row indexes: {"text": {"0": ...}}. */
function looksColumnOriented(outer: string[], inner: Record<string, unknown>[]): boolean {
  if (outer.length === 0 || outer.every((k) => INDEX_KEY.test(k))) return false;
  return inner.every((o) => Object.keys(o).length > 0 && Object.keys(o).every((k) => INDEX_KEY.test(k)));
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value} (${JSON.stringify(value).slice(0, 40)})`;
}
