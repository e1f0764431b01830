// The tiny random Llama fixture through the real loader, sampled and scored by CausalLM on wasm:
// seeded sampling reproduces, left padding does not change a row's sample, scoring equals the
// full-forward log-softmax, the adapter switch turns LoRA on and off, top-k 1 is greedy, and train-mode LoRA
// dropout while sampling is seeded per row.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/random/mulberry32';
import { maskAndPositions } from '../../src/models/llama/attention-mask';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { decoderGraph, io } from '../../src/models/llama/graphs';
import { toGraphLayout } from '../../src/models/llama/weights';
import { loadModelFiles } from '../../src/models/formats/load-model';
import { type LoraSettings, randomLora } from '../../src/models/llama/lora';
import { CausalLM, uploadLlamaWeights } from '../../src/runtime/causal-lm';
import { hostTensor } from '../../src/runtime/host-tensor';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { GraphSession } from '../../src/runtime/run-graph';

const files = new Map(Object.entries(tinyLlamaFixtureFiles({ seed: 3 })));
const model = loadModelFiles(files);
const { config } = model;
const graphWeights = toGraphLayout(config, model.weights);
const lora: LoraSettings = { rank: 4, alpha: 8, dropout: 0, targets: ['q_proj', 'v_proj'] };

async function open(placement: 'auto' | 'inputs' = 'auto', adapter: LoraSettings = lora): Promise<CausalLM> {
  const ort = await loadOrtNode();
  return CausalLM.create(ort, config, await uploadLlamaWeights(ort, 'wasm', config, model.weights), { lora: adapter, placement });
}

const sampling = { temperature: 1.0, topP: 0.9, maxNewTokens: 12, eosTokenIds: config.eosTokenIds, adapter: false, padTokenId: 3 };

describe('CausalLM on the tiny fixture', () => {
  it('loads through the real loader with the fixture config', () => {
    expect(config.modelType).toBe('llama');
    expect(config.numKvHeads).toBeLessThan(config.numHeads); // grouped-query attention
    expect(model.tokenizer).toBeDefined();
    expect(model.weights.size).toBeGreaterThan(10);
  });

  it('seeded sampling reproduces; other seeds differ; rows are independent of left padding', async () => {
    const lm = await open();
    const prompts = [[1, 10, 11, 12], [1, 20]];
    const a = await lm.sample(prompts, { ...sampling, seeds: [5, 6] });
    const b = await lm.sample(prompts, { ...sampling, seeds: [5, 6] });
    expect(b).toEqual(a);
    const c = await lm.sample(prompts, { ...sampling, seeds: [7, 8] });
    expect(c.map((s) => s.tokens)).not.toEqual(a.map((s) => s.tokens));
    // The short prompt was left-padded in the batch; alone it is not, and gives the same sample.
    const alone = await lm.sample([prompts[1]!], { ...sampling, seeds: [6] });
    expect(alone[0]!.tokens).toEqual(a[1]!.tokens);
    expect(alone[0]!.logProb).toBeCloseTo(a[1]!.logProb, 4);
    for (const s of a) {
      expect(s.tokens.length).toBeGreaterThan(0);
      expect(s.tokens.length).toBeLessThanOrEqual(12);
      if (s.finished) expect(config.eosTokenIds).toContain(s.tokens.at(-1));
      expect(s.logProb).toBeLessThan(0);
    }
    await lm.release();
  });

  it('scores continuations as the sum of full-forward log-softmax entries, with and without padding', async () => {
    const lm = await open();
    const prefix = [1, 10, 11];
    const cont = [12, 13, 2];
    const [score, other] = await lm.score([prefix, [1, 20]], [cont, [21]], { adapter: false, padTokenId: 3 });
    const [alone] = await lm.score([prefix], [cont], { adapter: false, padTokenId: 3 });
    expect(alone).toBeCloseTo(score!, 4);
    expect(other).toBeLessThan(0);
    // Reference: logits of every position from the full decoder graph.
    const seq = [...prefix, ...cont];
    const full = await GraphSession.open(await loadOrtNode(), decoderGraph(config, { weights: { kind: 'initialisers', weights: graphWeights }, cache: false, logits: 'all' }));
    const { mask, positions } = maskAndPositions([0], 0, seq.length);
    const out = await full.run({
      [io.ids]: hostTensor('int64', [1, seq.length], BigInt64Array.from(seq.map(BigInt))),
      [io.positions]: hostTensor('int64', [1, seq.length], positions),
      [io.mask]: hostTensor('bool', [1, seq.length, seq.length], mask),
    });
    const logits = out['logits']!.data as Float32Array;
    const V = config.vocabSize;
    let expected = 0;
    for (let t = prefix.length - 1; t < seq.length - 1; t++) {
      const row = Array.from(logits.subarray(t * V, (t + 1) * V));
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
      expected += row[seq[t + 1]!]! - lse;
    }
    expect(score).toBeCloseTo(expected, 4);
    await Promise.all([lm.release(), full.release()]);
  });

  it('the adapter switch: off equals the base model, on changes scores and samples', async () => {
    const lm = await open();
    const prefix = [1, 10, 11];
    const cont = [12, 13, 2];
    const [base] = await lm.score([prefix], [cont], { adapter: false, padTokenId: 3 });
    lm.setAdapter({ values: randomLora(config, lora, mulberry32(1), 0.3) });
    const [off] = await lm.score([prefix], [cont], { adapter: false, padTokenId: 3 });
    const [on] = await lm.score([prefix], [cont], { adapter: true, padTokenId: 3 });
    expect(off).toBe(base);
    expect(Math.abs(on! - base!)).toBeGreaterThan(1e-3);
    const sOff = await lm.sample([[1, 10]], { ...sampling, seeds: [9], adapter: false });
    const sOn = await lm.sample([[1, 10]], { ...sampling, seeds: [9], adapter: true });
    const [onScore] = await lm.score([[1, 10]], [sOn[0]!.tokens], { adapter: true, padTokenId: 3 });
    expect(onScore).toBeCloseTo(sOn[0]!.logProb, 3); // the sampler's log-prob is the adapter-on model's
    expect(sOff[0]!.logProb).toBeLessThan(0);
    await lm.release();
  });

  it('prompt-prefix reuse gives the same scores as one pass per row (adapter off and on)', async () => {
    const lm = await open();
    lm.setAdapter({ values: randomLora(config, lora, mulberry32(4), 0.3) });
    const prompt = [1, 10, 11, 12, 13, 14];
    const examples = [[20, 21], [22], [23, 24, 25], [20, 26]];
    const labels = [[30], [31, 32]];
    const prefixes = examples.flatMap((x) => labels.map(() => [...prompt, ...x, 40]));
    const continuations = examples.flatMap(() => labels);
    for (const adapter of [false, true]) {
      const plain = await lm.score(prefixes, continuations, { adapter, padTokenId: 3 });
      const reused = await lm.scoreSharedPrefix(prefixes, continuations, { adapter, padTokenId: 3 });
      reused.forEach((r, i) => expect(Math.abs(r - plain[i]!)).toBeLessThan(1e-4));
    }
    // Single-token continuations take the one-row-per-example path; the numbers are the same.
    const single = examples.flatMap(() => [[30], [31]]);
    const rows = examples.flatMap((x) => [[...prompt, ...x, 40], [...prompt, ...x, 40]]);
    const plainSingle = await lm.score(rows, single, { adapter: true, padTokenId: 3 });
    const reusedSingle = await lm.scoreSharedPrefix(rows, single, { adapter: true, padTokenId: 3 });
    reusedSingle.forEach((r, i) => expect(Math.abs(r - plainSingle[i]!)).toBeLessThan(1e-4));
    // Rows that share nothing fall back to plain scoring.
    const [x, y] = await lm.scoreSharedPrefix([[5, 6], [7, 8]], [[9], [9]], { adapter: false, padTokenId: 3 });
    const [x2, y2] = await lm.score([[5, 6], [7, 8]], [[9], [9]], { adapter: false, padTokenId: 3 });
    expect([x, y]).toEqual([x2, y2]);
    await lm.release();
  });

  it('greedy generation with prefix reuse gives the same tokens as plain decoding', async () => {
    const lm = await open();
    const prompt = [1, 10, 11, 12, 13];
    const rows = [[...prompt, 20, 21, 40], [...prompt, 22, 40], [...prompt, 23, 24, 25, 40]];
    const greedy = { ...sampling, temperature: 0, maxNewTokens: 8, seeds: [0, 0, 0] };
    const plain = await lm.sample(rows, greedy);
    const reused = await lm.sampleSharedPrefix(rows, greedy);
    expect(reused.map((s) => s.tokens)).toEqual(plain.map((s) => s.tokens));
    reused.forEach((s, i) => expect(s.logProb).toBeCloseTo(plain[i]!.logProb, 3));
    await lm.release();
  });

  it('decoders with baked-in weights (the wasm default for small models) sample what weight inputs sample', async () => {
    const baked = await open('auto');
    const fed = await open('inputs');
    expect(baked.decodersBaked).toBe(true);
    expect(fed.decodersBaked).toBe(false);
    const prompts = [[1, 10, 11, 12], [1, 20]];
    const a = await baked.sample(prompts, { ...sampling, seeds: [5, 6] });
    const b = await fed.sample(prompts, { ...sampling, seeds: [5, 6] });
    expect(b.map((s) => s.tokens)).toEqual(a.map((s) => s.tokens));
    b.forEach((s, i) => expect(s.logProb).toBeCloseTo(a[i]!.logProb, 4));
    await Promise.all([baked.release(), fed.release()]);
  });

  it('a restricted vocabulary: samples use only allowed tokens and log-probs renormalise over them', async () => {
    const ort = await loadOrtNode();
    const allowed = [10, 11, 12];
    const lm = await CausalLM.create(ort, config, await uploadLlamaWeights(ort, 'wasm', config, model.weights), { allowedTokens: allowed });
    const samples = await lm.sample([[1, 20], [1]], { ...sampling, eosTokenIds: [], maxNewTokens: 6, seeds: [1, 2] });
    for (const s of samples) for (const t of s.tokens) expect(allowed).toContain(t);
    const rows = allowed.map((t) => [t]);
    const logp = await lm.score(rows.map(() => [1, 20]), rows, { adapter: false, padTokenId: 3 });
    expect(logp.reduce((a, l) => a + Math.exp(l), 0)).toBeCloseTo(1, 5);
    await lm.release();
  });

  it('top-k 1 samples the greedy tokens at any temperature', async () => {
    const lm = await open();
    const prompts = [[1, 10, 11, 12], [1, 20]];
    const greedy = await lm.sample(prompts, { ...sampling, temperature: 0, seeds: [1, 2] });
    const topOne = await lm.sample(prompts, { ...sampling, temperature: 2, topK: 1, topP: 1, seeds: [3, 4] });
    expect(topOne.map((s) => s.tokens)).toEqual(greedy.map((s) => s.tokens));
    await expect(lm.sample(prompts, { ...sampling, topK: -1, seeds: [1, 2] })).rejects.toThrow(/topK must be a non-negative integer/);
    await lm.release();
  });

  it('train-mode LoRA dropout while sampling: seeded per row, off in eval mode and with the adapter off', async () => {
    const dropout = { ...lora, dropout: 0.5 };
    const lm = await open('auto', dropout);
    lm.setAdapter({ values: randomLora(config, dropout, mulberry32(6), 0.5) });
    const prompts = [[1, 10, 11, 12], [1, 20]];
    const base = { ...sampling, maxNewTokens: 8, eosTokenIds: [], adapter: true, seeds: [5, 6] };
    const train = await lm.sample(prompts, { ...base, dropout: true });
    expect(await lm.sample(prompts, { ...base, dropout: true })).toEqual(train); // reproducible from the seeds
    // A row's masks depend on its own seed and positions only: alone (no padding, no neighbour) it samples the same.
    const alone = await lm.sample([prompts[1]!], { ...base, seeds: [6], dropout: true });
    expect(alone[0]!.tokens).toEqual(train[1]!.tokens);
    expect(alone[0]!.logProb).toBeCloseTo(train[1]!.logProb, 4);
    // Eval mode equals a model opened without dropout; train mode does not (dropout 0.5 on a large adapter).
    const evalMode = await lm.sample(prompts, base);
    const noDropout = await open('auto');
    noDropout.setAdapter({ values: randomLora(config, dropout, mulberry32(6), 0.5) });
    const reference = await noDropout.sample(prompts, base);
    expect(evalMode.map((s) => s.tokens)).toEqual(reference.map((s) => s.tokens));
    evalMode.forEach((s, i) => expect(s.logProb).toBeCloseTo(reference[i]!.logProb, 4));
    const scored = await noDropout.score(prompts, train.map((s) => s.tokens), { adapter: true, padTokenId: 3 });
    expect(Math.max(...scored.map((x, i) => Math.abs(x - train[i]!.logProb)))).toBeGreaterThan(1e-2); // masks changed the model
    // With the adapter off, dropout on its input changes nothing.
    const offTrain = await lm.sample(prompts, { ...base, adapter: false, dropout: true });
    const offEval = await lm.sample(prompts, { ...base, adapter: false });
    expect(offTrain).toEqual(offEval);
    await Promise.all([lm.release(), noDropout.release()]);
  });
});
