// `npm run task -- inspect`: the Task a file would make as JSON (a BIG-bench fixture with no flags; a CSV whose
// guessed mapping is flagged, then confirmed with --map), and every error as JSON with its position and exit code 2.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const task = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'scripts/task.ts', ...args], { cwd: process.cwd() });

describe('npm run task -- inspect', () => {
  it('prints the task of a BIG-bench task.json, recognised by structure', async () => {
    const { stdout } = await task(['inspect', 'tests/fixtures/bigbench/plural_forms/task.json']);
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ format: 'bigbench', name: 'bigbench/plural_forms', family: 'generation', metric: 'exact_match', splits: { train: 4, validation: 4, test: 4 }, flags: [] });
    expect((out['examples'] as unknown[]).length).toBe(2);
    expect(out['id']).toMatch(/^bigbench\/plural_forms\[source=tests\/fixtures\/bigbench\/plural_forms\/task\.json,family=generation,/);
  }, 60_000);

  it('a flagged guess exits 2 with the named error; --map confirms it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'task-inspect-'));
    const file = join(dir, 'reviews.csv');
    writeFileSync(file, `review,stars\n${Array.from({ length: 9 }, (_, i) => `review ${i},${i % 2}`).join('\n')}\n`);
    const refused = (await task(['inspect', file]).catch((e: unknown) => e)) as { code: number; stdout: string };
    expect(refused.code).toBe(2);
    const { error } = JSON.parse(refused.stdout) as { error: { name: string; message: string; line: number; column: number } };
    expect([error.name, error.line, error.column]).toEqual(['ImportError', 1, 1]);
    expect(error.message).toContain('the labels of "stars" are numbers (0, 1)');
    const { stdout } = await task(['inspect', file, '--map', '{"labelWords": {"0": "bad", "1": "good"}}']);
    expect(JSON.parse(stdout)).toMatchObject({ format: 'csv', family: 'classification', labels: ['bad', 'good'], splits: { train: 3, validation: 3, test: 3 } });
  }, 60_000);

  it('a malformed file and bad arguments exit 2 with the error as JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'task-inspect-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, '[{"input": "a", "target": "b"},\n {"input": "c" "target": "d"}]');
    const bad = (await task(['inspect', file]).catch((e: unknown) => e)) as { code: number; stdout: string };
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error).toMatchObject({ name: 'ImportError', line: 2, column: 16 });
    const usage = (await task(['frobnicate']).catch((e: unknown) => e)) as { code: number; stderr: string; stdout: string };
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout).error.name).toBe('UsageError');
    expect(usage.stderr).toContain('usage: npm run task -- inspect FILE');
  }, 60_000);
});
