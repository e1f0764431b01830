// CSV/TSV parsing: exact tables for quoted fields (delimiters, doubled quotes, line breaks inside), CRLF, BOM,
// blank and trailing lines, quoting 'none', header options; every rejection with its exact line and column.
import { describe, expect, it } from 'vitest';
import { looksLikeHeader, parseCsv, parseTsv } from '../../../src/tasks/import/csv';
import { ImportError } from '../../../src/tasks/import/types';
import { thrown } from '../../support/thrown';

const rejection = (run: () => unknown): ImportError => thrown(run, ImportError);

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and keeps each row line', () => {
    const text = 'text,label\n"a, b",1\n"she said ""hi""",0\n"two\nlines",1\nplain,0\n';
    const table = parseCsv('t.csv', text);
    expect(table).toEqual({
      source: 't.csv',
      format: 'csv',
      columns: ['text', 'label'],
      rows: [
        { text: 'a, b', label: '1' },
        { text: 'she said "hi"', label: '0' },
        { text: 'two\nlines', label: '1' },
        { text: 'plain', label: '0' },
      ],
      rowLines: [2, 3, 4, 6],
    });
  });

  it('reads CRLF line ends, keeps a CRLF inside quotes as written, and drops a UTF-8 BOM', () => {
    const table = parseCsv('t.csv', '\uFEFFtext,label\r\n"x\r\ny",1\r\nz,0\r\n');
    expect(table.columns).toEqual(['text', 'label']);
    expect(table.rows).toEqual([{ text: 'x\r\ny', label: '1' }, { text: 'z', label: '0' }]);
    expect(table.rowLines).toEqual([2, 4]);
  });

  it('reads a lone CR as a line end (old Mac files)', () => {
    expect(parseCsv('t.csv', 'a,b\r1,2\r3,4').rows).toEqual([{ a: '1', b: '2' }, { a: '3', b: '4' }]);
  });

  it('skips blank lines and the empty line after the last line break, but keeps empty and quoted-empty fields', () => {
    const table = parseCsv('t.csv', 'a,b\n\n1,\n   \n"",2\n,\n\n');
    expect(table.rows).toEqual([{ a: '1', b: '' }, { a: '', b: '2' }, { a: '', b: '' }]);
    expect(table.rowLines).toEqual([3, 5, 6]);
  });

  it('keeps a quote inside an unquoted field as text', () => {
    expect(parseCsv('t.csv', 'text\na 5" screen\n').rows).toEqual([{ text: 'a 5" screen' }]);
  });

  it('a quoted empty line in a one-column file is a row, a blank line is not', () => {
    expect(parseCsv('t.csv', 'text\n""\n\nx').rows).toEqual([{ text: '' }, { text: 'x' }]);
  });

  it('names columns column1..N without a header, and an empty header name by its position', () => {
    expect(parseCsv('t.csv', 'x,1\ny,0', { header: false })).toEqual({
      source: 't.csv',
      format: 'csv',
      columns: ['column1', 'column2'],
      rows: [{ column1: 'x', column2: '1' }, { column1: 'y', column2: '0' }],
      rowLines: [1, 2],
    });
    expect(parseCsv('t.csv', ',text\n0,a').columns).toEqual(['column1', 'text']);
  });

  it("keeps a column named '__proto__' as an ordinary field", () => {
    const row = parseCsv('t.csv', '__proto__,constructor\na,b').rows[0]!;
    expect(Object.keys(row)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(row['__proto__']).toBe('a');
  });

  it('reads other delimiters', () => {
    expect(parseCsv('t.csv', 'a;b\n"x;y";2', { delimiter: ';' }).rows).toEqual([{ a: 'x;y', b: '2' }]);
    expect(() => parseCsv('t.csv', 'a', { delimiter: '"' })).toThrow(RangeError);
  });

  it("detects a header row with header: 'auto'", () => {
    expect(parseCsv('t.csv', 'sentence,label\ngood,1\nbad,0', { header: 'auto' }).columns).toEqual(['sentence', 'label']);
    expect(parseCsv('t.csv', 'review,stars\ngood,5\nbad,1', { header: 'auto' }).columns).toEqual(['review', 'stars']);
    const cola = parseTsv('in_domain.tsv', 'gj04\t1\t\tOur friends will fight.\ngj04\t0\t*\tThey drank the pub.\n', { header: 'auto' });
    expect(cola.columns).toEqual(['column1', 'column2', 'column3', 'column4']);
    expect(cola.rows).toHaveLength(2);
    expect(looksLikeHeader([['a', 'a'], ['1', '2']])).toBe(false);
    expect(looksLikeHeader([['1', '2'], ['3', '4']])).toBe(false);
    expect(looksLikeHeader([])).toBe(false);
  });

  it('returns an empty table for an empty file without a header', () => {
    expect(parseCsv('t.csv', '', { header: false }).rows).toEqual([]);
  });
});

describe('parseTsv', () => {
  it('reads RFC 4180 quoting by default', () => {
    const table = parseTsv('t.tsv', 'sentence\tlabel\n"tab\there"\t1\n');
    expect(table.format).toBe('tsv');
    expect(table.rows).toEqual([{ sentence: 'tab\there', label: '1' }]);
  });

  it("with quoting 'none' reads quotes as text (GLUE SST-2 style)", () => {
    const text = 'sentence\tlabel\n" the film is "good\t1\nit \'s a "\t0\n"""\t1\n';
    const table = parseTsv('train.tsv', text, { quoting: 'none' });
    expect(table.rows).toEqual([
      { sentence: '" the film is "good', label: '1' },
      { sentence: 'it \'s a "', label: '0' },
      { sentence: '"""', label: '1' },
    ]);
    expect(table.rowLines).toEqual([2, 3, 4]);
  });

  it("with quoting 'none' drops a BOM and reads CRLF (GLUE MRPC style)", () => {
    const table = parseTsv('mrpc.tsv', '\ufeffQuality\t#1 String\r\n1\t"Hi," he said .\r\n0\t\'quoted\'\n', { quoting: 'none' });
    expect(table.columns).toEqual(['Quality', '#1 String']);
    expect(table.rows).toEqual([{ Quality: '1', '#1 String': '"Hi," he said .' }, { Quality: '0', '#1 String': "'quoted'" }]);
    expect(table.rowLines).toEqual([2, 3]);
  });

  it("with longRows 'last' a long row's last field fills the last column (GLUE SNLI style)", () => {
    const text = 'sentence1\tlabel1\tgold_label\nA\tneutral\tneutral\nB\tneutral\tentailment\tentailment\tentailment\tentailment\tentailment\n';
    const table = parseTsv('snli.tsv', text, { quoting: 'none', longRows: 'last' });
    expect(table.rows).toEqual([
      { sentence1: 'A', label1: 'neutral', gold_label: 'neutral' },
      { sentence1: 'B', label1: 'neutral', gold_label: 'entailment' },
    ]);
    expect(table.rowLines).toEqual([2, 3]);
    const short = rejection(() => parseTsv('snli.tsv', 'a\tb\tc\n1\t2\n', { longRows: 'last' }));
    expect([short.file, short.line, short.column]).toEqual(['snli.tsv', 2, 4]);
    expect(short.message).toContain('the row starting at line 2 has 2 fields where the header has 3');
  });
});

describe('CSV errors', () => {
  it('an unterminated quote, at the opening quote, suggesting quoting none', () => {
    const e = rejection(() => parseCsv('t.csv', 'text,label\nok,1\nfine,"0\nnext,1\n'));
    expect(e.name).toBe('ImportError');
    expect([e.file, e.line, e.column]).toEqual(['t.csv', 3, 6]);
    expect(e.message).toContain('t.csv: unterminated quote starting at line 3 column 6');
    expect(e.message).toContain("quoting 'none'");
  });

  it('the unterminated quote column counts characters after a BOM, and code points not UTF-16 units', () => {
    const e = rejection(() => parseCsv('t.csv', '\uFEFFa,b\n😀😀,"x'));
    expect([e.line, e.column]).toEqual([2, 4]);
  });

  it('text after a closing quote, at that character', () => {
    const e = rejection(() => parseTsv('t.tsv', 'sentence\tlabel\n"a" b\t1\n'));
    expect([e.line, e.column]).toEqual([2, 4]);
    expect(e.message).toContain("found a space at line 2 column 4 after the closing quote");
  });

  it('a row with more fields than the header, at the first extra field', () => {
    const e = rejection(() => parseCsv('t.csv', 'text,label\ngood,1\nbad, really bad,0\n'));
    expect([e.line, e.column]).toEqual([3, 17]);
    expect(e.message).toContain('the row starting at line 3 has 3 fields where the header has 2; the extra field starts at line 3 column 17');
  });

  it('a row with fewer fields than the header, at its end; a multi-line row names the line where it starts', () => {
    const e = rejection(() => parseCsv('t.csv', 'a,b,c\n1,2,3\n"x\ny",2\n'));
    expect([e.line, e.column]).toEqual([4, 5]);
    expect(e.message).toContain('the row starting at line 3 has 2 fields where the header has 3; it ends at line 4 column 5');
    const crlf = rejection(() => parseCsv('t.csv', 'a,b\r\n1,2\r\n3\r\n'));
    expect([crlf.line, crlf.column]).toEqual([3, 2]);
  });

  it('without a header, rows are compared with the first row', () => {
    const e = rejection(() => parseCsv('t.csv', 'x,1\ny,0,z', { header: false }));
    expect(e.message).toContain('where the first row has 2');
    expect([e.line, e.column]).toEqual([2, 5]);
  });

  it('a duplicate column name, at the second one', () => {
    const e = rejection(() => parseCsv('t.csv', 'text,label,text\na,1,b'));
    expect([e.line, e.column]).toEqual([1, 12]);
    expect(e.message).toContain('names column "text" twice (fields 1 and 3');
  });

  it('an empty file with a header expected', () => {
    const e = rejection(() => parseCsv('t.csv', '\n\n'));
    expect([e.line, e.column]).toEqual([1, 1]);
    expect(e.message).toContain('the file is empty');
  });
});
