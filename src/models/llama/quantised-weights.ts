// Which frozen weights of a Llama-family model are held quantised, and how: the weight precision setting
// ('f32' | 'q8' | 'q4'), the frozen tensors' names, shapes and dtypes per precision (a quantised matrix
// 'X.weight' becomes 'X.weight.q' (N, K/block, block*bits/8) uint8 and 'X.weight.scales' (N, K/block) float32, in
// the MatMulNBits layout of nbits.ts), their host values quantised at load, and the graph lookups the builder uses.
// Norms and biases stay float32; the LoRA adapter is untouched (float32). Builds no whole graphs.
import type { Tensor, TypedData } from '../../autodiff/ir';
import type { NBitsLayout } from '../../autodiff/ops';
import type { ParamSpec } from '../../onnx/checkpoint';
import type { QuantisedLookup, WeightLookup } from './builder';
import { expectedWeightShapes } from './config';
import { dequantiseNBits, quantiseNBits } from './nbits';
import { QuantiseError } from './quantize';
import type { LlamaConfig, LlamaWeights } from './types';
import { graphWeightSpecs, toGraphLayout } from './weights';

export const WEIGHT_PRECISIONS = ['f32', 'q8', 'q4'] as const;
/** How the frozen base weights are held: float32, or 8-/4-bit weight-only blockwise (the LoRA adapter is float32 either way). */
export type WeightPrecision = (typeof WEIGHT_PRECISIONS)[number];

/** Inputs per quantisation block (onnx-community's q4 models use 32). */
export const NBITS_BLOCK = 32;

export interface QuantFormat {
  bits: 4 | 8;
  /** Inputs per block: a power of two >= 16. */
  block: number;
  /** The embedding table (and an untied lm_head) too, not only the decoder's linears. */
  embedding: boolean;
}

/** The format of a precision setting; undefined for 'f32'. */
export function quantFormat(precision: WeightPrecision, options: { block?: number; embedding?: boolean } = {}): QuantFormat | undefined {
  if (!(WEIGHT_PRECISIONS as readonly string[]).includes(precision)) {
    throw new QuantiseError(`unknown weight precision '${String(precision)}'; choose one of ${WEIGHT_PRECISIONS.join(', ')}`);
  }
  if (precision === 'f32') return undefined;
  return { bits: precision === 'q8' ? 8 : 4, block: options.block ?? NBITS_BLOCK, embedding: options.embedding ?? true };
}

export const quantNames = {
  packed: (name: string): string => `${name}.q`,
  scales: (name: string): string => `${name}.scales`,
};

const EMBEDDING = 'model.embed_tokens.weight';

/** True when `name` (a Hugging Face weight name of shape `shape`) is held quantised under `format`. */
export function isQuantised(name: string, shape: readonly number[], format: QuantFormat | undefined): boolean {
  if (!format || shape.length !== 2) return false;
  return format.embedding || (name !== EMBEDDING && name !== 'lm_head.weight');
}

/** Layout of a quantised matrix from its Hugging Face shape [N, K] ([out, in]; the embedding's [vocab, hidden]). */
export function layoutOf(shape: readonly number[], format: QuantFormat): NBitsLayout {
  return { N: shape[0]!, K: shape[1]!, bits: format.bits, block: format.block };
}

/** Names, shapes and dtypes of the frozen graph inputs of `config` held at `format` (graphWeightSpecs for float32). */
export function frozenWeightSpecs(config: LlamaConfig, format: QuantFormat | undefined): ParamSpec[] {
  if (!format) return graphWeightSpecs(config);
  const graph = new Map(graphWeightSpecs(config).map((s) => [s.name, s.shape]));
  const specs: ParamSpec[] = [];
  for (const [name, shape] of expectedWeightShapes(config)) {
    if (!isQuantised(name, shape, format)) {
      specs.push({ name, shape: [...graph.get(name)!] });
      continue;
    }
    const { N, K, block, bits } = layoutOf(shape, format);
    const blocks = Math.ceil(K / block);
    specs.push({ name: quantNames.packed(name), shape: [N, blocks, (block * bits) / 8], dtype: 'uint8' }, { name: quantNames.scales(name), shape: [N, blocks] });
  }
  return specs;
}

/** Bytes of the frozen weights at `format` (float32 4 bytes, codes 1 byte per stored byte). */
export function frozenByteLength(specs: readonly ParamSpec[]): number {
  return specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * (s.dtype === 'uint8' ? 1 : 4), 0);
}

/**
 * Host values of every frozen graph input at `format`, keyed as frozenWeightSpecs names them: float32 weights in
 * graph layout (toGraphLayout), quantised matrices as packed codes and scales (quantised at load, from [N, K]).
 */
export function frozenHostWeights(config: LlamaConfig, weights: LlamaWeights, format: QuantFormat | undefined): Map<string, TypedData> {
  if (!format) return toGraphLayout(config, weights);
  const out = new Map<string, TypedData>();
  for (const [name, shape] of expectedWeightShapes(config)) {
    const w = weights.get(name);
    if (!w) throw new QuantiseError(`weight '${name}' is missing; load the checkpoint through readSafetensorsWeights or readLlama2c`);
    if (!isQuantised(name, shape, format)) {
      out.set(name, shape.length === 2 && name !== EMBEDDING ? transposed(w.data, shape[0]!, shape[1]!) : w.data); // graph layout
      continue;
    }
    const { N, K } = layoutOf(shape, format);
    const q = quantiseNBits(w.data, N, K, format.bits, format.block);
    out.set(quantNames.packed(name), q.packed);
    out.set(quantNames.scales(name), q.scales);
  }
  return out;
}

/**
 * A float32 copy of `weights` whose quantised matrices hold their dequantised values: the numbers the quantised
 * graphs compute with (a float model over these is the reference for the quantised one, up to float rounding).
 */
export function dequantisedWeights(config: LlamaConfig, weights: LlamaWeights, format: QuantFormat): LlamaWeights {
  const out: LlamaWeights = new Map(weights);
  for (const [name, shape] of expectedWeightShapes(config)) {
    if (!isQuantised(name, shape, format)) continue;
    const { N, K } = layoutOf(shape, format);
    out.set(name, { shape: [...shape], data: dequantiseNBits(quantiseNBits(weights.get(name)!.data, N, K, format.bits, format.block)) });
  }
  return out;
}

/** (rows, cols) row-major -> (cols, rows). */
function transposed(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c]!;
  return t;
}

/**
 * The builder's lookups over frozen graph tensors (`tensor(frozenName)`): float weights by name, and quantised
 * matrices (packed codes, scales, layout) by their Hugging Face name.
 */
export function frozenLookups(config: LlamaConfig, format: QuantFormat | undefined, tensor: (frozenName: string) => Tensor): { weight: WeightLookup; quantised: QuantisedLookup } {
  const shapes = expectedWeightShapes(config);
  return {
    weight: (name) => {
      const shape = shapes.get(name);
      if (shape && isQuantised(name, shape, format)) throw new QuantiseError(`weight '${name}' is held quantised; use the quantised lookup`);
      return tensor(name);
    },
    quantised: (name) => {
      const shape = shapes.get(name);
      if (!shape || !isQuantised(name, shape, format)) return undefined;
      return { packed: tensor(quantNames.packed(name)), scales: tensor(quantNames.scales(name)), layout: layoutOf(shape, format!) };
    },
  };
}
