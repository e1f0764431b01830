// Format detection and decoding at their edges (found by mutation testing: each case fails on some one-token
// change of src/tasks/import/detect.ts): the extension against the content, one-line and blank-line JSON,
// lone-CR line ends, delimiters on the first line only, BOMs against invalid UTF-8, and every UTF-8 range boundary.
import { describe, expect, it } from 'vitest';
import { decodeText, detectFormat, firstInvalidUtf8, sniffDelimiter, sniffFormat } from '../../../src/tasks/import/detect';
import { ImportError } from '../../../src/tasks/import/types';

const bytes = (...b: number[]) => new Uint8Array(b);

describe('detectFormat and sniffFormat', () => {
  it('a known extension wins over the content; a name without a dot is sniffed, whatever it is', () => {
    expect(detectFormat('.tsv', 'a,b\n1,2')).toBe('tsv');
    expect(detectFormat('csv', 'a\tb\n1\t2')).toBe('tsv');
    expect(detectFormat('data.unknown', 'a\tb\n1\t2')).toBe('tsv');
  });

  it('one JSON object, one object over several lines, or an object followed by blank lines is JSON', () => {
    expect(sniffFormat('{"a": 1}')).toBe('json');
    expect(sniffFormat('{\n  "a": 1\n}')).toBe('json'); // the first line '{' is not a whole object
    expect(sniffFormat('{"a": 1}\n\n\n')).toBe('json');
    expect(sniffFormat('{"a": 1}\n   \n\t\n')).toBe('json'); // whitespace-only lines are blank too
  });

  it('a second line of any length makes JSON Lines, after LF, CRLF or a lone CR', () => {
    expect(sniffFormat('{"a": 1}\nx')).toBe('jsonl');
    expect(sniffFormat('{"a": 1}\r\n{"a": 2}')).toBe('jsonl');
    expect(sniffFormat('{"a": 1}\r{"a": 2}')).toBe('jsonl');
  });

  it('a lone CR, or a CR after an LF, ends a line by itself: the next line keeps its first character', () => {
    // A one-character second line: skipping two characters at a lone CR (as at CRLF) would lose it.
    expect(sniffFormat('{"a": 1}\rx')).toBe('jsonl');
    // LF then CR is two line ends (a blank line between), not CRLF: the CR is not read backwards as part of the LF.
    expect(sniffFormat('{"a": 1}\n\rx')).toBe('jsonl');
    expect(sniffFormat('{"a": 1}\r\n\r\nx')).toBe('jsonl');
  });
});

describe('sniffDelimiter', () => {
  it('counts the first line only, ended by LF or a lone CR', () => {
    expect(sniffDelimiter('a;b\nc,d,e,f')).toBe(';');
    expect(sniffDelimiter('a;b\rc,d,e,f')).toBe(';');
    expect(sniffDelimiter('a|b\r\nc,d,e')).toBe('|');
  });

  it('a quoted line break does not end the first line; quoted delimiters do not count', () => {
    expect(sniffDelimiter('"x\ny,z,w";a;b\nc')).toBe(';');
    expect(sniffDelimiter('"a;b;c",d\n')).toBe(',');
  });

  it('ties go to the earlier of , tab ; |', () => {
    expect(sniffDelimiter('a;b|c\n')).toBe(';');
    expect(sniffDelimiter('a\tb;c\n')).toBe('\t');
    expect(sniffDelimiter('a,b\tc\n')).toBe(',');
  });
});

describe('decodeText', () => {
  it('a byte 0xFF or 0xFE alone is not a BOM: invalid UTF-8 is refused, not read as UTF-16', () => {
    for (const b of [bytes(0xff, 0x41), bytes(0x41, 0xfe, 0x41), bytes(0xfe, 0x41), bytes(0x41, 0xff)]) {
      expect(() => decodeText('x.csv', b)).toThrow(ImportError);
    }
  });

  it('an invalid first byte is refused at line 1 column 1', () => {
    expect(() => decodeText('x.csv', bytes(0x80, 0x41))).toThrow('x.csv: not UTF-8 text: byte 0x80 at line 1 column 1 (byte 0)');
  });
});

describe('firstInvalidUtf8 at every range boundary', () => {
  it.each([
    ['U+0080, the smallest two-byte', [0xc2, 0x80]],
    ['U+00A9', [0xc2, 0xa9]],
    ['U+07FF, lead 0xDF', [0xdf, 0xbf]],
    ['U+0800, lead 0xE0', [0xe0, 0xa0, 0x80]],
    ['U+FFFD, lead 0xEF', [0xef, 0xbf, 0xbd]],
    ['U+D7FF, below the surrogates', [0xed, 0x9f, 0xbf]],
    ['U+E000, above the surrogates', [0xee, 0x80, 0x80]],
    ['U+10000, lead 0xF0', [0xf0, 0x90, 0x80, 0x80]],
    ['U+10FFFF, lead 0xF4', [0xf4, 0x8f, 0xbf, 0xbf]],
  ])('%s is valid', (_, b) => {
    expect(firstInvalidUtf8(bytes(...b))).toBe(-1);
  });

  it.each([
    ['lead 0xC1 (overlong) with two continuations', [0xc1, 0x80, 0x80], 0],
    ['a continuation byte as lead', [0x80, 0x90, 0x80, 0x80], 0],
    ['lead 0xF8', [0xf8, 0x90, 0x80, 0x80], 0],
    ['lead 0xF5 (above U+10FFFF)', [0xf5, 0x80, 0x80, 0x80], 0],
    ['U+DFFF, the last surrogate', [0xed, 0xbf, 0xbf], 0],
    ['U+D800, the first surrogate, after ASCII', [0x41, 0xed, 0xa0, 0x80], 1],
    ['overlong U+007F', [0xc1, 0xbf], 0],
    ['a truncated 3-byte sequence at the end', [0x41, 0xe2, 0x82], 1],
  ])('%s is invalid at byte %j', (_, b, at) => {
    expect(firstInvalidUtf8(bytes(...(b as number[])))).toBe(at);
  });

  it('a continuation byte is never a lead, even one whose low bits with the next byte would make a code point >= U+0080', () => {
    // 0x82 0x80 read as a two-byte sequence would be U+0080; 0xBF 0xBF would be U+07FF.
    expect(firstInvalidUtf8(bytes(0x82, 0x80))).toBe(0);
    expect(firstInvalidUtf8(bytes(0x41, 0xbf, 0xbf))).toBe(1);
    expect(() => decodeText('x.csv', bytes(0x41, 0x82, 0x80))).toThrow('x.csv: not UTF-8 text: byte 0x82 at line 1 column 2 (byte 1)');
  });

  it('continues after a valid multi-byte sequence, at the right byte', () => {
    expect(firstInvalidUtf8(bytes(0xe2, 0x82, 0xac, 0x41, 0x80))).toBe(4);
    expect(firstInvalidUtf8(bytes(0xf0, 0x9f, 0x98, 0x80, 0xc2))).toBe(4);
  });
});
