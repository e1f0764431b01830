// The Llama-family decoder as graph builders: embedding, L blocks of (RMSNorm, GQA attention with RoPE,
// optional q/k norm and q/k/v bias, KV cache), SwiGLU MLP, final norm, tied or untied head; LoRA on chosen
// linears with an adapter switch. Builds graph tensors only; which graphs exist is artifacts' business.
import type { Tensor } from '../../autodiff/ir';
import {
  type NBitsLayout, add, concat, div, exp, gather, greater, matMulNBits, matmul, mul, reduceMax, reduceSum, reshape, softmax, stopGradient, sub, transpose,
  transposeLast, unsqueeze, where,
} from '../../autodiff/ops';
import { applyRotary, dequantiseBlocks, rmsNorm, rotaryAngles, silu } from '../../autodiff/nn';
import type { Dim } from '../../autodiff/shape';
import { type LoraSettings, type LoraTarget, loraParamName } from './lora';
import type { LlamaConfig } from './types';

/** Graph tensor of a frozen weight by Hugging Face name, in graph layout (linears [in, out]). */
export type WeightLookup = (name: string) => Tensor;

/** A frozen matrix held quantised (quantised-weights.ts): packed (N, K/block, blob) uint8 codes and (N, K/block) scales. */
export interface QuantisedMatrix {
  packed: Tensor;
  scales: Tensor;
  layout: NBitsLayout;
}

/** The quantised form of a frozen matrix by Hugging Face name, or undefined when it is float32. */
export type QuantisedLookup = (name: string) => QuantisedMatrix | undefined;

export interface LoraBinding {
  settings: LoraSettings;
  /** LoRA parameters by loraParamName. */
  params: Readonly<Record<string, Tensor>>;
  /** Scalar () multiplying every adapter's output: alpha / r when on, 0 when off (the reference prior). */
  scale: Tensor;
  /** Training-mode dropout on each adapter's input (B,T,in), when given. */
  dropout?: (x: Tensor, layer: number, target: LoraTarget) => Tensor;
}

export interface KeyValue {
  key: Tensor; // (B, KV, S, D)
  value: Tensor; // (B, KV, S, D)
}

export interface DecoderInputs {
  /** (B, T) int64 token ids. */
  ids: Tensor;
  /** (B, T) int64 absolute positions (left padding shifts them). */
  positions: Tensor;
  /** (B, T, S) bool: query t may attend key s (causality and padding, built by the host). S = P + T with a cache. */
  mask: Tensor;
  /** Per layer (B, KV, P, D) cached keys and values; absent for a full forward. */
  past?: readonly KeyValue[];
  /**
   * Per layer (1, KV, L, D) keys and values of a prefix every row shares (prompt-prefix reuse): visible to
   * every query, never masked, not repeated per row. Positions of this call's tokens must start at L.
   */
  shared?: readonly KeyValue[];
}

export interface DecoderOutputs {
  /** (B, T, C) final-normed hidden states. */
  hidden: Tensor;
  /** Per layer (B, KV, P+T, D) keys and values including this call's tokens. */
  present: KeyValue[];
}

/** RoPE inverse frequencies (D/2), with Llama 3 frequency scaling when configured. */
export function ropeInverseFrequencies(config: LlamaConfig): number[] {
  const D = config.headDim;
  const base = Array.from({ length: D / 2 }, (_, i) => config.ropeTheta ** (-(2 * i) / D));
  const s = config.ropeScaling;
  if (!s) return base;
  const lowWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  return base.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highWavelen) return f;
    if (wavelen > lowWavelen) return f / s.factor;
    const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
    return (1 - smooth) * (f / s.factor) + smooth * f;
  });
}

export class LlamaBuilder {
  private readonly invFreq: number[];

  constructor(
    readonly config: LlamaConfig,
    private readonly weight: WeightLookup,
    private readonly lora?: LoraBinding,
    /** Frozen matrices held quantised (weight-only; the LoRA path stays float32). */
    private readonly quantised?: QuantisedLookup,
  ) {
    this.invFreq = ropeInverseFrequencies(config);
  }

  /** x @ W (+ bias) (+ LoRA): x (..., in) -> (..., out). */
  private linear(x: Tensor, layer: number, module: 'self_attn' | 'mlp', target: LoraTarget): Tensor {
    const base = `model.layers.${layer}.${module}.${target}`;
    const q = this.quantised?.(`${base}.weight`);
    let y = q ? matMulNBits(x, q.packed, q.scales, q.layout) : matmul(x, this.weight(`${base}.weight`)); // (..., in) @ (in, out)
    if (this.config.attentionBias && module === 'self_attn' && target !== 'o_proj') y = add(y, this.weight(`${base}.bias`));
    const lora = this.lora;
    if (lora && lora.settings.targets.includes(target)) {
      const a = lora.params[loraParamName(layer, target, 'A')]!;
      const b = lora.params[loraParamName(layer, target, 'B')]!;
      const input = lora.dropout ? lora.dropout(x, layer, target) : x;
      y = add(y, mul(matmul(matmul(input, a), b), lora.scale)); // (..., in) @ (in, r) @ (r, out)
    }
    return y;
  }

  /** The decoder stack on a batch of tokens; see DecoderInputs for the mask and cache conventions. */
  decode(inputs: DecoderInputs): DecoderOutputs {
    const cfg = this.config;
    const qe = this.quantised?.('model.embed_tokens.weight');
    let x = qe
      ? dequantiseBlocks(gather(qe.packed, inputs.ids), gather(qe.scales, inputs.ids), qe.layout) // rows (B,T,nb,blob) -> (B,T,C)
      : gather(this.weight('model.embed_tokens.weight'), inputs.ids); // (B,T,C)
    const { cos, sin } = rotaryAngles(inputs.positions, this.invFreq); // (B,T,D/2)
    const mask = unsqueeze(inputs.mask, [1, 2]); // (B,1,1,T,S)
    const present: KeyValue[] = [];
    for (let l = 0; l < cfg.numLayers; l++) {
      const p = `model.layers.${l}.`;
      const h = rmsNorm(x, this.weight(`${p}input_layernorm.weight`), cfg.rmsNormEps); // (B,T,C)
      const { out, kv } = this.attention(h, l, cos, sin, mask, inputs.past?.[l], inputs.shared?.[l]);
      present.push(kv);
      x = add(x, out); // (B,T,C)
      const h2 = rmsNorm(x, this.weight(`${p}post_attention_layernorm.weight`), cfg.rmsNormEps);
      const gate = silu(this.linear(h2, l, 'mlp', 'gate_proj')); // (B,T,F)
      x = add(x, this.linear(mul(gate, this.linear(h2, l, 'mlp', 'up_proj')), l, 'mlp', 'down_proj')); // (B,T,C)
    }
    return { hidden: rmsNorm(x, this.weight('model.norm.weight'), cfg.rmsNormEps), present };
  }

  /** Logits (..., V) from final hidden states (..., C), plus an optional (V) bias (a restricted vocabulary). */
  logits(hidden: Tensor, bias?: Tensor): Tensor {
    const headName = this.config.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
    const q = this.quantised?.(headName); // (V, C) rows: MatMulNBits' layout as it is
    const logits = q
      ? matMulNBits(hidden, q.packed, q.scales, q.layout) // (..., C) -> (..., V)
      : matmul(hidden, this.config.tieWordEmbeddings ? transposeLast(this.weight(headName)) : this.weight(headName)); // (..., C) @ (C, V)
    return bias ? add(logits, bias) : logits;
  }

  private attention(
    h: Tensor,
    l: number,
    cos: Tensor,
    sin: Tensor,
    mask: Tensor,
    past: KeyValue | undefined,
    shared: KeyValue | undefined,
  ): { out: Tensor; kv: KeyValue } {
    const { numHeads: H, numKvHeads: KV, headDim: D, rmsNormEps: eps } = this.config;
    const R = H / KV;
    const p = `model.layers.${l}.self_attn.`;
    const [B, T] = [h.shape[0]!, h.shape[1]!]; // symbolic or static (a shared prefix's pass is (1,L))
    let q = transpose(reshape(this.linear(h, l, 'self_attn', 'q_proj'), [B, T, KV, R, D]), [0, 2, 3, 1, 4]); // (B,KV,R,T,D)
    let k = transpose(reshape(this.linear(h, l, 'self_attn', 'k_proj'), [B, T, KV, D]), [0, 2, 1, 3]); // (B,KV,T,D)
    const v = transpose(reshape(this.linear(h, l, 'self_attn', 'v_proj'), [B, T, KV, D]), [0, 2, 1, 3]); // (B,KV,T,D)
    if (this.config.qkNorm) {
      q = rmsNorm(q, this.weight(`${p}q_norm.weight`), eps);
      k = rmsNorm(k, this.weight(`${p}k_norm.weight`), eps);
    }
    q = applyRotary(q, cos, sin, this.config.ropeLayout);
    k = applyRotary(k, cos, sin, this.config.ropeLayout);
    const keys = past ? concat([past.key, k], 2) : k; // (B,KV,S,D)
    const values = past ? concat([past.value, v], 2) : v; // (B,KV,S,D)
    const scale = 1 / Math.sqrt(D);
    const scores = where(mask, mul(matmul(q, unsqueeze(transposeLast(keys), [2])), scale), -1e9); // (B,KV,R,T,D) @ (B,KV,1,D,S) -> (B,KV,R,T,S)
    let o: Tensor;
    if (!shared) {
      o = matmul(softmax(scores, -1), unsqueeze(values, [2])); // (B,KV,R,T,S) @ (B,KV,1,S,D) -> (B,KV,R,T,D)
    } else {
      // softmax over [shared keys | own keys] without materialising the shared prefix per row:
      // o = (exp(s_shared - m) @ V_shared + exp(s_own - m) @ V_own) / (sum exp(s_shared - m) + sum exp(s_own - m))
      const sharedScores = mul(matmul(q, unsqueeze(transposeLast(shared.key), [2])), scale); // (B,KV,R,T,D) @ (1,KV,1,D,L) -> (B,KV,R,T,L)
      const m = stopMax(reduceMax(sharedScores, [-1], true), reduceMax(scores, [-1], true)); // (B,KV,R,T,1)
      const eShared = exp(sub(sharedScores, m));
      const eOwn = exp(sub(scores, m));
      const z = add(reduceSum(eShared, [-1], true), reduceSum(eOwn, [-1], true)); // (B,KV,R,T,1)
      const num = add(matmul(eShared, unsqueeze(shared.value, [2])), matmul(eOwn, unsqueeze(values, [2]))); // (B,KV,R,T,D)
      o = div(num, z);
    }
    const merged = reshape(transpose(o, [0, 3, 1, 2, 4]), [B, T, H * D]); // (B,T,KV,R,D) -> (B,T,H*D)
    return { out: this.linear(merged, l, 'self_attn', 'o_proj'), kv: { key: keys, value: values } };
  }
}

/** Elementwise maximum of two tensors of one shape (a shift for a stable softmax; carries no gradient). */
function stopMax(a: Tensor, b: Tensor): Tensor {
  return stopGradient(where(greater(a, b), a, b));
}

/** Sequence-length symbol of the cache: inputs with a cache declare past keys with 'P' and the mask with 'P+T'. */
export const PAST: Dim = 'P';
export const TOTAL: Dim = 'P+T';
