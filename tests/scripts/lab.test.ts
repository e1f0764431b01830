// `npm run lab`: the GFlowPO engine headless on tiny fixture models and a built-in task, with a shortened
// schedule: it writes the report and the JSONL log, reproduces exactly by seed, runs the manual baseline,
// and refuses bad arguments with exit code 2.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlamaFixture } from '../../src/models/llama/fixture';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'lab-'));
const lab = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'scripts/lab.ts', ...args], { cwd: process.cwd(), maxBuffer: 64 << 20 });
const schedule = JSON.stringify({ warmupSteps: 3, conditionFreezeStep: 4, referencesFromStep: 6, microBatches: 2, microBatchSize: 2, maxNewTokens: 8, lrWarmupUpdates: 2 });
const models = () => ['--prompt-lm', join(dir, 'prompt-lm'), '--target-lm', join(dir, 'target-lm')];

beforeAll(async () => {
  await writeTinyLlamaFixture(join(dir, 'prompt-lm'), { seed: 1 });
  await writeTinyLlamaFixture(join(dir, 'target-lm'), { seed: 2 });
});

interface Report {
  task: string;
  seed: number;
  steps: number;
  targetCalls: number;
  reason: string;
  selected: { text: string; trainAccuracy: number; validationAccuracy: number; testAccuracy: number } | null;
  initialPrompts: { text: string }[];
  settings: { steps: number; microBatches: number };
}

describe('npm run lab', () => {
  it('runs the schedule, writes report and log, and reproduces by seed', async () => {
    const once = async (name: string) => {
      const report = join(dir, `${name}.json`);
      const log = join(dir, `${name}.jsonl`);
      await lab(['--task', 'builtin/sum', ...models(), '--steps', '8', '--seed', '3', '--settings', schedule, '--report', report, '--log', log]);
      return { report: JSON.parse(readFileSync(report, 'utf8')) as Report, log: readFileSync(log, 'utf8') };
    };
    const a = await once('a');
    const b = await once('b');
    expect(b).toEqual(a);
    expect(a.report.task).toBe('builtin/sum');
    expect(a.report.steps).toBe(8);
    expect(a.report.seed).toBe(3);
    expect(a.report.settings.microBatches).toBe(2);
    expect(a.report.reason).toBe('steps');
    expect(a.report.targetCalls).toBeGreaterThan(0);
    expect(a.report.selected).not.toBeNull();
    for (const k of ['trainAccuracy', 'validationAccuracy', 'testAccuracy'] as const) expect(a.report.selected![k]).toBeGreaterThanOrEqual(0);
    expect(a.report.initialPrompts.length).toBeGreaterThan(0);
    const events = a.log.trim().split('\n').map((l) => JSON.parse(l) as { type: string; step: number });
    expect(events.filter((e) => e.type === 'step').map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(events.filter((e) => e.type === 'update').map((e) => e.step)).toEqual([4, 5, 6, 7, 8]); // training from step 4
    expect(events.at(-1)!.type).toBe('done');
  }, 120_000);

  it('the manual baseline scores one prompt on every split; the budget stops a run', async () => {
    const report = join(dir, 'manual.json');
    await lab(['--task', 'builtin/sum', ...models(), '--mode', 'manual', '--manual-prompt', 'add the two numbers', '--report', report]);
    const r = JSON.parse(readFileSync(report, 'utf8')) as Report;
    expect(r.selected!.text).toBe('add the two numbers');
    expect(r.targetCalls).toBe(3); // train, validation, test
    const budget = join(dir, 'budget.json');
    await lab(['--task', 'builtin/sum', ...models(), '--steps', '50', '--settings', schedule, '--budget', '10', '--report', budget]);
    const rb = JSON.parse(readFileSync(budget, 'utf8')) as Report;
    expect(rb.reason).toBe('budget');
    expect(rb.steps).toBeLessThan(50);
  }, 120_000);

  it('runs baselines side by side on one task with --modes', async () => {
    const report = join(dir, 'modes.json');
    await lab(['--task', 'builtin/sum', ...models(), '--modes', 'gflowpo,prior-only,on-policy', '--steps', '5', '--seed', '1', '--settings', schedule, '--report', report]);
    const r = JSON.parse(readFileSync(report, 'utf8')) as { task: string; runs: (Report & { mode: string })[] };
    expect(r.runs.map((x) => x.mode)).toEqual(['gflowpo', 'prior-only', 'on-policy']);
    for (const x of r.runs) {
      expect(x.steps).toBe(5);
      expect(x.selected).not.toBeNull();
    }
  }, 180_000);

  it('refuses bad arguments with exit code 2', async () => {
    await expect(lab(['--task', 'builtin/sum'])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--prompt-lm is required') });
    await expect(lab(['--task', 'nope', ...models()])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('unknown task') });
  }, 60_000);
});
