// A Llama with 8-bit and 4-bit (blocks of 32, MatMulNBits) frozen base weights, quantised at load, on
// onnxruntime-web's wasm:
// - equals a float32 Llama whose weights ARE the dequantised values (logits within 1e-4; the same greedy tokens
//   through CausalLM, weights baked in or fed as uint8 graph inputs; also Qwen2 biases + untied head, Qwen3 q/k norms);
// - against the float32 original: max |logit error| and greedy agreement over fixed prompts, on a random tiny Llama
//   and on the committed trained demo prompt-LM (printed; bounded well above what was measured here);
// - the LoRA training graph (GFlowNet objective) on the quantised base: loss and every float32 adapter gradient equal
//   those of the float base holding the dequantised weights (1e-5 relative), and Trainer steps lower the loss.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { maskAndPositions } from '../../../src/models/llama/attention-mask';
import { parseLlamaConfig } from '../../../src/models/llama/config';
import { randomLlamaWeights } from '../../../src/models/llama/fixture';
import { gflownetInputs, gflownetModel } from '../../../src/models/llama/gflownet-objective';
import { decoderGraph } from '../../../src/models/llama/graphs';
import { type LoraSettings, loraParamSpecs, randomLora } from '../../../src/models/llama/lora';
import {
  type QuantFormat, dequantisedWeights, frozenByteLength, frozenHostWeights, frozenWeightSpecs, quantFormat,
} from '../../../src/models/llama/quantised-weights';
import { packPositioned } from '../../../src/models/llama/target-positions';
import type { LlamaConfig, LlamaWeights } from '../../../src/models/llama/types';
import { loadModelFiles } from '../../../src/models/formats/load-model';
import { compileAccumulatingBundle, decodeBundle, encodeBundle, names } from '../../../src/onnx/bundle';
import { parseBundleManifest } from '../../../src/onnx/manifest';
import { mulberry32, randomInt } from '../../../src/random/mulberry32';
import { CausalLM, uploadLlamaWeights } from '../../../src/runtime/causal-lm';
import { FeedError, type HostTensor, hostTensor } from '../../../src/runtime/host-tensor';
import { loadOrtNode } from '../../../src/runtime/ort-node';
import { runGraph } from '../../../src/runtime/run-graph';
import { Trainer } from '../../../src/runtime/trainer';

const tiny = parseLlamaConfig({
  model_type: 'llama', vocab_size: 256, hidden_size: 64, intermediate_size: 160, num_hidden_layers: 2, num_attention_heads: 4,
  num_key_value_heads: 2, max_position_embeddings: 128, rms_norm_eps: 1e-5, rope_theta: 10000, tie_word_embeddings: true,
});
const tinyWeights = randomLlamaWeights(tiny, 21);
const demo = (() => {
  const dir = new URL('../../../public/models/demo-prompt-lm/', import.meta.url);
  return loadModelFiles(new Map(['config.json', 'model.safetensors'].map((f) => [f, new Uint8Array(readFileSync(new URL(f, dir)))])));
})();
const FORMATS: Record<'q8' | 'q4', QuantFormat> = { q8: quantFormat('q8')!, q4: quantFormat('q4')! };

/** Fixed prompts: `rows` rows of `length` tokens from [3, V). */
function prompts(config: LlamaConfig, rows: number, length: number, seed: number): number[][] {
  const rng = mulberry32(seed);
  return Array.from({ length: rows }, () => [1, ...Array.from({ length: length - 1 }, () => 3 + randomInt(rng, config.vocabSize - 3))]);
}

/** Logits (B, T, V) of every position of equal-length rows, from the decoder graph with weights baked in. */
async function logits(config: LlamaConfig, weights: LlamaWeights, quant: QuantFormat | undefined, rows: number[][]): Promise<Float32Array> {
  const bytes = decoderGraph(config, { weights: { kind: 'initialisers', weights: frozenHostWeights(config, weights, quant), ...(quant ? { quant } : {}) }, cache: false, logits: 'all' });
  const B = rows.length;
  const T = rows[0]!.length;
  const { mask, positions } = maskAndPositions(new Array(B).fill(0), 0, T);
  const out = await runGraph(await loadOrtNode(), bytes, {
    input_ids: hostTensor('int64', [B, T], BigInt64Array.from(rows.flat(), BigInt)),
    position_ids: hostTensor('int64', [B, T], positions),
    attn_mask: hostTensor('bool', [B, T, T], mask),
  });
  return out['logits']!.data as Float32Array;
}

const argmaxAt = (a: Float32Array, at: number, V: number): number => {
  let best = 0;
  for (let v = 1; v < V; v++) if (a[at * V + v]! > a[at * V + best]!) best = v;
  return best;
};

async function greedy(config: LlamaConfig, weights: LlamaWeights, quant: QuantFormat | undefined, rows: number[][], placement: 'auto' | 'inputs' = 'auto'): Promise<number[][]> {
  const ort = await loadOrtNode();
  const device = await uploadLlamaWeights(ort, 'wasm', config, weights, quant);
  const lm = await CausalLM.create(ort, config, device, { placement, ...(quant ? { quant } : {}) });
  const out = await lm.sample(rows, { temperature: 0, topP: 1, maxNewTokens: 10, eosTokenIds: [], seeds: rows.map(() => 0), adapter: false, padTokenId: 0 });
  await lm.release();
  device.release();
  return out.map((s) => s.tokens);
}

describe.each(['q8', 'q4'] as const)('%s base weights', (precision) => {
  const format = FORMATS[precision];

  it('equal a float32 model whose weights are the dequantised values (logits 1e-4; greedy tokens, baked or fed as inputs)', async () => {
    const rows = prompts(tiny, 4, 10, 3);
    const reference = dequantisedWeights(tiny, tinyWeights, format);
    const q = await logits(tiny, tinyWeights, format, rows);
    const f = await logits(tiny, reference, undefined, rows);
    const diff = Math.max(...q.map((v, i) => Math.abs(v - f[i]!)));
    expect(diff).toBeLessThan(1e-4);
    const fed = await greedy(tiny, tinyWeights, format, rows, 'inputs');
    expect(fed).toEqual(await greedy(tiny, reference, undefined, rows));
    expect(await greedy(tiny, tinyWeights, format, rows)).toEqual(fed);
    console.log(`${precision}: quantised graph vs float graph over the dequantised weights: max |d logit| ${diff.toExponential(2)}`);
  });

  it.each([['random tiny Llama (vocab 256, hidden 64, 2 layers)', tiny, tinyWeights], ['trained demo prompt-LM (vocab 126, hidden 64, 2 layers)', demo.config, demo.weights]] as const)(
    'against float32 on the %s: logit error and greedy agreement', async (label, config, weights) => {
      const rows = prompts(config, 8, 12, 9);
      const q = await logits(config, weights, format, rows);
      const f = await logits(config, weights, undefined, rows);
      const V = config.vocabSize;
      let maxErr = 0;
      let maxLogit = 0;
      for (let i = 0; i < q.length; i++) {
        maxErr = Math.max(maxErr, Math.abs(q[i]! - f[i]!));
        maxLogit = Math.max(maxLogit, Math.abs(f[i]!));
      }
      const positions = q.length / V;
      let sameArgmax = 0;
      for (let p = 0; p < positions; p++) if (argmaxAt(q, p, V) === argmaxAt(f, p, V)) sameArgmax++;
      const gq = await greedy(config, weights, format, rows);
      const gf = await greedy(config, weights, undefined, rows);
      const sameRows = gq.filter((r, i) => r.join() === gf[i]!.join()).length;
      const specs = frozenWeightSpecs(config, format);
      const ratio = frozenByteLength(specs) / frozenByteLength(frozenWeightSpecs(config, undefined));
      console.log(`${precision} vs f32, ${label}: max |d logit| ${maxErr.toFixed(4)} (max |logit| ${maxLogit.toFixed(2)}), same argmax ${sameArgmax}/${positions} positions, identical greedy rows ${sameRows}/${rows.length} x 10 tokens, weight bytes ${ratio.toFixed(3)} of f32`);
      // bounds well above what was measured (see the printed line); 4-bit is far coarser than 8-bit
      expect(maxErr).toBeLessThan(precision === 'q8' ? 0.05 * maxLogit : 0.5 * maxLogit);
      expect(sameArgmax / positions).toBeGreaterThanOrEqual(precision === 'q8' ? 0.9 : 0.6);
      expect(ratio).toBeLessThan(precision === 'q8' ? 0.32 : 0.2);
    },
  );
});

describe('other Llama-family layouts on a q4 base', () => {
  it.each([
    ['qwen2 (q/k/v biases), untied lm_head', { model_type: 'qwen2', tie_word_embeddings: false }],
    ['qwen3 (q/k norms, head_dim 32), tied', { model_type: 'qwen3', head_dim: 32, tie_word_embeddings: true }],
  ] as const)('%s: logits of the float32 model over the dequantised weights', async (_, extra) => {
    const config = parseLlamaConfig({
      vocab_size: 160, hidden_size: 64, intermediate_size: 96, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
      max_position_embeddings: 64, rms_norm_eps: 1e-6, rope_theta: 10000, ...extra,
    });
    const weights = randomLlamaWeights(config, 8);
    const format = FORMATS.q4;
    const names = frozenWeightSpecs(config, format).map((s) => s.name);
    expect(names.includes('lm_head.weight.q')).toBe(!config.tieWordEmbeddings);
    if (config.attentionBias) expect(names).toContain('model.layers.0.self_attn.q_proj.bias');
    const rows = prompts(config, 2, 7, 4);
    const q = await logits(config, weights, format, rows);
    const f = await logits(config, dequantisedWeights(config, weights, format), undefined, rows);
    const o = await logits(config, weights, undefined, rows);
    const diff = Math.max(...q.map((v, i) => Math.abs(v - f[i]!)));
    expect(diff).toBeLessThan(1e-4);
    expect(Math.max(...q.map((v, i) => Math.abs(v - o[i]!)))).toBeGreaterThan(10 * diff + 1e-3);
  });
});

describe('LoRA training on a quantised base', () => {
  const lora: LoraSettings = { rank: 4, alpha: 8, dropout: 0, targets: ['q_proj', 'v_proj', 'down_proj'] };
  const adapter = randomLora(tiny, lora, mulberry32(2), 0.05);
  const rng = mulberry32(13);
  const rows = [0, 1, 2].map((i) => ({
    prefix: [1, ...Array.from({ length: 4 + i }, () => 3 + randomInt(rng, 250))],
    prompt: Array.from({ length: 5 - i }, () => 3 + randomInt(rng, 250)),
    logReward: -3 - 4 * i,
  }));
  const batch = (): Record<string, HostTensor> => {
    const b = packPositioned(rows.map((r) => r.prefix), rows.map((r) => r.prompt), 0);
    const n = gflownetInputs;
    return {
      [n.ids]: hostTensor('int64', [b.B, b.T], b.ids),
      [n.positions]: hostTensor('int64', [b.B, b.T], b.positions),
      [n.mask]: hostTensor('bool', [b.B, b.T, b.T], b.mask),
      [n.targetIndex]: hostTensor('int64', [b.B, b.N], b.targetIndex),
      [n.targets]: hostTensor('int64', [b.B, b.N], b.targets),
      [n.targetMask]: hostTensor('float32', [b.B, b.N], Float32Array.from(b.targetMask)),
      [n.logReward]: hostTensor('float32', [b.B], Float32Array.from(rows.map((r) => r.logReward))),
      [n.logZ]: hostTensor('float32', [], Float32Array.from([0])),
      [n.logZDecay]: hostTensor('float32', [], Float32Array.from([0])),
    };
  };

  /** One grad-graph run: loss and the float32 adapter gradients. */
  async function gradientsOf(weights: LlamaWeights, quant: QuantFormat | undefined): Promise<{ loss: number; grads: Record<string, Float32Array> }> {
    const bundle = compileAccumulatingBundle(gflownetModel(tiny, lora, quant ? { quant } : {}), adapter);
    const host = frozenHostWeights(tiny, weights, quant);
    const feeds: Record<string, HostTensor> = { ...batch(), [names.gradScale]: hostTensor('float32', [], Float32Array.from([1])), [names.lossAcc]: hostTensor('float32', [], Float32Array.from([0])) };
    for (const s of frozenWeightSpecs(tiny, quant)) feeds[names.frozen(s.name)] = hostTensor(s.dtype ?? 'float32', s.shape, host.get(s.name)!);
    for (const s of loraParamSpecs(tiny, lora)) {
      feeds[names.param(s.name)] = hostTensor('float32', s.shape, adapter[s.name]!);
      feeds[names.gradAcc(s.name)] = hostTensor('float32', s.shape, new Float32Array(s.shape[0]! * s.shape[1]!));
    }
    const out = await runGraph(await loadOrtNode(), bundle.grad, feeds);
    const grads = Object.fromEntries(loraParamSpecs(tiny, lora).map((s) => [s.name, out[names.next(names.gradAcc(s.name))]!.data as Float32Array]));
    return { loss: (out[names.next(names.lossAcc)]!.data as Float32Array)[0]!, grads };
  }

  it.each(['q8', 'q4'] as const)('%s: loss and adapter gradients equal the float base holding the dequantised weights (1e-5 relative)', async (precision) => {
    const format = FORMATS[precision];
    const q = await gradientsOf(tinyWeights, format);
    const f = await gradientsOf(dequantisedWeights(tiny, tinyWeights, format), undefined);
    const original = await gradientsOf(tinyWeights, undefined);
    expect(Math.abs(q.loss - f.loss)).toBeLessThan(1e-5 * Math.abs(f.loss));
    let worst = 0;
    let vsOriginal = 0;
    for (const [name, g] of Object.entries(q.grads)) {
      const ref = f.grads[name]!;
      const scale = Math.max(...ref.map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      for (let i = 0; i < g.length; i++) {
        worst = Math.max(worst, Math.abs(g[i]! - ref[i]!) / scale);
        vsOriginal = Math.max(vsOriginal, Math.abs(g[i]! - original.grads[name]![i]!) / scale);
      }
    }
    expect(worst).toBeLessThan(1e-5);
    expect(vsOriginal).toBeGreaterThan(worst); // the quantised base is a different model: its gradients differ from the float original's
    console.log(`${precision} training graph: loss ${q.loss.toFixed(5)} (dequantised float base ${f.loss.toFixed(5)}, float original ${original.loss.toFixed(5)}); max |d grad| / max |grad| vs dequantised float ${worst.toExponential(2)}, vs float original ${vsOriginal.toExponential(2)}`);
  });

  it('Trainer steps on the q4 base (uint8 frozen inputs) lower the loss; float32 weights are refused by the quantised bundle', async () => {
    const ort = await loadOrtNode();
    const format = FORMATS.q4;
    const bundle = compileAccumulatingBundle(gflownetModel(tiny, lora, { quant: format }), adapter);
    expect(bundle.manifest.frozen.filter((s) => s.dtype === 'uint8').length).toBe(2 * 7 + 1); // 7 linears per layer and the tied embedding
    const wrong = await uploadLlamaWeights(ort, 'wasm', tiny, tinyWeights);
    await expect(Trainer.create(ort, bundle, { backend: 'wasm', frozen: wrong })).rejects.toThrow(FeedError);
    wrong.release();
    const frozen = await uploadLlamaWeights(ort, 'wasm', tiny, tinyWeights, format);
    const trainer = await Trainer.create(ort, bundle, { backend: 'wasm', frozen, hyper: { lr: 1e-2 } });
    const losses: number[] = [];
    for (let step = 0; step < 6; step++) {
      losses.push((await trainer.accumulate(batch(), { scale: 1 })).loss);
      expect((await trainer.applyUpdate()).finite).toBe(true);
    }
    await trainer.release();
    frozen.release();
    console.log(`q4 base, 6 accumulate+apply steps: loss ${losses.map((l) => l.toFixed(3)).join(' -> ')}`);
    expect(losses[5]!).toBeLessThan(0.5 * losses[0]!);
  });

  it('a quantised bundle keeps its uint8 frozen specs through encode/decode; the manifest refuses other frozen dtypes', () => {
    const bundle = compileAccumulatingBundle(gflownetModel(tiny, lora, { quant: FORMATS.q8 }), adapter);
    const back = decodeBundle(encodeBundle(bundle));
    expect(back.manifest.frozen).toEqual(bundle.manifest.frozen);
    expect(back.manifest.frozen.find((s) => s.name === 'model.embed_tokens.weight.q')).toEqual({ name: 'model.embed_tokens.weight.q', shape: [256, 2, 32], dtype: 'uint8' });
    const text = JSON.stringify({ ...bundle.manifest, frozen: [{ name: 'w.q', shape: [2], dtype: 'int8' }] });
    expect(() => parseBundleManifest(text, (m) => new Error(m))).toThrow(/frozen\[0\]\.dtype' must be "uint8" \(quantised codes\) or no dtype, got "int8"/);
  });

  it('sessions refuse weights uploaded at another precision', async () => {
    const ort = await loadOrtNode();
    const device = await uploadLlamaWeights(ort, 'wasm', tiny, tinyWeights, FORMATS.q8);
    await expect(CausalLM.create(ort, tiny, device, { quant: FORMATS.q4 })).rejects.toThrow(/uploadLlamaWeights/);
    await expect(CausalLM.create(ort, tiny, device)).rejects.toThrow(FeedError);
    device.release();
  });
});
