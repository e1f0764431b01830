// Preview (types, label candidates and their value counts), suggested mappings for usual dataset layouts, and
// mapping rows to examples with every rejection naming the row's line.
import { describe, expect, it } from 'vitest';
import { parseCsv, parseTsv } from '../../../src/tasks/import/csv';
import { parseJson } from '../../../src/tasks/import/json';
import { parseJsonl } from '../../../src/tasks/import/jsonl';
import { mapExamples, previewRows, suggestMapping } from '../../../src/tasks/import/mapping';
import { ImportError, type Row, type Table } from '../../../src/tasks/import/types';
import { thrown } from '../../support/thrown';

const rejection = (run: () => unknown): ImportError => thrown(run, ImportError);

const sst2 = parseTsv('train.tsv', 'sentence\tlabel\nit is good\t1\n\nit is bad\t0\nbrilliant, really brilliant\t1\n');
const mnli = parseCsv('mnli.csv', 'premise,hypothesis,gold_label\nA man sleeps.,A person rests.,entailment\nA dog runs.,A cat sits.,contradiction\nIt rains.,It is wet.,entailment\n');

describe('previewRows', () => {
  it('summarises every column over all rows and shows the first n', () => {
    const preview = previewRows(sst2.rows, 2, sst2.columns);
    expect(preview.rowCount).toBe(3);
    expect(preview.rows).toEqual(sst2.rows.slice(0, 2));
    expect(preview.columns).toEqual([
      {
        name: 'sentence',
        type: 'string',
        empty: 0,
        distinct: 3,
        labelCandidate: true,
        valueCounts: [
          { value: 'brilliant, really brilliant', count: 1 },
          { value: 'it is bad', count: 1 },
          { value: 'it is good', count: 1 },
        ],
      },
      { name: 'label', type: 'number', empty: 0, distinct: 2, labelCandidate: true, valueCounts: [{ value: '0', count: 1 }, { value: '1', count: 2 }] },
    ]);
  });

  it('orders numeric values numerically; long or many values are no label candidates; missing cells count as empty', () => {
    const rows: Row[] = [
      { stars: '10', review: 'x'.repeat(41) },
      { stars: '9' },
      { stars: ' ', review: 'y' },
    ];
    const preview = previewRows(rows, 1);
    expect(preview.columns.map((c) => c.name)).toEqual(['stars', 'review']);
    expect(preview.columns[0]).toEqual({ name: 'stars', type: 'number', empty: 1, distinct: 2, labelCandidate: true, valueCounts: [{ value: '9', count: 1 }, { value: '10', count: 1 }] });
    expect(preview.columns[1]).toEqual({ name: 'review', type: 'string', empty: 1, distinct: 2, labelCandidate: false });
    const many = previewRows(Array.from({ length: 21 }, (_, i) => ({ topic: `t${i}` })), 0);
    expect(many.columns[0]!.labelCandidate).toBe(false);
    expect(many.columns[0]!.valueCounts).toBeUndefined();
  });
});

describe('suggestMapping', () => {
  it('finds single inputs, pairs, labels and free-text outputs by name', () => {
    expect(suggestMapping(sst2)).toEqual({ inputColumns: ['sentence'], labelColumn: 'label' });
    expect(suggestMapping(mnli)).toEqual({ inputColumns: ['premise', 'hypothesis'], labelColumn: 'gold_label' });
    const qa = parseJsonl('qa.jsonl', Array.from({ length: 30 }, (_, i) => JSON.stringify({ Question: `q${i}?`, Answer: `answer number ${i}` })).join('\n'));
    expect(suggestMapping(qa)).toEqual({ inputColumns: ['Question'], outputColumn: 'Answer' });
    const yesNo = parseJsonl('yn.jsonl', '{"passage": "p", "question": "q", "answer": "yes"}\n{"passage": "p", "question": "r", "answer": "no"}');
    expect(suggestMapping(yesNo)).toEqual({ inputColumns: ['question', 'passage'], labelColumn: 'answer' });
  });

  it('falls back to the longest text column and the label candidate with fewest values', () => {
    const cola = parseTsv('in_domain.tsv', 'gj04\t1\t\tOur friends will fight.\ngj04\t0\t*\tThey drank the pub.\nck01\t1\t\tYes.\n', { header: false });
    expect(suggestMapping(cola)).toEqual({ inputColumns: ['column4'], labelColumn: 'column2' });
    expect(suggestMapping({ columns: [], rows: [] })).toBeNull();
  });
});

describe('mapExamples', () => {
  it('maps labels through label words, keeping the raw label and the row line', () => {
    const examples = mapExamples(sst2, { inputColumns: ['sentence'], labelColumn: 'label', labelWords: { '0': 'negative', '1': 'positive' } });
    expect(examples).toEqual([
      { input: 'it is good', output: 'positive', fields: { sentence: 'it is good' }, label: '1', line: 2 },
      { input: 'it is bad', output: 'negative', fields: { sentence: 'it is bad' }, label: '0', line: 4 },
      { input: 'brilliant, really brilliant', output: 'positive', fields: { sentence: 'brilliant, really brilliant' }, label: '1', line: 5 },
    ]);
  });

  it('joins two inputs with a line break; raw labels without label words; free-text outputs; no output', () => {
    const [first] = mapExamples(mnli, { inputColumns: ['premise', 'hypothesis'], labelColumn: 'gold_label' });
    expect(first).toEqual({ input: 'A man sleeps.\nA person rests.', output: 'entailment', fields: { premise: 'A man sleeps.', hypothesis: 'A person rests.' }, label: 'entailment', line: 2 });
    const [gen] = mapExamples(mnli, { inputColumns: ['premise'], outputColumn: 'hypothesis' });
    expect(gen).toEqual({ input: 'A man sleeps.', output: 'A person rests.', fields: { premise: 'A man sleeps.' }, line: 2 });
    const [plain] = mapExamples(mnli, { inputColumns: ['premise'] });
    expect(plain).toEqual({ input: 'A man sleeps.', output: '', fields: { premise: 'A man sleeps.' }, line: 2 });
  });

  it('rejects an unknown column, listing the columns', () => {
    const e = rejection(() => mapExamples(sst2, { inputColumns: ['text'], labelColumn: 'label' }));
    expect([e.file, e.line, e.column]).toEqual(['train.tsv', 1, 1]);
    expect(e.message).toBe('train.tsv: there is no column "text"; the columns are "sentence", "label"');
  });

  it('rejects an empty input at the row line', () => {
    const table = parseCsv('t.csv', 'sentence1,sentence2,label\na,b,0\n\nc,  ,1\n');
    const e = rejection(() => mapExamples(table, { inputColumns: ['sentence1', 'sentence2'], labelColumn: 'label' }));
    expect([e.line, e.column]).toEqual([4, 1]);
    expect(e.message).toBe('t.csv: the row at line 4 has an empty "sentence2"; fill it in or remove the row');
    const jsonl = parseJsonl('t.jsonl', '{"text": "a"}\n{"other": 1}');
    expect(rejection(() => mapExamples(jsonl, { inputColumns: ['text'] })).line).toBe(2);
  });

  it('rejects a label without a label word, and an empty label, at the row line', () => {
    const table = parseCsv('t.csv', 'text,label\na,0\nb,1\nc,-1\n');
    const e = rejection(() => mapExamples(table, { inputColumns: ['text'], labelColumn: 'label', labelWords: { '0': 'no', '1': 'yes' } }));
    expect([e.line, e.column]).toEqual([4, 1]);
    expect(e.message).toBe('t.csv: the row at line 4 has label "-1", which has no label word (label words are given for "0", "1"); add a word for it or remove the row');
    const proto = parseCsv('t.csv', 'text,label\na,constructor\n');
    expect(rejection(() => mapExamples(proto, { inputColumns: ['text'], labelColumn: 'label', labelWords: { x: 'y' } })).line).toBe(2);
    const empty = parseCsv('t.csv', 'text,label\na,0\nb,\n');
    expect(rejection(() => mapExamples(empty, { inputColumns: ['text'], labelColumn: 'label' })).message).toContain('line 3 has an empty "label"');
  });

  it('a row error in a one-line JSON file names the row, its line and its column (every row said "line 1")', () => {
    const table = parseJson('one.json', '[{"text": "a", "label": "0"}, {"text": "b", "label": "1"}, {"text": " ", "label": "1"}]');
    const e = rejection(() => mapExamples(table, { inputColumns: ['text'], labelColumn: 'label' }));
    expect([e.line, e.column]).toEqual([1, 60]);
    expect(e.message).toBe('one.json: the row at line 1 column 60 (row 3) has an empty "text"; fill it in or remove the row');
  });

  it('an empty table is "no rows", whatever the mapping names (it reported a missing column)', () => {
    const cases: [string, string][] = [['e.json', '[]'], ['e.json', '{"data": []}'], ['e.jsonl', '\n\n'], ['e.csv', 'text,label\n']];
    for (const [file, text] of cases) {
      const table = file.endsWith('.csv') ? parseCsv(file, text) : file.endsWith('.jsonl') ? parseJsonl(file, text) : parseJson(file, text);
      const e = rejection(() => mapExamples(table, { inputColumns: ['text'], labelColumn: 'label' }));
      expect(e.message, `${file} ${text}`).toBe(`${file}: the file has no rows to import; it needs one row per example`);
    }
  });

  it('rejects mappings that cannot work', () => {
    const cases: [Parameters<typeof mapExamples>[1], string][] = [
      [{ inputColumns: [] }, 'no input column'],
      [{ inputColumns: ['sentence'], labelColumn: 'label', outputColumn: 'label' }, 'both a label column'],
      [{ inputColumns: ['sentence', 'sentence'] }, 'used twice'],
      [{ inputColumns: ['label'], labelColumn: 'label' }, 'used twice'],
      [{ inputColumns: ['sentence'], labelColumn: 'label', labelWords: { '0': ' ' } }, 'the label word for "0" is empty'],
    ];
    for (const [mapping, message] of cases) expect(rejection(() => mapExamples(sst2, mapping)).message).toContain(message);
    const none: Table = { ...sst2, rows: [], rowLines: [] };
    expect(rejection(() => mapExamples(none, { inputColumns: ['sentence'] })).message).toContain('no rows');
    expect(rejection(() => mapExamples(none, { inputColumns: ['nope'] })).message).toContain('no rows');
  });
});
