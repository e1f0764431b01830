// Float64 forward pass of a Hugging Face Llama-family causal LM (Llama 1-3, SmolLM, Qwen2, Qwen3, llama2.c checkpoints), written
// from transformers' modeling_llama / modeling_qwen2 / modeling_qwen3, with an optional PEFT-style LoRA. No KV cache, no graph
// code, no gradients: one left-padded row at a time, slow and plain, for parity tests of our graphs.
import type { LlamaConfig, LlamaWeights, WeightTensor } from '../../src/models/llama/types';
import { type LoraTarget, loraParamName } from '../../src/models/llama/lora';

/** Left-padded token rows: ids (B,T); the first padding[b] slots of row b are padding (their ids are never attended). */
export interface ReferenceBatch {
  ids: readonly (readonly number[])[];
  padding: readonly number[];
}

/**
 * A LoRA adapter as PEFT applies it to each target linear: y = x W^T (+ b) + scale * (x A) B, with A (in,r) and B (r,out)
 * keyed by loraParamName (model.layers.<l>.<module>.<target>.lora_A / lora_B); scale = alpha / r (0 turns it off).
 */
export interface ReferenceLora {
  targets: readonly LoraTarget[];
  rank: number;
  params: Readonly<Record<string, ArrayLike<number>>>;
  scale: number;
}

const MODULE: Record<LoraTarget, 'self_attn' | 'mlp'> = {
  q_proj: 'self_attn', k_proj: 'self_attn', v_proj: 'self_attn', o_proj: 'self_attn',
  gate_proj: 'mlp', up_proj: 'mlp', down_proj: 'mlp',
};

/**
 * RoPE inverse frequencies, (headDim/2): theta^(-2j/D), then Llama 3's band-wise rescaling when configured
 * (transformers' _compute_llama3_parameters: long wavelengths divided by factor, short kept, the band between smoothed).
 */
export function ropeInverseFrequencies(config: LlamaConfig): Float64Array {
  const D = config.headDim;
  const inv = Float64Array.from({ length: D / 2 }, (_, j) => 1 / config.ropeTheta ** ((2 * j) / D));
  const s = config.ropeScaling;
  if (s === null) return inv;
  const old = s.originalMaxPositionEmbeddings;
  const lowFreqWavelen = old / s.lowFreqFactor;
  const highFreqWavelen = old / s.highFreqFactor;
  return inv.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen > lowFreqWavelen) return f / s.factor; // low frequency: scaled
    if (wavelen < highFreqWavelen) return f; // high frequency: kept
    const smooth = (old / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
    return ((1 - smooth) * f) / s.factor + smooth * f; // medium: interpolated
  });
}

/** x (N,in) @ m (in,out), m row-major. */
function matmul(x: Float64Array, n: number, m: ArrayLike<number>, inDim: number, outDim: number): Float64Array {
  const y = new Float64Array(n * outDim);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < inDim; k++) {
      const xik = x[i * inDim + k]!;
      for (let o = 0; o < outDim; o++) y[i * outDim + o]! += xik * m[k * outDim + o]!;
    }
  }
  return y;
}

/** nn.Linear: x (N,in) -> x W^T + b, W [out,in] as PyTorch stores it. */
function linear(x: Float64Array, n: number, w: WeightTensor, bias?: WeightTensor): Float64Array {
  const [outDim, inDim] = w.shape as [number, number];
  const y = new Float64Array(n * outDim);
  for (let i = 0; i < n; i++) {
    for (let o = 0; o < outDim; o++) {
      let s = bias ? bias.data[o]! : 0;
      for (let k = 0; k < inDim; k++) s += x[i * inDim + k]! * w.data[o * inDim + k]!;
      y[i * outDim + o] = s;
    }
  }
  return y;
}

/** RMSNorm over the last axis of x (rows,width): x * rsqrt(mean(x^2) + eps) * w. */
function rmsNorm(x: Float64Array, width: number, w: WeightTensor, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / width; r++) {
    let ss = 0;
    for (let i = 0; i < width; i++) ss += x[r * width + i]! ** 2;
    const scale = 1 / Math.sqrt(ss / width + eps);
    for (let i = 0; i < width; i++) y[r * width + i] = x[r * width + i]! * scale * w.data[i]!;
  }
  return y;
}

/**
 * Rotates x (T, heads, D) in place by position[t] * invFreq. rotate-half (HF): dims j and j + D/2 form a pair;
 * interleaved (llama2.c): dims 2j and 2j+1. Both rotate pair j by angle p * invFreq[j].
 */
function applyRope(x: Float64Array, heads: number, D: number, positions: readonly number[], invFreq: Float64Array, layout: LlamaConfig['ropeLayout']): void {
  positions.forEach((p, t) => {
    for (let h = 0; h < heads; h++) {
      const base = (t * heads + h) * D;
      for (let j = 0; j < D / 2; j++) {
        const [i1, i2] = layout === 'rotate-half' ? [base + j, base + j + D / 2] : [base + 2 * j, base + 2 * j + 1];
        const cos = Math.cos(p * invFreq[j]!), sin = Math.sin(p * invFreq[j]!);
        const [a, b] = [x[i1]!, x[i2]!];
        x[i1] = a * cos - b * sin;
        x[i2] = b * cos + a * sin;
      }
    }
  });
}

const silu = (v: number): number => v / (1 + Math.exp(-v));

/**
 * Logits (B,T,V) in float64. Row b's real tokens sit at positions 0, 1, ... from its first real slot; query t sees keys
 * padding[b] <= s <= t. Padding slots have no visible key and their logits are NaN (undefined, as in HF they are garbage).
 */
export function llamaReferenceLogits(config: LlamaConfig, weights: LlamaWeights, batch: ReferenceBatch, lora?: ReferenceLora): Float64Array {
  const { ids, padding } = batch;
  const B = ids.length;
  const T = ids[0]?.length ?? 0;
  if (padding.length !== B) throw new Error(`padding has ${padding.length} entries for ${B} rows`);
  const V = config.vocabSize;
  const out = new Float64Array(B * T * V);
  ids.forEach((row, b) => {
    if (row.length !== T) throw new Error(`row ${b} has ${row.length} ids, row 0 has ${T}`);
    const pad = padding[b]!;
    if (!Number.isInteger(pad) || pad < 0 || pad >= T) throw new Error(`row ${b}: padding ${pad} must leave at least one real token of ${T}`);
    out.set(forwardRow(config, weights, row, pad, lora), b * T * V);
  });
  return out;
}

/** One left-padded row, (T,V). */
function forwardRow(config: LlamaConfig, weights: LlamaWeights, row: readonly number[], pad: number, lora?: ReferenceLora): Float64Array {
  const { hiddenSize: C, numHeads: H, numKvHeads: KV, headDim: D, intermediateSize: F, vocabSize: V, rmsNormEps: eps } = config;
  const T = row.length;
  const need = (name: string, shape: readonly number[]): WeightTensor => {
    const w = weights.get(name);
    if (!w) throw new Error(`weight '${name}' is missing`);
    if (w.shape.join() !== shape.join()) throw new Error(`weight '${name}' has shape (${w.shape.join(',')}), expected (${shape.join(',')})`);
    return w;
  };
  const positions = Array.from({ length: T }, (_, t) => Math.max(0, t - pad));
  const invFreq = ropeInverseFrequencies(config);

  /** A target linear of layer l on x (T,in) -> (T,out), with Qwen2's q/k/v bias and the LoRA update when it targets it. */
  const project = (l: number, target: LoraTarget, x: Float64Array, inDim: number, outDim: number): Float64Array => {
    const base = `model.layers.${l}.${MODULE[target]}.${target}`;
    const hasBias = config.attentionBias && (target === 'q_proj' || target === 'k_proj' || target === 'v_proj');
    const y = linear(x, T, need(`${base}.weight`, [outDim, inDim]), hasBias ? need(`${base}.bias`, [outDim]) : undefined);
    if (lora && lora.targets.includes(target)) {
      const a = lora.params[loraParamName(l, target, 'A')], bm = lora.params[loraParamName(l, target, 'B')];
      if (!a || !bm || a.length !== inDim * lora.rank || bm.length !== lora.rank * outDim) throw new Error(`LoRA parameters of ${base} are missing or mis-sized`);
      const delta = matmul(matmul(x, T, a, inDim, lora.rank), T, bm, lora.rank, outDim); // (T,in) @ (in,r) @ (r,out)
      for (let i = 0; i < y.length; i++) y[i]! += lora.scale * delta[i]!;
    }
    return y;
  };

  const embed = need('model.embed_tokens.weight', [V, C]);
  let x = new Float64Array(T * C); // (T,C)
  row.forEach((id, t) => {
    if (!Number.isInteger(id) || id < 0 || id >= V) throw new Error(`token id ${id} is outside 0..${V - 1}`);
    for (let i = 0; i < C; i++) x[t * C + i] = embed.data[id * C + i]!;
  });

  for (let l = 0; l < config.numLayers; l++) {
    const p = `model.layers.${l}.`;
    // Self-attention block.
    const xn = rmsNorm(x, C, need(`${p}input_layernorm.weight`, [C]), eps); // (T,C)
    let q = project(l, 'q_proj', xn, C, H * D); // (T,H*D) = (T,H,D)
    let k = project(l, 'k_proj', xn, C, KV * D); // (T,KV,D)
    const v = project(l, 'v_proj', xn, C, KV * D); // (T,KV,D)
    if (config.qkNorm) {
      q = rmsNorm(q, D, need(`${p}self_attn.q_norm.weight`, [D]), eps); // per head, before RoPE
      k = rmsNorm(k, D, need(`${p}self_attn.k_norm.weight`, [D]), eps);
    }
    applyRope(q, H, D, positions, invFreq, config.ropeLayout);
    applyRope(k, KV, D, positions, invFreq, config.ropeLayout);
    const att = new Float64Array(T * H * D); // (T,H,D), heads concatenated as transformers' reshape does
    const group = H / KV; // repeat_kv: query head h reads key/value head floor(h / group)
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < H; h++) {
        const kvh = Math.floor(h / group);
        if (t < pad) {
          att.fill(Number.NaN, (t * H + h) * D, (t * H + h + 1) * D); // a padding query sees no key
          continue;
        }
        const scores: number[] = [];
        for (let s = pad; s <= t; s++) {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[(t * H + h) * D + d]! * k[(s * KV + kvh) * D + d]!;
          scores.push(dot / Math.sqrt(D));
        }
        const m = Math.max(...scores);
        const e = scores.map((z) => Math.exp(z - m));
        const z = e.reduce((a, b) => a + b, 0);
        e.forEach((w, i) => {
          const s = pad + i;
          for (let d = 0; d < D; d++) att[(t * H + h) * D + d]! += (w / z) * v[(s * KV + kvh) * D + d]!;
        });
      }
    }
    const o = project(l, 'o_proj', att, H * D, C); // (T,C)
    x = x.map((xi, i) => xi + o[i]!);
    // SwiGLU MLP block.
    const xf = rmsNorm(x, C, need(`${p}post_attention_layernorm.weight`, [C]), eps);
    const gate = project(l, 'gate_proj', xf, C, F); // (T,F)
    const up = project(l, 'up_proj', xf, C, F); // (T,F)
    const act = gate.map((g, i) => silu(g) * up[i]!);
    const down = project(l, 'down_proj', act, F, C); // (T,C)
    x = x.map((xi, i) => xi + down[i]!);
  }

  const final = rmsNorm(x, C, need('model.norm.weight', [C]), eps);
  const head = config.tieWordEmbeddings ? embed : need('lm_head.weight', [V, C]);
  return linear(final, T, head); // (T,V); NaN at padding slots
}
