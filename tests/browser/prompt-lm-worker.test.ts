// The prompt-LM worker in real Chromium: the tiny fixture is sent over comlink, loaded on WebGPU (SwiftShader
// here) and on wasm, and both backends sample the same tokens for the same seeds and train the same step.
import * as Comlink from 'comlink';
import { describe, expect, it } from 'vitest';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import type { PromptLM } from '../../src/engines/prompt-lm';

const lora = { rank: 4, alpha: 8, dropout: 0, targets: ['q_proj' as const, 'v_proj' as const] };

async function run(backend: 'webgpu' | 'wasm') {
  const worker = new Worker(new URL('../../workers/prompt-lm.worker.ts', import.meta.url), { type: 'module' });
  const lm = Comlink.wrap<PromptLM>(worker);
  const files = new Map(Object.entries(tinyLlamaFixtureFiles({ seed: 8 })));
  const info = await lm.load({ kind: 'files', files }, { backend, lora });
  const meta = await lm.encodeChat([{ role: 'user', content: 'the cat sat' }]);
  const samples = await lm.sample([meta, meta], { seeds: [3, 4], maxNewTokens: 6 });
  const prior = await lm.score([meta, meta], samples.map((s) => s.tokens), { adapter: false });
  const step = await lm.trainStep(samples.map((s, i) => ({ prefix: meta, prompt: s.tokens, logReward: prior[i]! - i })));
  worker.terminate();
  return { info, samples, prior, step };
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
    expect(wasm.step.finite).toBe(true);
  });
});
