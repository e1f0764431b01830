// TSV (quoting disabled) and CSV (RFC 4180) readers: cells, starting lines, and errors that name the line.
import { describe, expect, it } from 'vitest';
import { readCsv, readTsv } from '../../src/tasks/delimited';
import { TaskError } from '../../src/tasks/task';

describe('readTsv', () => {
  it('drops a BOM and a final newline, accepts CRLF, keeps quotes literal', () => {
    const rows = readTsv('\ufeffQuality\t#1 String\r\n1\t"Hi," he said .\r\n0\t\'quoted\'\n', 'mrpc.tsv');
    expect(rows).toEqual([
      { cells: ['Quality', '#1 String'], line: 1 },
      { cells: ['1', '"Hi," he said .'], line: 2 },
      { cells: ['0', "'quoted'"], line: 3 },
    ]);
  });

  it('rejects an empty line inside the file, naming it', () => {
    expect(() => readTsv('a\tb\n\n1\t2\n', 'x.tsv')).toThrow('x.tsv:2: empty line');
  });
});

describe('readCsv', () => {
  it('reads quoted commas, doubled quotes, newlines inside quotes and CRLF, with each record\'s first line', () => {
    const text = 'q1,"a, b","say ""hi""",x\r\n"two\nlines",2,3,4\r\nplain"quote,5,6,7';
    expect(readCsv(text, 'f.csv')).toEqual([
      { cells: ['q1', 'a, b', 'say "hi"', 'x'], line: 1 },
      { cells: ['two\nlines', '2', '3', '4'], line: 2 },
      { cells: ['plain"quote', '5', '6', '7'], line: 4 },
    ]);
  });

  it('keeps empty cells and skips blank lines', () => {
    expect(readCsv('a,,c,\n\n"",x\n', 'f.csv').map((r) => r.cells)).toEqual([['a', '', 'c', ''], ['', 'x']]);
  });

  it('rejects a quote that never closes, at the line where it opened', () => {
    const error = (() => {
      try {
        readCsv('a,b\nc,"open\nstill open', 'f.csv');
      } catch (e) {
        return e as TaskError;
      }
    })();
    expect(error).toBeInstanceOf(TaskError);
    expect(error?.line).toBe(2);
    expect(error?.message).toMatch(/^f\.csv:2: a quoted field is never closed/);
  });

  it('rejects text after a closing quote', () => {
    expect(() => readCsv('x,y\n"a"b,c\n', 'f.csv')).toThrow('f.csv:2: unexpected "b" after a closing quote');
  });
});
