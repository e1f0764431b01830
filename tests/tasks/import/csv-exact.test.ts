// CSV edges found by mutation testing (each case fails on some one-token change of src/tasks/import/csv.ts or
// column-names.ts): whole error messages, a quoted last field without a line end or before CRLF, an empty file
// without a header, and the header sniff (looksLikeHeader) vote by vote.
import { describe, expect, it } from 'vitest';
import { looksLikeHeader, parseCsv } from '../../../src/tasks/import/csv';
import { isKnownColumnName, normaliseColumnName } from '../../../src/tasks/import/column-names';

describe('parseCsv edges', () => {
  it('a quoted field may end the file or a CRLF line', () => {
    expect(parseCsv('t.csv', 'a,b\n1,"x"').rows).toEqual([{ a: '1', b: 'x' }]);
    expect(parseCsv('t.csv', 'a,b\r\n1,"x"\r\n2,"y"').rows).toEqual([{ a: '1', b: 'x' }, { a: '2', b: 'y' }]);
    expect(parseCsv('t.csv', 'a,b\r1,"x"\r').rows).toEqual([{ a: '1', b: 'x' }]);
  });

  it('an empty file without a header is an empty table', () => {
    expect(parseCsv('t.csv', '', { header: false })).toEqual({ source: 't.csv', format: 'csv', columns: [], rows: [], rowLines: [] });
    expect(parseCsv('t.csv', '\n  \n', { header: false })).toEqual({ source: 't.csv', format: 'csv', columns: [], rows: [], rowLines: [] });
  });

  it('error messages in full', () => {
    expect(() => parseCsv('t.csv', 'a', { delimiter: ';;' })).toThrow('CSV delimiter must be one character other than a quote or line break, got ";;"');
    for (const d of ['', '"', '\n', '\r']) expect(() => parseCsv('t.csv', 'a', { delimiter: d }), JSON.stringify(d)).toThrow(`got ${JSON.stringify(d)}`);
    expect(parseCsv('t.csv', 'a|b\n1|2', { delimiter: '|' }).rows).toEqual([{ a: '1', b: '2' }]);
    expect(() => parseCsv('t.csv', 'a,b\n"x"y,z')).toThrow(
      `t.csv: found "y" at line 2 column 4 after the closing quote of a field; a field that starts with '"' must end with '"' right before the ',' or line end: write a quote inside it as two (""), or import with quoting 'none' if quotes are literal text`,
    );
    expect(() => parseCsv('t.tsv', 'a\tb\n1\t2\t3', { delimiter: '\t' })).toThrow(
      't.tsv: the row starting at line 2 has 3 fields where the header has 2; the extra field starts at line 2 column 5: quote fields that contain a tab ("a\tb"), or check the delimiter',
    );
    expect(() => parseCsv('t.csv', 'a,b\n1')).toThrow(
      't.csv: the row starting at line 2 has 1 fields where the header has 2; it ends at line 2 column 2: add the missing fields (an empty field is still written, e.g. a,,c)',
    );
    // A header below blank lines is named with its line; without a header it is "the first row".
    expect(() => parseCsv('t.csv', '\n\na,b\n1')).toThrow('t.csv: the row starting at line 4 has 1 fields where the header (line 3) has 2; it ends at line 4 column 2');
    expect(() => parseCsv('t.csv', '1,2\n3', { header: false })).toThrow('where the first row has 2;');
    expect(() => parseCsv('t.csv', '1,2\n3', { header: 'auto' })).toThrow('where the first row has 2;');
  });

  it("longRows 'last': the last field fills the last column, the extra ones before it are dropped", () => {
    expect(parseCsv('t.csv', 'a,b,c\n1,2,3,4,5\n6,7,8', { longRows: 'last' }).rows).toEqual([{ a: '1', b: '2', c: '5' }, { a: '6', b: '7', c: '8' }]);
  });
});

describe('looksLikeHeader, vote by vote', () => {
  it('a name over numbers votes +1, a known column name +1; a header needs a positive total', () => {
    expect(looksLikeHeader([['x', 'n'], ['a', '1'], ['b', '2']])).toBe(true); // n over numbers: +1
    expect(looksLikeHeader([['x', 'y'], ['a', 'b']])).toBe(false); // no vote: 0 is not enough
    expect(looksLikeHeader([['sentence', 'y'], ['a', 'b']])).toBe(true); // a known name: +1
    expect(looksLikeHeader([['sentence', '5'], ['a', '1']])).toBe(false); // +1, then a number over numbers: -2
  });

  it('the body is the rows below the first, at most 100, blank cells ignored', () => {
    expect(looksLikeHeader([['x', 'n']])).toBe(false); // no body: no vote
    expect(looksLikeHeader([['x', 'n'], ['a', ''], ['b', '  '], ['c', '2']])).toBe(true);
    expect(looksLikeHeader([['x', 'n'], ['a', ''], ['b', '  ']])).toBe(false); // only blanks: no vote
    expect(looksLikeHeader([['x', 'n'], ['a', '1'], ['b', 'z']])).toBe(false); // not all numbers
    expect(looksLikeHeader([['x', 'n'], ['a'], ['b', '1']])).toBe(true); // a short row has a blank cell there
    const rows = [['x', 'n'], ...Array.from({ length: 100 }, (_, i) => ['a', String(i)]), ['b', 'not a number']];
    expect(looksLikeHeader(rows)).toBe(true); // row 102 is beyond the window
  });

  it('a first row with a blank or whitespace-only cell or a repeated cell is data', () => {
    expect(looksLikeHeader([['sentence', ''], ['a', '1']])).toBe(false);
    expect(looksLikeHeader([['sentence', '  '], ['a', '1']])).toBe(false);
    expect(looksLikeHeader([['label', 'label'], ['a', '1']])).toBe(false);
  });

  it('known column names are matched after trimming, lower-casing and spaces or dashes as _', () => {
    expect(normaliseColumnName('  Gold -  Label ')).toBe('gold_label');
    expect(normaliseColumnName('a  b')).toBe('a_b');
    expect(isKnownColumnName(' Sentence ')).toBe(true);
    expect(isKnownColumnName('gold-label')).toBe(true);
    expect(isKnownColumnName('Gold Label')).toBe(true);
    expect(isKnownColumnName('goldlabel')).toBe(false);
    expect(isKnownColumnName('colour')).toBe(false);
  });
});

describe('looksLikeHeader: which cells are numbers', () => {
  it('signed, spaced, decimal and exponent numbers are numbers', () => {
    expect(looksLikeHeader([['x', 'n'], ['a', '12.25'], ['b', '-3'], ['c', ' 4 '], ['d', '+1e5'], ['e', '.25'], ['f', '2e-5'], ['g', '3E10']])).toBe(true);
  });
  it('text with a number at its end or its start is not', () => {
    expect(looksLikeHeader([['x', 'n'], ['a', 'x1'], ['b', 'y2']])).toBe(false);
    expect(looksLikeHeader([['x', 'n'], ['a', '1x'], ['b', '2y']])).toBe(false);
    expect(looksLikeHeader([['x', 'n'], ['a', '1.5abc'], ['b', '2.']])).toBe(false);
  });
});
