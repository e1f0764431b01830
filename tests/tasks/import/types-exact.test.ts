// cellText at its edges (found by mutation testing: each case fails on some one-token change of types.ts):
// undefined is an empty cell like null, and numbers are their own text (String), so 1e999 in a JSON file is
// 'Infinity', not JSON.stringify's 'null'.
import { describe, expect, it } from 'vitest';
import { parseJson } from '../../../src/tasks/import/json';
import { parseJsonl } from '../../../src/tasks/import/jsonl';
import { cellText } from '../../../src/tasks/import/types';

describe('cellText', () => {
  it('undefined and null are empty cells', () => {
    expect(cellText(undefined)).toBe('');
    expect(cellText(null)).toBe('');
  });

  it('numbers JSON.stringify would write as null keep their text', () => {
    expect(cellText(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(cellText(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
    expect(cellText(Number.NaN)).toBe('NaN');
    expect(cellText([1, true, null])).toBe('[1,true,null]');
  });

  it('a number too large for a double reads as Infinity from JSON and JSON Lines files', () => {
    expect(parseJson('t.json', '[{"a": 1e999, "b": -1e999, "c": true}]').rows).toEqual([{ a: 'Infinity', b: '-Infinity', c: 'true' }]);
    expect(parseJsonl('t.jsonl', '{"a": 1e999}').rows).toEqual([{ a: 'Infinity' }]);
  });
});
