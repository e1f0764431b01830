// JSON and JSON Lines: exact tables for the three JSON shapes and for JSONL (blank lines, CRLF, BOM, mixed keys,
// nested values); every rejection with its exact line and column, whether or not the engine's message has a
// position; the syntax scanner's offsets against V8's where V8 gives one.
import { describe, expect, it } from 'vitest';
import { parseJson, readJsonDocument } from '../../../src/tasks/import/json';
import { engineErrorOffset, locateJsonError, scanJson } from '../../../src/tasks/import/json-scan';
import { parseJsonl } from '../../../src/tasks/import/jsonl';
import { ImportError } from '../../../src/tasks/import/types';
import { thrown } from '../../support/thrown';

const rejection = (run: () => unknown): ImportError => thrown(run, ImportError);

const expected = {
  columns: ['text', 'label'],
  rows: [
    { text: 'good', label: '1' },
    { text: 'bad', label: '0' },
  ],
};

describe('parseJson', () => {
  it('reads an array of objects, each row at the line where its object starts', () => {
    const text = '[\n  {"text": "good", "label": 1},\n\n  {\n    "text": "bad",\n    "label": 0\n  }\n]\n';
    expect(parseJson('t.json', text)).toEqual({ source: 't.json', format: 'json', ...expected, rowLines: [2, 4], rowColumns: [3, 3] });
  });

  it('reads an object of objects (pandas orient=index) in index order', () => {
    const text = '{\n"1": {"text": "bad", "label": 0},\n"0": {"text": "good", "label": 1}\n}';
    expect(parseJson('t.json', text)).toEqual({ source: 't.json', format: 'json', ...expected, rowLines: [3, 2], rowColumns: [6, 6] });
  });

  it('reads rows under "examples" (object) and "data" (array), with a BOM', () => {
    const examples = '{"examples": {\n"0": {"text": "good", "label": 1},\n"1": {"text": "bad", "label": 0}}}';
    expect(parseJson('t.json', examples)).toMatchObject({ ...expected, rowLines: [2, 3] });
    const data = '\uFEFF{"version": "1.0", "data": [\n{"text": "good", "label": 1},\n{"text": "bad", "label": 0}\n]}';
    expect(parseJson('t.json', data)).toMatchObject({ ...expected, rowLines: [2, 3] });
  });

  it('turns numbers, booleans, null and nested values into text; columns in order of first appearance', () => {
    const table = parseJson('t.json', '[{"a": 1.5, "b": true}, {"c": null, "a": [1, {"x": "y"}]}]');
    expect(table.columns).toEqual(['a', 'b', 'c']);
    expect(table.rows).toEqual([{ a: '1.5', b: 'true' }, { c: '', a: '[1,{"x":"y"}]' }]);
  });

  it('reads an empty array as no rows', () => {
    expect(parseJson('t.json', '[]')).toEqual({ source: 't.json', format: 'json', columns: [], rows: [], rowLines: [], rowColumns: [] });
  });
});

describe('JSON errors', () => {
  it('invalid JSON with a V8 position (a missing comma)', () => {
    const e = rejection(() => parseJson('t.json', '[\n  {"text": "a" "label": 1}\n]'));
    expect([e.file, e.line, e.column]).toEqual(['t.json', 2, 16]);
    expect(e.message).toContain("t.json: invalid JSON at line 2 column 16: unexpected \"\\\"\"; expected ',' or '}' after a property value");
  });

  it('invalid JSON where V8 gives no position (an unexpected token, the end of input)', () => {
    const e = rejection(() => parseJson('t.json', '[\n  {"text": "a", "label": tru}\n]'));
    expect([e.line, e.column]).toEqual([2, 29]);
    const end = rejection(() => parseJson('t.json', '[\n  {"text": "a"'));
    expect([end.line, end.column]).toEqual([2, 15]);
    expect(end.message).toContain('unexpected end of input');
  });

  it('an unterminated string, at the end of the input, naming where it starts', () => {
    const e = rejection(() => parseJson('t.json', '[\n{"text": "a}]'));
    expect([e.line, e.column]).toEqual([2, 14]);
    expect(e.message).toContain('the string starting at line 2 column 10 is never closed');
    const newline = rejection(() => parseJson('t.json', '[{"text": "a}]\n'));
    expect([newline.line, newline.column]).toEqual([1, 15]);
    expect(newline.message).toContain('line break or control character inside a string');
  });

  it('an array element that is not an object, at that element', () => {
    const e = rejection(() => parseJson('t.json', '[\n{"text": "a"},\n  "b"\n]'));
    expect([e.line, e.column]).toEqual([3, 3]);
    expect(e.message).toContain('element 1 of the array (at line 3 column 3) is a string ("b"), not an object');
  });

  it('an object value that is not an object, and a top-level value of the wrong kind', () => {
    const e = rejection(() => parseJson('t.json', '{"0": {"text": "a"},\n "1": 5}'));
    expect([e.line, e.column]).toEqual([2, 7]);
    const top = rejection(() => parseJson('t.json', '  "just text"'));
    expect([top.line, top.column]).toEqual([1, 3]);
    expect(top.message).toContain('expected an array of objects');
  });

  it('pandas orient=columns, with the orient to use instead', () => {
    const e = rejection(() => parseJson('t.json', '{"text": {"0": "a", "1": "b"}, "label": {"0": 1, "1": 0}}'));
    expect([e.line, e.column]).toEqual([1, 1]);
    expect(e.message).toContain("orient='records'");
  });
});

describe('readJsonDocument', () => {
  const text = '{\n  "metadata": {"num_examples": 2},\n  "examples": {\n    "1": {"input": "a", "output": "b"},\n    "2": {\n      "input": "c"\n    }\n  }\n}\n';

  it('parses like JSON.parse (BOM allowed)', () => {
    expect(readJsonDocument('f.json', `\ufeff${text}`).value).toEqual(JSON.parse(text));
  });

  it('finds where a value starts, at any depth; a missing path gives its deepest existing ancestor', () => {
    const document = readJsonDocument('f.json', text);
    const line = (path: string[]) => document.positionOf(path).line;
    expect(document.positionOf(['examples'])).toEqual({ file: 'f.json', line: 3, column: 15 });
    expect(line(['examples', '2'])).toBe(5);
    expect(line(['examples', '2', 'input'])).toBe(6);
    expect(line(['metadata', 'num_examples'])).toBe(2);
    expect(line(['examples', '3'])).toBe(3);
    expect(line([])).toBe(1);
    expect(readJsonDocument('a.json', '[1,\n[2,\n3]]').positionOf(['1', '1']).line).toBe(3);
    expect(readJsonDocument('a.json', '[1,\n[2,\n3]]').positionOf(['x']).line).toBe(1);
  });

  it.each([
    ['{\n  "a": 1,\n  "b": 2,\n}', 4], // trailing comma: the "}" on line 4
    ['[1,\n2,,3]', 2],
    ['{"a":\n\n', 3], // ends early
    ['{"a": "x\ny"}', 1], // raw newline inside a string
  ])('a syntax error in %j is an ImportError at line %d', (bad, line) => {
    const e = rejection(() => readJsonDocument('bad.json', bad));
    expect([e.file, e.line]).toEqual(['bad.json', line]);
    expect(e.message).toMatch(new RegExp(`^bad\\.json: invalid JSON at line ${line} column \\d+: `));
  });
});

describe('parseJsonl', () => {
  it('reads one object per line, skipping blank lines, with CRLF and a BOM', () => {
    const text = '\uFEFF{"text": "good", "label": 1}\r\n\r\n  \r\n{"text": "bad", "label": 0}\r\n';
    expect(parseJsonl('t.jsonl', text)).toEqual({ source: 't.jsonl', format: 'jsonl', ...expected, rowLines: [1, 4], rowColumns: [1, 1] });
  });

  it('takes the union of keys in order of first appearance; a row may lack some', () => {
    const table = parseJsonl('t.jsonl', '{"a": "1"}\n{"b": 2, "a": "3"}');
    expect(table.columns).toEqual(['a', 'b']);
    expect(table.rows).toEqual([{ a: '1' }, { b: '2', a: '3' }]);
  });

  it('invalid JSON on a line, at the line and column (V8 position and own scan)', () => {
    const e = rejection(() => parseJsonl('t.jsonl', '{"text": "a"}\n\n{"text" "b"}\n'));
    expect([e.line, e.column]).toEqual([3, 9]);
    expect(e.message).toContain("t.jsonl: invalid JSON at line 3 column 9: unexpected \"\\\"\"; expected ':' after the property name");
    const token = rejection(() => parseJsonl('t.jsonl', '{"a": 1}\n{"a": 1,}'));
    expect([token.line, token.column]).toEqual([2, 9]);
  });

  it('an unterminated string on a line names that line', () => {
    const e = rejection(() => parseJsonl('t.jsonl', '{"a": 1}\n{"a": "x}'));
    expect([e.line, e.column]).toEqual([2, 10]);
    expect(e.message).toContain('the string starting at line 2 column 7 is never closed');
  });

  it('pretty-printed JSON is rejected at its first line, with advice to import it as .json', () => {
    const e = rejection(() => parseJsonl('t.jsonl', '{\n  "text": "a"\n}\n'));
    expect([e.line, e.column]).toEqual([1, 2]);
    expect(e.message).toContain('import it as a .json file');
  });

  it('a line that is not an object, at its first character', () => {
    const e = rejection(() => parseJsonl('t.jsonl', '{"a": 1}\n  [1, 2]\n'));
    expect([e.line, e.column]).toEqual([2, 3]);
    expect(e.message).toContain('line 2 column 3 is an array, not a JSON object');
  });
});

describe('JSON error positions', () => {
  it("reads positions from V8's 'at position N' and Firefox's 'line L column C' messages", () => {
    const text = '[1,\n2,\n x]';
    expect(engineErrorOffset('Expected \',\' or \']\' after array element in JSON at position 9', text)).toBe(9);
    expect(engineErrorOffset('JSON.parse: unexpected character at line 3 column 2 of the JSON data', text)).toBe(8);
    expect(engineErrorOffset("Unexpected token 'x', \"[1,\" is not valid JSON", text)).toBeUndefined();
    const firefox = new SyntaxError('JSON.parse: unexpected character at line 3 column 2 of the JSON data');
    expect(locateJsonError(text, firefox)).toEqual({ offset: 8, description: 'unexpected "x"; expected a value (string, number, object, array, true, false or null)' });
    expect(locateJsonError(text, new SyntaxError('JSON Parse error: Unexpected identifier "x"'))).toMatchObject({ offset: 8 });
  });

  it('uses the engine position and message when they differ from the scan', () => {
    const text = '[1, x]';
    expect(locateJsonError(text, new SyntaxError('bad thing in JSON at position 1'))).toEqual({ offset: 1, description: 'bad thing' });
  });

  it("the scanner's offsets equal V8's wherever V8 reports a position", () => {
    const cases = ['[1,2', '{"a":1 "b":2}', '"ab\ncd"', '{x:1}', '01', '{"a":1}}', '["\\u12"]', '{"a":1,}', '[1,2]x', '{"a" 1}', '[-]', '[1.]', '[1e]', '["\\x"]', '{"a":1', '"abc'];
    let withPosition = 0;
    for (const text of cases) {
      let message = '';
      try {
        JSON.parse(text);
      } catch (error) {
        message = (error as Error).message;
      }
      const engine = engineErrorOffset(message, text);
      const own = scanJson(text, 0);
      expect(own.ok, text).toBe(false);
      if (engine === undefined) continue;
      withPosition++;
      expect(own.ok ? -1 : own.offset, text).toBe(engine);
    }
    expect(withPosition).toBeGreaterThan(10);
  });

  it('accepts what JSON.parse accepts, recording where shallow values start', () => {
    const text = '{"a": [1, {"b": 2}], "a": "last", "\\u0063": [true, false, null, -1.5e+3, "s\\"q"]}';
    expect(() => JSON.parse(text)).not.toThrow();
    const scan = scanJson(text, 2);
    expect(scan.ok).toBe(true);
    if (!scan.ok) return;
    expect([...scan.root.keys!.keys()]).toEqual(['a', 'c']);
    expect(scan.root.keys!.get('a')!.start).toBe(text.indexOf('"last"'));
    expect(scan.root.keys!.get('c')!.items!.map((s) => s.start)).toEqual(['true', 'false', 'null', '-1.5', '"s'].map((v) => text.indexOf(v)));
  });
});

describe('positions in one-line files and linear time (issue 9)', () => {
  it('rows of a one-line JSON array carry the column where each object starts', () => {
    const table = parseJson('t.json', '[{"text": "a", "label": 1}, {"text": "b", "label": 0},{"text":"c","label":1}]');
    expect(table.rowLines).toEqual([1, 1, 1]);
    expect(table.rowColumns).toEqual([2, 29, 55]);
  });

  it('columns count code points (an emoji is one column), after CRLF line ends', () => {
    const table = parseJson('t.json', '[\r\n{"t": "\u{1F600}"}, {"t": "x"}]');
    expect(table.rowLines).toEqual([2, 2]);
    expect(table.rowColumns).toEqual([1, 13]); // the emoji is 2 UTF-16 units, 1 column
  });

  it('JSON Lines rows start after their indentation', () => {
    expect(parseJsonl('t.jsonl', '{"a": 1}\n   {"a": 2}').rowColumns).toEqual([1, 4]);
  });

  it('imports a 20,000-row one-line JSON file in well under a second per MB (it was quadratic: 1 MB took 2 minutes)', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ input: `sentence number ${i} of the file`, target: i % 2 === 0 ? 'positive' : 'negative' }));
    const text = JSON.stringify(rows);
    expect(text.length).toBeGreaterThan(1_200_000);
    const started = performance.now();
    const table = parseJson('big.json', text);
    const seconds = (performance.now() - started) / 1000;
    expect(table.rows).toHaveLength(20_000);
    expect(table.rowColumns![19_999]).toBe(text.lastIndexOf('{"input"') + 1);
    // Not under mutation testing (npm run mutate): Stryker's instrumented code runs several times slower.
    if (process.env.STRYKER_MUTATOR_WORKER === undefined) expect(seconds).toBeLessThan(5);
  });
});
