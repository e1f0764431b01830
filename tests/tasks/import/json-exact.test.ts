// JSON import edges found by mutation testing (each case fails on some one-token change of json-scan.ts,
// json.ts, jsonl.ts or position.ts): the scanner's exact offset and description for every kind of syntax error,
// \u escapes at the hex-digit boundaries, exponent signs, engine message positions (multi-digit line and column),
// offsetOf across line ends, how a non-object is named, and a "__proto__" column kept as data.
import { describe, expect, it } from 'vitest';
import { engineErrorOffset, scanJson } from '../../../src/tasks/import/json-scan';
import { objectRows, parseJson, readJsonDocument } from '../../../src/tasks/import/json';
import { parseJsonl } from '../../../src/tasks/import/jsonl';
import { describeChar, offsetOf } from '../../../src/tasks/import/position';
import { rowPosition } from '../../../src/tasks/import/types';

const VALUE = 'a value (string, number, object, array, true, false or null)';

describe('scanJson errors: offset and description', () => {
  it.each([
    ['[1,', 3, `unexpected end of input; expected ${VALUE}`],
    ['{"a":1', 6, "unexpected end of input; expected ',' or '}' after a property value"],
    ['trux', 3, 'unexpected "x"'],
    ['"\\x"', 2, 'bad escape \\x in a string'],
    ['"\\', 2, 'bad escape \\ in a string'],
    ['-', 1, 'no digits after minus sign'],
    ['1.', 2, 'no digits after decimal point'],
    ['1e', 2, 'no digits in exponent'],
    ['1e-', 3, 'no digits in exponent'],
    ['{1:2}', 1, 'unexpected "1"; expected a property name in double quotes'],
    ['{"a" 1}', 5, "unexpected \"1\"; expected ':' after the property name"],
    ['true x', 5, 'unexpected "x"; expected the end of the file after the JSON value'],
    ['[1 2]', 3, "unexpected \"2\"; expected ',' or ']' after an array element"],
    ['"\\u00G0"', 5, 'bad \\u escape: expected 4 hex digits'],
    ['"\\u@000"', 3, 'bad \\u escape: expected 4 hex digits'],
    ['"\\u0`00"', 4, 'bad \\u escape: expected 4 hex digits'],
    ['"\\u00g0"', 5, 'bad \\u escape: expected 4 hex digits'],
  ])('%j: offset %d, %s', (text, offset, description) => {
    expect(scanJson(text)).toEqual({ ok: false, offset, description });
  });

  it('accepts \\u escapes with every hex digit boundary and signed exponents', () => {
    for (const text of ['"\\uAFaf"', '"\\u09FA"', '"\\u0afA"', '1e-5', '1E+5', '-0.5e+10', '[1e5, 2E-3]']) expect(scanJson(text).ok, text).toBe(true);
  });
});

describe('engine error positions', () => {
  const text = Array.from({ length: 14 }, (_, k) => `line${k + 1} ${'x'.repeat(20)}`).join('\n');
  it('reads "line L column C" with multi-digit numbers, and "at position N"', () => {
    const lineStart = text.split('\n').slice(0, 11).join('\n').length + 1; // start of line 12
    expect(engineErrorOffset('Unexpected token at line 12 column 15 of the JSON data', text)).toBe(lineStart + 14);
    expect(engineErrorOffset('bad at line 2 column 10', text)).toBe(text.indexOf('\n') + 1 + 9);
    expect(engineErrorOffset('Unexpected token } in JSON at position 17', text)).toBe(17);
    expect(engineErrorOffset('Unexpected end of JSON input', text)).toBeUndefined();
  });

  it('offsetOf follows LF, CRLF and lone CR line ends and clamps to the text', () => {
    expect(offsetOf('ab\ncd', 2, 2)).toBe(4);
    expect(offsetOf('ab\r\ncd', 2, 1)).toBe(4);
    expect(offsetOf('ab\rcd', 2, 2)).toBe(4);
    expect(offsetOf('ab\r\n\r\ncd', 3, 1)).toBe(6);
    expect(offsetOf('ab\ncd', 5, 1)).toBe(5); // no such line: the end
    expect(offsetOf('ab', 1, 99)).toBe(2);
  });

  it('describeChar names the end, tabs, line breaks and spaces', () => {
    expect(describeChar('ab', 2)).toBe('end of file');
    expect(describeChar('a\tb', 1)).toBe('a tab');
    expect(describeChar('a\nb', 1)).toBe('a line break');
    expect(describeChar('a\rb', 1)).toBe('a line break');
    expect(describeChar('a b', 1)).toBe('a space');
    expect(describeChar('a😀', 1)).toBe('"😀"');
  });
});

describe('non-objects and "__proto__"', () => {
  it('names what a non-object is', () => {
    expect(() => parseJson('t.json', 'null')).toThrow('t.json: the file holds null at line 1 column 1;');
    expect(() => parseJson('t.json', '[[1]]')).toThrow('element 0 of the array (at line 1 column 2) is an array, not an object;');
    expect(() => parseJson('t.json', '[1, 2]')).toThrow('element 0 of the array (at line 1 column 2) is a number (1), not an object;');
    expect(() => parseJsonl('t.jsonl', '{"a":1}\nnull')).toThrow('t.jsonl: line 2 column 1 is null, not a JSON object;');
    expect(() => parseJsonl('t.jsonl', '{"a":1}\n  [1]')).toThrow('t.jsonl: line 2 column 3 is an array, not a JSON object;');
    expect(() => parseJsonl('t.jsonl', '{"a":1}\n"x"')).toThrow('t.jsonl: line 2 column 1 is a string, not a JSON object;');
  });

  it('a "__proto__" key is an ordinary, enumerable, writable column', () => {
    const { columns, rows } = objectRows([JSON.parse('{"__proto__": "x", "a": 1}') as Record<string, unknown>]);
    expect(columns).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(rows[0], '__proto__')).toEqual({ value: 'x', enumerable: true, writable: true, configurable: true });
    expect(Object.keys(rows[0]!)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
  });

  it("an object of objects is pandas orient='columns' only when every inner key is a row index", () => {
    // "text" mixes an index key with a named one: the inner objects are rows, not columns keyed by row.
    const t = parseJson('t.json', '{"text": {"0": "a", "x": "b"}, "label": {"0": "c"}}');
    expect({ columns: t.columns, rows: t.rows }).toEqual({ columns: ['0', 'x'], rows: [{ 0: 'a', x: 'b' }, { 0: 'c' }] });
  });

  it('a row index is a whole decimal number without leading zeros: "text1", "0a" or "01" is a name, "100" an index', () => {
    const columns = "maps column names to {\"0\": value, ...}: this is pandas orient='columns'";
    expect(() => parseJson('t.json', '{"text1": {"0": "a"}, "text2": {"0": "b"}}')).toThrow(`t.json: the object at line 1 column 1 ${columns}`);
    expect(() => parseJson('t.json', '{"text": {"100": "a"}, "label": {"10": "b"}}')).toThrow(`t.json: the object at line 1 column 1 ${columns}`);
    const t = parseJson('t.json', '{"t": {"0a": "x"}, "u": {"01": "y"}}');
    expect({ columns: t.columns, rows: t.rows }).toEqual({ columns: ['0a', '01'], rows: [{ '0a': 'x' }, { '01': 'y' }] });
  });

  it('invalid JSON in a .json file ends with the default advice', () => {
    expect(() => parseJson('t.json', '[1,]')).toThrow(/^t\.json: invalid JSON at line 1 column \d+: .*; fix the JSON there \(a missing comma, quote or bracket is the usual cause\)$/);
  });

  it('a row without a recorded line is named by its index', () => {
    expect(rowPosition({ source: 's', rowLines: [] }, 4)).toEqual({ file: 's', line: 5, column: 1, where: 'line 5' });
    expect(rowPosition({ source: 's', rowLines: [1], rowColumns: [7] }, 0)).toEqual({ file: 's', line: 1, column: 7, where: 'line 1 column 7 (row 1)' });
  });
});

describe('readJsonDocument positionOf', () => {
  it('a path that goes on below a number, string or literal stops there: the position of that value, no TypeError', () => {
    const doc = readJsonDocument('t.json', '{"a": 1,\n "s": "xyz", "l": [null, 2]}');
    expect(doc.positionOf(['a', 'b'])).toEqual({ file: 't.json', line: 1, column: 7 }); // the 1
    expect(doc.positionOf(['s', '0'])).toEqual({ file: 't.json', line: 2, column: 7 }); // the "xyz"
    expect(doc.positionOf(['l', '0', 'x', 'y'])).toEqual({ file: 't.json', line: 2, column: 20 }); // the null
    expect(readJsonDocument('n.json', '  7').positionOf(['0'])).toEqual({ file: 'n.json', line: 1, column: 3 }); // a primitive root
  });
});
