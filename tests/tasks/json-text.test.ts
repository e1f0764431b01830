// JSON error lines: syntax errors and the line of a value at a key path.
import { describe, expect, it } from 'vitest';
import { jsonLineOf, parseJson } from '../../src/tasks/json-text';

const text = '{\n  "metadata": {"num_examples": 2},\n  "examples": {\n    "1": {"input": "a", "output": "b"},\n    "2": {\n      "input": "c"\n    }\n  }\n}\n';

describe('json-text', () => {
  it('parses valid JSON like JSON.parse (BOM allowed)', () => {
    expect(parseJson(`\ufeff${text}`, 'f.json')).toEqual(JSON.parse(text));
  });

  it('finds the line where a value starts', () => {
    expect(jsonLineOf(text, ['examples'])).toBe(3);
    expect(jsonLineOf(text, ['examples', '2'])).toBe(5);
    expect(jsonLineOf(text, ['examples', '2', 'input'])).toBe(6);
    expect(jsonLineOf(text, ['metadata', 'num_examples'])).toBe(2);
    expect(jsonLineOf('[1,\n[2,\n3]]', ['1', '1'])).toBe(3);
    expect(jsonLineOf(text, ['examples', '3'])).toBeUndefined();
  });

  it.each([
    ['{\n  "a": 1,\n  "b": 2,\n}', 4], // trailing comma: the "}" on line 4
    ['[1,\n2,,3]', 2],
    ['{"a":\n\n', 3], // ends early
    ['{"a": "x\ny"}', 1], // raw newline inside a string
  ])('a syntax error in %j is reported at line %d', (bad, line) => {
    expect(() => parseJson(bad, 'bad.json')).toThrow(new RegExp(`^bad\\.json:${line}: not valid JSON`));
  });
});
