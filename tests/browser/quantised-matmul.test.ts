// Quantised frozen weights in headless Chromium: the emitted MatMulNBits (com.microsoft; 8 and 4 bits, blocks of 32)
// and its gradient graph on onnxruntime-web's wasm and on WebGPU (SwiftShader here: correctness only) equal x @ W' and
// g @ W'^T for the dequantised W' (1e-5 relative); a tiny Llama with q4 base weights gives the logits of a float32
// Llama over the dequantised weights on both backends; CausalLM with q4 weights uploaded as WebGPU buffers (uint8
// codes fed as gpu-buffer inputs) samples the greedy tokens it samples on wasm.
import { describe, expect, it } from 'vitest';
import { gradients } from '../../src/autodiff/grad';
import { Graph } from '../../src/autodiff/ir';
import { matMulNBits, mul, reduceSum } from '../../src/autodiff/ops';
import { maskAndPositions } from '../../src/models/llama/attention-mask';
import { parseLlamaConfig } from '../../src/models/llama/config';
import { randomLlamaWeights } from '../../src/models/llama/fixture';
import { decoderGraph } from '../../src/models/llama/graphs';
import { dequantiseNBits, quantiseNBits } from '../../src/models/llama/nbits';
import { dequantisedWeights, frozenHostWeights, quantFormat } from '../../src/models/llama/quantised-weights';
import type { LlamaWeights } from '../../src/models/llama/types';
import { emitModel } from '../../src/onnx/emit';
import { mulberry32, randn } from '../../src/random/mulberry32';
import { CausalLM, uploadLlamaWeights } from '../../src/runtime/causal-lm';
import { type Backend, chooseBackend } from '../../src/runtime/device';
import { hostTensor } from '../../src/runtime/host-tensor';
import { loadOrtWeb } from '../../src/runtime/ort-web';
import { runGraph } from '../../src/runtime/run-graph';

const gaussian = (n: number, seed: number, scale: number): Float32Array => {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: n }, () => scale * randn(rng));
};

async function backends(): Promise<string[]> {
  return (await chooseBackend('webgpu')).backend === 'webgpu' ? ['wasm', 'webgpu'] : ['wasm'];
}

describe('MatMulNBits in Chromium', () => {
  it.each([8, 4] as const)('%d-bit: y = x @ W\' and dx = g @ W\'^T on wasm and WebGPU', async (bits) => {
    const [M, K, N] = [4, 64, 40];
    const w = gaussian(N * K, bits, 0.05);
    const q = quantiseNBits(w, N, K, bits, 32);
    const d = dequantiseNBits(q); // (N, K)
    const x = gaussian(M * K, 3, 1);
    const c = gaussian(M * N, 4, 1);
    const g = new Graph('float32');
    const xi = g.input('x', [M, K]);
    const y = matMulNBits(xi, g.constant(q.packed, [N, 2, (32 * bits) / 8], 'uint8'), g.constant(q.scales, [N, 2], 'float32'), q.layout);
    const [dx] = gradients(reduceSum(mul(y, g.constant(c, [M, N], 'float32'))), [xi]);
    const bytes = emitModel(g, { y, dx: dx! });
    for (const ep of await backends()) {
      const out = await runGraph(await loadOrtWeb(), bytes, { x: hostTensor('float32', [M, K], x) }, { executionProviders: [ep] });
      const gotY = out['y']!.data as Float32Array;
      const gotDx = out['dx']!.data as Float32Array;
      for (let m = 0; m < M; m++) {
        for (let n = 0; n < N; n++) {
          let ref = 0;
          let mag = 0;
          for (let k = 0; k < K; k++) {
            ref += x[m * K + k]! * d[n * K + k]!;
            mag += Math.abs(x[m * K + k]! * d[n * K + k]!);
          }
          expect(Math.abs(gotY[m * N + n]! - ref), `${ep} y`).toBeLessThanOrEqual(1e-5 * mag + 1e-7);
        }
        for (let k = 0; k < K; k++) {
          let ref = 0;
          let mag = 0;
          for (let n = 0; n < N; n++) {
            ref += c[m * N + n]! * d[n * K + k]!;
            mag += Math.abs(c[m * N + n]! * d[n * K + k]!);
          }
          expect(Math.abs(gotDx[m * K + k]! - ref), `${ep} dx`).toBeLessThanOrEqual(1e-5 * mag + 1e-7);
        }
      }
    }
  });

  it('a q4 tiny Llama gives the logits of a float32 Llama over the dequantised weights (wasm, WebGPU)', async () => {
    const config = parseLlamaConfig({
      model_type: 'llama', vocab_size: 128, hidden_size: 64, intermediate_size: 96, num_hidden_layers: 2, num_attention_heads: 4,
      num_key_value_heads: 2, max_position_embeddings: 64, rms_norm_eps: 1e-5, rope_theta: 10000, tie_word_embeddings: true,
    });
    const weights = randomLlamaWeights(config, 5);
    const format = quantFormat('q4')!;
    const ids = [1, 17, 99, 5, 64, 3];
    const { mask, positions } = maskAndPositions([0], 0, ids.length);
    const feeds = {
      input_ids: hostTensor('int64', [1, ids.length], BigInt64Array.from(ids, BigInt)),
      position_ids: hostTensor('int64', [1, ids.length], positions),
      attn_mask: hostTensor('bool', [1, ids.length, ids.length], mask),
    };
    const logits = async (w: LlamaWeights, quantised: boolean, ep: string) => {
      const placement = { kind: 'initialisers' as const, weights: frozenHostWeights(config, w, quantised ? format : undefined), ...(quantised ? { quant: format } : {}) };
      const out = await runGraph(await loadOrtWeb(), decoderGraph(config, { weights: placement, cache: false, logits: 'all' }), feeds, { executionProviders: [ep] });
      return out['logits']!.data as Float32Array;
    };
    const reference = await logits(dequantisedWeights(config, weights, format), false, 'wasm');
    const original = await logits(weights, false, 'wasm');
    for (const ep of await backends()) {
      const q = await logits(weights, true, ep);
      const diff = Math.max(...Array.from(q, (v, i) => Math.abs(v - reference[i]!)));
      expect(diff, ep).toBeLessThan(1e-4);
      expect(Math.max(...Array.from(q, (v, i) => Math.abs(v - original[i]!))), ep).toBeGreaterThan(10 * diff + 1e-3); // it is the quantised model
    }
  });

  it('CausalLM on q4 weights: WebGPU (uint8 gpu-buffer inputs) samples the greedy tokens of wasm', async () => {
    if ((await chooseBackend('webgpu')).backend !== 'webgpu') return; // no adapter: nothing to compare
    const config = parseLlamaConfig({
      model_type: 'llama', vocab_size: 128, hidden_size: 64, intermediate_size: 96, num_hidden_layers: 2, num_attention_heads: 4,
      num_key_value_heads: 2, max_position_embeddings: 64, rms_norm_eps: 1e-5, rope_theta: 10000, tie_word_embeddings: true,
    });
    const weights = randomLlamaWeights(config, 6);
    const quant = quantFormat('q4')!;
    const prompts = [[1, 5, 9, 33], [1, 70, 71], [1, 100, 2, 3, 4]];
    const run = async (backend: Backend) => {
      const ort = await loadOrtWeb();
      const device = await uploadLlamaWeights(ort, backend, config, weights, quant);
      const lm = await CausalLM.create(ort, config, device, { quant });
      expect(lm.decodersBaked).toBe(backend === 'wasm'); // wasm bakes these small weights in; WebGPU feeds buffers
      const out = await lm.sample(prompts, { temperature: 0, topP: 1, maxNewTokens: 6, eosTokenIds: [], seeds: [0, 0, 0], adapter: false, padTokenId: 0 });
      await lm.release();
      device.release();
      return out.map((s) => s.tokens);
    };
    expect(await run('webgpu')).toEqual(await run('wasm'));
  });
});
