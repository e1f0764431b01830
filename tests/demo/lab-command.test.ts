// `npm run lab` on the demo world: --list-tasks prints every task name the command accepts, one a line (the demo
// tasks among them), and --task demo/<task> with no model flags runs on the committed demo models.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEMO_TASKS, demoTask } from '../../src/demo/world/tasks';
import { estimateRun } from '../../src/gflow/estimate';
import { resolveSettings } from '../../src/gflow/settings';
import { sharedTaskNames } from '../../src/tasks/registry';

const run = promisify(execFile);
const lab = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'scripts/lab.ts', ...args], { cwd: process.cwd(), maxBuffer: 64 << 20 });

describe('npm run lab on the demo world', () => {
  it('--list-tasks prints every registry name, one a line', async () => {
    const { stdout } = await lab(['--list-tasks']);
    const lines = stdout.trim().split('\n');
    expect(lines).toEqual(sharedTaskNames());
    for (const t of DEMO_TASKS) expect(lines).toContain(`demo/${t}`);
  });

  it('--task demo/<task> needs no model flags', async () => {
    const report = join(mkdtempSync(join(tmpdir(), 'lab-demo-')), 'report.json');
    const settings = JSON.stringify({ steps: 3, warmupSteps: 2, conditionFreezeStep: 3, referencesFromStep: 3, microBatches: 1, microBatchSize: 4, maxNewTokens: 12, lrWarmupUpdates: 1 });
    const { stdout } = await lab(['--task', 'demo/even', '--seed', '1', '--settings', settings, '--report', report]);
    const r = JSON.parse(readFileSync(report, 'utf8')) as { task: string; promptLM: string; targetLM: string; steps: number; targetCalls: number; selected: { text: string } | null };
    // The first line: the estimate from a calibration, its calls the schedule's count (an upper bound: repeats are cached).
    const task = demoTask('even');
    const splits = { train: task.splits.train.length, validation: task.splits.validation.length, test: task.splits.test.length };
    const calls = estimateRun(resolveSettings(JSON.parse(settings), task), splits, { sampleMs: 1, priorMs: 1, targetMsPerExample: 1, accumulateMs: 1, applyMs: 1 }).targetCalls;
    const first = /^\[gflowpo\] estimate: at most (\d+) s and (\d+) target-LM calls for 3 steps \(sampling \d+%, prior \d+%, scoring \d+%, update \d+%, selection \d+%; /.exec(stdout.split('\n')[0]!);
    expect(first, stdout.split('\n')[0]).not.toBeNull();
    expect(Number(first![2])).toBe(Math.round(calls));
    expect(r.targetCalls).toBeLessThanOrEqual(Math.round(calls));
    expect(r.task).toBe('demo/even');
    expect(r.promptLM).toBe('demo-prompt-lm');
    expect(r.targetLM).toMatch(/compiled\/wasm/);
    expect(r.steps).toBe(3);
    expect(r.selected?.text.length).toBeGreaterThan(0);
  });
});
