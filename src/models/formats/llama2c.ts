// llama2.c legacy ("v0") checkpoints (e.g. stories260K.bin) -> LlamaConfig + float32 weights under Hugging Face names.
// q/k are NOT permuted: the config says ropeLayout 'interleaved'. The v1/v2 exports (magic "ak42") are refused.
import { bounded, expectedWeightShapes } from '../llama/config';
import type { LlamaConfig, LlamaWeights, WeightTensor } from '../llama/types';

/** The bytes are not a llama2.c v0 checkpoint, or are cut short or padded; the message gives the byte counts. */
export class Llama2cFormatError extends Error {
  override name = 'Llama2cFormatError';
}

const HEADER_BYTES = 7 * 4;
/** "ak42" little-endian: the first word of llama2.c's version 1 and 2 exports. */
const MAGIC_AK42 = 0x616b3432;

interface Header {
  dim: number;
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  vocabSize: number;
  tied: boolean;
  seqLen: number;
}

function readHeader(bytes: Uint8Array): Header {
  if (bytes.byteLength < HEADER_BYTES) {
    throw new Llama2cFormatError(`a llama2.c checkpoint starts with a ${HEADER_BYTES}-byte header; got ${bytes.byteLength} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const word = (i: number): number => view.getInt32(4 * i, true);
  if (word(0) >>> 0 === MAGIC_AK42) {
    throw new Llama2cFormatError(`this is a llama2.c version ${word(1)} export (magic "ak42"); only the legacy v0 format is supported: export with --version 0`);
  }
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, rawVocab, seqLen] = [0, 1, 2, 3, 4, 5, 6].map(word) as [number, number, number, number, number, number, number];
  const fields = { dim, hidden_dim: hiddenDim, n_layers: nLayers, n_heads: nHeads, n_kv_heads: nKvHeads, seq_len: seqLen };
  for (const [field, v] of Object.entries(fields)) {
    if (v <= 0) throw new Llama2cFormatError(`header ${field} = ${v} must be positive: this is not a llama2.c v0 checkpoint`);
  }
  if (rawVocab === 0) throw new Llama2cFormatError('header vocab_size = 0: this is not a llama2.c v0 checkpoint');
  if (dim % nHeads !== 0 || (dim / nHeads) % 2 !== 0) {
    throw new Llama2cFormatError(`header dim ${dim} must be n_heads (${nHeads}) times an even head size: this is not a llama2.c v0 checkpoint`);
  }
  if (nHeads % nKvHeads !== 0) throw new Llama2cFormatError(`header n_heads ${nHeads} is not a multiple of n_kv_heads ${nKvHeads}`);
  const bounds = [['hidden_size', dim], ['intermediate_size', hiddenDim], ['num_hidden_layers', nLayers], ['num_attention_heads', nHeads], ['vocab_size', Math.abs(rawVocab)], ['max_position_embeddings', seqLen]] as const;
  try {
    for (const [field, value] of bounds) bounded(field, value, 'llama2.c header');
  } catch (error) {
    throw new Llama2cFormatError((error as Error).message);
  }
  return { dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize: Math.abs(rawVocab), tied: rawVocab > 0, seqLen };
}

/** The tensors in file order, each [name, shape of the whole block]; per-layer blocks have a leading L. */
function layout(h: Header): [string, number[]][] {
  const { dim, hiddenDim: F, nLayers: L, vocabSize: V, seqLen } = h;
  const kvDim = (dim / h.nHeads) * h.nKvHeads;
  const half = dim / h.nHeads / 2;
  const blocks: [string, number[]][] = [
    ['token_embedding', [V, dim]],
    ['rms_att', [L, dim]],
    ['wq', [L, dim, dim]],
    ['wk', [L, kvDim, dim]],
    ['wv', [L, kvDim, dim]],
    ['wo', [L, dim, dim]],
    ['rms_ffn', [L, dim]],
    ['w1', [L, F, dim]],
    ['w2', [L, dim, F]],
    ['w3', [L, F, dim]],
    ['rms_final', [dim]],
    ['freq_cis_real', [seqLen, half]],
    ['freq_cis_imag', [seqLen, half]],
  ];
  if (!h.tied) blocks.push(['wcls', [V, dim]]);
  return blocks;
}

/** llama2.c block -> Hugging Face parameter name (per-layer ones take the layer index). */
const LAYER_NAMES: Record<string, string> = {
  rms_att: 'input_layernorm.weight',
  wq: 'self_attn.q_proj.weight',
  wk: 'self_attn.k_proj.weight',
  wv: 'self_attn.v_proj.weight',
  wo: 'self_attn.o_proj.weight',
  rms_ffn: 'post_attention_layernorm.weight',
  w1: 'mlp.gate_proj.weight',
  w2: 'mlp.down_proj.weight',
  w3: 'mlp.up_proj.weight',
};
const GLOBAL_NAMES: Record<string, string> = {
  token_embedding: 'model.embed_tokens.weight',
  rms_final: 'model.norm.weight',
  wcls: 'lm_head.weight',
};

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Reads a llama2.c v0 checkpoint. The file size must equal the header's exactly. The RoPE tables
 * (freq_cis_*) are skipped: they follow from headDim, seq_len and theta 10000.
 */
export function readLlama2c(bytes: Uint8Array): { config: LlamaConfig; weights: LlamaWeights } {
  const header = readHeader(bytes);
  const blocks = layout(header);
  const expectedBytes = HEADER_BYTES + 4 * blocks.reduce((n, [, shape]) => n + size(shape), 0);
  if (bytes.byteLength !== expectedBytes) {
    const how = bytes.byteLength < expectedBytes ? 'truncated' : 'longer than the header implies';
    throw new Llama2cFormatError(`llama2.c checkpoint is ${how}: the header (dim ${header.dim}, hidden_dim ${header.hiddenDim}, ${header.nLayers} layers, vocab ${header.vocabSize} ${header.tied ? 'tied' : 'untied'}, seq_len ${header.seqLen}) needs ${expectedBytes} bytes, the file has ${bytes.byteLength}`);
  }
  const byName = new Map<string, WeightTensor>();
  const tensor = (offset: number, shape: number[]): WeightTensor => ({
    shape,
    data: new Float32Array(bytes.slice(offset, offset + 4 * size(shape)).buffer), // a copy: aligned, little-endian hosts
  });
  let offset = HEADER_BYTES;
  for (const [block, shape] of blocks) {
    const layerName = LAYER_NAMES[block];
    if (layerName !== undefined) {
      const per = shape.slice(1);
      for (let l = 0; l < header.nLayers; l++) byName.set(`model.layers.${l}.${layerName}`, tensor(offset + 4 * l * size(per), per));
    } else if (GLOBAL_NAMES[block] !== undefined) {
      byName.set(GLOBAL_NAMES[block], tensor(offset, shape));
    }
    offset += 4 * size(shape);
  }
  const config: LlamaConfig = {
    modelType: 'llama',
    vocabSize: header.vocabSize,
    hiddenSize: header.dim,
    intermediateSize: header.hiddenDim,
    numLayers: header.nLayers,
    numHeads: header.nHeads,
    numKvHeads: header.nKvHeads,
    headDim: header.dim / header.nHeads,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    ropeScaling: null,
    ropeLayout: 'interleaved',
    maxPositionEmbeddings: header.seqLen,
    tieWordEmbeddings: header.tied,
    attentionBias: false,
    qkNorm: false,
    bosTokenId: 1,
    // llama2.c's convention is EOS = 2; note that run.c's generate() stops when it samples BOS (1), not 2.
    eosTokenIds: [2],
  };
  const weights: LlamaWeights = new Map();
  for (const [name, shape] of expectedWeightShapes(config)) {
    const t = byName.get(name);
    // Invariant: layout() above covers exactly the parameters the config implies.
    if (!t || t.shape.join() !== shape.join()) throw new Error(`llama2c: internal layout error at ${name}`);
    weights.set(name, t);
  }
  return { config, weights };
}
