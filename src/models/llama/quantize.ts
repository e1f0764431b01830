// Weight-only quantisation of frozen linear weights at load (pure TS): symmetric, blockwise along the input dimension
// per output column (the layout of onnxruntime's MatMulNBits: blocks of `block` rows of a (K, N) graph-layout
// weight), 8-bit (q in [-127, 127]) or 4-bit (q in [-7, 7], two per byte when packed). Dequantisation is
// w' = q * scale[block, column], so |w - w'| <= scale / 2 for every element (the stated error). The graphs hold
// quantised weights in MatMulNBits' own layout (nbits.ts, same codes; quantised-weights.ts); this file is the
// (K, N) reference form and withQuantisedLinears (float32 weights with quantised-then-dequantised linears).
import type { LlamaWeights } from './types';

export type QuantBits = 4 | 8;

export interface QuantisedWeight {
  bits: QuantBits;
  /** Rows per block along K. */
  block: number;
  /** (K, N) of the float weight. */
  rows: number;
  cols: number;
  /** (K, N) integer codes, row-major, one per byte (see packInt4 for the 4-bit storage). */
  codes: Int8Array;
  /** (ceil(K / block), N) scales. */
  scales: Float32Array;
}

export class QuantiseError extends Error {
  override name = 'QuantiseError';
}

const Q_MAX: Record<QuantBits, number> = { 8: 127, 4: 7 };

/** Quantises a (rows, cols) row-major weight: one scale per (block of rows, column). */
export function quantiseBlockwise(w: Float32Array, rows: number, cols: number, bits: QuantBits, block: number): QuantisedWeight {
  if (bits !== 4 && bits !== 8) throw new QuantiseError(`bits must be 4 or 8, got ${String(bits)}`);
  if (!(Number.isInteger(block) && block >= 1)) throw new QuantiseError(`block must be a positive integer, got ${block}`);
  if (w.length !== rows * cols) throw new QuantiseError(`weight has ${w.length} values, (${rows}, ${cols}) needs ${rows * cols}`);
  const qMax = Q_MAX[bits];
  const blocks = Math.ceil(rows / block);
  const scales = new Float32Array(blocks * cols);
  const codes = new Int8Array(rows * cols);
  for (let b = 0; b < blocks; b++) {
    const end = Math.min(rows, (b + 1) * block);
    for (let c = 0; c < cols; c++) {
      let max = 0;
      for (let r = b * block; r < end; r++) {
        const v = w[r * cols + c]!;
        if (!Number.isFinite(v)) throw new QuantiseError(`weight (${r}, ${c}) is ${v}; only finite weights can be quantised`);
        max = Math.max(max, Math.abs(v));
      }
      const scale = max / qMax;
      scales[b * cols + c] = scale;
      if (scale === 0) continue;
      const s = scales[b * cols + c]!; // the float32 scale dequantisation uses
      for (let r = b * block; r < end; r++) codes[r * cols + c] = Math.max(-qMax, Math.min(qMax, Math.round(w[r * cols + c]! / s)));
    }
  }
  return { bits, block, rows, cols, codes, scales };
}

/** The float32 weight the codes stand for: q * scale, (rows, cols) row-major. */
export function dequantise(q: QuantisedWeight): Float32Array {
  const out = new Float32Array(q.rows * q.cols);
  for (let r = 0; r < q.rows; r++) {
    const b = Math.floor(r / q.block);
    for (let c = 0; c < q.cols; c++) out[r * q.cols + c] = Math.fround(q.codes[r * q.cols + c]! * q.scales[b * q.cols + c]!);
  }
  return out;
}

/** 4-bit codes two per byte (low nibble first), offset by 8 into [1, 15]: half the bytes of one code per byte. */
export function packInt4(codes: Int8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(codes.length / 2));
  for (let i = 0; i < codes.length; i++) {
    const v = codes[i]!;
    if (v < -8 || v > 7) throw new QuantiseError(`code ${v} at ${i} does not fit 4 bits`);
    out[i >> 1]! |= (v + 8) << ((i & 1) * 4);
  }
  return out;
}

export function unpackInt4(packed: Uint8Array, length: number): Int8Array {
  if (packed.length !== Math.ceil(length / 2)) throw new QuantiseError(`${packed.length} bytes hold ${2 * packed.length} codes, not ${length}`);
  const out = new Int8Array(length);
  for (let i = 0; i < length; i++) out[i] = ((packed[i >> 1]! >> ((i & 1) * 4)) & 15) - 8;
  return out;
}

/** Bytes the quantised weight occupies as stored (codes packed for 4 bits, plus float32 scales). */
export function quantisedBytes(q: QuantisedWeight): number {
  return (q.bits === 4 ? Math.ceil(q.codes.length / 2) : q.codes.length) + 4 * q.scales.length;
}

/**
 * A copy of `weights` whose linear projections ('..._proj.weight', [out, in]) are replaced by their quantised-then-
 * dequantised values (blocks along `in`, as MatMulNBits): the numbers weight-only quantised inference computes, in
 * float32, for measuring logit error and greedy agreement. Embeddings, the head and norms stay float32.
 */
export function withQuantisedLinears(weights: LlamaWeights, bits: QuantBits, block: number): LlamaWeights {
  const out: LlamaWeights = new Map();
  for (const [name, t] of weights) {
    if (!name.endsWith('_proj.weight') || t.shape.length !== 2) {
      out.set(name, t);
      continue;
    }
    const [rows, cols] = t.shape as [number, number]; // (out, in): quantise its transpose (in, out)
    const transposed = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) transposed[c * rows + r] = t.data[r * cols + c]!;
    const d = dequantise(quantiseBlockwise(transposed, cols, rows, bits, block));
    const data = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] = d[c * rows + r]!;
    out.set(name, { shape: [...t.shape], data });
  }
  return out;
}
