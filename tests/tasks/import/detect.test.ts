// Format detection from names and content, delimiter sniffing, byte decoding (UTF-8, UTF-16 with BOM, invalid
// UTF-8 at its exact line and column), and parseImport end to end.
import { describe, expect, it } from 'vitest';
import { decodeText, detectFormat, firstInvalidUtf8, parseImport, sniffDelimiter, sniffFormat } from '../../../src/tasks/import/detect';
import { ImportError } from '../../../src/tasks/import/types';

describe('detectFormat', () => {
  it('follows the extension, case-insensitively', () => {
    expect(detectFormat('a.CSV', '{"a": 1}\n{"a": 2}')).toBe('csv');
    expect(detectFormat('a.tsv', 'x,y')).toBe('tsv');
    expect(detectFormat('a.tab', '')).toBe('tsv');
    expect(detectFormat('a.jsonl', '[1]')).toBe('jsonl');
    expect(detectFormat('a.ndjson', '')).toBe('jsonl');
    expect(detectFormat('a.json', '[{"a": 1}]')).toBe('json');
  });

  it('reads a .json file holding JSON Lines as JSON Lines, and a one-line or pretty-printed object as JSON', () => {
    expect(detectFormat('train.json', '{"a": 1}\n{"a": 2}\n')).toBe('jsonl');
    expect(detectFormat('train.json', '{"data": [{"a": 1}]}\n')).toBe('json');
    expect(detectFormat('train.json', '{\n  "0": {"a": 1}\n}')).toBe('json');
  });

  it('sniffs content without a known extension', () => {
    expect(sniffFormat('\uFEFF  [{"a": 1}]')).toBe('json');
    expect(sniffFormat('{"a": 1}\n\n{"a": 2}')).toBe('jsonl');
    expect(sniffFormat('sentence\tlabel\nx\t1')).toBe('tsv');
    expect(sniffFormat('sentence,label\nx,1')).toBe('csv');
    expect(detectFormat('data.txt', 'a\tb\n')).toBe('tsv');
    expect(detectFormat('noext', 'a,b\n')).toBe('csv');
  });

  it('sniffs the delimiter from the first line, ignoring quoted text', () => {
    expect(sniffDelimiter('a;b;c\n1,2;3')).toBe(';');
    expect(sniffDelimiter('"x,y,z";b\n')).toBe(';');
    expect(sniffDelimiter('a|b\n')).toBe('|');
    expect(sniffDelimiter('one\n')).toBe(',');
  });
});

describe('decodeText', () => {
  it('decodes UTF-8 and UTF-16 (LE and BE) with a BOM', () => {
    expect(decodeText('a.csv', new TextEncoder().encode('é,ü\n'))).toBe('é,ü\n');
    const le = new Uint8Array([0xff, 0xfe, 0x61, 0x00, 0x09, 0x00, 0xe9, 0x00]);
    expect(decodeText('a.txt', le)).toBe('a\té');
    const be = new Uint8Array([0xfe, 0xff, 0x00, 0x61, 0x00, 0x2c, 0x00, 0x62]);
    expect(decodeText('a.txt', be)).toBe('a,b');
  });

  it('rejects invalid UTF-8 at the line and column of the first bad byte', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('\uFEFFtext\nné'), 0xe9, ...new TextEncoder().encode('e\n')]);
    try {
      decodeText('latin1.csv', bytes);
      throw new Error('expected an ImportError');
    } catch (error) {
      expect(error).toBeInstanceOf(ImportError);
      const e = error as ImportError;
      expect([e.file, e.line, e.column]).toEqual(['latin1.csv', 2, 3]);
      expect(e.message).toContain('not UTF-8 text: byte 0xE9 at line 2 column 3 (byte 11)');
    }
  });

  it('finds the first invalid UTF-8 byte: stray continuation, overlong, surrogate, truncated', () => {
    expect(firstInvalidUtf8(new TextEncoder().encode('aé€😀'))).toBe(-1);
    expect(firstInvalidUtf8(new Uint8Array([0x61, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(new Uint8Array([0xc0, 0xaf]))).toBe(0);
    expect(firstInvalidUtf8(new Uint8Array([0xe0, 0x80, 0xaf]))).toBe(0);
    expect(firstInvalidUtf8(new Uint8Array([0x61, 0xed, 0xa0, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(new Uint8Array([0x61, 0x62, 0xf0, 0x9f, 0x98]))).toBe(2);
    expect(firstInvalidUtf8(new Uint8Array([0xf4, 0x90, 0x80, 0x80]))).toBe(0);
  });
});

describe('parseImport', () => {
  it('parses bytes by detected format with options passed through', () => {
    const tsv = parseImport('train.tsv', new TextEncoder().encode('sentence\tlabel\n"a\t1\n'), { quoting: 'none' });
    expect(tsv.rows).toEqual([{ sentence: '"a', label: '1' }]);
    const semicolons = parseImport('excel.csv', 'text;label\r\n"a;b";1\r\n');
    expect(semicolons.rows).toEqual([{ text: 'a;b', label: '1' }]);
    expect(parseImport('x.json', '{"a": 1}\n{"a": 2}').format).toBe('jsonl');
    expect(parseImport('x.data', '[{"a": 1}]').format).toBe('json');
    expect(parseImport('x.txt', 'a,b\n1,2', { format: 'tsv' }).rows).toEqual([{ 'a,b': '1,2' }]);
  });
});
