// parseLlamaConfig on configs shaped like the published ones (SmolLM2, Llama 3.2, TinyLlama, Qwen2.5, Qwen3),
// transformers' defaults, every refusal and its message, and expectedWeightShapes.
import { describe, expect, it } from 'vitest';
import { CONFIG_BOUNDS, UnsupportedConfigError, expectedWeightShapes, parseLlamaConfig, weightBounds } from '../../../src/models/llama/config';

const smolLM2_135M_Instruct = {
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 1,
  eos_token_id: 2,
  hidden_act: 'silu',
  hidden_size: 576,
  initializer_range: 0.041666666666666664,
  intermediate_size: 1536,
  is_llama_config: true,
  max_position_embeddings: 8192,
  mlp_bias: false,
  model_type: 'llama',
  num_attention_heads: 9,
  num_hidden_layers: 30,
  num_key_value_heads: 3,
  pad_token_id: 2,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_interleaved: false,
  rope_scaling: null,
  rope_theta: 100000,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.42.3',
  use_cache: true,
  vocab_size: 49152,
};

const llama32_1B = {
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 128000,
  eos_token_id: [128001, 128008, 128009],
  head_dim: 64,
  hidden_act: 'silu',
  hidden_size: 2048,
  initializer_range: 0.02,
  intermediate_size: 8192,
  max_position_embeddings: 131072,
  mlp_bias: false,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 16,
  num_key_value_heads: 8,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_scaling: { factor: 32.0, high_freq_factor: 4.0, low_freq_factor: 1.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
  rope_theta: 500000.0,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.45.0.dev0',
  use_cache: true,
  vocab_size: 128256,
};

const tinyLlama_1_1B_Chat = {
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  bos_token_id: 1,
  eos_token_id: 2,
  hidden_act: 'silu',
  hidden_size: 2048,
  initializer_range: 0.02,
  intermediate_size: 5632,
  max_position_embeddings: 2048,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 22,
  num_key_value_heads: 4,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_scaling: null,
  rope_theta: 10000.0,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
  transformers_version: '4.35.0',
  use_cache: true,
  vocab_size: 32000,
};

const qwen25_05B_Instruct = {
  architectures: ['Qwen2ForCausalLM'],
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151645,
  hidden_act: 'silu',
  hidden_size: 896,
  initializer_range: 0.02,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 21,
  model_type: 'qwen2',
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.43.1',
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
};

const qwen3_06B = {
  architectures: ['Qwen3ForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151645,
  head_dim: 128,
  hidden_act: 'silu',
  hidden_size: 1024,
  initializer_range: 0.02,
  intermediate_size: 3072,
  max_position_embeddings: 40960,
  max_window_layers: 28,
  model_type: 'qwen3',
  num_attention_heads: 16,
  num_hidden_layers: 28,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-6,
  rope_scaling: null,
  rope_theta: 1000000,
  sliding_window: null,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.51.0',
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
};

/** The smallest config transformers would accept with our required fields. */
const minimal = { model_type: 'llama', vocab_size: 100, hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4 };

function refusal(json: unknown): UnsupportedConfigError {
  try {
    parseLlamaConfig(json);
  } catch (error) {
    expect(error).toBeInstanceOf(UnsupportedConfigError);
    expect((error as Error).name).toBe('UnsupportedConfigError');
    return error as UnsupportedConfigError;
  }
  throw new Error('expected parseLlamaConfig to refuse the config');
}

describe('parseLlamaConfig on published configs', () => {
  it('SmolLM2-135M-Instruct: GQA 9/3, tied, theta 1e5', () => {
    expect(parseLlamaConfig(smolLM2_135M_Instruct)).toEqual({
      modelType: 'llama', vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536, numLayers: 30, numHeads: 9, numKvHeads: 3,
      headDim: 64, rmsNormEps: 1e-5, ropeTheta: 100000, ropeScaling: null, ropeLayout: 'rotate-half', maxPositionEmbeddings: 8192,
      tieWordEmbeddings: true, attentionBias: false, qkNorm: false, bosTokenId: 1, eosTokenIds: [2],
    });
  });

  it('Llama-3.2-1B(-Instruct): llama3 rope scaling and an eos list', () => {
    const c = parseLlamaConfig(llama32_1B);
    expect(c.ropeScaling).toEqual({ type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 });
    expect(c.ropeTheta).toBe(500000);
    expect(c.eosTokenIds).toEqual([128001, 128008, 128009]);
    expect(c.bosTokenId).toBe(128000);
    expect([c.numHeads, c.numKvHeads, c.headDim, c.numLayers, c.vocabSize, c.tieWordEmbeddings]).toEqual([32, 8, 64, 16, 128256, true]);
  });

  it('TinyLlama-1.1B-Chat: untied, 32/4 heads', () => {
    const c = parseLlamaConfig(tinyLlama_1_1B_Chat);
    expect([c.tieWordEmbeddings, c.numHeads, c.numKvHeads, c.headDim, c.intermediateSize, c.maxPositionEmbeddings]).toEqual([false, 32, 4, 64, 5632, 2048]);
    expect(c.ropeTheta).toBe(10000);
  });

  it('Qwen2.5-0.5B-Instruct: q/k/v biases, sliding window field present but off', () => {
    const c = parseLlamaConfig(qwen25_05B_Instruct);
    expect(c).toMatchObject({ modelType: 'qwen2', attentionBias: true, qkNorm: false, numHeads: 14, numKvHeads: 2, headDim: 64, ropeTheta: 1e6, rmsNormEps: 1e-6 });
    expect([c.bosTokenId, c.eosTokenIds, c.tieWordEmbeddings]).toEqual([151643, [151645], true]);
  });

  it('Qwen3-0.6B: q/k norm and head_dim 128 != hidden/heads (64)', () => {
    const c = parseLlamaConfig(qwen3_06B);
    expect(c).toMatchObject({ modelType: 'qwen3', qkNorm: true, attentionBias: false, headDim: 128, hiddenSize: 1024, numHeads: 16, numKvHeads: 8 });
    const shapes = expectedWeightShapes(c);
    expect(shapes.get('model.layers.0.self_attn.q_proj.weight')).toEqual([2048, 1024]);
    expect(shapes.get('model.layers.0.self_attn.o_proj.weight')).toEqual([1024, 2048]);
    expect(shapes.get('model.layers.27.self_attn.k_norm.weight')).toEqual([128]);
  });

  it('accepts the text of config.json as well as the parsed object', () => {
    expect(parseLlamaConfig(JSON.stringify(tinyLlama_1_1B_Chat))).toEqual(parseLlamaConfig(tinyLlama_1_1B_Chat));
  });
});

describe("transformers' defaults", () => {
  it('llama: kv heads = heads, head_dim = hidden/heads, theta 1e4, eps 1e-6, untied, bos 1, eos 2, 2048 positions', () => {
    expect(parseLlamaConfig(minimal)).toEqual({
      modelType: 'llama', vocabSize: 100, hiddenSize: 64, intermediateSize: 128, numLayers: 2, numHeads: 4, numKvHeads: 4, headDim: 16,
      rmsNormEps: 1e-6, ropeTheta: 10000, ropeScaling: null, ropeLayout: 'rotate-half', maxPositionEmbeddings: 2048,
      tieWordEmbeddings: false, attentionBias: false, qkNorm: false, bosTokenId: 1, eosTokenIds: [2],
    });
  });

  it('qwen2: untied, no bos/eos, 32768 positions; qwen3 head_dim defaults to 128', () => {
    const q2 = parseLlamaConfig({ ...minimal, model_type: 'qwen2' });
    expect([q2.tieWordEmbeddings, q2.bosTokenId, q2.eosTokenIds, q2.maxPositionEmbeddings, q2.headDim]).toEqual([false, null, [], 32768, 16]);
    expect(parseLlamaConfig({ ...minimal, model_type: 'qwen3' }).headDim).toBe(128);
  });

  it('null token ids and null kv heads / head_dim mean "default"', () => {
    const c = parseLlamaConfig({ ...minimal, bos_token_id: null, eos_token_id: null, num_key_value_heads: null, head_dim: null });
    expect([c.bosTokenId, c.eosTokenIds, c.numKvHeads, c.headDim]).toEqual([null, [], 4, 16]);
  });

  it('rope_scaling {rope_type: default} is no scaling; legacy key "type" is read', () => {
    expect(parseLlamaConfig({ ...minimal, rope_scaling: { rope_type: 'default' } }).ropeScaling).toBeNull();
    const legacy = { type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 };
    expect(parseLlamaConfig({ ...minimal, rope_scaling: legacy }).ropeScaling?.factor).toBe(8);
  });

  it('transformers v5 rope_parameters carry theta and scaling', () => {
    const c = parseLlamaConfig({ ...minimal, rope_parameters: { rope_type: 'llama3', rope_theta: 500000, factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 } });
    expect(c.ropeTheta).toBe(500000);
    expect(c.ropeScaling?.originalMaxPositionEmbeddings).toBe(8192);
    expect(parseLlamaConfig({ ...minimal, rope_parameters: { rope_type: 'default', rope_theta: 7 } })).toMatchObject({ ropeTheta: 7, ropeScaling: null });
  });
});

describe('refusals name the field, the value and what is supported', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['unknown model_type', { ...minimal, model_type: 'mistral' }, 'model_type', /model_type = "mistral" is not supported; supported: llama, qwen2, qwen3/],
    ['missing model_type', { ...minimal, model_type: undefined }, 'model_type', /has no model_type; supported: llama, qwen2, qwen3/],
    ['architectures of another family', { ...minimal, architectures: ['MistralForCausalLM'] }, 'architectures', /\["MistralForCausalLM"\] is not supported; supported: \["LlamaForCausalLM"\] for model_type llama/],
    ['architectures for another head', { ...qwen3_06B, architectures: ['Qwen3ForSequenceClassification'] }, 'architectures', /Qwen3ForSequenceClassification.*\["Qwen3ForCausalLM"\]/],
    ['yarn rope scaling', { ...minimal, rope_scaling: { rope_type: 'yarn', factor: 4 } }, 'rope_scaling.rope_type', /rope_scaling.rope_type = "yarn" is not supported; supported: .*"llama3"/],
    ['linear rope scaling (legacy key)', { ...minimal, rope_scaling: { type: 'linear', factor: 2 } }, 'rope_scaling.rope_type', /= "linear" is not supported/],
    ['dynamic rope scaling', { ...minimal, rope_scaling: { type: 'dynamic', factor: 2 } }, 'rope_scaling.rope_type', /= "dynamic" is not supported/],
    ['llama3 scaling without factor', { ...minimal, rope_scaling: { rope_type: 'llama3', low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 } }, 'rope_scaling.factor', /has no factor; it is required/],
    ['llama3 scaling with high <= low', { ...minimal, rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 4, high_freq_factor: 4, original_max_position_embeddings: 8192 } }, 'rope_scaling.high_freq_factor', /= 4 is not supported; supported: a value above low_freq_factor \(4\)/],
    ['gelu activation', { ...minimal, hidden_act: 'gelu' }, 'hidden_act', /hidden_act = "gelu" is not supported; supported: "silu"/],
    ['sliding window on', { ...qwen25_05B_Instruct, use_sliding_window: true }, 'use_sliding_window', /use_sliding_window = true is not supported; supported: false/],
    ['a sliding layer type', { ...qwen3_06B, layer_types: ['full_attention', 'sliding_attention'] }, 'layer_types', /layer_types = "sliding_attention" is not supported/],
    ['mlp_bias', { ...minimal, mlp_bias: true }, 'mlp_bias', /mlp_bias = true is not supported; supported: false/],
    ['llama attention_bias (also biases o_proj)', { ...minimal, attention_bias: true }, 'attention_bias', /attention_bias = true is not supported; supported: false for model_type llama \(true also adds an o_proj bias/],
    ['qwen3 attention_bias', { ...qwen3_06B, attention_bias: true }, 'attention_bias', /for model_type qwen3/],
    ['heads not a multiple of kv heads', { ...minimal, num_key_value_heads: 3 }, 'num_key_value_heads', /num_key_value_heads = 3 is not supported; supported: a divisor of num_attention_heads \(4\)/],
    ['hidden not a multiple of heads', { ...minimal, num_attention_heads: 5 }, 'num_attention_heads', /= 5 is not supported; supported: a divisor of hidden_size \(64\) when head_dim is not given/],
    ['fractional heads', { ...minimal, num_attention_heads: 4.5 }, 'num_attention_heads', /= 4.5 is not supported; supported: a positive integer/],
    ['odd head_dim', { ...minimal, head_dim: 7 }, 'head_dim', /head_dim = 7 is not supported; supported: an even head dimension/],
    ['missing hidden_size', { ...minimal, hidden_size: undefined }, 'hidden_size', /has no hidden_size; it is required/],
    ['missing vocab_size', { ...minimal, vocab_size: undefined }, 'vocab_size', /has no vocab_size/],
    ['missing num_hidden_layers', { ...minimal, num_hidden_layers: undefined }, 'num_hidden_layers', /has no num_hidden_layers/],
    ['zero intermediate_size', { ...minimal, intermediate_size: 0 }, 'intermediate_size', /intermediate_size = 0 is not supported; supported: a positive integer/],
    ['negative rms_norm_eps', { ...minimal, rms_norm_eps: -1 }, 'rms_norm_eps', /rms_norm_eps = -1 is not supported; supported: a positive finite number/],
    ['string rope_theta', { ...minimal, rope_theta: '10000' }, 'rope_theta', /rope_theta = "10000" is not supported/],
    ['bad eos in a list', { ...minimal, eos_token_id: [2, -1] }, 'eos_token_id', /eos_token_id = -1 is not supported; supported: a non-negative integer token id/],
    ['tie_word_embeddings not boolean', { ...minimal, tie_word_embeddings: 'yes' }, 'tie_word_embeddings', /= "yes" is not supported; supported: true or false/],
    ['quantised checkpoint', { ...minimal, quantization_config: { quant_method: 'gptq', bits: 4 } }, 'quantization_config', /\{"quant_method":"gptq"\} is not supported; supported: none: use an unquantised/],
    ['not an object', [1, 2], 'config.json', /must be a JSON object, got an array/],
    ['not JSON', '{"model_type": ', 'config.json', /is not valid JSON/],
  ];
  for (const [what, json, field, message] of cases) {
    it(what, () => {
      const error = refusal(json);
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
    });
  }
});

describe('expectedWeightShapes', () => {
  it('SmolLM2-135M: every parameter, [out, in], tied so no lm_head; 134.5M parameters', () => {
    const shapes = expectedWeightShapes(parseLlamaConfig(smolLM2_135M_Instruct));
    expect(shapes.size).toBe(1 + 30 * 9 + 1);
    expect(shapes.get('model.embed_tokens.weight')).toEqual([49152, 576]);
    expect(shapes.get('model.layers.29.self_attn.q_proj.weight')).toEqual([576, 576]);
    expect(shapes.get('model.layers.29.self_attn.k_proj.weight')).toEqual([192, 576]);
    expect(shapes.get('model.layers.29.self_attn.v_proj.weight')).toEqual([192, 576]);
    expect(shapes.get('model.layers.0.mlp.gate_proj.weight')).toEqual([1536, 576]);
    expect(shapes.get('model.layers.0.mlp.down_proj.weight')).toEqual([576, 1536]);
    expect(shapes.get('model.norm.weight')).toEqual([576]);
    expect(shapes.has('lm_head.weight')).toBe(false);
    expect(shapes.has('model.layers.30.input_layernorm.weight')).toBe(false);
    const params = [...shapes.values()].reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
    expect(params).toBe(134_515_008); // SmolLM2-135M: 134.5M parameters
  });

  it('the first layer lists its parameters in a fixed order', () => {
    const names = [...expectedWeightShapes(parseLlamaConfig({ ...qwen3_06B, num_hidden_layers: 1 })).keys()];
    expect(names).toEqual([
      'model.embed_tokens.weight',
      'model.layers.0.input_layernorm.weight',
      'model.layers.0.self_attn.q_proj.weight',
      'model.layers.0.self_attn.k_proj.weight',
      'model.layers.0.self_attn.v_proj.weight',
      'model.layers.0.self_attn.o_proj.weight',
      'model.layers.0.self_attn.q_norm.weight',
      'model.layers.0.self_attn.k_norm.weight',
      'model.layers.0.post_attention_layernorm.weight',
      'model.layers.0.mlp.gate_proj.weight',
      'model.layers.0.mlp.up_proj.weight',
      'model.layers.0.mlp.down_proj.weight',
      'model.norm.weight',
    ]);
  });

  it('Qwen2.5-0.5B: q/k/v biases, none on o_proj; 494M parameters', () => {
    const shapes = expectedWeightShapes(parseLlamaConfig(qwen25_05B_Instruct));
    expect(shapes.get('model.layers.0.self_attn.q_proj.bias')).toEqual([896]);
    expect(shapes.get('model.layers.0.self_attn.k_proj.bias')).toEqual([128]);
    expect(shapes.get('model.layers.0.self_attn.v_proj.bias')).toEqual([128]);
    expect(shapes.has('model.layers.0.self_attn.o_proj.bias')).toBe(false);
    const params = [...shapes.values()].reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
    expect(params).toBe(494_032_768); // Qwen2.5-0.5B: 0.49B parameters, as published
  });

  it('TinyLlama: untied, so lm_head [vocab, hidden]', () => {
    expect(expectedWeightShapes(parseLlamaConfig(tinyLlama_1_1B_Chat)).get('lm_head.weight')).toEqual([32000, 2048]);
  });
});

describe('bounds from what a browser holds (issue 9)', () => {
  const refusal = (config: Record<string, unknown>): UnsupportedConfigError => {
    try {
      parseLlamaConfig(config);
    } catch (error) {
      expect(error).toBeInstanceOf(UnsupportedConfigError);
      return error as UnsupportedConfigError;
    }
    throw new Error('expected an UnsupportedConfigError');
  };

  it('num_hidden_layers 1e9 is refused at once, naming the bound (was accepted, then 34 s and 2.8 GB later a RangeError)', () => {
    const started = performance.now();
    const e = refusal({ ...smolLM2_135M_Instruct, num_hidden_layers: 1e9 });
    expect(performance.now() - started).toBeLessThan(50);
    expect(e.field).toBe('num_hidden_layers');
    expect(e.message).toBe(
      `config.json num_hidden_layers = 1000000000 is above ${CONFIG_BOUNDS.num_hidden_layers}, the most a model in a browser tab can have (CONFIG_BOUNDS in src/models/llama/config.ts); this is not a model we can load`,
    );
  });

  it('every dimension has a bound, and the bound itself is accepted', () => {
    for (const field of ['vocab_size', 'hidden_size', 'intermediate_size', 'num_attention_heads', 'num_key_value_heads', 'head_dim', 'max_position_embeddings'] as const) {
      const e = refusal({ ...smolLM2_135M_Instruct, [field]: CONFIG_BOUNDS[field] + 1 });
      expect(e.field).toBe(field);
      expect(e.message).toContain(`is above ${CONFIG_BOUNDS[field]}`);
    }
    expect(parseLlamaConfig({ ...smolLM2_135M_Instruct, max_position_embeddings: CONFIG_BOUNDS.max_position_embeddings }).maxPositionEmbeddings).toBe(2 ** 24);
  });

  it('dimensions each within bounds whose weights exceed a tab are refused before anything is allocated', () => {
    // 512 layers of Llama-3.2-1B's shape: 512 * 60,821,504 + 262,670,336 = 31,403,280,384 parameters, 117 GiB as float32.
    const e = refusal({ ...llama32_1B, num_hidden_layers: 512 });
    expect(e.message).toMatch(/^config\.json describes 31403280384 parameters \(117\.0 GiB as float32\); a browser tab holds at most 16\.0 GiB of weights/);
    // One embedding of 2^20 x 2^12 float32 is 16 GiB: beyond one buffer.
    const big = refusal({ ...smolLM2_135M_Instruct, vocab_size: 2 ** 20, hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8 });
    expect(big.field).toBe('embed_tokens');
    expect(big.message).toContain('(16.0 GiB); one tensor in a browser can be at most 4.0 GiB');
  });

  it('weightBounds agrees with expectedWeightShapes on published configs', () => {
    for (const c of [smolLM2_135M_Instruct, llama32_1B, tinyLlama_1_1B_Chat, qwen25_05B_Instruct]) {
      const config = parseLlamaConfig(c);
      const params = [...expectedWeightShapes(config).values()].reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
      expect(weightBounds(config).totalBytes).toBe(4 * params);
    }
  });

  it('bos and eos ids must be below vocab_size', () => {
    expect(refusal({ ...smolLM2_135M_Instruct, eos_token_id: 49152 }).message).toBe('config.json eos_token_id = 49152 is not supported; supported: a token id below vocab_size (49152)');
    expect(refusal({ ...smolLM2_135M_Instruct, bos_token_id: 1e6 }).field).toBe('bos_token_id');
  });
});
