// The prompt-LM worker in real Chromium: the tiny fixture is sent over comlink, loaded on WebGPU (SwiftShader
// here) and on wasm, and both backends sample the same tokens for the same seeds and train the same micro-batch
// and update (accumulators and moments on the GPU).
import * as Comlink from 'comlink';
import { describe, expect, it } from 'vitest';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import type { PromptLM } from '../../src/engines/prompt-lm';
import { resolveSettings } from '../../src/gflow/settings';

const settings = resolveSettings({ lora: { rank: 4, alpha: 8, dropout: 0 } });

async function run(backend: 'webgpu' | 'wasm') {
  const worker = new Worker(new URL('../../workers/prompt-lm.worker.ts', import.meta.url), { type: 'module' });
  const lm = Comlink.wrap<PromptLM>(worker);
  const files = new Map(Object.entries(tinyLlamaFixtureFiles({ seed: 8 })));
  const info = await lm.load({ kind: 'files', files }, settings, { backend });
  const meta = await lm.encodeChat([{ role: 'user', content: 'the cat sat' }]);
  const samples = await lm.sample([meta, meta], { seeds: [3, 4], maxNewTokens: 6 });
  const prior = await lm.score([meta, meta], samples.map((s) => s.tokens), { adapter: false });
  const pairs = samples.map((s, i) => ({ prefix: meta, prompt: s.tokens, logReward: prior[i]! - i }));
  const micro = await lm.accumulate(pairs, { logZ: null, logZDecay: 0, microBatches: 1, microBatch: 0 });
  const update = await lm.applyUpdate({ lr: 1e-3 });
  const after = await lm.score([meta, meta], samples.map((s) => s.tokens), { adapter: true });
  worker.terminate();
  return { info, samples, prior, step: { ...micro, ...update }, after };
}

describe('prompt-LM worker', () => {
  it('WebGPU and wasm give the same samples, prior scores and train-step loss', async () => {
    const wasm = await run('wasm');
    const gpu = await run('webgpu');
    expect(wasm.info.backend.backend).toBe('wasm');
    expect(gpu.info.backend.backend).toBe('webgpu');
    expect(gpu.samples.map((s) => s.tokens)).toEqual(wasm.samples.map((s) => s.tokens));
    gpu.prior.forEach((p, i) => expect(Math.abs(p - wasm.prior[i]!)).toBeLessThan(1e-3));
    expect(Math.abs(gpu.step.loss - wasm.step.loss) / wasm.step.loss).toBeLessThan(1e-3);
    expect(Math.abs(gpu.step.logZ - wasm.step.logZ)).toBeLessThan(1e-3);
    expect(Math.abs(gpu.step.gradNorm - wasm.step.gradNorm) / wasm.step.gradNorm).toBeLessThan(1e-3);
    expect([wasm.step.finite, gpu.step.finite, wasm.step.step, gpu.step.step]).toEqual([true, true, 1, 1]);
    // The update moved the adapter the same way on both backends.
    gpu.after.forEach((p, i) => expect(Math.abs(p - wasm.after[i]!)).toBeLessThan(1e-3));
    expect(Math.max(...wasm.after.map((p, i) => Math.abs(p - wasm.prior[i]!)))).toBeGreaterThan(1e-4);
  });
});
