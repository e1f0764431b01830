// json-scan.ts at its edges (found by mutation testing: each case fails on some one-token change of json-scan.ts):
// only syntax errors become a scan result (anything else thrown propagates), and an engine message loses its
// 'JSON.parse: ' prefix only at its start and its position only at its end.
import { describe, expect, it } from 'vitest';
import { locateJsonError, scanJson } from '../../../src/tasks/import/json-scan';

describe('scanJson', () => {
  it('an error that is not a syntax error propagates instead of becoming { ok: false } without an offset', () => {
    expect(() => scanJson(null as unknown as string)).toThrow(TypeError);
    expect(() => scanJson(undefined as unknown as string, 0)).toThrow(TypeError);
  });

  it('tabs are whitespace, numbers have several digits, and spans stop at recordDepth (no empty children below it)', () => {
    expect(scanJson('[\t1,\t2\t]', 0)).toEqual({ ok: true, root: { start: 0 } });
    expect(scanJson('[12, -340]', 1)).toEqual({ ok: true, root: { start: 0, items: [{ start: 1 }, { start: 5 }] } });
    expect(scanJson('[[1], {"a": 2}]', 1)).toEqual({ ok: true, root: { start: 0, items: [{ start: 1 }, { start: 6 }] } });
  });

  it('a literal cut off by the end of the text: "unexpected end of input" and nothing more (no expected part)', () => {
    expect(scanJson('tru')).toEqual({ ok: false, offset: 3, description: 'unexpected end of input' });
    expect(scanJson('[nul', 0)).toEqual({ ok: false, offset: 4, description: 'unexpected end of input' });
  });
});

describe('engine messages: the prefix only at the start, the position only at the end', () => {
  // On '[1,]' the scanner stops at offset 3; each message places the error at offset 1, so its text is the description.
  it('"JSON.parse: " inside a message (an error turned to text with its name) is kept', () => {
    const message = 'SyntaxError: JSON.parse: unexpected character at line 1 column 2 of the JSON data';
    expect(locateJsonError('[1,]', message)).toEqual({ offset: 1, description: 'SyntaxError: JSON.parse: unexpected character' });
  });

  it('a message that goes on after its position (a second line, more words) is kept whole', () => {
    const twoLines = 'Unexpected token x in JSON at position 1\n  while reading t.json';
    expect(locateJsonError('[1,]', new Error(twoLines))).toEqual({ offset: 1, description: twoLines });
    const more = 'unexpected character at line 1 column 2 of the JSON data (t.json)';
    expect(locateJsonError('[1,]', new Error(more))).toEqual({ offset: 1, description: more });
  });
});
