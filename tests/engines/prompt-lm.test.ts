// The prompt-LM engine end to end on the tiny fixture (wasm): load from a local hub server with progress and
// cache, sample text with the adapter, score with it off, train as a GFlowNet, checkpoint and resume.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import type { DownloadProgress } from '../../src/models/hub/hub';
import { MemoryModelCache } from '../../src/models/hub/model-cache';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { PromptLM, PromptLMError } from '../../src/engines/prompt-lm';

const files = tinyLlamaFixtureFiles({ seed: 8 });
let host = '';
let requests = 0;
const server = createServer((req, res) => {
  requests++;
  const m = /^\/fixtures\/tiny-llama\/resolve\/main\/(.+)$/.exec(req.url ?? '');
  const body = m ? files[decodeURIComponent(m[1]!)] : undefined;
  if (!body) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, { 'content-length': body.byteLength });
  res.end(body);
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const lora = { rank: 4, alpha: 8, dropout: 0, targets: ['q_proj', 'v_proj'] as const };

describe('PromptLM', () => {
  it('refuses calls before load', () => {
    expect(() => new PromptLM(loadOrtNode).decode([1])).toThrow(PromptLMError);
  });

  it('loads from the hub with progress, then from the cache with no request', async () => {
    const cache = new MemoryModelCache();
    const events: DownloadProgress[] = [];
    const lm = new PromptLM(loadOrtNode, cache);
    const info = await lm.load({ kind: 'hub', modelId: 'fixtures/tiny-llama', settings: { host } }, { backend: 'wasm', lora: { ...lora, targets: [...lora.targets] } }, (p) => events.push(p));
    expect(info.backend.backend).toBe('wasm');
    expect(info.hasChatTemplate).toBe(true);
    expect(info.adapterParameters).toBeGreaterThan(0);
    const weights = events.filter((e) => e.file === 'model.safetensors');
    expect(weights.at(-1)!.loaded).toBe(files['model.safetensors']!.byteLength);
    const before = requests;
    const again = new PromptLM(loadOrtNode, cache);
    await again.load({ kind: 'hub', modelId: 'fixtures/tiny-llama', settings: { host } }, { backend: 'wasm', lora: { ...lora, targets: [...lora.targets] } });
    expect(requests).toBe(before);
    await Promise.all([lm.release(), again.release()]);
  });

  it('samples text, scores with the adapter off, trains, and resumes from a checkpoint', async () => {
    const lm = new PromptLM(loadOrtNode);
    await lm.load({ kind: 'files', files: new Map(Object.entries(files)) }, { backend: 'wasm', lora: { ...lora, targets: [...lora.targets] }, adamw: { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1 }, warmupSteps: 2 });
    const meta = lm.encodeChat([{ role: 'user', content: 'the cat sat' }]);
    expect(lm.decode(meta)).toContain('assistant');
    const samples = await lm.sample([meta, meta], { seeds: [1, 2], maxNewTokens: 8 });
    expect(samples).toHaveLength(2);
    for (const s of samples) expect(typeof s.text).toBe('string');
    const prompts = samples.map((s) => s.tokens);
    const prior = await lm.score([meta, meta], prompts, { adapter: false });
    const pairs = prompts.map((p, i) => ({ prefix: meta, prompt: p, logReward: prior[i]! + (i === 0 ? 0 : -10) }));
    const first = await lm.trainStep(pairs);
    expect(first.lr).toBeCloseTo(5e-3, 8); // warm-up: step 1 of 2
    expect(first.finite).toBe(true);
    // B = 0 at initialisation, so the adapter starts as the base model: logPF equals the prior.
    first.logPF.forEach((lp, i) => expect(lp).toBeCloseTo(prior[i]!, 3));
    const bytes = await lm.saveCheckpoint();
    const a = await lm.trainStep(pairs);
    const b = await lm.trainStep(pairs);
    await lm.loadCheckpoint(bytes);
    const a2 = await lm.trainStep(pairs);
    const b2 = await lm.trainStep(pairs);
    expect([a2.loss, b2.loss]).toEqual([a.loss, b.loss]);
    expect(a2.logZ).toBe(a.logZ);
    expect(b.loss).toBeLessThan(first.loss);
    // The trained adapter now changes the sampler's log-probs.
    const [on] = await lm.score([meta], [prompts[1]!], { adapter: true });
    expect(Math.abs(on! - prior[1]!)).toBeGreaterThan(1e-3);
    await lm.release();
  }, 60_000);
});
