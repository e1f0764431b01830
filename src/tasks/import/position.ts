// Offsets in text -> 1-based line and column, as an editor shows them (CRLF, LF and a lone CR each end a line;
// columns count code points), and back: one offset by a scan (lineColumn), or many through a PositionIndex built in
// one pass (O(log n) each, for the row positions of a whole file). Also BOM removal and how to quote a character.

const CR = 13;
const LF = 10;

/** The text without a leading UTF-8 byte order mark (U+FEFF); line/column are counted after it. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Line and column (both 1-based) of `offset` (a UTF-16 index, as String and JSON.parse positions are). */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const end = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: codePoints(text, lineStart, end) + 1 };
}

/**
 * Line and column of many offsets of one text: built in one pass (the start of every line and every low surrogate
 * that completes a pair), then each position by binary search. lineColumn's answers, without its scan per offset.
 */
export class PositionIndex {
  /** Offset where each line starts; lineStarts[0] = 0. */
  private readonly lineStarts: number[] = [0];
  /** Offsets of low surrogates preceded by a high one: the second half of a code point, not a column of its own. */
  private readonly pairSeconds: number[] = [];

  constructor(private readonly text: string) {
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) this.lineStarts.push(i + 1);
      else if (c >= 0xdc00 && c <= 0xdfff && i > 0 && isHighSurrogate(text.charCodeAt(i - 1))) this.pairSeconds.push(i);
    }
  }

  lineColumn(offset: number): { line: number; column: number } {
    const end = Math.max(0, Math.min(offset, this.text.length));
    const line = upperBound(this.lineStarts, end); // lines starting at or before `end`
    const lineStart = this.lineStarts[line - 1]!;
    const seconds = upperBound(this.pairSeconds, end - 1) - upperBound(this.pairSeconds, lineStart);
    return { line, column: end - lineStart - seconds + 1 };
  }
}

/** How many of the sorted `values` are <= x. */
function upperBound(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of code points in text[from, to) (a surrogate pair counts once). */
function codePoints(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > from && isHighSurrogate(text.charCodeAt(i - 1))) continue;
    count++;
  }
  return count;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** The offset of 1-based `line` and `column16` (counted in UTF-16 units, as engines report it); clamped to the text. */
export function offsetOf(text: string, line: number, column16: number): number {
  let lineStart = 0;
  for (let l = 1; l < line && lineStart < text.length; l++) {
    const lf = nextBreak(text, lineStart);
    if (lf < 0) return text.length;
    lineStart = lf + (text.charCodeAt(lf) === CR && text.charCodeAt(lf + 1) === LF ? 2 : 1);
  }
  return Math.min(text.length, lineStart + Math.max(0, column16 - 1));
}

function nextBreak(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || c === CR) return i;
  }
  return -1;
}

/** Line breaks in text[from, to): CRLF counts once. */
export function countBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) count++;
  }
  return count;
}

/** The character at `offset` as a message shows it: 'x', a tab or line break by name, or 'end of file'. */
export function describeChar(text: string, offset: number): string {
  if (offset >= text.length) return 'end of file';
  const ch = String.fromCodePoint(text.codePointAt(offset)!);
  if (ch === '\t') return 'a tab';
  if (ch === '\n' || ch === '\r') return 'a line break';
  if (ch === ' ') return 'a space';
  return JSON.stringify(ch);
}
