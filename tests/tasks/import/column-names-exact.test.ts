// Every usual column name of column-names.ts, spelled out here (found by mutation testing: each case fails when
// one name of a list is emptied or one input pair removed): each input pair maps to both its columns, each single
// input name is taken over a longer unknown text column, each label and output name is mapped as such, and every
// name (with 'idx' and 'id') counts as a known header name.
import { describe, expect, it } from 'vitest';
import { isKnownColumnName } from '../../../src/tasks/import/column-names';
import { suggestMapping } from '../../../src/tasks/import/mapping';
import type { Row } from '../../../src/tasks/import/types';

const PAIRS: [string, string][] = [
  ['sentence1', 'sentence2'],
  ['premise', 'hypothesis'],
  ['question1', 'question2'],
  ['question', 'sentence'],
  ['question', 'passage'],
  ['context', 'question'],
  ['text1', 'text2'],
  ['sentence_a', 'sentence_b'],
];
const SINGLES = [
  'sentence', 'text', 'question', 'input', 'premise', 'hypothesis', 'content', 'review', 'document', 'prompt',
  'instruction', 'query', 'utterance', 'tweet', 'comment', 'passage', 'context', 'sentence1', 'question1',
];
const LABELS = ['label', 'gold_label', 'labels', 'class', 'category', 'sentiment'];
const OUTPUTS = ['output', 'answer', 'target', 'response', 'completion', 'summary'];

/** Four rows; each column's cells are `cells(column, row)`. */
const table = (columns: string[], cells: (column: string, r: number) => string) => ({
  columns,
  rows: [0, 1, 2, 3].map((r) => Object.fromEntries(columns.map((c) => [c, cells(c, r)])) as Row),
});
const short = (c: string, r: number) => `${c} ${r}`;
// Longer than any input cell and than a label (over 40 characters), all distinct: never a label candidate.
const long = (c: string, r: number) => `${c} ${r} ${'words of a long free-text cell '.repeat(2)}`;

describe('input columns', () => {
  it.each(PAIRS)('the pair %s + %s maps to both columns', (a, b) => {
    expect(suggestMapping(table([a, b], short))?.inputColumns).toEqual([a, b]);
  });

  it.each(SINGLES)('%s is the input even beside a longer unknown text column', (name) => {
    const t = table([name, 'notes'], (c, r) => (c === 'notes' ? long(c, r) : short(c, r)));
    expect(suggestMapping(t)?.inputColumns).toEqual([name]);
  });
});

describe('targets', () => {
  it.each(LABELS)('%s is the label column even with one value (no candidate by its values)', (name) => {
    const t = table(['text', name], (c, r) => (c === 'text' ? short(c, r) : 'same'));
    expect(suggestMapping(t)).toEqual({ inputColumns: ['text'], labelColumn: name });
  });

  it.each(OUTPUTS)('%s with free text is the output column', (name) => {
    const t = table(['text', name], (c, r) => (c === 'text' ? short(c, r) : long(c, r)));
    expect(suggestMapping(t)).toEqual({ inputColumns: ['text'], outputColumn: name });
  });
});

describe('known header names', () => {
  it('every input, pair, label and output name, and idx and id, is known', () => {
    for (const name of [...SINGLES, ...PAIRS.flat(), ...LABELS, ...OUTPUTS, 'idx', 'id', 'ID', 'Sentence_B']) {
      expect(isKnownColumnName(name), name).toBe(true);
    }
    expect(isKnownColumnName('')).toBe(false);
    expect(isKnownColumnName('notes')).toBe(false);
  });
});
