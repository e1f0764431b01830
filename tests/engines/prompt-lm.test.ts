// The prompt-LM engine end to end on the tiny fixture (wasm): load from a local hub server with progress and
// cache, sample text with the adapter, score with it off, train as a GFlowNet by micro-batches (EMA logZ, gradient
// accumulation), checkpoint and resume; and the loop's PromptSampler on it (sampled ids, re-tokenised replays).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import type { DownloadProgress } from '../../src/models/hub/hub';
import { MemoryModelCache } from '../../src/models/hub/model-cache';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { PromptLM, PromptLMError } from '../../src/engines/prompt-lm';
import { LabPromptSampler } from '../../src/engines/prompt-sampler';
import { resolveSettings } from '../../src/gflow/settings';

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

const settings = resolveSettings({ lora: { rank: 4, alpha: 8, dropout: 0 }, learningRate: 1e-2, weightDecay: 0 });

describe('PromptLM', () => {
  it('refuses calls before load', () => {
    expect(() => new PromptLM(loadOrtNode).decode([1])).toThrow(PromptLMError);
  });

  it('loads from the hub with progress, then from the cache with no request', async () => {
    const cache = new MemoryModelCache();
    const events: DownloadProgress[] = [];
    const lm = new PromptLM(loadOrtNode, cache);
    const info = await lm.load({ kind: 'hub', modelId: 'fixtures/tiny-llama', settings: { host } }, settings, { backend: 'wasm' }, (p) => events.push(p));
    expect(info.backend.backend).toBe('wasm');
    expect(info.hasChatTemplate).toBe(true);
    // r 4 on q (32 -> 32) and v (32 -> 16) in 2 layers: 2 * (32*4 + 4*32 + 32*4 + 4*16).
    expect(info.adapterParameters).toBe(2 * (32 * 4 + 4 * 32 + 32 * 4 + 4 * 16));
    const weights = events.filter((e) => e.file === 'model.safetensors');
    expect(weights.at(-1)!.loaded).toBe(files['model.safetensors']!.byteLength);
    const before = requests;
    const again = new PromptLM(loadOrtNode, cache);
    await again.load({ kind: 'hub', modelId: 'fixtures/tiny-llama', settings: { host } }, settings, { backend: 'wasm' });
    expect(requests).toBe(before);
    await Promise.all([lm.release(), again.release()]);
  });

  it('samples text, scores with the adapter off, accumulates micro-batches with the EMA logZ, updates, and resumes from a checkpoint', async () => {
    const lm = new PromptLM(loadOrtNode);
    await lm.load({ kind: 'files', files: new Map(Object.entries(files)) }, settings, { backend: 'wasm' });
    expect(lm.adapterState()).toEqual({ step: 0, logZ: null });
    const meta = lm.encodeChat([{ role: 'user', content: 'the cat sat' }]);
    expect(lm.decode(meta)).toContain('assistant');
    const samples = await lm.sample([meta, meta, meta, meta], { seeds: [1, 2, 3, 4], maxNewTokens: 8 });
    expect(samples).toHaveLength(4);
    for (const s of samples) expect(typeof s.text).toBe('string');
    const prompts = samples.map((s) => s.tokens);
    const prior = await lm.score(prompts.map(() => meta), prompts, { adapter: false });
    const pairs = prompts.map((p, i) => ({ prefix: meta, prompt: p, logReward: prior[i]! + (i % 2 === 0 ? 0 : -10) }));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // Step 1, micro-batch 1: logZ starts at its batch mean; B = 0 at initialisation, so logPF equals the prior.
    const first = await lm.accumulate(pairs.slice(0, 2), { logZ: null, logZDecay: 0, microBatches: 2, microBatch: 0 });
    first.logPF.forEach((lp, i) => expect(lp).toBeCloseTo(prior[i]!, 4));
    expect(first.logZ).toBeCloseTo(mean(pairs.slice(0, 2).map((p, i) => p.logReward - first.logPF[i]!)), 4);
    expect(first.loss).toBeCloseTo(mean(first.logPF.map((lp, i) => (first.logZ + lp - pairs[i]!.logReward) ** 2)), 4);
    expect(lm.adapterState()).toEqual({ step: 0, logZ: first.logZ });
    const second = await lm.accumulate(pairs.slice(2), { logZ: first.logZ, logZDecay: 0.9, microBatches: 2, microBatch: 1 });
    expect(second.logZ).toBeCloseTo(0.9 * first.logZ + 0.1 * mean(pairs.slice(2).map((p, i) => p.logReward - second.logPF[i]!)), 4);
    const u1 = await lm.applyUpdate({ lr: 1e-2 });
    expect(u1).toEqual({ step: 1, gradNorm: expect.any(Number), finite: true });
    expect(lm.adapterState()).toEqual({ step: 1, logZ: second.logZ });

    const step = async (logZ: number) => {
      const a = await lm.accumulate(pairs.slice(0, 2), { logZ, logZDecay: 0.9, microBatches: 2, microBatch: 0 });
      const b = await lm.accumulate(pairs.slice(2), { logZ: a.logZ, logZDecay: 0.9, microBatches: 2, microBatch: 1 });
      const u = await lm.applyUpdate({ lr: 1e-2 });
      return { loss: (a.loss + b.loss) / 2, logZ: b.logZ, gradNorm: u.gradNorm };
    };
    const bytes = await lm.saveCheckpoint();
    const a = await step(second.logZ);
    const b = await step(a.logZ);
    await lm.loadCheckpoint(bytes);
    expect(lm.adapterState()).toEqual({ step: 1, logZ: second.logZ });
    const a2 = await step(second.logZ);
    const b2 = await step(a2.logZ);
    expect([a2, b2]).toEqual([a, b]);
    expect(b.loss).toBeLessThan((first.loss + second.loss) / 2);
    // The trained adapter now changes the sampler's log-probs.
    const [on] = await lm.score([meta], [prompts[1]!], { adapter: true });
    expect(Math.abs(on! - prior[1]!)).toBeGreaterThan(1e-3);
    // Misuse: decay without a logZ, and a checkpoint of another adapter shape.
    await expect(lm.accumulate(pairs, { logZ: null, logZDecay: 0.99, microBatches: 1, microBatch: 0 })).rejects.toThrow(/needs logZDecay 0/);
    await expect(lm.accumulate(pairs, { logZ: 0, logZDecay: 0, microBatches: 2, microBatch: 2 })).rejects.toThrow(/microBatch must be an integer in \[0, 2\)/);
    const other = new PromptLM(loadOrtNode);
    await other.load({ kind: 'files', files: new Map(Object.entries(files)) }, resolveSettings({ lora: { rank: 4, alpha: 16, dropout: 0 } }), { backend: 'wasm' });
    await expect(other.loadCheckpoint(bytes)).rejects.toThrow(/LoRA settings .*"alpha":8.* differ from this model's .*"alpha":16/);
    await Promise.all([lm.release(), other.release()]);
  }, 60_000);

  it('micro-batch 0 starts a step clean: a gradient left from an unfinished step is dropped', async () => {
    const load = async () => {
      const lm = new PromptLM(loadOrtNode);
      await lm.load({ kind: 'files', files: new Map(Object.entries(files)) }, settings, { backend: 'wasm' });
      return lm;
    };
    const [clean, retried] = [await load(), await load()];
    const meta = clean.encodeChat([{ role: 'user', content: 'the cat sat' }]);
    const pairs = [{ prefix: meta, prompt: [30, 31, 2], logReward: -3 }, { prefix: meta, prompt: [40, 2], logReward: -9 }];
    // Warm both adapters up identically (B != 0), then: clean runs one step; retried accumulates a stray micro-batch first.
    for (const lm of [clean, retried]) {
      await lm.accumulate(pairs, { logZ: null, logZDecay: 0, microBatches: 1, microBatch: 0 });
      await lm.applyUpdate({ lr: 1e-2 });
    }
    await retried.accumulate(pairs.slice(1), { logZ: 0, logZDecay: 0, microBatches: 2, microBatch: 0 });
    for (const lm of [clean, retried]) await lm.accumulate(pairs, { logZ: 0, logZDecay: 0, microBatches: 1, microBatch: 0 });
    const [u, v] = [await clean.applyUpdate({ lr: 1e-2 }), await retried.applyUpdate({ lr: 1e-2 })];
    expect(v.gradNorm).toBe(u.gradNorm);
    await Promise.all([clean.release(), retried.release()]);
  }, 60_000);
});

describe('LabPromptSampler', () => {
  it('samples with ids, scores fresh prompts on their sampled ids and replayed ones re-tokenised with end-of-sequence', async () => {
    const lm = new PromptLM(loadOrtNode);
    await lm.load({ kind: 'files', files: new Map(Object.entries(files)) }, resolveSettings({ lora: { rank: 4, alpha: 8, dropout: 0.05 } }), { backend: 'wasm' });
    const sampler = new LabPromptSampler(lm, 'answer :');
    const metaPrompt = 'the cat sat on the mat';
    const samples = await sampler.sample({ metaPrompt, count: 3, temperature: 1.5, topK: 50, topP: 0.9, maxNewTokens: 6, seeds: [1, 2, 3] });
    expect(samples).toHaveLength(3);
    for (const s of samples) expect(s.tokens).toBe(s.tokenIds.length);
    const again = await sampler.sample({ metaPrompt, count: 3, temperature: 1.5, topK: 50, topP: 0.9, maxNewTokens: 6, seeds: [1, 2, 3] });
    expect(again).toEqual(samples); // train-mode dropout masks come from the seeds
    const prefix = sampler.prefixIds(metaPrompt);
    expect(lm.decode(prefix)).toContain('answer :');
    // A fresh prompt is scored on its ids, whatever its text says.
    const fresh = { text: 'dog', tokenIds: [30, 31, 2] };
    const replayed = { text: 'the dog ran' };
    const [pf, pr] = await sampler.logPrior(metaPrompt, [fresh, replayed]);
    const [want, wantReplayed] = await lm.score([prefix, prefix], [[30, 31, 2], [...lm.encodeText('the dog ran'), lm.eosTokenId]], { adapter: false });
    expect(pf).toBeCloseTo(want!, 4);
    expect(pr).toBeCloseTo(wantReplayed!, 4);
    // accumulate trains on the same ids: with B = 0, logPF equals those priors; the first micro-batch sets logZ.
    const r = await sampler.accumulate({ metaPrompt, prompts: [fresh, replayed], logRewards: [-2, -4], logZ: null, logZDecay: 0, microBatches: 1, microBatch: 0 });
    expect(r.logPF[0]).toBeCloseTo(want!, 4);
    expect(r.logPF[1]).toBeCloseTo(wantReplayed!, 4);
    expect(r.logZ).toBeCloseTo((-2 - r.logPF[0]! + -4 - r.logPF[1]!) / 2, 4);
    expect(await sampler.adapterState()).toEqual({ step: 0, logZ: r.logZ });
    expect(await sampler.applyUpdate({ lr: 1e-3 })).toEqual({ gradNorm: expect.any(Number), finite: true });
    expect(await sampler.adapterState()).toEqual({ step: 1, logZ: r.logZ });
    await lm.release();
  }, 60_000);
});
