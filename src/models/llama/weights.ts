// Frozen Llama weights in graph layout: linear weights transposed once on the host to [in, out] so graphs
// compute x @ W without a per-run Transpose; norms, biases and the embedding keep their Hugging Face shapes.
import type { ParamSpec } from '../../onnx/checkpoint';
import { expectedWeightShapes } from './config';
import type { LlamaConfig, LlamaWeights } from './types';

/** True for 2-D weights used as x @ W (every linear, lm_head included; not the embedding table). */
function isLinear(name: string, shape: readonly number[]): boolean {
  return shape.length === 2 && name !== 'model.embed_tokens.weight';
}

/** Names and graph-layout shapes of every frozen weight of `config`. */
export function graphWeightSpecs(config: LlamaConfig): ParamSpec[] {
  return [...expectedWeightShapes(config)].map(([name, shape]) => ({ name, shape: isLinear(name, shape) ? [shape[1]!, shape[0]!] : [...shape] }));
}

/** Host copies of the weights in graph layout (linears transposed). */
export function toGraphLayout(config: LlamaConfig, weights: LlamaWeights): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, shape] of expectedWeightShapes(config)) {
    const w = weights.get(name);
    if (!w) throw new Error(`weight '${name}' is missing; load the checkpoint through readSafetensorsWeights or readLlama2c`);
    if (!isLinear(name, shape)) {
      out.set(name, w.data);
      continue;
    }
    const [rows, cols] = shape as [number, number]; // [out, in]
    const t = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w.data[r * cols + c]!;
    out.set(name, t);
  }
  return out;
}

/** Parameter count of the base model (from shapes). */
export function parameterCount(config: LlamaConfig): number {
  let n = 0;
  for (const shape of expectedWeightShapes(config).values()) n += shape.reduce((a, b) => a * b, 1);
  return n;
}
