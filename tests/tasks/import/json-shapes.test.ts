// The shapes a JSON file of examples may take, at their edges (found by mutation testing: each case fails on
// some one-token change of json.ts, jsonl.ts or json-scan.ts): wrapper keys only around rows, objects of
// objects with index or named keys, pandas orient='columns' told apart from orient='index', empty inner objects,
// nulls, long values cut in messages, JSON Lines advice, and engine messages cleaned of their positions.
import { describe, expect, it } from 'vitest';
import { locateJsonError } from '../../../src/tasks/import/json-scan';
import { parseJson } from '../../../src/tasks/import/json';
import { parseJsonl } from '../../../src/tasks/import/jsonl';

const SHAPES = 'expected an array of objects ([{"text": ..., "label": ...}, ...]), an object of objects ({"0": {...}, "1": {...}}), or one of these under "data" or "examples"';
const COLUMNS = `maps column names to {"0": value, ...}: this is pandas orient='columns'; save it with orient='records' (or 'index'), or as JSON Lines`;
const table = (text: string) => {
  const t = parseJson('t.json', text);
  return { columns: t.columns, rows: t.rows };
};

describe('JSON shapes', () => {
  it('"data" or "examples" is a wrapper only when it holds rows', () => {
    expect(table('{"examples": {"0": {"a": 1}, "1": {"a": 2}}}')).toEqual({ columns: ['a'], rows: [{ a: '1' }, { a: '2' }] });
    expect(() => parseJson('t.json', '{"data": "x", "a": {"t": 1}}')).toThrow(`t.json: the value of "data" (at line 1 column 10) is a string ("x"), not an object; ${SHAPES}`);
    expect(() => parseJson('t.json', '{"data": null}')).toThrow('t.json: the value of "data" (at line 1 column 10) is null, not an object;');
    // Not all of data's values are objects: data is itself one row.
    expect(table('{"data": {"r1": {"a": 1}, "r2": 5}}')).toEqual({ columns: ['r1', 'r2'], rows: [{ r1: '{"a":1}', r2: '5' }] });
  });

  it('a top-level string, null element or long value is named as such', () => {
    expect(() => parseJson('t.json', '"ab"')).toThrow(`t.json: the file holds a string ("ab") at line 1 column 1; ${SHAPES}`);
    expect(() => parseJson('t.json', '[null]')).toThrow('element 0 of the array (at line 1 column 2) is null, not an object');
    expect(() => parseJson('t.json', `[${JSON.stringify('x'.repeat(60))}]`)).toThrow(`is a string (${JSON.stringify('x'.repeat(60)).slice(0, 40)}), not an object`);
  });

  it("orient='index' (index or named outer keys) is rows; orient='columns' is refused", () => {
    expect(table('{"0": {"0": "a"}, "1": {"0": "b"}}')).toEqual({ columns: ['0'], rows: [{ 0: 'a' }, { 0: 'b' }] });
    expect(table('{"r1": {"a": 1}, "r2": {"a": 2}}')).toEqual({ columns: ['a'], rows: [{ a: '1' }, { a: '2' }] });
    expect(table('{"text": {"0": "a"}, "label": {"x": "b"}}')).toEqual({ columns: ['0', 'x'], rows: [{ 0: 'a' }, { x: 'b' }] });
    expect(table('{"a": {}, "b": {}}')).toEqual({ columns: [], rows: [{}, {}] });
    expect(() => parseJson('t.json', '{"text": {"0": "a", "1": "b"}, "label": {"0": "x", "1": "y"}}')).toThrow(`t.json: the object at line 1 column 1 ${COLUMNS}`);
    expect(() => parseJson('t.json', '{"0": {"0": "a"}, "text": {"0": "b"}}')).toThrow(COLUMNS);
  });
});

describe('JSON Lines', () => {
  const generic = 'each non-blank line must be one whole JSON object, e.g. {"text": "...", "label": 1}';
  it('a lone bracket line is pretty-printed JSON; anything else gets the generic advice', () => {
    expect(() => parseJsonl('t.jsonl', '{\n  "a": 1\n}')).toThrow('this looks like pretty-printed JSON: import it as a .json file');
    for (const line of ['"a" [', '{"a": ', 'x{', '{x']) {
      expect(() => parseJsonl('t.jsonl', line), line).toThrow(new RegExp(`; ${generic.replace(/[{}().[\]]/g, '\\$&')}$`));
    }
  });

  it('a number line is not an object', () => {
    expect(() => parseJsonl('t.jsonl', '{"a":1}\n5')).toThrow('t.jsonl: line 2 column 1 is a number, not a JSON object;');
  });
});

describe('engine messages, cleaned of their positions', () => {
  // The engine's offset (1) differs from the scanner's (3), so the engine's message is the description.
  it.each([
    ['Unexpected non-whitespace character after JSON at position 1', 'Unexpected non-whitespace character after JSON'],
    ['Unexpected token x in JSON at position 1', 'Unexpected token x'],
    ['JSON.parse: unexpected character at line 1 column 2 of the JSON data', 'unexpected character'],
  ])('%s', (message, description) => {
    expect(locateJsonError('[1,]', new Error(message))).toEqual({ offset: 1, description });
  });

  it('multi-digit line and column', () => {
    const text = Array.from({ length: 12 }, () => 'x'.repeat(15)).join('\n');
    expect(locateJsonError(text, new Error('JSON.parse: unexpected character at line 12 column 11 of the JSON data'))).toEqual({ offset: 11 * 16 + 10, description: 'unexpected character' });
  });
});
