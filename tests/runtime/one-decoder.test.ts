// One decoder session for large baked weights (LlamaSessions' oneDecoder): the shared-prefix graph with an empty
// prefix must sample exactly what the two-decoder layout samples (plain, with prefix reuse, with the adapter and
// train-mode LoRA dropout), and the realm's large-bake budget lets the first large model to sample bake and feeds the next.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/random/mulberry32';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { loadModelFiles } from '../../src/models/formats/load-model';
import { expectedWeightShapes, parseLlamaConfig } from '../../src/models/llama/config';
import { type LoraSettings, randomLora } from '../../src/models/llama/lora';
import { CausalLM, uploadLlamaWeights } from '../../src/runtime/causal-lm';
import { WASM_BAKE_LIMIT_BYTES, wasmBakeBudget } from '../../src/runtime/llama-sessions';
import { loadOrtNode } from '../../src/runtime/ort-node';

const model = loadModelFiles(new Map(Object.entries(tinyLlamaFixtureFiles({ seed: 3 }))));
const { config } = model;
const lora: LoraSettings = { rank: 4, alpha: 8, dropout: 0.3, targets: ['q_proj', 'v_proj'] };
const sampling = { temperature: 1.0, topP: 0.9, maxNewTokens: 10, eosTokenIds: [] as number[], adapter: true, padTokenId: 3 };

async function open(oneDecoder: boolean): Promise<CausalLM> {
  const ort = await loadOrtNode();
  const lm = await CausalLM.create(ort, config, await uploadLlamaWeights(ort, 'wasm', config, model.weights), { lora, placement: 'initialisers', oneDecoder });
  lm.setAdapter({ values: randomLora(config, lora, mulberry32(9), 0.3) });
  return lm;
}

describe('one decoder session (large baked weights held once)', () => {
  it('samples the same tokens and log-probs as two decoders: plain, prefix reuse, train-mode dropout', async () => {
    const one = await open(true);
    const two = await open(false);
    expect([one.oneDecoder, two.oneDecoder]).toEqual([true, false]);
    const prompts = [[1, 10, 11, 12], [1, 20], [1, 30, 31]];
    const meta = [1, 40, 41, 42, 43];
    const shared = [[...meta, 50], [...meta, 51, 52], [...meta]];
    for (const dropout of [false, true]) {
      const options = { ...sampling, seeds: [4, 5, 6], dropout };
      const [a, b] = [await one.sample(prompts, options), await two.sample(prompts, options)];
      expect(a.map((s) => s.tokens)).toEqual(b.map((s) => s.tokens));
      a.forEach((s, i) => expect(s.logProb).toBeCloseTo(b[i]!.logProb, 4));
      const [c, d] = [await one.sampleSharedPrefix(shared, options), await two.sampleSharedPrefix(shared, options)];
      expect(c.map((s) => s.tokens)).toEqual(d.map((s) => s.tokens));
      c.forEach((s, i) => expect(s.logProb).toBeCloseTo(d[i]!.logProb, 4));
    }
    // The adapter changes the samples at all (the comparison above is not between two adapter-off models).
    const off = await one.sample(prompts, { ...sampling, seeds: [4, 5, 6], adapter: false });
    const on = await one.sample(prompts, { ...sampling, seeds: [4, 5, 6] });
    expect(off.map((s) => s.tokens)).not.toEqual(on.map((s) => s.tokens));
    await Promise.all([one.release(), two.release()]);
  });

  it('large weights: the first model to sample bakes one decoder; the next that would pass the budget feeds; release gives it back', async () => {
    // SmolLM2-135M's embedding and one narrow layer (the bytes are what matters: 108 MiB); one greedy token opens the
    // decoder. The budget is lowered to 1.5 models' worth so the second model cannot bake beside the first.
    const big = parseLlamaConfig({ model_type: 'llama', vocab_size: 49152, hidden_size: 576, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 9, num_key_value_heads: 3, tie_word_embeddings: true });
    const rng = mulberry32(1);
    const weights = new Map([...expectedWeightShapes(big)].map(([name, shape]) => [name, { shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (rng() - 0.5) * 0.1) }]));
    const ort = await loadOrtNode();
    const upload = () => uploadLlamaWeights(ort, 'wasm', big, weights);
    const greedy = { temperature: 0, topP: 1, maxNewTokens: 1, eosTokenIds: [], seeds: [0], adapter: false, padTokenId: 0 };
    const first = await CausalLM.create(ort, big, await upload());
    const second = await CausalLM.create(ort, big, await upload());
    const bytes = first.weights.byteLength();
    expect(bytes).toBeGreaterThan(WASM_BAKE_LIMIT_BYTES);
    const budget = wasmBakeBudget.bytes;
    wasmBakeBudget.bytes = Math.floor(1.5 * bytes);
    expect([first.oneDecoder, first.scorersBaked, first.decodersBaked]).toEqual([true, false, false]); // settled on first use
    // Scoring with prefix reuse runs a decoder prefill, but does not take the bake (a target-LM that scores first
    // must not keep the prompt-LM, which samples, from baking).
    const scored = await first.scoreSharedPrefix([[1, 5, 9, 4], [1, 5, 9, 6]], [[7], [8]], { adapter: false, padTokenId: 0 });
    expect(first.decodersBaked).toBe(false);
    const a = await first.sample([[1, 5, 9]], greedy);
    expect(first.decodersBaked).toBe(true);
    expect(await first.scoreSharedPrefix([[1, 5, 9, 4], [1, 5, 9, 6]], [[7], [8]], { adapter: false, padTokenId: 0 })).toEqual(scored.map((x) => expect.closeTo(x, 4)));
    const b = await second.sample([[1, 5, 9]], greedy);
    expect(second.decodersBaked).toBe(false); // the budget holds the first's copy: fed, same token
    expect(b[0]!.tokens).toEqual(a[0]!.tokens);
    expect(b[0]!.logProb).toBeCloseTo(a[0]!.logProb, 4);
    await first.release();
    const third = await CausalLM.create(ort, big, await upload());
    await third.sample([[1, 5, 9]], greedy);
    expect(third.decodersBaked).toBe(true);
    await Promise.all([second.release(), third.release()]);
    wasmBakeBudget.bytes = budget;
  }, 120_000);
});
