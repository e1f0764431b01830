// `npm run lab -- --target-lm openai:<base URL>#<model>`: a full GFlowPO run (tiny schedule, a small SST-2-format
// task written from the fixture's vocabulary) with the target-LM on our OpenAI-compatible test server gives the same
// report and event log as the same run with the local target on the same weights; the key comes from
// OPENAI_API_KEY and is in no report, log or state file; a bad spec or a missing key is refused clearly.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalModelFolder } from '../../src/models/formats/local-folder-node';
import { writeTinyLlamaFixture } from '../../src/models/llama/fixture';
import { OpenAIFixtureServer } from '../support/openai-server';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'lab-remote-'));
const KEY = 'sk-lab-remote-5e1d0c';
const lab = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/lab.ts', ...args], { cwd: process.cwd(), maxBuffer: 64 << 20, env: { ...process.env, ...env } });
// Two steps of 2 prompts: one filling step, one training step (an update), then selection on validation and test.
const schedule = JSON.stringify({ warmupSteps: 1, conditionFreezeStep: 2, referencesFromStep: 3, microBatches: 1, microBatchSize: 2, maxNewTokens: 6, lrWarmupUpdates: 1, demonstrationsFilling: 2, demonstrationsTraining: 2 });

const tsv = (rows: [string, number][]) => `sentence\tlabel\n${rows.map(([s, l]) => `${s}\t${l}`).join('\n')}\n`;

let server: OpenAIFixtureServer;

beforeAll(async () => {
  await writeTinyLlamaFixture(join(dir, 'prompt-lm'), { seed: 1 });
  await writeTinyLlamaFixture(join(dir, 'target-lm'), { seed: 12 });
  // An SST-2-format task (LM-BFF layout) in the fixture's words, so the random target's answers differ by row.
  const sst2 = join(dir, 'data', 'glue-16-shot', 'SST-2');
  mkdirSync(join(sst2, '16-13'), { recursive: true });
  writeFileSync(join(sst2, '16-13', 'train.tsv'), tsv([['the movie was great', 1], ['i hate the cat', 0], ['what a good dog', 1], ['this is bad', 0]]));
  writeFileSync(join(sst2, '16-13', 'dev.tsv'), tsv([['i love this movie', 1], ['the movie was terrible', 0]]));
  writeFileSync(join(sst2, 'test.tsv'), tsv([['we love the blue mat', 1], ['a small red cat', 0], ['the dog ran', 1]]));
  server = await OpenAIFixtureServer.start({ files: await readLocalModelFolder(join(dir, 'target-lm')), model: 'tiny-target', apiKey: KEY });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

interface Usage {
  calls: number;
  requests: number;
  retries: number;
  promptTokens: number;
  generatedTokens: number;
}

interface Report {
  targetLM: string;
  targetUsage?: Usage;
  calibrationUsage?: Usage;
  targetCalls: number;
  cacheHits: number;
  steps: number;
  selected: { text: string; trainAccuracy: number; validationAccuracy: number; testAccuracy: number } | null;
  initialPrompts: { text: string }[];
}

describe('npm run lab with the target-LM on an OpenAI-compatible server', () => {
  it('gives the same run as the local target on the same weights; the key is nowhere in its outputs', async () => {
    const once = async (name: string, target: string) => {
      const files = { report: join(dir, `${name}.json`), log: join(dir, `${name}.jsonl`), state: join(dir, `${name}.run`) };
      const out = await lab(['--task', 'sst2', '--data', join(dir, 'data'), '--prompt-lm', join(dir, 'prompt-lm'), '--target-lm', target, '--steps', '2', '--seed', '5', '--settings', schedule, '--report', files.report, '--log', files.log, '--state', files.state], { OPENAI_API_KEY: KEY });
      return { report: JSON.parse(readFileSync(files.report, 'utf8')) as Report, log: readFileSync(files.log, 'utf8'), state: readFileSync(files.state), stdout: out.stdout + out.stderr };
    };
    const local = await once('local', join(dir, 'target-lm'));
    const before = server.received.length;
    const remote = await once('remote', `openai:${server.baseUrl}#tiny-target`);
    expect(server.received.length - before).toBeGreaterThan(remote.report.targetCalls); // it did run there (one /v1/models + completions)
    expect(server.received.slice(before).every((r) => r.authorization === `Bearer ${KEY}`)).toBe(true);

    expect(local.report.targetLM).toMatch(/^local files@compiled\/wasm#sha256:[0-9a-f]{16}$/);
    expect(remote.report.targetLM).toMatch(/^tiny-target@openai\/http:\/\/127\.0\.0\.1:\d+\/v1#sha256:[0-9a-f]{16}$/);
    const { targetLM: _l, ...localRest } = local.report;
    const { targetLM: _r, targetUsage, calibrationUsage, ...remoteRest } = remote.report;
    expect(remoteRest).toEqual(localRest);
    // The remote run's accounting: its evaluations, the requests and the tokens the server reported.
    const answered = server.received.slice(before).filter((r) => r.outcome === 'answered');
    const sum = (key: 'prompt_tokens' | 'completion_tokens') => answered.reduce((s, r) => s + ((r.response as { usage?: Record<string, number> }).usage?.[key] ?? 0), 0);
    // The calibration before the run (the estimate line) evaluates one prompt on train in each of its 2 passes; its
    // requests are counted apart, and the run's and the calibration's add up to the completions the server answered
    // (the connection check's /v1/models at load is in neither).
    expect(calibrationUsage!.calls).toBe(2);
    expect(targetUsage!.calls).toBe(local.report.targetCalls);
    const both = (k: keyof Usage) => targetUsage![k] + calibrationUsage![k];
    expect([both('requests'), both('retries'), both('promptTokens'), both('generatedTokens')]).toEqual([answered.filter((r) => r.path !== '/v1/models').length, 0, sum('prompt_tokens'), sum('completion_tokens')]);
    expect(targetUsage!.requests).toBeGreaterThan(0);
    expect(local.report.targetUsage).toBeUndefined();
    expect(remote.log).toBe(local.log);
    expect(local.report.steps).toBe(2);
    expect(local.report.selected).not.toBeNull();
    // The scores are not all equal: the run's accuracies depend on what the target answered.
    const scores = JSON.parse(local.log.trim().split('\n').at(-1)!) as { selected: { trainAccuracy: number } };
    expect(scores.selected.trainAccuracy).toBeGreaterThan(0);
    for (const text of [JSON.stringify(remote.report), remote.log, remote.state.toString('latin1'), remote.stdout]) expect(text).not.toContain(KEY);
  }, 180_000);

  it('refuses a malformed spec and a missing key with messages that say what to do', async () => {
    const base = ['--task', 'sst2', '--data', join(dir, 'data'), '--prompt-lm', join(dir, 'prompt-lm')];
    await expect(lab([...base, '--target-lm', `openai:${server.baseUrl}`])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('write openai:<base URL>#<model>') });
    const missing = lab([...base, '--target-lm', `openai:${server.baseUrl}#tiny-target`], { OPENAI_API_KEY: '' });
    await expect(missing).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/RemoteTargetAuthError: the server needs an API key \(401 on GET .*\) and none was given; set OPENAI_API_KEY/) });
  }, 60_000);
});
