// The engines with quantised frozen base weights (weightPrecision 'q4' / 'q8', quantised at load) on the tiny fixture
// (wasm): the prompt-LM's adapter-off scores equal those of a float32 prompt-LM loaded with the dequantised weights,
// its micro-batch training runs on the quantised base and lowers the loss; a quantised target-LM's id names the
// precision; a prompt-LM and a target-LM of the same model share one device copy per precision, never across.
import { describe, expect, it } from 'vitest';
import { PromptLM } from '../../src/engines/prompt-lm';
import { TargetEngine } from '../../src/engines/target-engine';
import { resolveSettings } from '../../src/gflow/settings';
import { loadModelFiles } from '../../src/models/formats/load-model';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { dequantisedWeights, quantFormat } from '../../src/models/llama/quantised-weights';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { weightResidency } from '../../src/runtime/weight-residency';

const files = tinyLlamaFixtureFiles({ seed: 8 });
const settings = resolveSettings({ lora: { rank: 4, alpha: 8, dropout: 0 }, learningRate: 1e-2, weightDecay: 0 });

describe('prompt-LM on a q4 base', () => {
  it('scores as a float32 prompt-LM over the dequantised weights and trains (loss falls)', async () => {
    const q4 = new PromptLM(loadOrtNode);
    await q4.load({ kind: 'files', files: new Map(Object.entries(files)) }, settings, { backend: 'wasm', weightPrecision: 'q4' });
    const model = loadModelFiles(new Map(Object.entries(files)));
    const float = new PromptLM(loadOrtNode);
    await float.load({ kind: 'loaded', model: { ...model, weights: dequantisedWeights(model.config, model.weights, quantFormat('q4')!) } }, settings, { backend: 'wasm' });
    const meta = q4.encodeChat([{ role: 'user', content: 'the cat sat' }]);
    const prompts = (await q4.sample([meta, meta, meta, meta], { seeds: [1, 2, 3, 4], maxNewTokens: 8 })).map((s) => s.tokens);
    const prior = await q4.score(prompts.map(() => meta), prompts, { adapter: false });
    const reference = await float.score(prompts.map(() => meta), prompts, { adapter: false });
    prior.forEach((p, i) => expect(p).toBeCloseTo(reference[i]!, 4));
    await float.release();

    const pairs = prompts.map((p, i) => ({ prefix: meta, prompt: p, logReward: prior[i]! + (i % 2 === 0 ? 0 : -10) }));
    const losses: number[] = [];
    let logZ: number | null = null;
    for (let step = 0; step < 4; step++) {
      const r = await q4.accumulate(pairs, { logZ, logZDecay: logZ === null ? 0 : 0.9, microBatches: 1, microBatch: 0 });
      if (step === 0) r.logPF.forEach((lp, i) => expect(lp).toBeCloseTo(prior[i]!, 4)); // B = 0: logPF is the prior
      logZ = r.logZ;
      losses.push(r.loss);
      expect((await q4.applyUpdate({ lr: 1e-2 })).finite).toBe(true);
    }
    expect(losses[3]!).toBeLessThan(losses[0]!);
    await q4.release();
  });

  it('target ids name the precision; device copies are shared per precision only', async () => {
    const source = { kind: 'files' as const, files: new Map(Object.entries(files)) };
    const before = weightResidency.resident;
    const target = new TargetEngine(loadOrtNode);
    const info = await target.load(source, { implementation: 'compiled', backend: 'wasm', weightPrecision: 'q8' });
    expect(info.id).toMatch(/^local files@compiled-q8\/wasm#sha256:/);
    const prompt = new PromptLM(loadOrtNode);
    await prompt.load(source, settings, { backend: 'wasm', weightPrecision: 'q8' });
    expect(weightResidency.resident).toBe(before + 1); // one q8 copy serves both
    await prompt.load(source, settings, { backend: 'wasm', weightPrecision: 'q4' });
    expect(weightResidency.resident).toBe(before + 2); // q4 is another copy (the q8 one is still the target's)
    const f32 = new TargetEngine(loadOrtNode);
    expect((await f32.load(source, { implementation: 'compiled', backend: 'wasm' })).id).toMatch(/^local files@compiled\/wasm#sha256:/);
    expect(weightResidency.resident).toBe(before + 3);
    await Promise.all([target.release(), prompt.release(), f32.release()]);
    expect(weightResidency.resident).toBe(before);
  });
});
