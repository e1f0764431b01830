// An onnxruntime-genai model-builder export of a Llama (model.onnx initialisers + genai_config.json) -> LlamaConfig and
// float32 LlamaWeights under Hugging Face names, so our own graphs can run the same weights. Does not run anything.
//
// Assumed of the export (checked where the data allows; anything else throws GenaiExportError):
// - initialiser names as the builder writes them: model.embed_tokens.weight; per layer model.layers.<l>.input_layernorm.weight,
//   .post_attention_layernorm.weight, .attn.{q,k,v,o}_proj.MatMul.weight or a fused .attn.qkv_proj.MatMul.weight (columns q|k|v),
//   .mlp.{gate,up,down}_proj.MatMul.weight; final norm model.layers.<L>.final_norm_layernorm.weight (or model.norm.weight);
//   lm_head.MatMul.weight; cos_cache/sin_cache (P, D/2). No biases, no quantised MatMulNBits weights.
// - MatMul weights are stored [in, out] (x @ W), the transpose of PyTorch's [out, in]; they are transposed back here.
// - Weights are FLOAT16 or FLOAT; float16 converts to float32 exactly, so the HF weights are the fp16 values.
// - The MLP is SwiGLU (the builder's Sigmoid*Mul is SiLU); the norms are RMSNorm (SimplifiedLayerNormalization).
// - RoPE: theta is fitted to the cos/sin caches (and the caches regenerated from it must match to fp16 precision,
//   so scaled variants are refused); rotate-half vs interleaved comes from RotaryEmbedding's `interleaved` attribute.
// - Tied embeddings when lm_head is absent or exactly the embedding's transpose.
// - bos/eos come from genai_config.json, which copies the HF config.json (it may disagree with tokenizer.json).
import { decodeModel, onnx } from '../../onnx/proto';
import { CONFIG_BOUNDS } from '../llama/config';
import type { LlamaConfig, LlamaWeights, WeightTensor } from '../llama/types';

type BoundedField = keyof typeof CONFIG_BOUNDS;
import { type OnnxInitialiser, float16ToFloat32Array } from './onnx-initialisers';

/** The export is not a Llama the model builder wrote as assumed above; the message names what differs. */
export class GenaiExportError extends Error {
  override name = 'GenaiExportError';
}

/** What the graph's nodes (not its initialisers) say about the architecture. */
export interface GenaiGraphAttributes {
  /** `epsilon` of every (Skip)SimplifiedLayerNormalization; they must agree. */
  rmsNormEps: number;
  /** `interleaved` of every RotaryEmbedding. */
  rotaryInterleaved: boolean;
  /** `rotary_embedding_dim` of RotaryEmbedding (0: the whole head). */
  rotaryDim: number;
  /** `scale` of the attention op (MultiHeadAttention / GroupQueryAttention); 0 means 1/sqrt(head size). */
  attentionScale: number;
}

/** The shortest decimal that is the same float32 (ONNX float attributes are float32: 9.99999997e-7 -> 1e-6). */
function shortestFloat32(f: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const v = Number(f.toPrecision(digits));
    if (Math.fround(v) === Math.fround(f)) return v;
  }
  return f;
}

function single<T>(what: string, values: T[]): T {
  if (values.length === 0) throw new GenaiExportError(`the graph has no ${what}; is this an onnxruntime-genai Llama export?`);
  const distinct = [...new Set(values)];
  if (distinct.length !== 1) throw new GenaiExportError(`the graph's ${what} differ (${distinct.join(', ')}); every layer must use one value`);
  return distinct[0]!;
}

/** Reads the architecture attributes from the nodes of model.onnx (bytes; external data not needed). */
export function readGenaiGraphAttributes(model: Uint8Array): GenaiGraphAttributes {
  const nodes = decodeModel(model).graph?.node ?? [];
  const attribute = (opTypes: string[], name: string): number[] =>
    nodes.filter((n) => opTypes.includes(n.opType ?? '')).map((n) => {
      const a = (n.attribute ?? []).find((x) => x.name === name);
      if (a === undefined) return 0; // ONNX default of these attributes
      return a.type === onnx.AttributeProto.AttributeType.FLOAT ? (a.f ?? 0) : Number(a.i ?? 0);
    });
  const eps = single('norm epsilons', attribute(['SimplifiedLayerNormalization', 'SkipSimplifiedLayerNormalization'], 'epsilon'));
  return {
    rmsNormEps: shortestFloat32(eps),
    rotaryInterleaved: single('RotaryEmbedding interleaved attributes', attribute(['RotaryEmbedding'], 'interleaved')) !== 0,
    rotaryDim: single('RotaryEmbedding rotary_embedding_dim attributes', attribute(['RotaryEmbedding'], 'rotary_embedding_dim')),
    attentionScale: single('attention scales', attribute(['MultiHeadAttention', 'GroupQueryAttention'], 'scale')),
  };
}

interface GenaiDecoder {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  contextLength: number;
  bosTokenId: number | null;
  eosTokenIds: number[];
}

/** Validates the fields of genai_config.json (parsed object or text) that fix the architecture. */
function parseGenaiConfig(json: unknown): GenaiDecoder {
  let root: { model?: Record<string, unknown> } | null;
  try {
    root = (typeof json === 'string' ? JSON.parse(json) : json) as { model?: Record<string, unknown> } | null;
  } catch (error) {
    throw new GenaiExportError(`genai_config.json is not valid JSON (${(error as Error).message})`);
  }
  const model = root?.model;
  if (typeof model !== 'object' || model === null || Array.isArray(model)) throw new GenaiExportError('genai_config.json has no "model" object');
  if (model['type'] !== 'llama') throw new GenaiExportError(`genai_config.json model.type is ${JSON.stringify(model['type'])}; only "llama" is supported`);
  const decoder = (typeof model['decoder'] === 'object' && model['decoder'] !== null ? model['decoder'] : {}) as Record<string, unknown>;
  const bound: Readonly<Record<string, BoundedField>> = { vocab_size: 'vocab_size', hidden_size: 'hidden_size', num_hidden_layers: 'num_hidden_layers', num_attention_heads: 'num_attention_heads', num_key_value_heads: 'num_key_value_heads', head_size: 'head_dim', context_length: 'max_position_embeddings' };
  const int = (obj: Record<string, unknown>, key: string, where: string): number => {
    const v = obj[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new GenaiExportError(`genai_config.json ${where}.${key} = ${JSON.stringify(v)}; a positive integer is required`);
    if (Object.hasOwn(bound, key) && v > CONFIG_BOUNDS[bound[key]!]) {
      throw new GenaiExportError(`genai_config.json ${where}.${key} = ${v} is above ${CONFIG_BOUNDS[bound[key]!]}, the most a model in a browser tab can have (CONFIG_BOUNDS)`);
    }
    return v;
  };
  const token = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null);
  const eos = model['eos_token_id'];
  return {
    vocabSize: int(model, 'vocab_size', 'model'),
    hiddenSize: int(decoder, 'hidden_size', 'model.decoder'),
    numLayers: int(decoder, 'num_hidden_layers', 'model.decoder'),
    numHeads: int(decoder, 'num_attention_heads', 'model.decoder'),
    numKvHeads: int(decoder, 'num_key_value_heads', 'model.decoder'),
    headDim: int(decoder, 'head_size', 'model.decoder'),
    contextLength: int(model, 'context_length', 'model'),
    bosTokenId: token(model['bos_token_id']),
    eosTokenIds: (Array.isArray(eos) ? eos : [eos]).map(token).filter((t): t is number => t !== null),
  };
}

/** Float32 values of a FLOAT16 or FLOAT initialiser, checked against the expected dims. */
function floats(initialisers: ReadonlyMap<string, OnnxInitialiser>, name: string, dims: readonly number[]): Float32Array {
  const t = initialisers.get(name);
  if (!t) throw new GenaiExportError(`initialiser '${name}' [${dims.join(', ')}] is missing; the export does not match genai_config.json or the builder's naming`);
  if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) {
    throw new GenaiExportError(`initialiser '${name}' has dims [${t.dims.join(', ')}], but genai_config.json implies [${dims.join(', ')}]`);
  }
  if (t.dataType === 10) return float16ToFloat32Array(t.bytes);
  if (t.dataType === 1) return new Float32Array(new Uint8Array(t.bytes).buffer);
  throw new GenaiExportError(`initialiser '${name}' has element type ${t.dataType}; only FLOAT16 (10) and FLOAT (1) exports are supported`);
}

/** [rows, cols] row-major -> [cols, rows]. */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = data[r * cols + c]!;
  return t;
}

/** Columns [from, to) of a [rows, cols] matrix. */
function columns(data: Float32Array, rows: number, cols: number, from: number, to: number): Float32Array {
  const out = new Float32Array(rows * (to - from));
  for (let r = 0; r < rows; r++) out.set(data.subarray(r * cols + from, r * cols + to), r * (to - from));
  return out;
}

/** The HF [out, in] tensor of a builder MatMul weight stored [in, out]. */
function linear(w: Float32Array, inDim: number, outDim: number): WeightTensor {
  return { shape: [outDim, inDim], data: transpose(w, inDim, outDim) };
}

/** RoPE theta fitted to the caches: each frequency from its unwrapped phase over all positions, then log-linear in i. */
function fitRopeTheta(cos: Float32Array, sin: Float32Array, positions: number, half: number): number {
  let num = 0;
  let den = 0;
  for (let i = 1; i < half; i++) {
    let phase = 0;
    let prev = 0;
    let sxy = 0;
    let sxx = 0;
    for (let p = 1; p < positions; p++) {
      const raw = Math.atan2(sin[p * half + i]!, cos[p * half + i]!);
      let step = raw - prev;
      step -= 2 * Math.PI * Math.round(step / (2 * Math.PI)); // frequencies are at most 1 rad per position, below pi
      phase += step;
      prev = raw;
      sxy += p * phase;
      sxx += p * p;
    }
    const freq = sxy / sxx; // theta^(-2i/D)
    const a = (2 * i) / (2 * half);
    const weight = (freq * positions * a) ** 2; // phase span times slope: how well this frequency pins theta
    num += weight * (-Math.log(freq) / a);
    den += weight;
  }
  return Math.exp(num / den);
}

/** Largest difference between the caches and cos/sin(p * theta^(-2i/D)) computed in float32, as the builder does. */
function cacheError(cos: Float32Array, sin: Float32Array, positions: number, half: number, theta: number): number {
  let err = 0;
  for (let i = 0; i < half; i++) {
    const freq = Math.fround(1 / Math.fround(theta ** (i / half)));
    for (let p = 0; p < positions; p++) {
      const angle = Math.fround(p * freq);
      err = Math.max(err, Math.abs(Math.cos(angle) - cos[p * half + i]!), Math.abs(Math.sin(angle) - sin[p * half + i]!));
    }
  }
  return err;
}

/** fp16 rounding of values in [-1, 1] (2^-12) plus float32 angle rounding at large positions. */
const CACHE_TOLERANCE = 1e-3;

const KNOWN_EXTRA = new Set(['cos_cache', 'sin_cache']);

/**
 * Maps the initialisers of a genai Llama export (readOnnxInitialisers) to a LlamaConfig and HF-named float32 weights.
 * `genaiConfig` is genai_config.json (object or text); `graph` is readGenaiGraphAttributes of the same model.onnx.
 */
export function genaiLlamaToHf(
  initialisers: ReadonlyMap<string, OnnxInitialiser>,
  genaiConfig: unknown,
  graph: GenaiGraphAttributes,
): { config: LlamaConfig; weights: LlamaWeights } {
  const g = parseGenaiConfig(genaiConfig);
  const { vocabSize: V, hiddenSize: H, numLayers: L, headDim: D } = g;
  const q = g.numHeads * D;
  const kv = g.numKvHeads * D;
  if (g.numHeads % g.numKvHeads !== 0) throw new GenaiExportError(`num_attention_heads ${g.numHeads} is not a multiple of num_key_value_heads ${g.numKvHeads}`);
  if (graph.rotaryDim !== 0 && graph.rotaryDim !== D) throw new GenaiExportError(`RotaryEmbedding rotates ${graph.rotaryDim} of ${D} head dimensions; partial rotary is not supported`);
  if (graph.attentionScale !== 0 && Math.abs(graph.attentionScale - 1 / Math.sqrt(D)) > 1e-6) {
    throw new GenaiExportError(`the attention scale is ${graph.attentionScale}, not 1/sqrt(${D}); our graphs scale by 1/sqrt(head size)`);
  }

  const used = new Set<string>(KNOWN_EXTRA);
  const take = (name: string, dims: readonly number[]): Float32Array => {
    used.add(name);
    return floats(initialisers, name, dims);
  };
  const gate0 = initialisers.get('model.layers.0.mlp.gate_proj.MatMul.weight');
  if (!gate0 || gate0.dims.length !== 2) throw new GenaiExportError("initialiser 'model.layers.0.mlp.gate_proj.MatMul.weight' is missing: cannot read the intermediate size");
  const I = gate0.dims[1]!;

  const weights: LlamaWeights = new Map();
  weights.set('model.embed_tokens.weight', { shape: [V, H], data: take('model.embed_tokens.weight', [V, H]) });
  for (let l = 0; l < L; l++) {
    const src = `model.layers.${l}.`;
    const dst = `model.layers.${l}.`;
    weights.set(`${dst}input_layernorm.weight`, { shape: [H], data: take(`${src}input_layernorm.weight`, [H]) });
    if (initialisers.has(`${src}attn.qkv_proj.MatMul.weight`)) {
      const qkv = take(`${src}attn.qkv_proj.MatMul.weight`, [H, q + 2 * kv]); // (H, q|k|v)
      weights.set(`${dst}self_attn.q_proj.weight`, linear(columns(qkv, H, q + 2 * kv, 0, q), H, q));
      weights.set(`${dst}self_attn.k_proj.weight`, linear(columns(qkv, H, q + 2 * kv, q, q + kv), H, kv));
      weights.set(`${dst}self_attn.v_proj.weight`, linear(columns(qkv, H, q + 2 * kv, q + kv, q + 2 * kv), H, kv));
    } else {
      for (const [proj, out] of [['q_proj', q], ['k_proj', kv], ['v_proj', kv]] as const) {
        weights.set(`${dst}self_attn.${proj}.weight`, linear(take(`${src}attn.${proj}.MatMul.weight`, [H, out]), H, out));
      }
    }
    weights.set(`${dst}self_attn.o_proj.weight`, linear(take(`${src}attn.o_proj.MatMul.weight`, [q, H]), q, H));
    weights.set(`${dst}post_attention_layernorm.weight`, { shape: [H], data: take(`${src}post_attention_layernorm.weight`, [H]) });
    weights.set(`${dst}mlp.gate_proj.weight`, linear(take(`${src}mlp.gate_proj.MatMul.weight`, [H, I]), H, I));
    weights.set(`${dst}mlp.up_proj.weight`, linear(take(`${src}mlp.up_proj.MatMul.weight`, [H, I]), H, I));
    weights.set(`${dst}mlp.down_proj.weight`, linear(take(`${src}mlp.down_proj.MatMul.weight`, [I, H]), I, H));
  }
  const finalNorm = initialisers.has(`model.layers.${L}.final_norm_layernorm.weight`) ? `model.layers.${L}.final_norm_layernorm.weight` : 'model.norm.weight';
  weights.set('model.norm.weight', { shape: [H], data: take(finalNorm, [H]) });

  let tied = true;
  if (initialisers.has('lm_head.MatMul.weight')) {
    const head = linear(take('lm_head.MatMul.weight', [H, V]), H, V); // [V, H]
    const embed = weights.get('model.embed_tokens.weight')!.data;
    tied = head.data.every((v, i) => Object.is(v, embed[i]));
    if (!tied) weights.set('lm_head.weight', head);
  }

  const unknown = [...initialisers.keys()].filter((n) => !used.has(n));
  if (unknown.length > 0) {
    throw new GenaiExportError(`initialisers ${unknown.slice(0, 5).map((n) => `'${n}'`).join(', ')}${unknown.length > 5 ? ', ...' : ''} are not part of a plain Llama export (biases, quantised or fused MLP weights?); they would be ignored, so the export is refused`);
  }

  const half = D / 2;
  const positions = g.contextLength;
  const cos = take('cos_cache', [positions, half]);
  const sin = take('sin_cache', [positions, half]);
  const fitted = fitRopeTheta(cos, sin, positions, half);
  const round = Number(fitted.toPrecision(3)); // configs give round thetas (10000, 500000, 1e6): prefer one the caches agree with
  const ropeTheta = cacheError(cos, sin, positions, half, round) <= CACHE_TOLERANCE ? round : fitted;
  const error = cacheError(cos, sin, positions, half, ropeTheta);
  if (error > CACHE_TOLERANCE) {
    throw new GenaiExportError(`the RoPE caches differ from plain RoPE with theta ${ropeTheta} by ${error.toExponential(2)} (> ${CACHE_TOLERANCE}); scaled RoPE (llama3, linear, yarn) is not supported`);
  }

  const config: LlamaConfig = {
    modelType: 'llama',
    vocabSize: V,
    hiddenSize: H,
    intermediateSize: I,
    numLayers: L,
    numHeads: g.numHeads,
    numKvHeads: g.numKvHeads,
    headDim: D,
    rmsNormEps: graph.rmsNormEps,
    ropeTheta,
    ropeScaling: null,
    ropeLayout: graph.rotaryInterleaved ? 'interleaved' : 'rotate-half',
    maxPositionEmbeddings: positions,
    tieWordEmbeddings: tied,
    attentionBias: false,
    qkNorm: false,
    bosTokenId: g.bosTokenId,
    eosTokenIds: g.eosTokenIds,
  };
  return { config, weights };
}
