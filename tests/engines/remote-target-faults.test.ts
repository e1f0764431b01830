// Faults between the remote target and its server, injected in our test server: 429 (Retry-After), 500, 503,
// timeouts, dropped connections (before and mid-body) and malformed JSON are retried with backoff and jitter and
// change nothing in the result or the counts but `retries`; wrong logprob shapes, 400 and 401 are reported with
// messages that name the field or say what to do; a server that is gone opens the circuit and stops a GFlowPO step
// with a typed error, leaving no half-written evaluation: the run continued in place, or resumed from its saved
// state, ends equal to an uninterrupted run. The API key appears in no id, error, state, event or report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJsonl } from '../../src/gflow/events';
import { GflowpoRun } from '../../src/gflow/run';
import type { GflowpoSettingsInput } from '../../src/gflow/settings';
import {
  RemoteTargetAuthError,
  RemoteTargetLM,
  RemoteTargetProtocolError,
  RemoteTargetRequestError,
  RemoteTargetUnavailableError,
  testConnection,
} from '../../src/engines/remote-target';
import type { RemoteClientHooks } from '../../src/engines/remote-target-client';
import { TargetEngine } from '../../src/engines/target-engine';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { type Task, finishTask } from '../../src/tasks/task';
import { ScriptedSampler, promptPool } from '../gflow/doubles';
import { type Fault, OpenAIFixtureServer } from '../support/openai-server';

const files = new Map(Object.entries(tinyLlamaFixtureFiles({ seed: 12 })));
const KEY = 'sk-test-SECRET-7f3a9c';
const examples = (inputs: string[]) => inputs.map((input, i) => ({ input, output: i % 2 ? 'dog' : 'good' }));
const task: Task = finishTask({
  name: 'builtin/toy-words', family: 'classification', template: '{prompt} Input : {text} Output:', labelWords: ['dog', 'good'], metric: 'accuracy', description: 'toy',
  splits: { train: examples(['the movie was great', 'i hate the cat', 'the dog ran', 'a red cat']), validation: examples(['we love the blue mat', 'this is bad']), test: examples(['what a good dog', 'the small cat']) },
});
const prompt = 'say yes or no to the review';

let server: OpenAIFixtureServer;
const sleeps: number[] = [];
const clock = { now: 1_000_000 };
const hooks: RemoteClientHooks = {
  sleep: async (ms) => void sleeps.push(ms),
  random: () => 0.5,
  now: () => clock.now,
};

beforeAll(async () => {
  server = await OpenAIFixtureServer.start({ files, model: 'tiny', apiKey: KEY });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

/** One request at a time (4 prompts each: 12 prompts -> 3 requests per evaluation), small retry numbers. */
const connect = (settings = {}) =>
  RemoteTargetLM.connect({ baseUrl: server.baseUrl, model: 'tiny', apiKey: KEY, settings: { batchSize: 4, concurrency: 1, maxRetries: 3, backoffMs: 100, maxBackoffMs: 1000, timeoutMs: 2000, circuitCooldownMs: 60_000, ...settings } }, hooks);

/** The error `promise` rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error & { reason?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { reason?: string };
  }
  throw new Error('expected a rejection');
}

const completions = () => server.received.filter((r) => r.path === '/v1/completions');

describe('remote target faults', () => {
  let baseline: Awaited<ReturnType<RemoteTargetLM['evaluate']>>;

  beforeAll(async () => {
    baseline = await (await connect()).evaluate(task, prompt, 'train');
  }, 60_000);

  const transient: [string, Fault][] = [
    ['429 with Retry-After', { kind: 'status', status: 429, retryAfter: 3 }],
    ['500', { kind: 'status', status: 500 }],
    ['503', { kind: 'status', status: 503 }],
    ['a timeout', { kind: 'hang' }],
    ['a dropped connection', { kind: 'drop' }],
    ['a connection dropped mid-body', { kind: 'drop-mid-body' }],
    ['malformed JSON', { kind: 'malformed' }],
  ];
  it.each(transient)('%s is retried: same result, one retry, nothing counted twice', async (_, fault) => {
    const target = await connect({ timeoutMs: fault.kind === 'hang' ? 300 : 10_000 });
    sleeps.length = 0;
    const before = completions().length;
    server.inject(fault);
    const result = await target.evaluate(task, prompt, 'train');
    expect(result).toEqual(baseline);
    const sent = completions().slice(before);
    expect(sent.length).toBe(4); // 3 requests + the failed attempt
    expect(sent[1]!.body).toEqual(sent[0]!.body); // the retry is the same request
    expect(target.usage).toMatchObject({ calls: 1, requests: 4, retries: 1 }); // /v1/models + 3 answered completions
    expect(sleeps).toEqual([fault.kind === 'status' && fault.retryAfter ? 1000 : 50]); // Retry-After (capped), else 0.5 x 100 ms
  });

  it('backs off exponentially with jitter, then gives up with a typed error and opens the circuit', async () => {
    const target = await connect();
    sleeps.length = 0;
    server.inject({ kind: 'status', status: 500 }, 4);
    const before = completions().length;
    const error = await target.evaluate(task, prompt, 'train').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteTargetUnavailableError);
    expect((error as Error).message).toMatch(/did not answer after 4 attempts \(last: HTTP 500 from POST http:\/\/127\.0\.0\.1:\d+\/v1\/completions: injected 500\); the run stopped after its last completed step/);
    expect(sleeps).toEqual([50, 100, 200]); // uniform(0, min(cap, 100 * 2^k)) at random() = 0.5
    expect(completions().length - before).toBe(4);
    expect(target.calls).toBe(0);
    // Circuit open: fails at once without a request; after the cool-down (or resetCircuit) it goes out again.
    await expect(target.evaluate(task, prompt, 'train')).rejects.toThrow(/is unavailable \(last failure: HTTP 500.*\); requests stay stopped for 60 s more/);
    expect(completions().length - before).toBe(4);
    clock.now += 60_001;
    expect(await target.evaluate(task, prompt, 'train')).toEqual(baseline);
  });

  const shapes: [string, (json: Record<string, unknown>) => unknown, RegExp][] = [
    ['token_logprobs one short', (j) => (((j['choices'] as { logprobs: { token_logprobs: unknown[] } }[])[1]!.logprobs.token_logprobs.pop(), j)), /choices\[1\]\.logprobs\.token_logprobs should be an array as long as logprobs\.tokens/],
    ['no prompt_logprobs', (j) => ((j['choices'] as Record<string, unknown>[]).forEach((c) => delete c['prompt_logprobs']), j), /prompt_logprobs should be a non-empty array \(vLLM's prompt_logprobs extra parameter/],
    ['a positive log-prob', (j) => (((j['choices'] as { logprobs: { token_logprobs: unknown[] } }[])[0]!.logprobs.token_logprobs[2] = 0.5), j), /token_logprobs\[2\] should be a finite log-probability <= 0, got 0\.5/],
    ['echo and prompt_logprobs disagree', (j) => (((j['choices'] as { logprobs: { token_logprobs: number[] } }[])[0]!.logprobs.token_logprobs[3]! -= 0.25), j), /prompt_logprobs\[3\]\['\d+'\]\.logprob should be the echoed token's log-prob/],
    ['a missing choice', (j) => ((j['choices'] as unknown[]).pop(), j), /choices should be 4 choices, one per prompt/],
    ['no usage', (j) => (delete j['usage'], j), /usage should be an object with integer prompt_tokens/],
  ];
  it.each(shapes)('a wrong shape (%s) is reported naming the field, not retried, and nothing is counted', async (_, alter, message) => {
    const target = await connect();
    const before = completions().length;
    server.inject({ kind: 'alter', alter });
    const error = await target.evaluate(task, prompt, 'train').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteTargetProtocolError);
    expect((error as Error).message).toMatch(message);
    expect(completions().length - before).toBe(1);
    expect(target.usage).toMatchObject({ calls: 0, requests: 1, retries: 0, promptTokens: 0 });
    expect(await target.evaluate(task, prompt, 'train')).toEqual(baseline); // the server is fine again
  });

  it('401 without a key or with a wrong one, and a 400, are reported clearly; the key never shows', async () => {
    await expect(RemoteTargetLM.connect({ baseUrl: server.baseUrl, model: 'tiny' }, hooks)).rejects.toThrow(RemoteTargetAuthError);
    await expect(RemoteTargetLM.connect({ baseUrl: server.baseUrl, model: 'tiny' }, hooks)).rejects.toThrow(/the server needs an API key \(401 on GET .*\/v1\/models\) and none was given; set OPENAI_API_KEY/);
    const wrong = await rejection(RemoteTargetLM.connect({ baseUrl: server.baseUrl, model: 'tiny', apiKey: 'sk-wrong-0000' }, hooks));
    expect(wrong.message).toMatch(/the server refused the API key \(401 on GET .*: Unauthorized\); check the key/);
    expect(wrong.message).not.toContain('sk-wrong-0000');
    const target = await connect();
    server.inject({ kind: 'status', status: 400, body: JSON.stringify({ error: { message: `bad request from key ${KEY}`, type: 'BadRequestError', code: 400 } }) });
    const refused = await rejection(target.evaluate(task, prompt, 'train'));
    expect(refused).toBeInstanceOf(RemoteTargetRequestError);
    expect(refused.message).toMatch(/HTTP 400 from POST .*\/v1\/completions: bad request from key \[redacted\]/);
    expect(refused.message).not.toContain(KEY);
    expect(JSON.stringify(target)).not.toContain(KEY);
  });

  it('testConnection lists the models or says what to fix (key, URL, reachability with the browser help)', async () => {
    expect((await testConnection(server.baseUrl, KEY)).models.map((m) => m.id)).toEqual(['tiny']);
    await expect(testConnection(server.baseUrl)).rejects.toMatchObject({ name: 'RemoteConnectionError', reason: 'auth' });
    await expect(testConnection(server.baseUrl.replace('/v1', '/nope'), KEY)).rejects.toMatchObject({ reason: 'not-openai', message: expect.stringMatching(/HTTP 404 .* base URL usually ends in \/v1/) });
    await expect(testConnection('localhost:8000', KEY)).rejects.toMatchObject({ reason: 'bad-url' });
    const unreachable = await rejection(testConnection('http://127.0.0.1:9/v1', KEY, { pageOrigin: 'https://lab.example' }));
    expect(unreachable.reason).toBe('unreachable');
    expect(unreachable.message).toMatch(/could not reach http:\/\/127\.0\.0\.1:9\/v1\/models: .*connection failed/);
    expect(unreachable.message).toContain(`--allowed-origins '["https://lab.example"]'`);
    expect(unreachable.message).toContain('connect-src');
    const mixed = await rejection(testConnection('http://10.0.0.1:9/v1', KEY, { pageOrigin: 'https://lab.example', timeoutMs: 200 }));
    expect(mixed.message).toMatch(/mixed content/);
    // The test server answers a browser's preflight as vLLM's default CORS (every origin, the requested headers).
    const preflight = await fetch(`${server.baseUrl}/models`, { method: 'OPTIONS', headers: { Origin: 'https://lab.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' } });
    expect([preflight.status, preflight.headers.get('access-control-allow-origin'), preflight.headers.get('access-control-allow-headers')]).toEqual([200, '*', 'authorization']);
  });
});

describe('a GFlowPO run on the remote target', () => {
  // 5 steps of 2 x 2 prompts, training from step 4: every step scores new prompts on the target.
  const settings: GflowpoSettingsInput = { steps: 5, seed: 4, warmupSteps: 3, conditionFreezeStep: 4, referencesFromStep: 5, microBatches: 2, microBatchSize: 2, maxNewTokens: 8, lrWarmupUpdates: 2, demonstrationsFilling: 2, demonstrationsTraining: 2 };
  const pool = promptPool(40, 'say yes or no to the review');
  const fresh = () => new ScriptedSampler(pool);
  let uninterrupted: { state: ReturnType<GflowpoRun['state']>; usage: RemoteTargetLM['usage']; events: string[]; done: unknown; info: unknown; engine: TargetEngine };
  // 12 prompts per train evaluation: 2 requests of 8.
  const runSettings = { batchSize: 8, concurrency: 2 };
  const connectRun = (settings = {}) => connect({ ...runSettings, ...settings });

  // The uninterrupted run, through the engine the lab uses (TargetEngine with an 'openai' source and the key).
  beforeAll(async () => {
    const engine = new TargetEngine(loadOrtNode);
    const info = await engine.load({ kind: 'openai', baseUrl: server.baseUrl, model: 'tiny', apiKey: KEY, settings: runSettings }, { implementation: 'compiled' });
    const target = { id: info.id, get calls() { return engine.calls; }, evaluate: engine.evaluate.bind(engine) };
    const run = new GflowpoRun(settings, task, fresh(), target);
    const events: string[] = [];
    const done = await run.run((e) => void events.push(toJsonl(e)));
    uninterrupted = { state: run.state(), usage: engine.usage!, events, done, info, engine };
  }, 60_000);

  afterAll(async () => {
    await uninterrupted?.engine.release();
  });

  it('the server goes away mid-step: the step throws a typed error and rewinds; continued in place or resumed from state, the run ends equal', async () => {
    const target = await connectRun({ maxRetries: 1 });
    const sampler = fresh();
    const run = new GflowpoRun(settings, task, sampler, target);
    server.inject({ kind: 'status', status: 429, retryAfter: 0 }); // transparent
    await run.step();
    const before = run.state();
    // Let step 2's first request through, then the server goes away: the evaluation fails half-way.
    const seen = completions().length;
    const stopping = (async () => {
      while (completions().length === seen) await new Promise((r) => setTimeout(r, 1));
      await server.stop();
    })();
    const error = await run.step().catch((e: unknown) => e);
    await stopping;
    expect(error).toBeInstanceOf(RemoteTargetUnavailableError);
    expect(run.completedSteps).toBe(1);
    const after = run.state();
    expect({ ...after, cache: null }).toEqual({ ...before, cache: null });
    // The cache keeps only complete evaluations, each with its uninterrupted score, and counts no failed call.
    const final = new Map(uninterrupted.state.cache.entries.map((e) => [`${e.prompt}|${e.split}`, e.score]));
    for (const e of after.cache.entries) expect(e.score).toBe(final.get(`${e.prompt}|${e.split}`));
    expect(after.cache.targetCalls).toBe(after.cache.entries.length);

    // Circuit open: step() fails at once; the server comes back; the user says so; the run goes on in place.
    await expect(run.step()).rejects.toThrow(RemoteTargetUnavailableError);
    await server.restart();
    target.resetCircuit();
    await run.run();
    // Equal to the uninterrupted run but for cacheHits: the failed attempt's complete evaluations stayed cached, so
    // the retry found them (as for any step that throws: tests/gflow/run-resume.test.ts). targetCalls is equal.
    const hitsAside = (state: ReturnType<GflowpoRun['state']>) => ({ ...state, cache: { ...state.cache, cacheHits: 0 } });
    expect(hitsAside(run.state())).toEqual(hitsAside(uninterrupted.state));
    expect(run.state().cache.cacheHits).toBeGreaterThanOrEqual(uninterrupted.state.cache.cacheHits);
    // Requests answered and tokens: as uninterrupted (the answers of the failed evaluation were reused), plus retries.
    expect(target.usage).toMatchObject({ calls: uninterrupted.usage.calls, requests: uninterrupted.usage.requests, promptTokens: uninterrupted.usage.promptTokens });
    expect(target.usage.retries).toBeGreaterThanOrEqual(2);

    // Resumed in a new session from the state saved after the last completed step (as --state and the lab store
    // it), with the adapter saved with it: exactly the uninterrupted run.
    const resumed = await GflowpoRun.fromState(before, task, fresh().restored({ step: before.updates, logZ: null }), await connectRun());
    await resumed.run();
    expect(resumed.state()).toEqual(uninterrupted.state);
  }, 60_000);

  it('the key is in no stored data: run state, events, report, target info, usage, errors', async () => {
    const { engine, info, state, events, done } = uninterrupted;
    server.inject({ kind: 'status', status: 401 });
    const failure = await rejection(engine.evaluate(task, 'another prompt', 'train'));
    expect(failure).toBeInstanceOf(RemoteTargetAuthError);
    const stored = [JSON.stringify(state), events.join(''), JSON.stringify(done), JSON.stringify(info), JSON.stringify(engine.usage), `${failure.name}: ${failure.message}\n${failure.stack}`];
    for (const text of stored) expect(text).not.toContain(KEY);
    expect(info).toMatchObject({ implementation: 'openai-compatible', backend: null, remote: { model: 'tiny', baseUrl: server.baseUrl } });
    expect(state.target).toBe((info as { id: string }).id);
    // The key did travel, as a Bearer token on every request.
    expect(server.received.slice(-3).every((r) => r.authorization === `Bearer ${KEY}`)).toBe(true);
  });
});
