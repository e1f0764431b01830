// JSON files of examples: an array of objects, an object of objects ({"0": {...}, "1": {...}}, pandas
// orient='index'), or either one under "data" or "examples". Each row's line is where its object starts. Parses
// everything before returning; throws an ImportError at the exact line and column. JSON Lines is jsonl.ts.
// readJsonDocument (JSON.parse plus the position of any value) also serves the shipped dataset loaders.
import { locateJsonError, scanJson, type ValueSpan } from './json-scan';
import { PositionIndex, lineColumn, stripBom } from './position';
import { ImportError, type Row, type SourcePosition, type Table, cellText } from './types';

const WRAPPER_KEYS = ['data', 'examples'];
const SHAPES = 'an array of objects ([{"text": ..., "label": ...}, ...]), an object of objects ({"0": {...}, "1": {...}}), or one of these under "data" or "examples"';

export function parseJson(file: string, text: string): Table {
  const json = readJsonDocument(file, text);
  const value = json.value;
  const fail = (path: readonly string[], message: string): never => {
    const pos = json.positionOf(path);
    throw new ImportError(`${file}: ${message.replace('{at}', `line ${pos.line} column ${pos.column}`)}`, pos);
  };

  let rowsValue: unknown = value;
  let rowsPath: string[] = [];
  if (isObject(value)) {
    const wrapper = WRAPPER_KEYS.find((k) => Object.hasOwn(value, k) && (Array.isArray(value[k]) || isObjectOfObjects(value[k])));
    if (wrapper !== undefined) {
      rowsValue = value[wrapper];
      rowsPath = [wrapper];
    }
  }

  let entries: [string, unknown, string[]][];
  if (Array.isArray(rowsValue)) {
    entries = rowsValue.map((v, k) => [String(k), v, [...rowsPath, String(k)]]);
    entries.forEach(([k, v, path]) => {
      if (!isObject(v)) fail(path, `element ${k} of the array (at {at}) is ${kindOf(v)}, not an object; each example must be an object like {"text": ..., "label": ...}`);
    });
  } else if (isObject(rowsValue)) {
    const keys = Object.keys(rowsValue);
    entries = keys.map((k) => [k, rowsValue[k], [...rowsPath, k]]);
    for (const [k, v, path] of entries) {
      if (!isObject(v)) fail(path, `the value of ${JSON.stringify(k)} (at {at}) is ${kindOf(v)}, not an object; expected ${SHAPES}`);
    }
    if (looksColumnOriented(keys, entries.map(([, v]) => v as Record<string, unknown>))) {
      fail(rowsPath, `the object at {at} maps column names to {"0": value, ...}: this is pandas orient='columns'; save it with orient='records' (or 'index'), or as JSON Lines`);
    }
  } else {
    return fail(rowsPath, `the file holds ${kindOf(rowsValue)} at {at}; expected ${SHAPES}`);
  }

  const { columns, rows } = objectRows(entries.map(([, v]) => v as Record<string, unknown>));
  const positions = entries.map(([, , path]) => json.positionOf(path));
  return { source: file, format: 'json', columns, rows, rowLines: positions.map((p) => p.line), rowColumns: positions.map((p) => p.column) };
}

/** Rows of cell text from parsed JSON objects; columns are their keys in order of first appearance (a row may lack some). */
export function objectRows(objects: readonly Record<string, unknown>[]): { columns: string[]; rows: Row[] } {
  const columns: string[] = [];
  const known = new Set<string>();
  const rows = objects.map((record) => {
    const row: Row = {};
    for (const key of Object.keys(record)) {
      if (!known.has(key)) {
        known.add(key);
        columns.push(key);
      }
      if (key === '__proto__') Object.defineProperty(row, key, { value: cellText(record[key]), enumerable: true, writable: true, configurable: true });
      else row[key] = cellText(record[key]);
    }
    return row;
  });
  return { columns, rows };
}

/** A whole JSON file as JSON.parse reads it, and where its values start, for messages about them. */
export interface JsonDocument {
  value: unknown;
  /**
   * Where the value at `path` (object keys and array indices, as strings) starts; for a path that does not exist,
   * where its deepest existing ancestor starts (the root at least). A duplicate key means its last value, as in JSON.parse.
   */
  positionOf(path: readonly string[]): SourcePosition;
}

/**
 * JSON.parse of a whole file (a leading BOM dropped); a syntax error is an ImportError at its line and column that
 * ends with `advice`. Positions come from the syntax scanner, run on the first positionOf call to the depth of its
 * path (again only for a deeper path), and a PositionIndex built once: positionOf is O(depth + log n), so the position
 * of every row of a file costs linear time in all.
 */
export function readJsonDocument(file: string, text: string, advice = 'fix the JSON there (a missing comma, quote or bracket is the usual cause)'): JsonDocument {
  const body = stripBom(text);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw invalidJsonError(file, body, error, advice);
  }
  let root: ValueSpan | undefined;
  let recorded = -1;
  let index: PositionIndex | undefined;
  const positionOf = (path: readonly string[]): SourcePosition => {
    if (root === undefined || path.length > recorded) {
      recorded = Math.max(path.length, 1);
      const scan = scanJson(body, recorded);
      if (!scan.ok) throw new Error(`JSON.parse accepted what the scanner rejects at ${scan.offset}: ${scan.description}`); // an invariant
      root = scan.root;
    }
    let span = root;
    for (const key of path) {
      const child = span.items ? (INDEX_KEY.test(key) ? span.items[Number(key)] : undefined) : span.keys?.get(key);
      if (child === undefined) break;
      span = child;
    }
    index ??= new PositionIndex(body);
    return { file, ...index.lineColumn(span.start) };
  };
  return { value, positionOf };
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
