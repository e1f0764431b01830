// One decoder session for large baked weights (LlamaSessions' oneDecoder): the shared-prefix graph with an empty
// prefix must sample exactly what the two-decoder layout samples (plain, with prefix reuse, with the adapter and
// train-mode LoRA dropout), and the realm's large-bake budget lets one large model bake and feeds the next.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/random/mulberry32';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { loadModelFiles } from '../../src/models/formats/load-model';
import { expectedWeightShapes, parseLlamaConfig } from '../../src/models/llama/config';
import { type LoraSettings, randomLora } from '../../src/models/llama/lora';
import { CausalLM, uploadLlamaWeights } from '../../src/runtime/causal-lm';
import { WASM_BAKE_LIMIT_BYTES, WASM_BAKE_ONE_DECODER_LIMIT_BYTES } from '../../src/runtime/llama-sessions';
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

  it('the first large model bakes into one decoder; the next that would pass the budget feeds its weights; release gives it back', async () => {
    // Embedding-heavy configs: the bytes are what matters (sessions open lazily, so nothing runs here).
    const big = parseLlamaConfig({ model_type: 'llama', vocab_size: 49152, hidden_size: 2048, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 8, num_key_value_heads: 8, tie_word_embeddings: true });
    const weights = new Map([...expectedWeightShapes(big)].map(([name, shape]) => [name, { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) }]));
    const ort = await loadOrtNode();
    const upload = () => uploadLlamaWeights(ort, 'wasm', big, weights);
    const first = await CausalLM.create(ort, big, await upload());
    const bytes = first.weights.byteLength();
    expect(bytes).toBeGreaterThan(WASM_BAKE_LIMIT_BYTES);
    expect(2 * bytes).toBeGreaterThan(WASM_BAKE_ONE_DECODER_LIMIT_BYTES);
    expect([first.decodersBaked, first.oneDecoder, first.scorersBaked]).toEqual([true, true, false]);
    const second = await CausalLM.create(ort, big, await upload());
    expect([second.decodersBaked, second.oneDecoder]).toEqual([false, false]);
    await first.release();
    const third = await CausalLM.create(ort, big, await upload());
    expect([third.decodersBaked, third.oneDecoder]).toEqual([true, true]);
    await Promise.all([second.release(), third.release()]);
  });
});
