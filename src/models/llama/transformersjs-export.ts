// Our Llama graph exported with transformers.js's decoder I/O (input_ids, attention_mask, position_ids,
// past_key_values.<l>.key/value -> logits, present.<l>.key/value), weights as initialisers, and the hub-style folder
// (config.json, generation_config.json, tokenizer files, onnx/model.onnx) transformers.js loads. Emits bytes; runs nothing.
import { Graph, type Tensor } from '../../autodiff/ir';
import { and, arange, add, dimProduct, greater, lessOrEqual, unsqueeze } from '../../autodiff/ops';
import { emitModel } from '../../onnx/emit';
import { decodeModel, encodeModel, type ValueInfoProto } from '../../onnx/proto';
import { LlamaBuilder, type KeyValue, PAST, TOTAL } from './builder';
import { declareWeights } from './graphs';
import type { LlamaConfig } from './types';

export class TransformersJsExportError extends Error {
  override name = 'TransformersJsExportError';
}

/** Graph I/O names as transformers.js's decoder_forward feeds and reads them. */
export const transformersJsIo = {
  ids: 'input_ids',
  attentionMask: 'attention_mask',
  positions: 'position_ids',
  pastKey: (l: number): string => `past_key_values.${l}.key`,
  pastValue: (l: number): string => `past_key_values.${l}.value`,
  presentKey: (l: number): string => `present.${l}.key`,
  presentValue: (l: number): string => `present.${l}.value`,
};

/**
 * Our symbols -> the dim names optimum's exports use. transformers.js builds the empty first-step cache from the
 * session's input metadata and resolves only 'batch_size' (other names become 0), so the batch dim must be called that.
 * Renaming only touches the declared I/O shapes: every size inside the graph is computed from input shapes at run time.
 */
const DIM_NAMES: Readonly<Record<string, string>> = {
  B: 'batch_size',
  T: 'sequence_length',
  [PAST]: 'past_sequence_length',
  [TOTAL]: 'total_sequence_length',
};

const ARCHITECTURE: Readonly<Record<LlamaConfig['modelType'], string>> = {
  llama: 'LlamaForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
  qwen3: 'Qwen3ForCausalLM',
};

/**
 * The (B, T, S) attention mask from transformers.js's inputs: query t (absolute index P + t) may see key s when
 * s <= P + t and attention_mask[b, s] is 1 (left padding is 0). S = P + T.
 */
function attentionMask(attention: Tensor): Tensor {
  const g = attention.graph;
  const keys = unsqueeze(arange(g, TOTAL), [0]); // (1,S)
  const queries = add(unsqueeze(arange(g, 'T'), [1]), dimProduct(g, [PAST], 'int64')); // (T,1) absolute indices
  const causal = unsqueeze(lessOrEqual(keys, queries), [0]); // (1,T,S)
  const notPadding = unsqueeze(greater(attention, 0), [1]); // (B,1,S)
  return and(causal, notPadding); // (B,T,S)
}

function renameDims(infos: readonly ValueInfoProto[] | null | undefined): void {
  for (const info of infos ?? []) {
    for (const dim of info.type?.tensorType?.shape?.dim ?? []) {
      const renamed = dim.dimParam ? DIM_NAMES[dim.dimParam] : undefined;
      if (renamed) dim.dimParam = renamed;
    }
  }
}

/**
 * ONNX bytes of the decoder step in transformers.js's layout: inputs input_ids (B,T) int64, attention_mask (B,P+T)
 * int64, position_ids (B,T) int64, past_key_values.<l>.key/value (B,KV,P,D) float32; outputs logits (B,T,V) and
 * present.<l>.key/value (B,KV,P+T,D). `weights` are in graph layout (toGraphLayout) and become initialisers.
 */
export function transformersJsGraph(config: LlamaConfig, weights: ReadonlyMap<string, Float32Array>): Uint8Array {
  const g = new Graph('float32');
  const io = transformersJsIo;
  const ids = g.input(io.ids, ['B', 'T'], 'int64');
  const attention = g.input(io.attentionMask, ['B', TOTAL], 'int64');
  const positions = g.input(io.positions, ['B', 'T'], 'int64');
  const { numKvHeads: KV, headDim: D } = config;
  const past: KeyValue[] = Array.from({ length: config.numLayers }, (_, l) => ({
    key: g.input(io.pastKey(l), ['B', KV, PAST, D]),
    value: g.input(io.pastValue(l), ['B', KV, PAST, D]),
  }));
  const model = new LlamaBuilder(config, declareWeights(g, config, { kind: 'initialisers', weights }));
  const { hidden, present } = model.decode({ ids, positions, mask: attentionMask(attention), past }); // (B,T,C)
  const outputs: Record<string, Tensor> = { logits: model.logits(hidden) }; // (B,T,V)
  present.forEach((kv, l) => {
    outputs[io.presentKey(l)] = kv.key;
    outputs[io.presentValue(l)] = kv.value;
  });
  const proto = decodeModel(emitModel(g, outputs, { name: 'llama_transformersjs' }));
  if (!proto.graph) throw new TransformersJsExportError('the emitted model has no graph');
  renameDims(proto.graph.input);
  renameDims(proto.graph.output);
  return encodeModel(proto);
}

function readJson(files: Readonly<Record<string, Uint8Array>>, name: string): Record<string, unknown> | undefined {
  const bytes = files[name];
  if (!bytes) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new TransformersJsExportError(`${name} is not valid JSON (${(error as Error).message}); pass the file's bytes unchanged`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TransformersJsExportError(`${name} must hold a JSON object`);
  return value as Record<string, unknown>;
}

const jsonBytes = (value: unknown): Uint8Array => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

/**
 * A folder transformers.js's AutoModelForCausalLM loads (fp32, no external data): config.json (the hub's, plus
 * architectures, model_type, head_dim and transformers.js_config), generation_config.json (the hub's, or one from the
 * config's special ids), tokenizer.json and tokenizer_config.json when the hub files have them (AutoTokenizer needs
 * them, the model does not) and onnx/model.onnx from transformersJsGraph. `hubFiles` are keyed by base name.
 */
export function transformersJsFolderFiles(
  hubFiles: Readonly<Record<string, Uint8Array>>,
  config: LlamaConfig,
  weights: ReadonlyMap<string, Float32Array>,
): Record<string, Uint8Array> {
  const hubConfig = readJson(hubFiles, 'config.json');
  if (!hubConfig) throw new TransformersJsExportError(`config.json is missing from the hub files (given: ${Object.keys(hubFiles).join(', ') || 'nothing'})`);
  const configJson = {
    ...hubConfig,
    architectures: [ARCHITECTURE[config.modelType]],
    model_type: config.modelType,
    head_dim: config.headDim,
    num_key_value_heads: config.numKvHeads,
    use_cache: true,
    'transformers.js_config': { dtype: 'fp32', use_external_data_format: false },
  };
  const generation = readJson(hubFiles, 'generation_config.json') ?? {
    bos_token_id: config.bosTokenId,
    eos_token_id: config.eosTokenIds.length === 1 ? config.eosTokenIds[0] : config.eosTokenIds,
  };
  const files: Record<string, Uint8Array> = {
    'config.json': jsonBytes(configJson),
    'generation_config.json': jsonBytes(generation),
    'onnx/model.onnx': transformersJsGraph(config, weights),
  };
  for (const name of ['tokenizer.json', 'tokenizer_config.json']) {
    const bytes = hubFiles[name];
    if (bytes) files[name] = bytes;
  }
  return files;
}
