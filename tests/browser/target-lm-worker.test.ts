// The target-LM worker in real Chromium: the tiny fixture on our compiled graphs (WebGPU and wasm) and, exported,
// on transformers.js (wasm); the three give the same classification predictions for a prompt.
import * as Comlink from 'comlink';
import { describe, expect, it } from 'vitest';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { toGraphLayout } from '../../src/models/llama/weights';
import { loadModelFiles } from '../../src/models/formats/load-model';
import { transformersJsFolderFiles } from '../../src/models/llama/transformersjs-export';
import type { TargetEngine } from '../../src/engines/target-engine';
import type { Task } from '../../src/tasks/task';

const files = tinyLlamaFixtureFiles({ seed: 12 });
const sentences = ['the movie was great', 'the movie was terrible', 'i love this movie', 'i hate the cat'];
const task: Task = {
  id: 'toy-sentiment#test', name: 'toy-sentiment', family: 'classification', template: '{prompt} Input : {text} Output:', labelWords: ['no', 'yes'], metric: 'accuracy',
  description: 'toy', splits: { train: sentences.map((s, i) => ({ input: s, output: i % 2 ? 'no' : 'yes' })), validation: [], test: [] },
};

async function evaluate(implementation: 'compiled' | 'transformers.js', backend: 'webgpu' | 'wasm', modelFiles: Record<string, Uint8Array>) {
  const worker = new Worker(new URL('../../workers/target-lm.worker.ts', import.meta.url), { type: 'module' });
  const engine = Comlink.wrap<TargetEngine>(worker);
  const info = await engine.load({ kind: 'files', files: new Map(Object.entries(modelFiles)) }, { implementation, backend });
  const result = await engine.evaluate(task, 'say yes or no to the review', 'train');
  const calls = await engine.calls;
  worker.terminate();
  return { info, result, calls };
}

describe('target-LM worker', () => {
  it('compiled (WebGPU, wasm) and transformers.js (wasm) predict the same labels', async () => {
    const model = loadModelFiles(new Map(Object.entries(files)));
    const exported = transformersJsFolderFiles(files, model.config, toGraphLayout(model.config, model.weights));
    const wasm = await evaluate('compiled', 'wasm', files);
    const gpu = await evaluate('compiled', 'webgpu', files);
    const tjs = await evaluate('transformers.js', 'wasm', exported);
    expect(wasm.info.backend?.backend).toBe('wasm');
    expect(gpu.info.backend?.backend).toBe('webgpu');
    expect(tjs.info.id).toContain('transformers.js/wasm');
    expect(gpu.result.predictions).toEqual(wasm.result.predictions);
    expect(tjs.result.predictions).toEqual(wasm.result.predictions);
    gpu.result.labelLogProbs!.forEach((row, i) => row.forEach((v, k) => expect(Math.abs(v - wasm.result.labelLogProbs![i]![k]!)).toBeLessThan(1e-3)));
    expect(wasm.calls).toBe(1);
  });
});
