// Column mapping edges found by mutation testing (each case fails on some one-token change of mapping.ts): the
// input fallback when every other column is numeric, the label candidate with fewest values (numbers first), a
// "__proto__" input column kept as data, and a row without the target cell.
import { describe, expect, it } from 'vitest';
import { mapExamples, suggestMapping } from '../../../src/tasks/import/mapping';
import type { Table } from '../../../src/tasks/import/types';

describe('suggestMapping edges', () => {
  it('with no text column, the input is the first column that is not the label', () => {
    expect(suggestMapping({ columns: ['label', 'x'], rows: [{ label: 'a', x: '1' }, { label: 'b', x: '2' }] })).toEqual({ inputColumns: ['x'], labelColumn: 'label' });
  });

  it('without a known label name, the candidate with the fewest distinct values, numbers first', () => {
    const rows = [
      { text: 'a long sentence here', c1: 'p', c2: 'y', n: '1' },
      { text: 'another long sentence', c1: 'q', c2: 'n', n: '2' },
      { text: 'third long sentence', c1: 'r', c2: 'y', n: '3' },
    ];
    const strip = (keep: string[]) => rows.map((r) => Object.fromEntries(keep.map((k) => [k, r[k as keyof typeof r]])));
    expect(suggestMapping({ columns: ['text', 'c1', 'c2'], rows: strip(['text', 'c1', 'c2']) })).toEqual({ inputColumns: ['text'], labelColumn: 'c2' });
    expect(suggestMapping({ columns: ['text', 'c2', 'c1'], rows: strip(['text', 'c2', 'c1']) })).toEqual({ inputColumns: ['text'], labelColumn: 'c2' });
    expect(suggestMapping({ columns: ['text', 'c2', 'n'], rows: strip(['text', 'c2', 'n']) })).toEqual({ inputColumns: ['text'], labelColumn: 'n' });
  });
});

describe('mapExamples edges', () => {
  const table = (columns: string[], rows: Record<string, string>[]): Table => ({ source: 't.json', format: 'json', columns, rows, rowLines: rows.map((_, i) => i + 1) });

  it('a "__proto__" input column is data, not a prototype', () => {
    const rows = [JSON.parse('{"__proto__": "hi", "label": "a"}') as Record<string, string>];
    const [example] = mapExamples(table(['__proto__', 'label'], rows), { inputColumns: ['__proto__'], labelColumn: 'label' });
    expect(example).toEqual({ input: 'hi', output: 'a', label: 'a', fields: JSON.parse('{"__proto__": "hi"}'), line: 1 });
    expect(Object.keys(example!.fields)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(example!.fields)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(example!.fields, '__proto__')).toEqual({ value: 'hi', enumerable: true, writable: true, configurable: true });
  });

  it('a row that lacks the target cell is refused as empty', () => {
    expect(() => mapExamples(table(['text', 'label'], [{ text: 'x', label: 'a' }, { text: 'y' }]), { inputColumns: ['text'], labelColumn: 'label' })).toThrow(
      't.json: the row at line 2 has an empty "label"; fill it in or remove the row',
    );
  });
});
