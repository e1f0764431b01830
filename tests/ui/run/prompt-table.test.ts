// The explorer's query: each sort key, the filter and "buffer only", stable order, pages and ranks; CSV and JSON export.
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { promptsToCsv, promptsToJson } from '../../../src/ui/run/prompt-export';
import { percent, queryPrompts } from '../../../src/ui/run/prompt-table';
import type { PromptRow } from '../../../src/ui/run/run-log';

const row = (text: string, train: number, val: number | null, test: number | null, firstStep: number, sampled: number, inBuffer = true): PromptRow => ({
  text, firstStep, sampled, replayed: 0, trainAccuracy: train, validationAccuracy: val, testAccuracy: test, bestLogReward: -1, inBuffer, initial: firstStep === 1,
});
const rows = [row('alpha', 0.5, 0.9, 0.1, 3, 1), row('beta', 0.75, null, null, 1, 5), row('gamma', 0.5, 0.2, 0.8, 2, 2, false), row('delta', 0.25, 0.5, 0.5, 1, 1)];
const q = { sort: 'train' as const, filter: '', bufferOnly: false, page: 0, pageSize: 10 };
const texts = (r: { rows: PromptRow[] }) => r.rows.map((x) => x.text);

describe('queryPrompts', () => {
  it('sorts by each key, unscored last', () => {
    expect(texts(queryPrompts(rows, q))).toEqual(['beta', 'alpha', 'gamma', 'delta']);
    expect(texts(queryPrompts(rows, { ...q, sort: 'validation' }))).toEqual(['alpha', 'delta', 'gamma', 'beta']);
    expect(texts(queryPrompts(rows, { ...q, sort: 'test' }))).toEqual(['gamma', 'delta', 'alpha', 'beta']);
    expect(texts(queryPrompts(rows, { ...q, sort: 'firstStep' }))).toEqual(['beta', 'delta', 'gamma', 'alpha']);
    expect(texts(queryPrompts(rows, { ...q, sort: 'sampled' }))).toEqual(['beta', 'gamma', 'alpha', 'delta']);
  });

  it('filters by text (case-insensitive) and buffer membership, and pages', () => {
    expect(texts(queryPrompts(rows, { ...q, filter: 'A' }))).toEqual(['beta', 'alpha', 'gamma', 'delta']);
    expect(texts(queryPrompts(rows, { ...q, filter: 'MM' }))).toEqual(['gamma']);
    expect(texts(queryPrompts(rows, { ...q, bufferOnly: true }))).toEqual(['beta', 'alpha', 'delta']);
    const page = queryPrompts(rows, { ...q, pageSize: 3, page: 1 });
    expect([texts(page), page.pages, page.firstRank, page.matching]).toEqual([['delta'], 2, 4, 4]);
    expect(queryPrompts(rows, { ...q, pageSize: 3, page: 9 }).page).toBe(1); // clamped
  });

  it('formats percentages', () => {
    expect([percent(0.8125), percent(null), percent(1, 0)]).toEqual(['81.3%', '—', '100%']);
  });
});

describe('export', () => {
  it('writes CSV that parses back to the rows, with spreadsheet formulas escaped', () => {
    const tricky = [row('=HYPERLINK("http://x")', 1, 0.5, null, 1, 2), row('say "hi",\nthen <script>alert(1)</script>', 0, null, null, 2, 1, false)];
    const csv = promptsToCsv(tricky);
    const parsed = Papa.parse<Record<string, string>>(csv, { header: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.data.map((r) => [r['text'], r['trainAccuracy'], r['validationAccuracy'], r['testAccuracy'], r['inBuffer']])).toEqual([
      ["'=HYPERLINK(\"http://x\")", '1', '0.5', '', 'true'],
      ['say "hi",\nthen <script>alert(1)</script>', '0', '', '', 'false'],
    ]);
  });

  it('writes JSON with the run and every row', () => {
    const json = JSON.parse(promptsToJson(rows.slice(0, 1), { id: 'r1', task: 'builtin/sum' }));
    expect(json).toEqual({ run: 'r1', task: 'builtin/sum', prompts: [{ text: 'alpha', trainAccuracy: 0.5, validationAccuracy: 0.9, testAccuracy: 0.1, firstStep: 3, sampled: 1, replayed: 0, bestLogReward: -1, inBuffer: true, initial: false }] });
  });
});
