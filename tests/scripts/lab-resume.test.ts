// `npm run lab -- --state FILE` / `--resume FILE` on tiny fixture models: a run killed with SIGKILL at random
// points (after a random step's line plus a random delay, so mostly mid-step) and resumed ends with the same report
// and event log as the uninterrupted run of the same seed; the state file is always a whole run file and its journal
// holds only answers of the step after it; bad and foreign state files, and flags that contradict the saved run,
// are refused naming what differs.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlamaFixture } from '../../src/models/llama/fixture';
import { mulberry32 } from '../../src/random/mulberry32';
import { decodeRunFile } from '../../src/store/run-file';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'lab-resume-'));
const lab = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'scripts/lab.ts', ...args], { cwd: process.cwd(), maxBuffer: 64 << 20 });
const schedule = JSON.stringify({ warmupSteps: 2, conditionFreezeStep: 3, referencesFromStep: 4, microBatches: 2, microBatchSize: 2, maxNewTokens: 8, lrWarmupUpdates: 2 });
const models = (prompt = 'prompt-lm') => ['--prompt-lm', join(dir, prompt), '--target-lm', join(dir, 'target-lm')];
const runArgs = ['--task', 'builtin/sum', '--steps', '5', '--seed', '7', '--settings', schedule];

beforeAll(async () => {
  await writeTinyLlamaFixture(join(dir, 'prompt-lm'), { seed: 1 });
  await writeTinyLlamaFixture(join(dir, 'target-lm'), { seed: 2 });
  await writeTinyLlamaFixture(join(dir, 'qwen3'), { seed: 1, modelType: 'qwen3' });
});

/** Starts the command and kills it with SIGKILL `delayMs` after it printed a line for step `afterStep`. */
function killedRun(args: string[], afterStep: number, delayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/lab.ts', ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let armed = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!armed && new RegExp(`step ${afterStep}: buffer`).test(out)) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`the run ended (${code}) before it was killed:\n${out}`))));
  });
}

describe('npm run lab --state / --resume', () => {
  it('a run killed at random points and resumed ends with the uninterrupted report and log', async () => {
    const reference = { report: join(dir, 'ref.json'), log: join(dir, 'ref.jsonl') };
    await lab([...runArgs, ...models(), '--report', reference.report, '--log', reference.log]);
    const state = join(dir, 'killed.gflowpo');
    const report = join(dir, 'killed.json');
    const log = join(dir, 'killed.jsonl');
    const random = mulberry32(99);
    const kills = [1, 3].map((afterStep) => ({ afterStep, delayMs: Math.floor(random() * 1500) }));
    await killedRun([...runArgs, ...models(), '--state', state, '--log', log], kills[0]!.afterStep, kills[0]!.delayMs);
    const saved: number[] = [];
    const journalled: number[] = [];
    /** After a kill: the state file is a whole run; the journal holds only answers of the step after it. */
    const afterKill = () => {
      const step = decodeRunFile(readFileSync(state)).run.step;
      const lines = existsSync(`${state}.journal`) ? readFileSync(`${state}.journal`, 'utf8').split('\n').filter(Boolean) : [];
      const complete = lines.filter((l) => l.endsWith('}')).map((l) => JSON.parse(l) as { step: number; score: number });
      expect(complete.every((r) => r.step === step + 1 && r.score >= 0 && r.score <= 1)).toBe(true);
      saved.push(step);
      journalled.push(complete.length);
    };
    for (const kill of kills.slice(1)) {
      afterKill();
      await killedRun([...models(), '--resume', state, '--log', log], kill.afterStep, kill.delayMs);
    }
    afterKill();
    expect(saved.every((s, i) => s >= (kills[i]!.afterStep) && s < 5)).toBe(true);
    const { stdout } = await lab([...models(), '--resume', state, '--report', report, '--log', log]);
    expect(stdout).toContain(`resumed ${state} after step ${saved.at(-1)} of 5`);
    expect(JSON.parse(readFileSync(report, 'utf8'))).toEqual(JSON.parse(readFileSync(reference.report, 'utf8')));
    expect(readFileSync(log, 'utf8')).toBe(readFileSync(reference.log, 'utf8'));
    const finished = decodeRunFile(readFileSync(state));
    expect([finished.run.status, finished.run.step]).toEqual(['finished', 5]);
    expect(existsSync(`${state}.tmp`)).toBe(false);
    expect(existsSync(`${state}.journal`)).toBe(false);
    console.log(`killed after step lines ${kills.map((k) => `${k.afterStep} (+${k.delayMs} ms)`).join(', ')}; saved steps at the kills: ${saved.join(', ')}; journalled answers then: ${journalled.join(', ')}`);
  }, 300_000);

  it('refuses bad and foreign state files and contradicting flags, naming what differs', async () => {
    const state = join(dir, 'short.gflowpo');
    await lab([...runArgs, '--steps', '2', ...models(), '--state', state]);
    const before = readFileSync(state);
    await expect(lab([...runArgs, ...models(), '--state', state])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining(`--state ${state} exists; continue that run with --resume ${state}`) });

    const json = join(dir, 'state.json');
    writeFileSync(json, '{"version":2}');
    await expect(lab([...models(), '--resume', json])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(`RunFileError: --resume ${json}: this is not a GFlowPO run file (it is JSON`) });
    const truncated = join(dir, 'truncated.gflowpo');
    writeFileSync(truncated, readFileSync(state).subarray(0, 5000));
    await expect(lab([...models(), '--resume', truncated])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('the run file is truncated: it has 5000 bytes of the') });

    await expect(lab([...models(), '--resume', state, '--task', 'builtin/diff'])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/RunMismatchError: the saved run is for task builtin\/sum\[.*\]#[0-9a-f]+, not builtin\/diff\[/) });
    await expect(lab([...models('qwen3'), '--resume', state])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("RunMismatchError: the prompt-LM does not take the saved run's adapter") });
    await expect(lab([...models(), '--resume', state, '--steps', '9'])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--resume: the saved run has steps = 2, the flags say 9') });
    // The refusals wrote nothing.
    expect(readFileSync(state).equals(before)).toBe(true);
    expect(decodeRunFile(readFileSync(state)).run.status).toBe('finished');
  }, 240_000);
});
