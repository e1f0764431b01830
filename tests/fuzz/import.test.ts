// Fuzz: the import parsers (CSV/TSV, JSON, JSON Lines, byte decoding), row positions, Import -> Task and the
// benchmark loaders. Round trips on generated tables; on arbitrary and mutated text each parser returns a table or
// throws its named error with a position inside the text. FUZZ_RUNS sets the runs per property (tests/fuzz/support.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bbhTask } from '../../src/tasks/bbh';
import { bigBenchTask } from '../../src/tasks/bigbench';
import { parseCsv } from '../../src/tasks/import/csv';
import { decodeText, parseImport } from '../../src/tasks/import/detect';
import { parseJson } from '../../src/tasks/import/json';
import { scanJson } from '../../src/tasks/import/json-scan';
import { parseJsonl } from '../../src/tasks/import/jsonl';
import { PositionIndex, lineColumn } from '../../src/tasks/import/position';
import { SplitError } from '../../src/tasks/import/split';
import { taskFromFile } from '../../src/tasks/import/task-file';
import { importTask, type TaskMapping } from '../../src/tasks/import/to-task';
import { ImportError, type Table, cellText } from '../../src/tasks/import/types';
import { TaskError, checkTask } from '../../src/tasks/task';
import { mutateText, params, textMutation, valueOrNamedError } from './support';

const text = (maxLength = 40) => fc.string({ unit: 'binary', maxLength });
const csvish = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', ';', '\t', '"', '\n', '\r', '\uFEFF', 'é', '\u{1F600}'), maxLength: 80 });

/** Line and column of an offset by the definition (split on CRLF, LF, CR; columns in code points). */
function naivePosition(t: string, offset: number): { line: number; column: number } {
  const lines = t.slice(0, offset).split(/\r\n|\n|\r/);
  return { line: lines.length, column: [...lines.at(-1)!].length + 1 };
}

function checkPosition(t: string, e: ImportError): void {
  expect(e.line).toBeGreaterThanOrEqual(1);
  expect(e.column).toBeGreaterThanOrEqual(1);
  expect(e.line).toBeLessThanOrEqual(t.split(/\r\n|\n|\r/).length + 1);
}

describe('positions', () => {
  it('PositionIndex gives lineColumn for every offset (CRLF, CR, LF, surrogate pairs, lone surrogates)', () => {
    const t = fc.string({ unit: fc.constantFrom('a', '\n', '\r', '\u{1F600}', '\uD800', '\uDC00', 'é'), maxLength: 60 });
    fc.assert(
      fc.property(t, fc.nat(70), (s, offset) => {
        expect(new PositionIndex(s).lineColumn(offset)).toEqual(lineColumn(s, offset));
        const at = Math.min(offset, s.length);
        if (!(s[at - 1] === '\r' && s[at] === '\n')) expect(lineColumn(s, at)).toEqual(naivePosition(s, at)); // not inside a CRLF
      }),
      params(300),
    );
  });
});

describe('CSV', () => {
  const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
  it('round-trips any table of quoted fields (commas, quotes, line breaks, any Unicode)', () => {
    const table = fc.integer({ min: 2, max: 4 }).chain((width) => fc.array(fc.array(text(12), { minLength: width, maxLength: width }), { maxLength: 8 }).map((rows) => ({ width, rows })));
    fc.assert(
      fc.property(table, fc.constantFrom('\n', '\r\n'), ({ width, rows }, eol) => {
        const names = ['a', 'b', 'c', 'd'].slice(0, width);
        const file = [names.join(','), ...rows.map((r) => r.map(quote).join(','))].join(eol) + eol;
        const parsed = parseCsv('t.csv', file);
        expect(parsed.columns).toEqual(names);
        expect(parsed.rows).toEqual(rows.map((r) => Object.fromEntries(names.map((n, k) => [n, r[k]]))));
      }),
      params(),
    );
  });

  it('arbitrary text is a table or an ImportError at a line and column of the text', () => {
    fc.assert(
      fc.property(csvish, fc.constantFrom(',', '\t', ';'), fc.constantFrom<'rfc4180' | 'none'>('rfc4180', 'none'), fc.constantFrom<boolean | 'auto'>(true, false, 'auto'), (t, delimiter, quoting, header) => {
        const table = valueOrNamedError(() => parseCsv('t.csv', t, { delimiter, quoting, header }), [ImportError]);
        if (table) for (const row of table.rows) expect(Object.keys(row)).toEqual(table.columns);
        else {
          try {
            parseCsv('t.csv', t, { delimiter, quoting, header });
          } catch (e) {
            checkPosition(t, e as ImportError);
          }
        }
      }),
      params(400),
    );
  });
});

describe('JSON and JSON Lines', () => {
  const key = fc.constantFrom('text', 'label', 'x y', '__proto__', 'constructor', 'é', '');
  const row = fc.uniqueArray(fc.tuple(key, fc.jsonValue({ maxDepth: 2 })), { selector: ([k]) => k, maxLength: 4 });
  const objectText = (entries: [string, unknown][]) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`;

  it('round-trips arrays of objects, one-line or one per line; every row starts at its "{"', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 6 }), fc.constantFrom(',', ',\n  ', ',\r\n'), (rows, sep) => {
        const file = `[${rows.map(objectText).join(sep)}]`;
        const table = parseJson('t.json', file);
        expect(table.rows.map((r) => Object.entries(r))).toEqual(rows.map((entries) => entries.map(([k, v]) => [k, cellText(v)])));
        const lines = file.split(/\r\n|\n|\r/);
        table.rowLines.forEach((line, i) => expect([...lines[line - 1]!][table.rowColumns![i]! - 1]).toBe('{'));
      }),
      params(),
    );
  });

  it('mutated JSON is a table or an ImportError inside the text, and the scanner agrees with JSON.parse', () => {
    const doc = fc.array(row, { minLength: 1, maxLength: 4 }).map((rows) => `[${rows.map(objectText).join(',\n')}]`);
    fc.assert(
      fc.property(doc.chain((d) => fc.tuple(fc.constant(d), fc.array(textMutation(d.length), { minLength: 1, maxLength: 3 }))), ([d, mutations]) => {
        const t = mutations.reduce(mutateText, d);
        let parses = true;
        try {
          JSON.parse(t);
        } catch {
          parses = false;
        }
        expect(scanJson(t, 0).ok).toBe(parses);
        try {
          parseJson('t.json', t);
        } catch (e) {
          expect(e).toBeInstanceOf(ImportError);
          checkPosition(t, e as ImportError);
        }
      }),
      params(400),
    );
  });

  it('arbitrary JSON values and lines are tables or ImportErrors', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.array(fc.oneof(fc.json({ maxDepth: 2 }), text(10)), { maxLength: 5 }), (value, lines) => {
        valueOrNamedError(() => parseJson('t.json', JSON.stringify(value)), [ImportError]);
        valueOrNamedError(() => parseJsonl('t.jsonl', lines.join('\n')), [ImportError]);
        valueOrNamedError(() => parseImport('t', lines.join('\n')), [ImportError]);
      }),
      params(),
    );
  });
});

describe('bytes', () => {
  it('any bytes decode to text or an ImportError; UTF-8 decodes to what was encoded', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), text(20), (bytes, s) => {
        valueOrNamedError(() => decodeText('f.csv', bytes), [ImportError]);
        const encoded = new TextEncoder().encode(s);
        if (!(encoded[0] === 0xff && encoded[1] === 0xfe) && !(encoded[0] === 0xfe && encoded[1] === 0xff)) expect(decodeText('f.csv', encoded)).toBe(new TextDecoder().decode(encoded));
      }),
      params(400),
    );
  });
});

describe('Import -> Task', () => {
  const cellValue = fc.oneof(fc.constantFrom('', ' ', 'yes', 'no', '0', '1', '2', 'B', '(A)', 'a'), fc.constant('{"yes": 1, "no": 0}'), fc.constant('["x", "y"]'), fc.constant('[]'), fc.constant('{}'), text(6));
  const table = fc.array(fc.tuple(cellValue, cellValue, cellValue), { minLength: 0, maxLength: 12 }).map(
    (rows): Table => ({ source: 't.csv', format: 'csv', columns: ['q', 'answer', 'other'], rows: rows.map(([q, answer, other]) => ({ q, answer, other })), rowLines: rows.map((_, i) => i + 2) }),
  );
  const mapping = fc.record({
    family: fc.constantFrom('classification', 'generation', 'multiple_choice', 'regression'),
    inputColumns: fc.constantFrom(['q'], ['q', 'other'], ['answer'], [], ['nope']),
    targetColumn: fc.constantFrom('answer', 'other', 'q', 'nope'),
    choicesColumn: fc.option(fc.constantFrom('other', 'answer'), { nil: undefined }),
    trainSize: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    validationSize: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  });

  it('any table and mapping give a checked task or a named error', () => {
    fc.assert(
      fc.property(table, mapping, (t, m) => {
        const clean = Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) as unknown as TaskMapping;
        const task = valueOrNamedError(() => importTask(t, clean), [ImportError, TaskError, SplitError]);
        if (task) expect(checkTask(task)).toBe(task);
      }),
      params(400),
    );
  });

  it('any JSON file gives a task or a named error (benchmark recognition included)', () => {
    const example = fc.record(
      { input: fc.oneof(text(8), fc.integer()), target: fc.oneof(text(6), fc.array(text(4), { maxLength: 3 }), fc.integer()), target_scores: fc.dictionary(fc.constantFrom('a', 'b', 'c', '__proto__'), fc.oneof(fc.double(), fc.integer({ min: 0, max: 1 }), fc.string())) },
      { requiredKeys: ['input'] },
    );
    const file = fc.record({ examples: fc.array(example, { maxLength: 8 }), preferred_score: fc.constantFrom('multiple_choice_grade', 'exact_str_match', 'bleu'), canary: fc.string() }, { requiredKeys: ['examples'] });
    fc.assert(
      fc.property(file, (f) => {
        const t = JSON.stringify(f);
        valueOrNamedError(() => taskFromFile('x.json', t), [ImportError, TaskError, SplitError]);
        valueOrNamedError(() => bigBenchTask(t, 'x.json'), [ImportError, TaskError]);
        valueOrNamedError(() => bbhTask(t, 'x.json'), [ImportError, TaskError]);
      }),
      params(400),
    );
  });
});
