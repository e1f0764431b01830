// A JSON syntax scanner: the offset and a description of the first error (engines word and place JSON.parse errors
// differently, and some give no position), and on valid text the offsets where shallow values start (for the
// line of each row). It checks syntax only; JSON.parse builds the values.
import { lineColumn, offsetOf } from './position';

export interface ValueSpan {
  /** Offset of the value's first character. */
  start: number;
  /** Children of an array (in order) or object (key -> span, the last duplicate winning, as in JSON.parse). */
  items?: ValueSpan[];
  keys?: Map<string, ValueSpan>;
}

export type JsonScan = { ok: true; root: ValueSpan } | { ok: false; offset: number; description: string };

class ScanError {
  constructor(
    readonly offset: number,
    readonly description: string,
  ) {}
}

interface Frame {
  span: ValueSpan | undefined;
  object: boolean;
  /** Key of the member whose value comes next. */
  key: string;
}

const isWs = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/**
 * Scans all of `text`; spans are recorded for values at depth <= recordDepth (the root is depth 0). `firstLine` is
 * the file line where `text` starts (a JSON Lines line), for the line numbers in descriptions.
 */
export function scanJson(text: string, recordDepth = 2, firstLine = 1): JsonScan {
  try {
    return { ok: true, root: scan(text, recordDepth, firstLine) };
  } catch (error) {
    if (error instanceof ScanError) return { ok: false, offset: error.offset, description: error.description };
    throw error;
  }
}

function scan(text: string, recordDepth: number, firstLine: number): ValueSpan {
  const n = text.length;
  let i = 0;
  const stack: Frame[] = [];
  let root: ValueSpan | undefined;
  const skipWs = () => {
    while (i < n && isWs(text.charCodeAt(i))) i++;
  };
  const unexpected = (expected?: string): never => {
    if (i >= n) throw new ScanError(i, 'unexpected end of input' + (expected ? `; expected ${expected}` : ''));
    const ch = JSON.stringify(String.fromCodePoint(text.codePointAt(i)!));
    throw new ScanError(i, `unexpected ${ch}` + (expected ? `; expected ${expected}` : ''));
  };
  /** Reads a string; builds its value only when `value` (keys), else returns ''. */
  const readString = (value = false): string => {
    const open = i++;
    let escaped = false;
    for (;;) {
      if (i >= n) {
        const at = lineColumn(text, open);
        throw new ScanError(n, `the string starting at line ${at.line + firstLine - 1} column ${at.column} is never closed (no ending '"')`);
      }
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) throw new ScanError(i, 'line break or control character inside a string; write it as \\n, \\t or \\u00XX');
      if (c === 0x5c) {
        escaped = true;
        const e = text[i + 1];
        if (e === 'u') {
          for (let k = 2; k < 6; k++) if (!isHex(text.charCodeAt(i + k))) throw new ScanError(i + k, 'bad \\u escape: expected 4 hex digits');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else throw new ScanError(i + 1, `bad escape \\${e ?? ''} in a string`);
      } else i++;
    }
    i++;
    if (!value) return '';
    const raw = text.slice(open, i);
    return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  };
  const readNumber = () => {
    if (text.charCodeAt(i) === 0x2d) i++;
    if (!isDigit(text.charCodeAt(i))) throw new ScanError(i, 'no digits after minus sign');
    if (text.charCodeAt(i) === 0x30) i++;
    else while (isDigit(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) === 0x2e) {
      i++;
      if (!isDigit(text.charCodeAt(i))) throw new ScanError(i, 'no digits after decimal point');
      while (isDigit(text.charCodeAt(i))) i++;
    }
    if (text.charCodeAt(i) === 0x65 || text.charCodeAt(i) === 0x45) {
      i++;
      if (text.charCodeAt(i) === 0x2b || text.charCodeAt(i) === 0x2d) i++;
      if (!isDigit(text.charCodeAt(i))) throw new ScanError(i, 'no digits in exponent');
      while (isDigit(text.charCodeAt(i))) i++;
    }
  };
  const readLiteral = (word: string) => {
    for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) unexpected();
  };
  /** After '{' or ',' in an object: a key and ':' (the value follows). */
  const readKey = (frame: Frame) => {
    skipWs();
    if (text.charCodeAt(i) !== 0x22) unexpected("a property name in double quotes");
    frame.key = frame.span ? readString(true) : readString();
    skipWs();
    if (text.charCodeAt(i) !== 0x3a) unexpected("':' after the property name");
    i++;
  };

  for (;;) {
    // A value starts here.
    skipWs();
    const parent = stack[stack.length - 1];
    const span: ValueSpan | undefined = stack.length <= recordDepth ? { start: i } : undefined;
    if (parent?.span && span) {
      if (parent.object) parent.span.keys!.set(parent.key, span);
      else parent.span.items!.push(span);
    }
    if (!parent) root = span;
    const c = text.charCodeAt(i);
    let opened = false;
    if (c === 0x7b || c === 0x5b) {
      const object = c === 0x7b;
      if (span && stack.length < recordDepth) {
        if (object) span.keys = new Map();
        else span.items = [];
      }
      const frame: Frame = { span: span?.keys || span?.items ? span : undefined, object, key: '' };
      i++;
      skipWs();
      if (text.charCodeAt(i) === (object ? 0x7d : 0x5d)) i++;
      else {
        stack.push(frame);
        if (object) readKey(frame);
        opened = true;
      }
    } else if (c === 0x22) readString();
    else if (c === 0x2d || isDigit(c)) readNumber();
    else if (c === 0x74) readLiteral('true');
    else if (c === 0x66) readLiteral('false');
    else if (c === 0x6e) readLiteral('null');
    else unexpected('a value (string, number, object, array, true, false or null)');
    if (opened) continue;
    // A value ended: close containers until one expects another member.
    for (;;) {
      skipWs();
      const frame = stack[stack.length - 1];
      if (!frame) {
        if (i < n) unexpected('the end of the file after the JSON value');
        return root!;
      }
      const ch = text.charCodeAt(i);
      if (ch === 0x2c) {
        i++;
        if (frame.object) readKey(frame);
        break;
      }
      if (ch === (frame.object ? 0x7d : 0x5d)) {
        i++;
        stack.pop();
        continue;
      }
      unexpected(frame.object ? "',' or '}' after a property value" : "',' or ']' after an array element");
    }
  }
}

/** The offset an engine's JSON.parse message gives: 'line L column C' (Firefox, newer V8) or 'at position N' (V8). */
export function engineErrorOffset(message: string, text: string): number | undefined {
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) return offsetOf(text, Number(lc[1]), Number(lc[2]));
  const pos = /at position (\d+)/.exec(message);
  if (pos) return Math.min(Number(pos[1]), text.length);
  return undefined;
}

/**
 * Where `text` (on which JSON.parse threw `error`) first goes wrong, and what is wrong there: the engine's position
 * when its message has one, else the scanner's. The description is the scanner's when both agree on the place.
 */
export function locateJsonError(text: string, error: unknown, firstLine = 1): { offset: number; description: string } {
  const message = error instanceof Error ? error.message : String(error);
  const own = scanJson(text, 0, firstLine);
  const engine = engineErrorOffset(message, text);
  const ownOffset = own.ok ? 0 : own.offset;
  const ownDescription = own.ok ? undefined : own.description;
  if (engine === undefined || engine === ownOffset) return { offset: ownOffset, description: ownDescription ?? cleanEngineMessage(message) };
  return { offset: engine, description: cleanEngineMessage(message) };
}

function cleanEngineMessage(message: string): string {
  return message
    .replace(/^JSON\.parse: /, '')
    .replace(/ (in JSON )?at position \d+.*$/, '')
    .replace(/ at line \d+ column \d+ of the JSON data$/, '');
}
