// The remote target (OpenAI-compatible, vLLM's API) against our own test server on the same weights as a local
// compiled target: classification label log-probs equal the local ones within 1e-4 (the spaced rule and the
// merged-word path through /tokenize), generations are identical, requests are batched, usage counts what the
// server reported, and the id names the base URL, the model and its model card, never the key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompiledTargetLM } from '../../src/engines/target-lm';
import { RemoteTargetConfigError, RemoteTargetError, RemoteTargetLM, remoteTargetId } from '../../src/engines/remote-target';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import type { CausalLM } from '../../src/runtime/causal-lm';
import type { Task } from '../../src/tasks/task';
import { OpenAIFixtureServer, type ServedModel } from '../support/openai-server';
import { COMPLETION_REQUEST, COMPLETION_RESPONSE, MODEL_LIST, type Schema, TOKENIZE_REQUEST, TOKENIZE_RESPONSE, validate } from './vllm-schema';

const files = new Map(Object.entries(tinyLlamaFixtureFiles({ seed: 12 })));
const sentences = ['the movie was great', 'the movie was terrible', 'i love this movie', 'i hate the cat', 'what a good dog', 'this is bad', 'the red cat sat', 'we love the blue mat', 'the dog ran', 'a small red cat'];
const classification: Task = {
  id: 'toy-two-words#remote',
  name: 'toy-two-words', family: 'classification', template: '{prompt} Input : {text} Output:', labelWords: ['dog', 'good'], metric: 'accuracy',
  description: 'toy', splits: { train: sentences.map((s, i) => ({ input: s, output: i % 2 ? 'dog' : 'good' })), validation: [], test: [] },
};
// No separator before the label word: "was" + "great" is one unknown word to the fixture's tokenizer, so every label
// merges with the text and is scored as the text's ids followed by the word's own ids (the server's /tokenize).
const merged: Task = { ...classification, id: 'toy-merged#remote', name: 'toy-merged', template: '{prompt} {text}', labelWords: ['great', 'cat', 'dog'], labelSpace: 'none' };
const generation: Task = {
  id: 'toy-copy#remote',
  name: 'toy-copy', family: 'generation', template: '{prompt}\nInput : {input}\nOutput :', metric: 'exact_match',
  description: 'toy', splits: { train: sentences.map((s) => ({ input: s, output: s.split(' ').at(-1)! })), validation: [], test: [] },
};
const prompt = 'say yes or no to the review';

let server: OpenAIFixtureServer;
let local: CompiledTargetLM;
let lm: CausalLM;
let engine: ServedModel;

beforeAll(async () => {
  // One engine for both: the server's answers and the local target's come from the same compiled model.
  engine = await OpenAIFixtureServer.loadModel(files);
  lm = engine.lm;
  server = await OpenAIFixtureServer.start({ files, model: 'tiny-llama', engine });
  local = new CompiledTargetLM('tiny@compiled/wasm', lm, engine.tokenizer, engine.eos, engine.pad);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await lm?.release();
  lm?.weights.release();
});

const connect = (settings = {}) => RemoteTargetLM.connect({ baseUrl: server.baseUrl, model: 'tiny-llama', settings: { batchSize: 4, concurrency: 2, ...settings } });

describe('remote target on an OpenAI-compatible server', () => {
  it('classification: label log-probs equal the local target on the same weights (1e-4), same predictions and score', async () => {
    const remote = await connect();
    const before = server.received.length;
    const [a, b] = [await local.evaluate(classification, prompt, 'train'), await remote.evaluate(classification, prompt, 'train')];
    expect(b.predictions).toEqual(a.predictions);
    expect(new Set(a.predictions).size).toBe(2); // the fixture splits the rows between the words
    expect(b.score).toBe(a.score);
    expect(b.labelLogProbs!.length).toBe(sentences.length);
    b.labelLogProbs!.forEach((row, i) => row.forEach((v, k) => expect(Math.abs(v - a.labelLogProbs![i]![k]!)).toBeLessThan(1e-4)));
    // 10 texts + 20 "text + word" prompts, 4 per request: 8 requests, all echo requests with prompt_logprobs.
    const requests = server.received.slice(before);
    expect(requests.length).toBe(8);
    for (const r of requests) expect(r.body).toMatchObject({ echo: true, logprobs: 0, prompt_logprobs: 0, temperature: 0, max_tokens: 0 });
    expect(requests.map((r) => ((r.body as { prompt: string[] }).prompt).length)).toEqual([4, 4, 4, 4, 4, 4, 4, 2]);
    expect(remote.usage).toMatchObject({ calls: 1, requests: 9, retries: 0, generatedTokens: 0 }); // /v1/models + 8 completions
    expect(remote.calls).toBe(1);
  });

  it('label words that merge with the text are scored on the text ids + the word ids, as locally (via /tokenize)', async () => {
    const remote = await connect();
    const [a, b] = [await local.evaluate(merged, prompt, 'train'), await remote.evaluate(merged, prompt, 'train')];
    expect(b.predictions).toEqual(a.predictions);
    b.labelLogProbs!.forEach((row, i) => row.forEach((v, k) => expect(Math.abs(v - a.labelLogProbs![i]![k]!)).toBeLessThan(1e-4)));
    expect(server.received.some((r) => r.path === '/tokenize')).toBe(true);
  });

  it('without /tokenize, a merged label word is refused with a message that says why', async () => {
    const bare = await OpenAIFixtureServer.start({ files, model: 'tiny-llama', tokenize: false, engine });
    try {
      const remote = await RemoteTargetLM.connect({ baseUrl: bare.baseUrl, model: 'tiny-llama' });
      await expect(remote.evaluate(merged, prompt, 'train')).rejects.toThrow(/merges with the end of the input .* needs the server's \/tokenize endpoint, which http:\/\/127\.0\.0\.1:\d+ does not offer/);
      expect(remote.calls).toBe(0);
    } finally {
      await bare.close();
    }
  });

  it('generation: the same greedy outputs and score as the local target', async () => {
    const remote = await connect();
    const before = server.received.length;
    const [a, b] = [await local.evaluate(generation, prompt, 'train'), await remote.evaluate(generation, prompt, 'train')];
    expect(b.predictions).toEqual(a.predictions);
    expect(b.score).toBe(a.score);
    expect(new Set(a.predictions).size).toBeGreaterThan(1);
    const requests = server.received.slice(before);
    expect(requests.length).toBe(3); // 10 prompts, 4 per request
    for (const r of requests) expect(r.body).toMatchObject({ temperature: 0, max_tokens: 50, n: 1 });
    expect(remote.usage.generatedTokens).toBeGreaterThan(0);
  });

  it('the id names the base URL, the model and a hash of its model card; an unknown model is refused', async () => {
    const remote = await connect();
    expect(remote.id).toMatch(new RegExp(`^tiny-llama@openai/${server.baseUrl.replace(/[./]/g, '\\$&')}#sha256:[0-9a-f]{16}$`));
    expect(remote.info.card).toEqual({ id: 'tiny-llama', owned_by: 'vllm', root: '/models/tiny-llama', parent: null, max_model_len: 128 });
    expect((await connect()).id).toBe(remote.id); // `created` changes per request; the id does not
    const card = remote.info.card;
    const ids = await Promise.all([
      remoteTargetId(server.baseUrl, 'tiny-llama', card),
      remoteTargetId(server.baseUrl, 'tiny-llama', { ...card, root: '/models/other-weights' }),
      remoteTargetId(server.baseUrl, 'tiny-llama', { ...card, max_model_len: 256 }),
      remoteTargetId('http://127.0.0.1:1/v1', 'tiny-llama', card),
    ]);
    expect(ids[0]).toBe(remote.id);
    expect(new Set(ids).size).toBe(4);
    await expect(RemoteTargetLM.connect({ baseUrl: server.baseUrl, model: 'gemma' })).rejects.toThrow(RemoteTargetConfigError);
    await expect(RemoteTargetLM.connect({ baseUrl: server.baseUrl, model: 'gemma' })).rejects.toThrow(/does not serve 'gemma'; it serves: tiny-llama/);
    await expect(RemoteTargetLM.connect({ baseUrl: 'ftp://x/v1', model: 'a' })).rejects.toThrow(/must start with http/);
    await expect(RemoteTargetLM.connect({ baseUrl: 'http://user:secret@127.0.0.1:1/v1', model: 'a' })).rejects.toThrow(/holds credentials/);
    expect(new RemoteTargetError('x')).toBeInstanceOf(Error);
  });

  it("contract: every request the remote target sent and every answer it read conform to vLLM's documented shapes", () => {
    const schemas: Record<string, [Schema | null, Schema]> = {
      'GET /v1/models': [null, MODEL_LIST],
      'POST /v1/completions': [COMPLETION_REQUEST, COMPLETION_RESPONSE],
      'POST /tokenize': [TOKENIZE_REQUEST, TOKENIZE_RESPONSE],
    };
    const answered = server.received.filter((r) => r.outcome === 'answered');
    expect(new Set(answered.map((r) => `${r.method} ${r.path}`))).toEqual(new Set(Object.keys(schemas)));
    for (const r of answered) {
      const [request, response] = schemas[`${r.method} ${r.path}`]!;
      if (request) expect(validate(request, r.body), `${r.path} request`).toEqual([]);
      expect(validate(response, r.response), `${r.path} response`).toEqual([]);
    }
    expect(answered.length).toBeGreaterThan(20);
  });
});
