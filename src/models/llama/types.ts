// Types shared by the Llama-family loaders and graph builders: the normalised model config and host weights.
// Types only; parsing lives in llama-config.ts, readers in safetensors-weights.ts and llama2c.ts.

/** A Llama-family config, normalised from a Hugging Face config.json (or a llama2.c header). */
export interface LlamaConfig {
  /** `model_type` of config.json ('llama' also covers SmolLM/SmolLM2, TinyLlama, Llama 3.x; llama2.c checkpoints). */
  modelType: 'llama' | 'qwen2' | 'qwen3';
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  /** Key/value heads (grouped-query attention when < numHeads). */
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** Llama 3.x frequency scaling; null when absent. */
  ropeScaling: null | {
    type: 'llama3';
    factor: number;
    lowFreqFactor: number;
    highFreqFactor: number;
    originalMaxPositionEmbeddings: number;
  };
  /** HF checkpoints rotate halves; llama2.c checkpoints rotate interleaved pairs (2i, 2i+1). */
  ropeLayout: 'rotate-half' | 'interleaved';
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
  /** Biases on q/k/v projections (Qwen2). */
  attentionBias: boolean;
  /** RMSNorm on each head of q and k before RoPE (Qwen3). */
  qkNorm: boolean;
  bosTokenId: number | null;
  eosTokenIds: number[];
}

/** A host tensor of float32 weights (converted from F16/BF16 when the file holds those). */
export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}

/**
 * Weights keyed by Hugging Face parameter names ('model.embed_tokens.weight', 'model.layers.0.self_attn.q_proj.weight',
 * ..., 'lm_head.weight' when untied). Linear weights are [out, in] as PyTorch stores them.
 */
export type LlamaWeights = Map<string, WeightTensor>;
