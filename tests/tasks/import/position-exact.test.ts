// Positions at their edges (found by mutation testing: each case fails on some one-token change of position.ts):
// columns count code points with surrogate pairs at both ends of their ranges (U+10000 = D800 DC00, U+10FFFF =
// DBFF DFFF), lone surrogates count as one column each, CR, CRLF and LF end lines, and the one-pass PositionIndex
// answers exactly what lineColumn's scan answers at every offset.
import { describe, expect, it } from 'vitest';
import { PositionIndex, countBreaks, lineColumn, offsetOf } from '../../../src/tasks/import/position';

const cases: [string, string[]][] = [
  ['a\ud800\udc00b\n\udbff\udfffc', ['1:1', '1:2', '1:3', '1:3', '1:4', '2:1', '2:2', '2:2', '2:3']],
  ['x\udc00y\r\nz\ud800', ['1:1', '1:2', '1:3', '1:4', '1:5', '2:1', '2:2', '2:3']],
  ['ab\rcd\r\n\nef', ['1:1', '1:2', '1:3', '2:1', '2:2', '2:3', '2:4', '3:1', '4:1', '4:2', '4:3']],
  ['\udc00\udc00a', ['1:1', '1:2', '1:3', '1:4']],
  // A lone high surrogate before a character that is no low surrogate ('a' below DC00, U+E000 above DFFF): two columns.
  ['\ud800a\ud800\ue000b', ['1:1', '1:2', '1:3', '1:4', '1:5', '1:6']],
];

describe('line and column at every offset', () => {
  it.each(cases)('%j', (text, expected) => {
    const index = new PositionIndex(text);
    const show = (p: { line: number; column: number }) => `${p.line}:${p.column}`;
    const offsets = Array.from({ length: text.length + 1 }, (_, o) => o);
    expect(offsets.map((o) => show(lineColumn(text, o)))).toEqual(expected);
    expect(offsets.map((o) => show(index.lineColumn(o)))).toEqual(expected);
    // Out of range offsets clamp to the ends.
    expect(index.lineColumn(-5)).toEqual({ line: 1, column: 1 });
    expect(index.lineColumn(text.length + 9)).toEqual(lineColumn(text, text.length));
  });
});

describe('countBreaks', () => {
  it('counts CR, CRLF (once) and LF within [from, to)', () => {
    expect(countBreaks('a\rb\r\nc\nd', 0, 8)).toBe(3);
    expect(countBreaks('a\r\nb', 1, 2)).toBe(0); // the CR of a CRLF, without its LF: the LF counts
    expect(countBreaks('a\r\nb', 2, 4)).toBe(1);
    expect(countBreaks('a\rb', 1, 2)).toBe(1);
    expect(countBreaks('a\nb', 0, 1)).toBe(0);
  });
});

describe('offsetOf', () => {
  it('an empty first line, and LF LF as two line ends (not one CRLF)', () => {
    expect(offsetOf('\nab', 2, 2)).toBe(2);
    expect(offsetOf('\r\nab', 2, 1)).toBe(2);
    expect(offsetOf('a\n\nb', 3, 1)).toBe(3);
    expect(offsetOf('a\n\nb', 2, 1)).toBe(2);
  });
});
