// Our decoder graph (onnxruntime-web wasm, float32) against the float64 reference written from transformers' modeling code,
// on tiny fixtures of every supported variant (Llama untied and tied, Qwen2 biases, Qwen3 qk-norm, Llama 3 rope scaling),
// a left-padded batch of two rows, with and without LoRA. Each variant also shows that its feature changes the logits.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/random/mulberry32';
import { maskAndPositions } from '../../../src/models/llama/attention-mask';
import { tinyLlamaFixtureFiles, type TinyLlamaFixtureOptions } from '../../../src/models/llama/fixture';
import { decoderGraph, io } from '../../../src/models/llama/graphs';
import type { LlamaConfig, LlamaWeights } from '../../../src/models/llama/types';
import { toGraphLayout } from '../../../src/models/llama/weights';
import { readLlama2c } from '../../../src/models/formats/llama2c';
import { loadModelFiles } from '../../../src/models/formats/load-model';
import { LORA_TARGETS, type LoraSettings, loraParamSpecs, randomLora } from '../../../src/models/llama/lora';
import { type HostTensor, hostTensor } from '../../../src/runtime/host-tensor';
import { loadOrtNode } from '../../../src/runtime/ort-node';
import { GraphSession } from '../../../src/runtime/run-graph';
import { type ReferenceBatch, type ReferenceLora, llamaReferenceLogits, ropeInverseFrequencies } from '../../reference/llama-forward';
import { readShared } from '../../support/shared-data';

const TOL = 1e-4; // float32 graph against float64 reference, absolute, on logits
const MATTERS = 1e-3; // a switched-off feature must move some logit by 10x the tolerance (float32 error here is ~5e-7)

const LLAMA3_SCALING = { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 128 };

function loadFixture(options: TinyLlamaFixtureOptions, configPatch: Record<string, unknown> = {}): { config: LlamaConfig; weights: LlamaWeights } {
  const files = tinyLlamaFixtureFiles(options);
  const json = JSON.parse(new TextDecoder().decode(files['config.json']!)) as Record<string, unknown>;
  files['config.json'] = new TextEncoder().encode(JSON.stringify({ ...json, ...configPatch }));
  return loadModelFiles(new Map(Object.entries(files)));
}

/** Two rows of T ids: row 0 all real, row 1 with `pad` left-padding slots holding the pad id 3. Real ids avoid the specials. */
function makeBatch(T: number, pad: number, vocab: number, seed: number): ReferenceBatch {
  const rng = mulberry32(seed);
  const real = (): number => 4 + Math.floor(rng() * (vocab - 4));
  return {
    ids: [Array.from({ length: T }, real), Array.from({ length: T }, (_, t) => (t < pad ? 3 : real()))],
    padding: [0, pad],
  };
}

function decoderFeeds(batch: ReferenceBatch): Record<string, HostTensor> {
  const B = batch.ids.length, T = batch.ids[0]!.length;
  const { mask, positions } = maskAndPositions(batch.padding, 0, T);
  return {
    [io.ids]: hostTensor('int64', [B, T], BigInt64Array.from(batch.ids.flat().map(BigInt))),
    [io.positions]: hostTensor('int64', [B, T], positions),
    [io.mask]: hostTensor('bool', [B, T, T], mask),
  };
}

function loraFeeds(config: LlamaConfig, settings: LoraSettings, params: Record<string, Float32Array>, scale: number): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = { [io.adapterScale]: hostTensor('float32', [], Float32Array.of(scale)) };
  for (const spec of loraParamSpecs(config, settings)) feeds[io.lora(spec.name)] = hostTensor('float32', spec.shape, params[spec.name]!);
  return feeds;
}

/** Largest |a - b| over the real (non-padding) positions of (B,T,V) logits. */
function maxRealDiff(a: ArrayLike<number>, b: ArrayLike<number>, batch: ReferenceBatch, V: number): number {
  const T = batch.ids[0]!.length;
  let worst = 0;
  batch.padding.forEach((pad, row) => {
    for (let i = (row * T + pad) * V; i < (row + 1) * T * V; i++) {
      const d = Math.abs(a[i]! - b[i]!);
      if (!(d <= worst)) worst = d; // NaN wins, so a NaN never passes
    }
  });
  return worst;
}

async function graphLogits(config: LlamaConfig, weights: LlamaWeights, batch: ReferenceBatch, lora?: { settings: LoraSettings; params: Record<string, Float32Array>; scale: number }): Promise<Float32Array> {
  const model = decoderGraph(config, { weights: { kind: 'initialisers', weights: toGraphLayout(config, weights) }, cache: false, logits: 'all', ...(lora ? { lora: lora.settings } : {}) });
  const session = await GraphSession.open(await loadOrtNode(), model);
  try {
    const out = await session.run({ ...decoderFeeds(batch), ...(lora ? loraFeeds(config, lora.settings, lora.params, lora.scale) : {}) });
    const logits = out['logits']!;
    expect(logits.dims).toEqual([batch.ids.length, batch.ids[0]!.length, config.vocabSize]);
    return logits.data as Float32Array;
  } finally {
    await session.release();
  }
}

interface Variant {
  name: string;
  model: () => { config: LlamaConfig; weights: LlamaWeights };
  /** The configured feature is present (non-zero biases, head_dim != hidden/heads, ...). */
  present: (config: LlamaConfig, weights: LlamaWeights) => void;
  /** The reference with this variant's feature switched off (it must then miss the graph). */
  without: (config: LlamaConfig, weights: LlamaWeights) => { config: LlamaConfig; weights: LlamaWeights };
}

const maxAbs = (data: Float32Array): number => data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

const variants: Variant[] = [
  {
    name: 'llama, untied lm_head',
    model: () => loadFixture({ seed: 11, modelType: 'llama' }),
    present: (c, w) => {
      expect([c.tieWordEmbeddings, c.ropeLayout, c.attentionBias, c.qkNorm, c.ropeScaling]).toEqual([false, 'rotate-half', false, false, null]);
      expect(c.numKvHeads).toBeLessThan(c.numHeads); // grouped-query attention
      expect(w.get('lm_head.weight')!.data).not.toEqual(w.get('model.embed_tokens.weight')!.data);
    },
    // Wrong RoPE layout: llama2.c's interleaved pairs instead of HF's rotated halves.
    without: (c, w) => ({ config: { ...c, ropeLayout: 'interleaved' }, weights: w }),
  },
  {
    name: 'llama, tied embeddings',
    model: () => loadFixture({ seed: 12, modelType: 'llama', tied: true }),
    present: (c, w) => {
      expect(c.tieWordEmbeddings).toBe(true);
      expect(w.has('lm_head.weight')).toBe(false);
    },
    // An untied head that is not the embedding (a different random matrix of the same shape).
    without: (c, w) => ({
      config: { ...c, tieWordEmbeddings: false },
      weights: new Map([...w, ['lm_head.weight', loadFixture({ seed: 99, modelType: 'llama' }).weights.get('lm_head.weight')!]]),
    }),
  },
  {
    name: 'qwen2, q/k/v biases',
    model: () => loadFixture({ seed: 13, modelType: 'qwen2' }),
    present: (c, w) => {
      expect(c.attentionBias).toBe(true);
      for (let l = 0; l < c.numLayers; l++) {
        for (const p of ['q_proj', 'k_proj', 'v_proj']) expect(maxAbs(w.get(`model.layers.${l}.self_attn.${p}.bias`)!.data), `${l} ${p}`).toBeGreaterThan(0.05);
        expect(w.has(`model.layers.${l}.self_attn.o_proj.bias`)).toBe(false);
      }
    },
    without: (c, w) => ({ config: { ...c, attentionBias: false }, weights: w }),
  },
  {
    name: 'qwen3, qk-norm and head_dim 16 != hidden/heads',
    model: () => loadFixture({ seed: 14, modelType: 'qwen3' }),
    present: (c, w) => {
      expect(c.qkNorm).toBe(true);
      expect(c.headDim).not.toBe(c.hiddenSize / c.numHeads);
      const qn = w.get('model.layers.0.self_attn.q_norm.weight')!.data;
      expect(qn).toHaveLength(c.headDim);
      expect(qn.some((v) => Math.abs(v - 1) > 0.01)).toBe(true); // not the identity scale
    },
    without: (c, w) => ({ config: { ...c, qkNorm: false }, weights: w }),
  },
  {
    name: 'llama 3 rope scaling (factor 8, low 1, high 4, original 128)',
    model: () => loadFixture({ seed: 15, modelType: 'llama' }, { rope_scaling: LLAMA3_SCALING }),
    present: (c) => {
      expect(c.ropeScaling).toEqual({ type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 128 });
      // head_dim 8: wavelengths 2pi * 10000^(j/4) = 6.3, 63, 628, 6283 against the bands 128/4 = 32 and 128/1 = 128:
      // j = 0 kept, j = 1 smoothed, j = 2 and 3 divided by 8.
      const scaled = ropeInverseFrequencies(c);
      const plain = ropeInverseFrequencies({ ...c, ropeScaling: null });
      const smooth = (128 / (2 * Math.PI * 10) - 1) / 3;
      expect(scaled[0]).toBe(plain[0]);
      expect(scaled[1]).toBeCloseTo(0.1 * ((1 - smooth) / 8 + smooth), 15);
      expect(scaled[2]! / plain[2]!).toBeCloseTo(1 / 8, 15);
      expect(scaled[3]! / plain[3]!).toBeCloseTo(1 / 8, 15);
    },
    without: (c, w) => ({ config: { ...c, ropeScaling: null }, weights: w }),
  },
];

const LORA_RUNS: { name: string; settings: LoraSettings }[] = [
  { name: 'q_proj and v_proj, rank 4', settings: { rank: 4, alpha: 8, dropout: 0, targets: ['q_proj', 'v_proj'] } },
  { name: 'all seven targets, rank 4', settings: { rank: 4, alpha: 8, dropout: 0, targets: [...LORA_TARGETS] } },
];

describe('decoder graph logits equal the float64 transformers-semantics reference', () => {
  for (const [index, variant] of variants.entries()) {
    describe(variant.name, () => {
      const { config, weights } = variant.model();
      const batch = makeBatch(16, 5, config.vocabSize, 100 + index);
      const V = config.vocabSize;
      const reference = llamaReferenceLogits(config, weights, batch);

      it('the variant has its feature', () => variant.present(config, weights));

      it(`no adapter: within ${TOL} at every real position; the feature switched off misses by > ${MATTERS}`, async () => {
        const logits = await graphLogits(config, weights, batch);
        expect(maxRealDiff(logits, reference, batch, V)).toBeLessThan(TOL);
        const off = variant.without(config, weights);
        expect(maxRealDiff(logits, llamaReferenceLogits(off.config, off.weights, batch), batch, V)).toBeGreaterThan(MATTERS);
      });

      for (const run of LORA_RUNS) {
        it(`LoRA ${run.name}: on equals the adapted reference, off (adapter_scale 0) the base one`, async () => {
          const params = randomLora(config, run.settings, mulberry32(200 + index), 0.1);
          const scale = run.settings.alpha / run.settings.rank;
          const adapted = llamaReferenceLogits(config, weights, batch, { targets: run.settings.targets, rank: run.settings.rank, params, scale } satisfies ReferenceLora);
          expect(maxRealDiff(adapted, reference, batch, V)).toBeGreaterThan(MATTERS); // the adapter matters
          const on = await graphLogits(config, weights, batch, { settings: run.settings, params, scale });
          expect(maxRealDiff(on, adapted, batch, V)).toBeLessThan(TOL);
          const off = await graphLogits(config, weights, batch, { settings: run.settings, params, scale: 0 });
          expect(maxRealDiff(off, reference, batch, V)).toBeLessThan(TOL);
        });
      }
    });
  }
});

describe('the reference itself', () => {
  it("interleaved RoPE (llama2.c layout): stories260K's 16 positions reproduce run.c's golden logits within 1e-4", () => {
    const { config, weights } = readLlama2c(readShared('models/stories260K/stories260K.bin'));
    const golden = new Float32Array(readShared('models/stories260K/golden/logits.f32').slice().buffer); // (16,512)
    const greedy = new TextDecoder().decode(readShared('models/stories260K/golden/greedy_ids.txt')).trim().split(/\s+/).map(Number);
    const logits = llamaReferenceLogits(config, weights, { ids: [greedy.slice(0, 16)], padding: [0] });
    expect(maxRealDiff(logits, golden, { ids: [greedy.slice(0, 16)], padding: [0] }, config.vocabSize)).toBeLessThan(1e-4);
  });

  it('left padding is invisible: a padded row equals the same tokens unpadded, and padding slots are NaN', () => {
    const { config, weights } = loadFixture({ seed: 16, modelType: 'qwen2' });
    const V = config.vocabSize;
    const padded = makeBatch(9, 4, V, 7);
    const alone = llamaReferenceLogits(config, weights, { ids: [padded.ids[1]!.slice(4)], padding: [0] }); // (1,5,V)
    const both = llamaReferenceLogits(config, weights, padded); // (2,9,V)
    const row1 = both.subarray((9 + 4) * V, 18 * V);
    expect(Math.max(...row1.map((v, i) => Math.abs(v - alone[i]!)))).toBe(0);
    expect(both.subarray(9 * V, (9 + 4) * V).every(Number.isNaN)).toBe(true);
  });
});
