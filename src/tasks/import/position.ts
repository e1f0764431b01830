// Offsets in text -> 1-based line and column, as an editor shows them (CRLF, LF and a lone CR each end a line;
// columns count code points), and back. Also BOM removal and how to quote a character in a message.

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
