// `npm run bench:import [-- --sizes 1,4,50] [--timeout-s 300] [--shape lines|one-line]`: import time of a JSON
// file of examples generated in memory (an array of {"input", "target", "idx"} objects, one per line by default, or
// all on one line), at 1, 4 and 50 MB. Each size runs in its own child process with a time limit, so a parser that
// hangs is reported as "> limit" instead of stopping the bench. Prints one line per size: parse (text -> Table),
// map (Table -> examples) and total seconds, rows per second. The last line sums them up.
// `npm run bench:import -- --csv [--sizes 1,4,50]`: our CSV parser against papaparse on the same generated CSV
// (quoted fields with commas, doubled quotes and line breaks), median of 3 runs each, then both on the same malformed
// files: what each reports and where.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';
import { parseCsv } from '../src/tasks/import/csv';
import { parseImport } from '../src/tasks/import/detect';
import { mapExamples } from '../src/tasks/import/mapping';

const WORDS = ['the', 'film', 'was', 'a', 'quiet', 'triumph', 'of', 'craft', 'and', 'nerve', 'though', 'its', 'ending', 'drags', 'slightly', 'for', 'some'];

/** A JSON array of examples of about `megabytes` MB (UTF-8), deterministic. */
export function generateJson(megabytes: number, shape: 'lines' | 'one-line'): { text: string; rows: number } {
  const target = megabytes * 1_000_000;
  const parts: string[] = [];
  let size = 2;
  let seed = 1;
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  while (size < target) {
    const n = 8 + (next() % 14);
    const input = Array.from({ length: n }, () => WORDS[next() % WORDS.length]).join(' ');
    const row = JSON.stringify({ input, target: next() % 2 === 0 ? 'positive' : 'negative', idx: parts.length });
    parts.push(row);
    size += row.length + 2;
  }
  const sep = shape === 'lines' ? ',\n' : ',';
  return { text: `[${shape === 'lines' ? '\n' : ''}${parts.join(sep)}${shape === 'lines' ? '\n' : ''}]`, rows: parts.length };
}

function one(megabytes: number, shape: 'lines' | 'one-line'): void {
  const { text, rows } = generateJson(megabytes, shape);
  const t0 = performance.now();
  const table = parseImport('bench.json', text);
  const t1 = performance.now();
  const examples = mapExamples(table, { inputColumns: ['input'], outputColumn: 'target' });
  const t2 = performance.now();
  if (examples.length !== rows) throw new Error(`imported ${examples.length} rows, generated ${rows}`);
  const total = (t2 - t0) / 1000;
  const mb = (text.length / 1e6).toFixed(1);
  console.log(`json ${megabytes} MB (${mb} MB, ${rows} rows, ${shape}): parse ${((t1 - t0) / 1000).toFixed(3)} s, map ${((t2 - t1) / 1000).toFixed(3)} s, total ${total.toFixed(3)} s (${Math.round(rows / total)} rows/s)`);
}

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/** A CSV of examples of about `megabytes` MB: text, label, note; every 7th text quoted with a comma, a doubled quote and a line break. */
export function generateCsv(megabytes: number): { text: string; rows: number } {
  const parts = ['text,label,note'];
  let size = parts[0]!.length + 1;
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  while (size < megabytes * 1_000_000) {
    const n = 8 + (next() % 14);
    let text = Array.from({ length: n }, () => WORDS[next() % WORDS.length]).join(' ');
    if (parts.length % 7 === 0) text = `"${text}, she said ""twice""\nand left"`;
    const row = `${text},${next() % 2},n${parts.length}`;
    parts.push(row);
    size += row.length + 1;
  }
  return { text: `${parts.join('\n')}\n`, rows: parts.length - 1 };
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
}

function timeIt(run: () => unknown): number {
  const t0 = performance.now();
  run();
  return (performance.now() - t0) / 1000;
}

const MALFORMED: [string, string][] = [
  ['unterminated quote', 'text,label\ngood,1\n"never closed,0\nbad,0\n'],
  ['text after a closing quote', 'text,label\n"good" film,1\n'],
  ['a row with too many fields', 'text,label\ngood,1\nbad,0,extra\n'],
  ['a row with too few fields', 'text,label\ngood,1\nbad\n'],
  ['a duplicate column name', 'text,text\ngood,1\n'],
  ['too many fields on one long line', `text,label\n${'x'.repeat(5000)},1,2\n`],
];

function compareCsv(sizes: number[]): void {
  for (const mb of sizes) {
    const { text, rows } = generateCsv(mb);
    const ours = median([0, 1, 2].map(() => timeIt(() => parseCsv('bench.csv', text))));
    const papa = median([0, 1, 2].map(() => timeIt(() => Papa.parse(text, { header: true, skipEmptyLines: true }))));
    const a = parseCsv('bench.csv', text);
    const b = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
    const same = a.rows.length === b.data.length && a.rows.every((r, i) => r['text'] === b.data[i]!['text'] && r['note'] === b.data[i]!['note']);
    console.log(`csv ${mb} MB (${rows} rows): ours ${ours.toFixed(3)} s, papaparse ${papa.toFixed(3)} s; same rows: ${same}`);
  }
  for (const [what, text] of MALFORMED) {
    let ours: string;
    try {
      parseCsv('bad.csv', text);
      ours = 'no error';
    } catch (error) {
      ours = (error as Error).message;
    }
    const papa = Papa.parse(text, { header: true, skipEmptyLines: true });
    const errors = papa.errors.map((e) => `${e.code} "${e.message}" row ${e.row ?? '-'}${e.index !== undefined ? ` index ${e.index}` : ''}`);
    console.log(`\n${what}:\n  ours: ${ours}\n  papaparse: ${errors.join('; ') || 'no error'} (${papa.data.length} rows returned)`);
  }
}

const shape = flag('shape', 'lines') as 'lines' | 'one-line';
if (shape !== 'lines' && shape !== 'one-line') throw new Error(`--shape must be lines or one-line, got ${shape}`);
const single = flag('one', '');
if (process.argv.includes('--csv')) compareCsv(flag('sizes', '1,4,50').split(',').map(Number));
else if (single !== '') one(Number(single), shape);
else {
  const sizes = flag('sizes', '1,4,50').split(',').map(Number);
  const limit = Number(flag('timeout-s', '300'));
  const summary: string[] = [];
  for (const mb of sizes) {
    const started = performance.now();
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--one', String(mb), '--shape', shape], {
      encoding: 'utf8',
      timeout: limit * 1000,
      maxBuffer: 1 << 20,
    });
    const seconds = (performance.now() - started) / 1000;
    if (child.error && (child.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
      console.log(`json ${mb} MB (${shape}): did not finish within ${limit} s (killed)`);
      summary.push(`${mb} MB > ${limit} s`);
    } else if (child.status !== 0) {
      console.log(`json ${mb} MB: failed (exit ${child.status}): ${child.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      summary.push(`${mb} MB failed`);
    } else {
      process.stdout.write(child.stdout);
      const total = /total ([\d.]+) s/.exec(child.stdout)?.[1];
      summary.push(`${mb} MB ${total ?? seconds.toFixed(1)} s`);
    }
  }
  console.log(`import time (${shape}): ${summary.join(', ')}`);
}
