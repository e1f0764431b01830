// The float32 weights of a Llama-family decoder exported to ONNX in the transformers.js / onnx-community layout
// (optimum's export: onnx/model.onnx, model_fp16.onnx, model_q4.onnx, ...), under Hugging Face names, so our own
// graphs run the same model. The architecture comes from the folder's config.json (parsed by the caller); only the
// weights are read here, which assumes the graph is the standard export of that config (its nodes are not checked
// op by op). Does not run anything.
//
// How the weights are found:
// - Linears are MatMul nodes whose second input is a 2-D FLOAT/FLOAT16 initialiser [in, out] (transposed back to
//   [out, in]), or com.microsoft MatMulNBits nodes (4- or 8-bit, any block size, zero points or not: dequantised by
//   matmul-nbits.ts). Which linear a node is comes from its name, as optimum writes it from the module path:
//   '/model/layers.7/self_attn/q_proj/MatMul' (or '..._Q4' after onnxruntime's quantiser) -> model.layers.7.self_attn.q_proj.weight.
// - The embedding, norms and biases keep their Hugging Face names as initialisers (model.embed_tokens.weight, ...).
// - A quantised lm_head of a model whose config ties it to the embedding is kept as an untied head (the export
//   computes the logits with it); an lm_head equal to the embedding is dropped again.
// Refused with OnnxModelError: other quantised ops (dynamic int8 MatMulInteger, GatherBlockQuantized, bnb4, ...),
// a linear whose node name names no weight of the config, a weight found twice, weights missing or left over.
import { decodeModel, onnx } from '../../onnx/proto';
import { expectedWeightShapes } from '../llama/config';
import type { LlamaConfig, LlamaWeights } from '../llama/types';
import { dequantiseMatMulNBits } from './matmul-nbits';
import { type OnnxInitialiser, float16ToFloat32Array, graphInitialisers } from './onnx-initialisers';

/** The ONNX model is not a transformers.js-layout decoder of this config that we can read; the message says why. */
export class OnnxModelError extends Error {
  override name = 'OnnxModelError';
}

/** What a linear was stored as. */
export interface OnnxLinearSource {
  weight: string;
  /** 'float' for a MatMul on float weights. */
  format: 'float' | 'nbits';
  bits?: number;
  blockSize?: number;
  /** The node had zero points (asymmetric codes). */
  zeroPoints?: boolean;
}

export interface OnnxLlama {
  config: LlamaConfig;
  weights: LlamaWeights;
  /** Every linear, in graph order, with how it was stored. */
  linears: OnnxLinearSource[];
}

/** Quantised ops of other exports (transformers.js's q8/int8/uint8/bnb4 files, quantised embeddings), by op type. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  MatMulInteger: 'dynamic int8 quantisation (transformers.js model_quantized/int8/uint8 files)',
  DynamicQuantizeMatMul: 'dynamic int8 quantisation',
  QLinearMatMul: 'static int8 quantisation',
  MatMulBnb4: 'bitsandbytes 4-bit (model_bnb4 files)',
  GatherBlockQuantized: 'a quantised embedding table',
  DequantizeLinear: 'QDQ quantisation',
};

const T = onnx.TensorProto.DataType;

/** '/model/layers.7/self_attn/q_proj/MatMul_Q4' -> 'model.layers.7.self_attn.q_proj.weight'; null when the name has no such path. */
export function linearWeightName(nodeName: string): string | null {
  const parts = nodeName.split('/').filter((p) => p !== '');
  let at = parts.length - 1;
  while (at >= 0 && !/^MatMul/.test(parts[at]!)) at--;
  return at > 0 ? `${parts.slice(0, at).join('.')}.weight` : null;
}

function floats(t: OnnxInitialiser, name: string): Float32Array {
  if (t.dataType === T.FLOAT) return new Float32Array(t.bytes.slice().buffer);
  if (t.dataType === T.FLOAT16) return float16ToFloat32Array(t.bytes);
  throw new OnnxModelError(`initialiser '${name}' has element type ${t.dataType}; weights must be FLOAT (1) or FLOAT16 (10)`);
}

/** [rows, cols] row-major -> [cols, rows]. */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = data[r * cols + c]!;
  return t;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Reads the weights of `model` (ONNX ModelProto bytes; `externalData` is its one side file, e.g. model_q4.onnx_data)
 * for `config` (the folder's config.json). `file` names the model in errors.
 */
export function readOnnxLlama(model: Uint8Array, config: LlamaConfig, externalData?: Uint8Array, file = 'the ONNX model'): OnnxLlama {
  let decoded: ReturnType<typeof decodeModel>;
  try {
    decoded = decodeModel(model);
  } catch (error) {
    // protobufjs throws RangeError/Error on truncated or non-protobuf bytes.
    throw new OnnxModelError(`${file} is not a readable ONNX file (${(error as Error).message}); it may be truncated: download or pick it again`);
  }
  const graph = decoded.graph;
  if (!graph) throw new OnnxModelError(`${file} has no graph; is it an ONNX ModelProto file?`);
  const initialisers = graphInitialisers(graph, externalData);
  const expected = expectedWeightShapes({ ...config, tieWordEmbeddings: false });
  const weights: LlamaWeights = new Map();
  const used = new Set<string>();
  const linears: OnnxLinearSource[] = [];
  const put = (name: string, shape: number[], data: Float32Array, node: string) => {
    const want = expected.get(name);
    if (!want) throw new OnnxModelError(`${file}: node '${node}' holds a weight named '${name}' by its node name, which is not a weight of this ${config.modelType} config; is config.json the model's own?`);
    if (!sameShape(want, shape)) throw new OnnxModelError(`${file}: '${name}' (node '${node}') is [${shape.join(', ')}], but config.json implies [${want.join(', ')}]`);
    if (weights.has(name)) throw new OnnxModelError(`${file}: '${name}' is held by two nodes (the second is '${node}'); the export is not a plain decoder`);
    weights.set(name, { shape, data });
  };
  const input = (name: string | undefined): OnnxInitialiser | undefined => (name ? initialisers.get(name) : undefined);

  for (const node of graph.node ?? []) {
    const op = node.opType ?? '';
    const nodeName = node.name ?? '';
    const inputs = node.input ?? [];
    const why = UNSUPPORTED[op];
    if (why !== undefined && inputs.some((i) => initialisers.has(i))) {
      throw new OnnxModelError(`${file} holds weights in ${op} nodes (${why}; node '${nodeName}'), which this reader does not support; use the folder's model.onnx, model_fp16.onnx or model_q4.onnx`);
    }
    if (op === 'MatMulNBits') {
      const weight = linearWeightName(nodeName);
      if (!weight) throw new OnnxModelError(`${file}: MatMulNBits node '${nodeName}' has no module path in its name (like '/model/layers.0/self_attn/q_proj/MatMul_Q4'), so which weight it holds is unknown`);
      const attr = (key: string, fallback?: number): number => {
        const a = (node.attribute ?? []).find((x) => x.name === key);
        if (a === undefined) {
          if (fallback === undefined) throw new OnnxModelError(`${file}: MatMulNBits node '${nodeName}' has no '${key}' attribute`);
          return fallback;
        }
        return Number(a.i ?? 0);
      };
      const attributes = { K: attr('K'), N: attr('N'), bits: attr('bits', 4), blockSize: attr('block_size') };
      const data = dequantiseMatMulNBits(nodeName, attributes, { b: input(inputs[1]), scales: input(inputs[2]), zeroPoints: input(inputs[3]), gIdx: input(inputs[4]), bias: input(inputs[5]) });
      put(weight, [attributes.N, attributes.K], data, nodeName);
      for (const i of inputs.slice(1)) if (i) used.add(i);
      linears.push({ weight, format: 'nbits', bits: attributes.bits, blockSize: attributes.blockSize, zeroPoints: input(inputs[3]) !== undefined });
    } else if (op === 'MatMul' && inputs[1] && initialisers.get(inputs[1])?.dims.length === 2) {
      const t = initialisers.get(inputs[1])!;
      const weight = linearWeightName(nodeName);
      if (!weight) throw new OnnxModelError(`${file}: MatMul node '${nodeName}' multiplies by the initialiser '${inputs[1]}' but has no module path in its name, so which weight it is is unknown`);
      const [K, N] = t.dims as [number, number]; // (in, out)
      put(weight, [N, K], transpose(floats(t, inputs[1]), K, N), nodeName);
      used.add(inputs[1]);
      linears.push({ weight, format: 'float' });
    }
  }
  // The embedding, norms and biases: initialisers under their Hugging Face names.
  for (const [name, shape] of expected) {
    if (weights.has(name)) continue;
    const t = initialisers.get(name);
    if (!t) continue;
    if (!sameShape(t.dims, shape)) throw new OnnxModelError(`${file}: '${name}' is [${t.dims.join(', ')}], but config.json implies [${shape.join(', ')}]`);
    weights.set(name, { shape, data: floats(t, name) });
    used.add(name);
  }

  let tied = config.tieWordEmbeddings;
  const head = weights.get('lm_head.weight');
  const embed = weights.get('model.embed_tokens.weight');
  if (head && embed && tied) {
    if (head.data.every((v, i) => v === embed.data[i])) weights.delete('lm_head.weight');
    else tied = false; // a quantised copy of the tied head: the export's logits come from it
  }
  const out: LlamaConfig = { ...config, tieWordEmbeddings: tied };
  const missing = [...expectedWeightShapes(out).keys()].filter((n) => !weights.has(n));
  if (missing.length > 0) {
    throw new OnnxModelError(`${file} lacks ${missing.slice(0, 5).map((n) => `'${n}'`).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}: found neither an initialiser of that name nor a MatMul/MatMulNBits node named after its module; is it a transformers.js (optimum) export of this config?`);
  }
  const leftOver = [...initialisers.keys()].filter((n) => !used.has(n) && /^(model\.|lm_head)/.test(n) && /\.(weight|bias)$/.test(n));
  if (leftOver.length > 0) {
    throw new OnnxModelError(`${file} holds weights ${leftOver.slice(0, 5).map((n) => `'${n}'`).join(', ')} that config.json has no place for (biases, norms of another architecture?); they would be ignored, so the model is refused`);
  }
  return { config: out, weights, linears };
}
