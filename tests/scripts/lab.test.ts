// `npm run lab`: the GFlowPO engine headless on tiny fixture models and a built-in task, with a shortened
// schedule: it writes the report and the JSONL log, reproduces exactly by seed, runs the manual baseline,
// and refuses bad arguments with exit code 2. Values: the selected prompt is the final queue's best on
// validation, its training accuracy is the one its samples got, and a fresh manual run of its text scores
// the same on every split; side-by-side modes differ as they must (prior-only never updates, no-replay
// never replays even when replay is certain, gflowpo does both).
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

interface LoggedEvent {
  type: string;
  step: number;
  mode?: string;
  samples?: { text: string; replayed: boolean; trainAccuracy: number; logPF: number | null }[];
  entries?: { text: string; trainAccuracy: number; validationAccuracy: number | null; testAccuracy: number | null }[];
}

const parseLog = (log: string): LoggedEvent[] => log.trim().split('\n').map((l) => JSON.parse(l) as LoggedEvent);

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
    // The selected prompt is the final queue's best on validation (the first among equals, queue order), with
    // that entry's numbers; its training accuracy is the one its samples got during the run.
    const events = parseLog(a.log);
    const queue = events.filter((e) => e.type === 'queue').at(-1)!.entries!;
    expect(queue.length).toBeGreaterThan(0);
    const best = queue.reduce((x, e) => (e.validationAccuracy! > x.validationAccuracy! ? e : x));
    expect(a.report.selected).toEqual({ text: best.text, trainAccuracy: best.trainAccuracy, validationAccuracy: best.validationAccuracy, testAccuracy: best.testAccuracy });
    const sampled = events.flatMap((e) => e.samples ?? []).filter((x) => x.text === best.text);
    expect(sampled.length).toBeGreaterThan(0);
    for (const x of sampled) expect(x.trainAccuracy).toBe(best.trainAccuracy);
    // A fresh manual run of the selected text (no queue, no cache) scores the same on every split.
    const rescored = join(dir, 'rescored.json');
    await lab(['--task', 'builtin/sum', ...models(), '--mode', 'manual', '--manual-prompt', best.text, '--report', rescored]);
    expect((JSON.parse(readFileSync(rescored, 'utf8')) as Report).selected).toEqual(a.report.selected);
    expect(a.report.initialPrompts.length).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'step').map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(events.filter((e) => e.type === 'update').map((e) => e.step)).toEqual([4, 5, 6, 7, 8]); // training from step 4
    expect(events.at(-1)!.type).toBe('done');
  }, 240_000);

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

  it('runs baselines side by side on one task with --modes, each as its mode requires', async () => {
    const report = join(dir, 'modes.json');
    const log = join(dir, 'modes.jsonl');
    // Replay certain on training micro-batches, so gflowpo must replay and no-replay must still not.
    const settings = JSON.stringify({ ...JSON.parse(schedule), replayProbability: 1 });
    await lab(['--task', 'builtin/sum', ...models(), '--modes', 'gflowpo,prior-only,no-replay', '--steps', '5', '--seed', '1', '--settings', settings, '--report', report, '--log', log]);
    const r = JSON.parse(readFileSync(report, 'utf8')) as { task: string; runs: (Report & { mode: string })[] };
    expect(r.runs.map((x) => x.mode)).toEqual(['gflowpo', 'prior-only', 'no-replay']);
    for (const x of r.runs) {
      expect(x.steps).toBe(5);
      expect(x.selected).not.toBeNull();
    }
    // The log holds the three runs one after the other, each ending with its 'done' event.
    const runs: LoggedEvent[][] = [[]];
    for (const e of parseLog(readFileSync(log, 'utf8'))) {
      runs.at(-1)!.push(e);
      if (e.type === 'done') runs.push([]);
    }
    runs.pop();
    expect(runs.map((events) => events.at(-1)!.mode)).toEqual(['gflowpo', 'prior-only', 'no-replay']);
    const updates = (events: LoggedEvent[]) => events.filter((e) => e.type === 'update').map((e) => e.step);
    const replays = (events: LoggedEvent[]) => events.flatMap((e) => e.samples ?? []).filter((x) => x.replayed).length;
    const [gflowpo, priorOnly, noReplay] = runs as [LoggedEvent[], LoggedEvent[], LoggedEvent[]];
    expect(updates(gflowpo)).toEqual([4, 5]); // training from step 4 (warmupSteps 3)
    expect(replays(gflowpo)).toBeGreaterThan(0);
    expect(updates(priorOnly)).toEqual([]);
    expect(replays(priorOnly)).toBe(0);
    expect(priorOnly.flatMap((e) => e.samples ?? []).every((x) => x.logPF === null)).toBe(true);
    expect(updates(noReplay)).toEqual([4, 5]);
    expect(replays(noReplay)).toBe(0);
  }, 240_000);

  it('refuses bad arguments with exit code 2', async () => {
    await expect(lab(['--task', 'builtin/sum', '--prompt-lm', join(dir, 'prompt-lm')])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--target-lm is required') });
    await expect(lab(['--task', 'nope', ...models()])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('unknown task') });
    await expect(lab(['--task', 'builtin/sum', ...models(), '--weights', 'q5'])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("--weights must be one of f32, q8, q4, got 'q5'") });
  }, 60_000);
});
