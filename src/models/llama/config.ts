// Hugging Face config.json -> LlamaConfig for Llama, SmolLM/SmolLM2, TinyLlama, Llama 3.x, Qwen2/2.5 and Qwen3,
// with transformers' defaults, and the parameter names and shapes such a config implies. Refuses what we cannot run.
import type { LlamaConfig } from './types';

/** A config.json we cannot run as written; the message names the field, its value and what is supported. */
export class UnsupportedConfigError extends Error {
  override name = 'UnsupportedConfigError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

type ModelType = LlamaConfig['modelType'];

const GiB = 2 ** 30;

/**
 * What one browser tab can hold. Weights are float32 on the host and the device (F16/BF16 files are widened when
 * read), 4 bytes a parameter.
 * - maxTensorBytes: one weight lives in one ArrayBuffer and one GPU buffer. WebGPU's maxBufferSize is at most 4 GiB on
 *   desktop adapters (1 GiB on the SwiftShader adapter of our CI), and 4 GiB is all of a wasm32 memory.
 * - maxWeightBytes: all weights together. A desktop tab gets at most about 16 GiB before the browser kills it.
 */
export const BROWSER_LIMITS = Object.freeze({ maxTensorBytes: 4 * GiB, maxWeightBytes: 16 * GiB });

/**
 * The bound on every config dimension. Each one is far above the largest published checkpoint (Llama 3.1 405B: 126
 * layers, hidden 16384, intermediate 53248, 128 heads; vocabularies up to 262144; head_dim up to 256) and far below
 * where the loops and graphs built from it would stall a tab: a config within them costs work proportional to its
 * parameter count, which weightBounds() then checks against BROWSER_LIMITS before anything is allocated.
 * - vocab_size x 1024 float32 (a narrow model's embedding) is one maxTensorBytes tensor at 2^20.
 * - num_hidden_layers: every layer adds about 10 weight buffers and 40 graph nodes; 512 layers is 4x the deepest model.
 * - max_position_embeddings: positions are int64 graph inputs and RoPE angles are computed per position; 2^24 is 16x
 *   the longest published context (1M) and still exact in float32 arithmetic on positions.
 */
export const CONFIG_BOUNDS = Object.freeze({
  vocab_size: 2 ** 20,
  hidden_size: 2 ** 16,
  intermediate_size: 2 ** 18,
  num_hidden_layers: 512,
  num_attention_heads: 1024,
  num_key_value_heads: 1024,
  head_dim: 1024,
  max_position_embeddings: 2 ** 24,
});

type BoundedField = keyof typeof CONFIG_BOUNDS;

/** transformers' defaults per model_type (configuration_llama.py, configuration_qwen2.py, configuration_qwen3.py). */
const DEFAULTS: Record<ModelType, { architecture: string; maxPositions: number; bos: number | null; eos: number | null; headDim: number | null }> = {
  llama: { architecture: 'LlamaForCausalLM', maxPositions: 2048, bos: 1, eos: 2, headDim: null },
  qwen2: { architecture: 'Qwen2ForCausalLM', maxPositions: 32768, bos: null, eos: null, headDim: null },
  // Qwen3Config defaults head_dim to 128 (not hidden/heads); the published configs always give it.
  qwen3: { architecture: 'Qwen3ForCausalLM', maxPositions: 32768, bos: null, eos: null, headDim: 128 },
};

const SUPPORTED_TYPES = Object.keys(DEFAULTS).join(', ');

function describe(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

function refuse(field: string, value: unknown, supported: string): never {
  throw new UnsupportedConfigError(field, `config.json ${field} = ${describe(value)} is not supported; supported: ${supported}`);
}

function has(obj: Record<string, unknown>, key: string): boolean {
  return obj[key] !== undefined && obj[key] !== null;
}

function requiredInt(obj: Record<string, unknown>, field: string): number {
  if (!has(obj, field)) {
    throw new UnsupportedConfigError(field, `config.json has no ${field}; it is required (a positive integer). Is this the config.json of a causal LM checkpoint?`);
  }
  return positiveInt(obj, field, obj[field]);
}

function positiveInt(obj: Record<string, unknown>, field: string, value: unknown = obj[field]): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) refuse(field, value, 'a positive integer');
  if (Object.hasOwn(CONFIG_BOUNDS, field)) bounded(field as BoundedField, value);
  return value;
}

/** `value` of a dimension, or UnsupportedConfigError naming the bound (the source says 'config.json' or 'llama2.c header'). */
export function bounded(field: BoundedField, value: number, source = 'config.json'): number {
  const bound = CONFIG_BOUNDS[field];
  if (value > bound) {
    throw new UnsupportedConfigError(
      field,
      `${source} ${field} = ${value} is above ${bound}, the most a model in a browser tab can have (CONFIG_BOUNDS in src/models/llama/config.ts); this is not a model we can load`,
    );
  }
  return value;
}

function positiveNumber(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) refuse(field, value, 'a positive finite number');
  return value;
}

function tokenId(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) refuse(field, value, 'a non-negative integer token id, a list of them, or null');
  return value;
}

function parseJson(json: unknown): Record<string, unknown> {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new UnsupportedConfigError('config.json', `config.json is not valid JSON (${(error as Error).message}); download it again`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UnsupportedConfigError('config.json', `config.json must be a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

function parseModelType(c: Record<string, unknown>): ModelType {
  const modelType = c['model_type'];
  if (modelType === undefined) {
    throw new UnsupportedConfigError('model_type', `config.json has no model_type; supported: ${SUPPORTED_TYPES}`);
  }
  if (typeof modelType !== 'string' || !(modelType in DEFAULTS)) refuse('model_type', modelType, SUPPORTED_TYPES);
  const type = modelType as ModelType;
  const architectures = c['architectures'];
  if (has(c, 'architectures')) {
    const expected = DEFAULTS[type].architecture;
    if (!Array.isArray(architectures) || architectures.length === 0 || !architectures.every((a) => a === expected)) {
      refuse('architectures', architectures, `["${expected}"] for model_type ${type}`);
    }
  }
  return type;
}

/** Checks the fields that change the architecture away from what our graph builders implement. */
function refuseUnsupportedFeatures(c: Record<string, unknown>, type: ModelType): void {
  const act = c['hidden_act'] ?? 'silu';
  if (act !== 'silu') refuse('hidden_act', act, '"silu" (SwiGLU MLP)');
  if (has(c, 'mlp_bias') && c['mlp_bias'] !== false) refuse('mlp_bias', c['mlp_bias'], 'false (no MLP biases)');
  // Llama and Qwen3 put attention_bias on q, k, v AND o_proj; LlamaConfig.attentionBias covers q/k/v only (Qwen2).
  if (type !== 'qwen2' && has(c, 'attention_bias') && c['attention_bias'] !== false) {
    refuse('attention_bias', c['attention_bias'], `false for model_type ${type} (true also adds an o_proj bias, which the graph builders do not take); Qwen2's fixed q/k/v biases are supported`);
  }
  if (has(c, 'use_sliding_window') && c['use_sliding_window'] !== false) {
    refuse('use_sliding_window', c['use_sliding_window'], 'false (full attention in every layer)');
  }
  const layerTypes = c['layer_types'];
  if (Array.isArray(layerTypes) && layerTypes.some((t) => t !== 'full_attention')) {
    refuse('layer_types', layerTypes.find((t) => t !== 'full_attention'), '"full_attention" in every layer');
  }
  if (has(c, 'quantization_config')) {
    const method = (c['quantization_config'] as { quant_method?: unknown }).quant_method;
    refuse('quantization_config', { quant_method: method }, 'none: use an unquantised (F32, F16 or BF16) checkpoint');
  }
}

type RopeScaling = LlamaConfig['ropeScaling'];

function parseRopeScaling(field: string, raw: unknown): RopeScaling {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) refuse(field, raw, 'null or an object with rope_type "llama3"');
  const s = raw as Record<string, unknown>;
  const ropeType = s['rope_type'] ?? s['type'] ?? 'default';
  if (ropeType === 'default') return null;
  if (ropeType !== 'llama3') refuse(`${field}.rope_type`, ropeType, 'null, "default" or "llama3" (not yarn, linear, dynamic, longrope)');
  const num = (key: string): number => {
    if (!has(s, key)) throw new UnsupportedConfigError(`${field}.${key}`, `config.json ${field} (llama3) has no ${key}; it is required`);
    return positiveNumber(`${field}.${key}`, s[key]);
  };
  const scaling = {
    type: 'llama3' as const,
    factor: num('factor'),
    lowFreqFactor: num('low_freq_factor'),
    highFreqFactor: num('high_freq_factor'),
    originalMaxPositionEmbeddings: num('original_max_position_embeddings'),
  };
  if (!Number.isInteger(scaling.originalMaxPositionEmbeddings)) {
    refuse(`${field}.original_max_position_embeddings`, scaling.originalMaxPositionEmbeddings, 'a positive integer');
  }
  if (scaling.highFreqFactor <= scaling.lowFreqFactor) {
    refuse(`${field}.high_freq_factor`, scaling.highFreqFactor, `a value above low_freq_factor (${scaling.lowFreqFactor})`);
  }
  return scaling;
}

/** rope_theta and scaling; transformers v5 moves both into `rope_parameters`. */
function parseRope(c: Record<string, unknown>): { ropeTheta: number; ropeScaling: RopeScaling } {
  const params = c['rope_parameters'];
  if (params !== undefined && params !== null) {
    const p = params as Record<string, unknown>;
    const theta = p['rope_theta'] ?? c['rope_theta'] ?? 10000;
    return { ropeTheta: positiveNumber('rope_parameters.rope_theta', theta), ropeScaling: parseRopeScaling('rope_parameters', params) };
  }
  return { ropeTheta: positiveNumber('rope_theta', c['rope_theta'] ?? 10000), ropeScaling: parseRopeScaling('rope_scaling', c['rope_scaling']) };
}

function parseEos(c: Record<string, unknown>, fallback: number | null): number[] {
  const raw = c['eos_token_id'] === undefined ? fallback : c['eos_token_id'];
  if (raw === null) return [];
  if (Array.isArray(raw)) return raw.map((id) => tokenId('eos_token_id', id));
  return [tokenId('eos_token_id', raw)];
}

/** Normalises a config.json (parsed object or its text). Throws UnsupportedConfigError for what we cannot run. */
export function parseLlamaConfig(json: unknown): LlamaConfig {
  const c = parseJson(json);
  const modelType = parseModelType(c);
  const defaults = DEFAULTS[modelType];
  refuseUnsupportedFeatures(c, modelType);

  const vocabSize = requiredInt(c, 'vocab_size');
  const hiddenSize = requiredInt(c, 'hidden_size');
  const intermediateSize = requiredInt(c, 'intermediate_size');
  const numLayers = requiredInt(c, 'num_hidden_layers');
  const numHeads = requiredInt(c, 'num_attention_heads');
  const numKvHeads = has(c, 'num_key_value_heads') ? positiveInt(c, 'num_key_value_heads') : numHeads;
  if (numHeads % numKvHeads !== 0) {
    refuse('num_key_value_heads', numKvHeads, `a divisor of num_attention_heads (${numHeads}) for grouped-query attention`);
  }
  let headDim: number;
  if (has(c, 'head_dim')) headDim = positiveInt(c, 'head_dim');
  else if (defaults.headDim !== null) headDim = defaults.headDim;
  else {
    if (hiddenSize % numHeads !== 0) {
      refuse('num_attention_heads', numHeads, `a divisor of hidden_size (${hiddenSize}) when head_dim is not given`);
    }
    headDim = hiddenSize / numHeads;
  }
  if (headDim % 2 !== 0) refuse('head_dim', headDim, 'an even head dimension (RoPE rotates pairs)');

  const rmsNormEps = positiveNumber('rms_norm_eps', c['rms_norm_eps'] ?? 1e-6);
  const { ropeTheta, ropeScaling } = parseRope(c);
  const maxPositionEmbeddings = has(c, 'max_position_embeddings') ? positiveInt(c, 'max_position_embeddings') : defaults.maxPositions;
  const tie = c['tie_word_embeddings'] ?? false;
  if (typeof tie !== 'boolean') refuse('tie_word_embeddings', tie, 'true or false');
  const bosRaw = c['bos_token_id'] === undefined ? defaults.bos : c['bos_token_id'];

  const config: LlamaConfig = {
    modelType,
    vocabSize,
    hiddenSize,
    intermediateSize,
    numLayers,
    numHeads,
    numKvHeads,
    headDim,
    rmsNormEps,
    ropeTheta,
    ropeScaling,
    ropeLayout: 'rotate-half',
    maxPositionEmbeddings,
    tieWordEmbeddings: tie,
    attentionBias: modelType === 'qwen2',
    qkNorm: modelType === 'qwen3',
    bosTokenId: bosRaw === null ? null : tokenId('bos_token_id', bosRaw),
    eosTokenIds: parseEos(c, defaults.eos),
  };
  for (const [field, id] of [['bos_token_id', config.bosTokenId], ...config.eosTokenIds.map((e) => ['eos_token_id', e] as const)] as const) {
    if (id !== null && id >= vocabSize) refuse(field, id, `a token id below vocab_size (${vocabSize})`);
  }
  weightBounds(config);
  return config;
}

/**
 * The largest weight tensor and all weights of `config` as float32 bytes, computed from the dimensions (nothing is
 * allocated); UnsupportedConfigError when either is beyond BROWSER_LIMITS, naming the limit.
 */
export function weightBounds(config: LlamaConfig, source = 'config.json'): { largestTensorBytes: number; totalBytes: number } {
  const { vocabSize: V, hiddenSize: H, intermediateSize: I, numLayers: L, numHeads, numKvHeads, headDim: D } = config;
  const tensors: [string, number][] = [
    ['embed_tokens', V * H],
    ['q_proj', numHeads * D * H],
    ['k_proj', numKvHeads * D * H],
    ['o_proj', H * numHeads * D],
    ['gate_proj', I * H],
  ];
  const perLayer = 2 * H + H * D * (2 * numHeads + 2 * numKvHeads) + 3 * I * H + (config.attentionBias ? (numHeads + 2 * numKvHeads) * D : 0) + (config.qkNorm ? 2 * D : 0);
  const total = 4 * (V * H * (config.tieWordEmbeddings ? 1 : 2) + H + L * perLayer);
  const [name, largest] = tensors.reduce((a, b) => (b[1] > a[1] ? b : a));
  const gib = (bytes: number) => `${(bytes / GiB).toFixed(1)} GiB`;
  if (4 * largest > BROWSER_LIMITS.maxTensorBytes) {
    throw new UnsupportedConfigError(
      name,
      `${source} describes a ${name} weight of ${largest} float32 values (${gib(4 * largest)}); one tensor in a browser can be at most ${gib(BROWSER_LIMITS.maxTensorBytes)} (BROWSER_LIMITS.maxTensorBytes)`,
    );
  }
  if (total > BROWSER_LIMITS.maxWeightBytes) {
    throw new UnsupportedConfigError(
      'num_hidden_layers',
      `${source} describes ${Math.round(total / 4)} parameters (${gib(total)} as float32); a browser tab holds at most ${gib(BROWSER_LIMITS.maxWeightBytes)} of weights (BROWSER_LIMITS.maxWeightBytes): use a smaller model`,
    );
  }
  return { largestTensorBytes: 4 * largest, totalBytes: total };
}

/**
 * Every parameter a checkpoint of this config must hold, by its Hugging Face name, in a fixed order
 * (embedding, then per layer attention and MLP, final norm, lm_head when untied). Linears are [out, in].
 */
export function expectedWeightShapes(config: LlamaConfig): Map<string, number[]> {
  const { vocabSize: V, hiddenSize: H, intermediateSize: I, numHeads, numKvHeads, headDim: D } = config;
  const q = numHeads * D;
  const kv = numKvHeads * D;
  const shapes = new Map<string, number[]>();
  shapes.set('model.embed_tokens.weight', [V, H]);
  for (let l = 0; l < config.numLayers; l++) {
    const p = `model.layers.${l}.`;
    shapes.set(`${p}input_layernorm.weight`, [H]);
    for (const [proj, out] of [['q_proj', q], ['k_proj', kv], ['v_proj', kv]] as const) {
      shapes.set(`${p}self_attn.${proj}.weight`, [out, H]);
      if (config.attentionBias) shapes.set(`${p}self_attn.${proj}.bias`, [out]);
    }
    shapes.set(`${p}self_attn.o_proj.weight`, [H, q]);
    if (config.qkNorm) {
      shapes.set(`${p}self_attn.q_norm.weight`, [D]);
      shapes.set(`${p}self_attn.k_norm.weight`, [D]);
    }
    shapes.set(`${p}post_attention_layernorm.weight`, [H]);
    shapes.set(`${p}mlp.gate_proj.weight`, [I, H]);
    shapes.set(`${p}mlp.up_proj.weight`, [I, H]);
    shapes.set(`${p}mlp.down_proj.weight`, [H, I]);
  }
  shapes.set('model.norm.weight', [H]);
  if (!config.tieWordEmbeddings) shapes.set('lm_head.weight', [V, H]);
  return shapes;
}
