// One resident copy for two models of one base (LlamaSessions.residentDecoder): a model without an adapter whose own
// decoders feed the weights (a target-LM) runs on the decoder another model (the prompt-LM, with LoRA, dropout and a
// restricted vocabulary) baked over the same uploaded weights. Its scores and samples must be exactly what its own
// fed sessions give (the owner's adapter, dropout and logit bias switched off), and it must stop borrowing when the
// owner releases.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/random/mulberry32';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { loadModelFiles } from '../../src/models/formats/load-model';
import { type LoraSettings, randomLora } from '../../src/models/llama/lora';
import { uploadLlamaWeights } from '../../src/runtime/causal-lm';
import { LlamaSessions } from '../../src/runtime/llama-sessions';
import { decodeLoop } from '../../src/runtime/llama-sampling';
import { scoreSharedPrefix } from '../../src/runtime/llama-scoring';
import { loadOrtNode } from '../../src/runtime/ort-node';

const model = loadModelFiles(new Map(Object.entries(tinyLlamaFixtureFiles({ seed: 3 }))));
const { config } = model;
const lora: LoraSettings = { rank: 4, alpha: 8, dropout: 0.3, targets: ['q_proj', 'v_proj', 'down_proj'] };
// Scoring: one prompt, 5 examples of different lengths, 2 single-token labels each (the classification path).
const prompt = [1, 30, 31, 32, 33];
const examples = [[40, 41], [42], [43, 44, 45], [42], [46, 47, 48, 49]];
const prefixes = examples.flatMap((x) => [[...prompt, ...x], [...prompt, ...x]]);
const labels = examples.flatMap(() => [[50], [51]]);
// Generation: different prompts, greedy.
const prompts = [[1, 10, 11, 12], [1, 20], [1, 21, 22, 23, 24, 25]];
const greedy = { temperature: 0, topP: 1, maxNewTokens: 6, eosTokenIds: [] as number[], seeds: [0, 0, 0], adapter: false, padTokenId: 3 };

describe('a resident decoder shared by two models of one base', () => {
  it('the target scores and generates on the prompt-LM\'s baked decoder exactly as on its own fed sessions; not after the owner releases', async () => {
    const ort = await loadOrtNode();
    const weights = await uploadLlamaWeights(ort, 'wasm', config, model.weights); // one copy, as weight-residency shares it
    const owner = await LlamaSessions.create(ort, config, weights, { lora, placement: 'initialisers', oneDecoder: true, allowedTokens: [40, 50, 51, 52, 53] });
    owner.setAdapter({ values: randomLora(config, lora, mulberry32(9), 0.5) });
    const target = await LlamaSessions.create(ort, config, weights, { placement: 'inputs' });

    const ownScores = await scoreSharedPrefix(target, prefixes, labels, { adapter: false, padTokenId: 3 });
    const ownSamples = await decodeLoop(target, prompts, greedy, undefined);
    expect(await target.residentDecoder()).toBeUndefined(); // nothing baked yet

    // The owner samples (adapter on, train-mode dropout): its one decoder bakes the weights and is registered.
    const ownerSample = await decodeLoop(owner, prompts, { ...greedy, temperature: 1, topP: 0.9, adapter: true, dropout: true, seeds: [1, 2, 3] }, undefined);
    expect(ownerSample.every((s) => s.tokens.every((t) => [40, 50, 51, 52, 53].includes(t)))).toBe(true); // its vocabulary is restricted
    expect(await target.residentDecoder()).toBeDefined();
    expect(await owner.residentDecoder()).toBeUndefined(); // the owner never borrows from itself

    const residentScores = await scoreSharedPrefix(target, prefixes, labels, { adapter: false, padTokenId: 3 });
    const residentSamples = await decodeLoop(target, prompts, greedy, undefined);
    expect(residentScores.length).toBe(prefixes.length);
    residentScores.forEach((x, i) => expect(Math.abs(x - ownScores[i]!)).toBeLessThan(1e-5));
    expect(residentSamples.map((s) => s.tokens)).toEqual(ownSamples.map((s) => s.tokens));
    residentSamples.forEach((s, i) => expect(Math.abs(s.logProb - ownSamples[i]!.logProb)).toBeLessThan(1e-4));
    // The target's vocabulary is not the owner's: it produces tokens the owner may not.
    expect(ownSamples.some((s) => s.tokens.some((t) => ![40, 50, 51, 52, 53].includes(t)))).toBe(true);

    await owner.release();
    expect(await target.residentDecoder()).toBeUndefined();
    const afterRelease = await scoreSharedPrefix(target, prefixes, labels, { adapter: false, padTokenId: 3 });
    afterRelease.forEach((x, i) => expect(Math.abs(x - ownScores[i]!)).toBeLessThan(1e-5));
    await target.release();
    weights.release();
  });

  it('a model with an adapter never borrows; a model over another copy of the same weights does not either', async () => {
    const ort = await loadOrtNode();
    const weights = await uploadLlamaWeights(ort, 'wasm', config, model.weights);
    const owner = await LlamaSessions.create(ort, config, weights, { lora, placement: 'initialisers', oneDecoder: true });
    await decodeLoop(owner, [[1, 2]], { ...greedy, seeds: [0] }, undefined);
    const withAdapter = await LlamaSessions.create(ort, config, weights, { lora, placement: 'inputs' });
    const otherCopy = await LlamaSessions.create(ort, config, await uploadLlamaWeights(ort, 'wasm', config, model.weights), { placement: 'inputs' });
    expect(await withAdapter.residentDecoder()).toBeDefined(); // it could, but decoderFor and scoring only borrow without LoRA
    const d = await withAdapter.decoderFor(undefined);
    expect(d.baked).toBe(false); // its own fed decoder
    d.done();
    expect(await otherCopy.residentDecoder()).toBeUndefined();
    await Promise.all([owner.release(), withAdapter.release(), otherCopy.release()]);
  });
});
