// Column mapping edges found by mutation testing (each case fails on some one-token change of mapping.ts): the
// input fallback when every other column is numeric, the label candidate with fewest values (numbers first), a
// "__proto__" input column kept as data, a row without the target cell, and column summaries at their limits.
import { describe, expect, it } from 'vitest';
import { mapExamples, previewRows, suggestMapping } from '../../../src/tasks/import/mapping';
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

describe('previewRows column summaries at their limits', () => {
  it('an all-blank column is a string column and no label candidate', () => {
    expect(previewRows([{ a: '', b: 'x'.repeat(40) }, { a: ' ', b: 'y' }]).columns).toEqual([
      { name: 'a', type: 'string', empty: 2, distinct: 0, labelCandidate: false },
      { name: 'b', type: 'string', empty: 0, distinct: 2, labelCandidate: true, valueCounts: [{ value: 'x'.repeat(40), count: 1 }, { value: 'y', count: 1 }] },
    ]);
    expect(previewRows([{ b: 'x'.repeat(41) }]).columns[0]!.labelCandidate).toBe(false);
  });

  it('20 distinct values make a label candidate, 21 do not', () => {
    const rows = Array.from({ length: 21 }, (_, i) => ({ a: String(i % 20), b: String(i) }));
    expect(previewRows(rows).columns.map((c) => [c.name, c.type, c.distinct, c.labelCandidate])).toEqual([['a', 'number', 20, true], ['b', 'number', 21, false]]);
  });
});

describe('suggestMapping choices, one rule at a time', () => {
  const sm = (columns: string[], rows: Record<string, string>[]) => suggestMapping({ columns, rows });

  it('label values are listed in text order', () => {
    expect(previewRows([{ a: 'b' }, { a: 'a' }, { a: 'c' }, { a: 'a' }]).columns[0]!.valueCounts).toEqual([{ value: 'a', count: 2 }, { value: 'b', count: 1 }, { value: 'c', count: 1 }]);
  });

  it('of two names that normalise alike, the first column is used', () => {
    expect(sm(['Label', 'label', 'text'], [{ Label: 'x', label: 'y', text: 'hello there' }, { Label: 'z', label: 'w', text: 'hi' }])).toEqual({ inputColumns: ['text'], labelColumn: 'Label' });
  });

  it('without a known input name: the string column with the longest cells, never a number column or the label', () => {
    expect(sm(['a', 'b', 'c'], [{ a: 'short', b: 'a much longer text here', c: 'p' }, { a: 'tiny', b: 'another long text', c: 'q' }])).toEqual({ inputColumns: ['b'], labelColumn: 'a' });
    expect(sm(['n', 's', 'c'], [{ n: '123456789012345', s: 'short', c: 'p' }, { n: '98765432109876', s: 'tiny', c: 'q' }])).toEqual({ inputColumns: ['s'], labelColumn: 'n' });
    expect(sm(['label', 'x'], [{ label: 'a very long label text that is long', x: 'short' }, { label: 'another very long label text', x: 'tiny' }])).toEqual({ inputColumns: ['x'], labelColumn: 'label' });
    // A row without the cell counts as empty text.
    expect(sm(['a', 'b'], [{ a: 'some long text here' }, { a: 'x', b: 'yy' }, { a: 'z', b: 'q' }])).toEqual({ inputColumns: ['a'], labelColumn: 'b' });
  });

  it('a label candidate needs two values or more; free text is no candidate', () => {
    expect(sm(['text', 'k', 'c2'], [{ text: 'a long sentence here', k: 'same', c2: 'y' }, { text: 'another long sentence', k: 'same', c2: 'n' }, { text: 'third sentence', k: 'same', c2: 'y' }])).toEqual({ inputColumns: ['text'], labelColumn: 'c2' });
    expect(sm(['text', 'notes'], [{ text: 'short text a', notes: 'x'.repeat(50) }, { text: 'short text b', notes: 'y'.repeat(50) }])).toEqual({ inputColumns: ['text'] });
  });

  it('an output-named column is the label when its values look like labels, else the output', () => {
    expect(sm(['text', 'answer'], [{ text: 'question one', answer: 'yes' }, { text: 'question two', answer: 'no' }])).toEqual({ inputColumns: ['text'], labelColumn: 'answer' });
    expect(sm(['text', 'answer'], [{ text: 'question one', answer: 'x'.repeat(50) }, { text: 'question two', answer: 'y'.repeat(45) }])).toEqual({ inputColumns: ['text'], outputColumn: 'answer' });
  });
});

describe('mapExamples refusals of the mapping', () => {
  const t: Table = { source: 't.json', format: 'json', columns: ['a', 'b'], rows: [{ a: 'x', b: 'y' }], rowLines: [1] };
  it('an output column must exist and must not also be an input', () => {
    expect(() => mapExamples(t, { inputColumns: ['a'], outputColumn: 'nope' })).toThrow('t.json: there is no column "nope"; the columns are "a", "b"');
    expect(() => mapExamples(t, { inputColumns: ['a', 'b'], outputColumn: 'a' })).toThrow(
      't.json: a column is used twice in the mapping ("a", "b", "a"); the output must not also be an input',
    );
  });
});

describe('suggestMapping with a column named ""', () => {
  it('is chosen like any other column when no label or output name is known', () => {
    // The column without a name holds the long texts: it is the input, and the short one the label.
    const rows = [{ '': 'a long text in a column without a name', b: 'x' }, { '': 'another long text here', b: 'y' }];
    expect(suggestMapping({ columns: ['', 'b'], rows })).toEqual({ inputColumns: [''], labelColumn: 'b' });
  });
});

describe('suggestMapping with a preview that lacks a column', () => {
  // A preview made from fewer columns than the table has (the parameter is the caller's): the missing columns are
  // read as no label candidate and not numeric, and nothing throws.
  const empty = { columns: [], rows: [], rowCount: 0 };
  it('an output-named column without a summary is the output', () => {
    expect(suggestMapping({ columns: ['text', 'answer'], rows: [{ text: 'q one', answer: 'yes' }, { text: 'q two', answer: 'no' }] }, empty)).toEqual({
      inputColumns: ['text'],
      outputColumn: 'answer',
    });
  });
  it('without a known input name, a column without a summary can be the input', () => {
    expect(suggestMapping({ columns: ['a', 'b'], rows: [{ a: '12345678901', b: 'x' }, { a: '1234567890', b: 'y' }] }, empty)).toEqual({ inputColumns: ['a'] });
  });
});

describe('suggestMapping: numeric label candidates first, whatever the column order', () => {
  it('the number column before a string one listed after it', () => {
    const rows = [
      { text: 'a long sentence here', n: '1', c2: 'y' },
      { text: 'another long sentence', n: '2', c2: 'n' },
      { text: 'third long sentence', n: '3', c2: 'y' },
    ];
    expect(suggestMapping({ columns: ['text', 'n', 'c2'], rows })).toEqual({ inputColumns: ['text'], labelColumn: 'n' });
  });
});

describe('mapExamples: a blank target cell', () => {
  it('a label of spaces only is refused as empty', () => {
    const t: Table = { source: 't.json', format: 'json', columns: ['text', 'label'], rows: [{ text: 'x', label: 'a' }, { text: 'y', label: '  ' }], rowLines: [1, 2] };
    expect(() => mapExamples(t, { inputColumns: ['text'], labelColumn: 'label' })).toThrow('t.json: the row at line 2 has an empty "label"; fill it in or remove the row');
    expect(() => mapExamples(t, { inputColumns: ['text'], outputColumn: 'label' })).toThrow('t.json: the row at line 2 has an empty "label"; fill it in or remove the row');
  });
});
