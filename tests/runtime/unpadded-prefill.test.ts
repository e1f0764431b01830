// The prefill without padding (unpadded-prefill.ts): rows of different lengths run in groups of one length, and
// the result must be what one left-padded prefill gives: the same next-token logits and the same keys/values at
// every real slot (pad slots zero), with the adapter on and train-mode LoRA dropout (per-row masks), with and
// without a shared prefix. Then whole samples: a batch of different lengths samples what each row samples alone.
import { describe, expect, it } from 'vitest';
import type * as ortTypes from 'onnxruntime-web';
import { mulberry32 } from '../../src/random/mulberry32';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { loadModelFiles } from '../../src/models/formats/load-model';
import { maskAndPositions } from '../../src/models/llama/attention-mask';
import { io } from '../../src/models/llama/graphs';
import { type LoraSettings, randomLora } from '../../src/models/llama/lora';
import { CausalLM, uploadLlamaWeights } from '../../src/runtime/causal-lm';
import { LlamaSessions } from '../../src/runtime/llama-sessions';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { needsPadding, unpaddedPrefill } from '../../src/runtime/unpadded-prefill';

const model = loadModelFiles(new Map(Object.entries(tinyLlamaFixtureFiles({ seed: 3 }))));
const { config } = model;
const { numLayers: L, numKvHeads: KV, headDim: D, vocabSize: V } = config;
const lora: LoraSettings = { rank: 4, alpha: 8, dropout: 0.3, targets: ['q_proj', 'v_proj', 'down_proj'] };
const prompts = [[1, 10, 11, 12, 13], [1, 20], [1, 30, 31], [1, 40, 41, 42, 43], [1, 50, 51]];
const seeds = [4, 5, 6, 7, 8];

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('unpadded prefill', () => {
  it('says when rows need padding', () => {
    expect(needsPadding([[1, 2], [3, 4]])).toBe(false);
    expect(needsPadding([[1, 2], [3]])).toBe(true);
  });

  for (const withPrefix of [false, true]) {
    it(`equals one left-padded prefill: logits and every real cache slot, adapter on, train-mode dropout${withPrefix ? ', after a shared prefix' : ''}`, async () => {
      const ort = await loadOrtNode();
      const lm = await LlamaSessions.create(ort, config, await uploadLlamaWeights(ort, 'wasm', config, model.weights), { lora, placement: 'initialisers', oneDecoder: true });
      lm.setAdapter({ values: randomLora(config, lora, mulberry32(9), 0.3) });
      let prefix: Record<string, ortTypes.Tensor> | undefined;
      const offset = withPrefix ? 4 : 0;
      if (withPrefix) {
        // A 4-token prefix's cache from a prefill of its own (batch 1).
        const d = await lm.decoderFor(undefined);
        const { mask, positions } = maskAndPositions([0], 0, 4);
        const empty = Object.fromEntries(Array.from({ length: L }, (_, l) => [[io.pastKey(l), new ort.Tensor('float32', new Float32Array(0), [1, KV, 0, D])], [io.pastValue(l), new ort.Tensor('float32', new Float32Array(0), [1, KV, 0, D])]]).flat());
        const out = await d.session.run({ ...lm.modelFeeds(false, d.baked), ...lm.dropoutFeeds([0], false), ...d.prefix, ...empty, [io.ids]: new ort.Tensor('int64', BigInt64Array.from([1n, 60n, 61n, 62n]), [1, 4]), [io.positions]: new ort.Tensor('int64', positions, [1, 4]), [io.mask]: new ort.Tensor('bool', mask, [1, 4, 4]) });
        prefix = Object.fromEntries(Array.from({ length: L }, (_, l) => [[io.sharedKey(l), out[io.presentKey(l)]!], [io.sharedValue(l), out[io.presentValue(l)]!]]).flat());
        d.done();
      }
      const decoder = await lm.decoderFor(prefix);
      const rowPrompts = withPrefix ? prompts.map((p) => p.slice(1)) : prompts; // after a prefix, rows carry no BOS
      const feedsFor = (rows: readonly number[]) => ({ ...lm.modelFeeds(true, decoder.baked), ...lm.dropoutFeeds(rows.map((b) => seeds[b]!), true) });

      // The reference: one left-padded run of every row.
      const B = rowPrompts.length;
      const width = Math.max(...rowPrompts.map((p) => p.length));
      const padding = rowPrompts.map((p) => width - p.length);
      const { mask, positions } = maskAndPositions(padding, 0, width);
      const empty = Object.fromEntries(Array.from({ length: L }, (_, l) => [[io.pastKey(l), new ort.Tensor('float32', new Float32Array(0), [B, KV, 0, D])], [io.pastValue(l), new ort.Tensor('float32', new Float32Array(0), [B, KV, 0, D])]]).flat());
      const ids = BigInt64Array.from(rowPrompts.flatMap((p, b) => [...new Array<number>(padding[b]!).fill(3), ...p].map(BigInt)));
      const padded = await decoder.session.run({ ...feedsFor([0, 1, 2, 3, 4]), ...decoder.prefix, ...empty, [io.ids]: new ort.Tensor('int64', ids, [B, width]), [io.positions]: new ort.Tensor('int64', positions.map((p) => p + BigInt(offset)), [B, width]), [io.mask]: new ort.Tensor('bool', mask, [B, width, width]) });

      const got = await unpaddedPrefill({ ort, config, session: decoder.session, feedsFor, prefix: decoder.prefix, prompts: rowPrompts, offset });
      expect(got.logits.length).toBe(B * V);
      expect(maxDiff(got.logits, padded['logits']!.data as Float32Array)).toBeLessThan(1e-5);
      for (let l = 0; l < L; l++) {
        for (const [past, present] of [[io.pastKey(l), io.presentKey(l)], [io.pastValue(l), io.presentValue(l)]] as const) {
          const mine = got.cache.get(past)!;
          expect(mine.dims).toEqual([B, KV, width, D]);
          const theirs = padded[present]!.data as Float32Array;
          const ours = mine.data as Float32Array;
          for (let b = 0; b < B; b++) {
            for (let h = 0; h < KV; h++) {
              const at = (b * KV + h) * width * D;
              const pad = padding[b]! * D;
              expect(ours.subarray(at, at + pad).every((x) => x === 0)).toBe(true);
              expect(maxDiff(ours.subarray(at + pad, at + width * D), theirs.subarray(at + pad, at + width * D))).toBeLessThan(1e-5);
            }
          }
        }
      }
      // Logits only (scoring): the same logits, no caches laid out.
      const logitsOnly = await unpaddedPrefill({ ort, config, session: decoder.session, feedsFor, prefix: decoder.prefix, prompts: rowPrompts, offset, keepCache: false });
      expect(logitsOnly.cache.size).toBe(0);
      expect(maxDiff(logitsOnly.logits, got.logits)).toBe(0);
      // The dropout masks are per row: without the train mode the logits differ (the comparison above saw dropout).
      const off = await unpaddedPrefill({ ort, config, session: decoder.session, feedsFor: (rows) => ({ ...lm.modelFeeds(true, decoder.baked), ...lm.dropoutFeeds(rows.map((b) => seeds[b]!), false) }), prefix: decoder.prefix, prompts: rowPrompts, offset });
      expect(maxDiff(off.logits, got.logits)).toBeGreaterThan(1e-3);
      decoder.done();
      await lm.release();
    });
  }

  it('a batch of different lengths samples what each row samples alone (tokens, log-probs), plain and after a shared prefix', async () => {
    const ort = await loadOrtNode();
    const lm = await CausalLM.create(ort, config, await uploadLlamaWeights(ort, 'wasm', config, model.weights), { lora });
    lm.setAdapter({ values: randomLora(config, lora, mulberry32(9), 0.3) });
    const options = { temperature: 1, topP: 0.9, maxNewTokens: 8, eosTokenIds: [] as number[], adapter: true, dropout: true, padTokenId: 3 };
    const meta = [1, 60, 61, 62];
    const shared = prompts.map((p) => [...meta, ...p.slice(1)]);
    const batch = await lm.sample(prompts, { ...options, seeds });
    const alone = await Promise.all(prompts.map((p, i) => lm.sample([p], { ...options, seeds: [seeds[i]!] })));
    expect(batch.map((s) => s.tokens)).toEqual(alone.map((s) => s[0]!.tokens));
    batch.forEach((s, i) => expect(s.logProb).toBeCloseTo(alone[i]![0]!.logProb, 4));
    // Alone, a row's shared prefix is all but its last token, so train-mode dropout would mask its tokens with the
    // prefix's draw: compare without dropout (prefix reuse itself is exact).
    const batchShared = await lm.sampleSharedPrefix(shared, { ...options, dropout: false, seeds });
    const aloneShared = await Promise.all(shared.map((p, i) => lm.sampleSharedPrefix([p], { ...options, dropout: false, seeds: [seeds[i]!] })));
    expect(batchShared.map((s) => s.tokens)).toEqual(aloneShared.map((s) => s[0]!.tokens));
    batchShared.forEach((s, i) => expect(s.logProb).toBeCloseTo(aloneShared[i]![0]!.logProb, 4));
    await lm.release();
  });
});
