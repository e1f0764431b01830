// Frozen weights in onnxruntime's MatMulNBits layout (the layout of onnx-community's q4 models), made at load from
// float32 weights (pure TS): for a (N, K) weight (Hugging Face [out, in], or an embedding table [vocab, hidden]),
// symmetric round-to-nearest codes per block of `block` inputs of one output, one float32 scale per block,
// stored offset by 2^(bits-1) (zero point 8 for 4 bits, 128 for 8 bits: the op's default, so no zero-point
// tensor): packed (N, ceil(K/block), block*bits/8) uint8 (4-bit: two codes per byte, low nibble first) and
// scales (N, ceil(K/block)). Dequantised w' = (code - zero) * scale, |w - w'| <= scale / 2. Builds no graphs.
import { type NBitsLayout, nbitsShapes } from '../../autodiff/ops';
import { QuantiseError } from './quantize';

export interface NBitsWeight {
  layout: NBitsLayout;
  /** (N, ceil(K/block), block*bits/8) codes offset by 2^(bits-1); padding past K holds the zero point. */
  packed: Uint8Array;
  /** (N, ceil(K/block)). */
  scales: Float32Array;
}

const Q_MAX: Record<4 | 8, number> = { 4: 7, 8: 127 };

/** Quantises a (N, K) row-major float32 weight into the MatMulNBits layout (see the header). */
export function quantiseNBits(w: Float32Array, N: number, K: number, bits: 4 | 8, block: number): NBitsWeight {
  if (bits !== 4 && bits !== 8) throw new QuantiseError(`bits must be 4 or 8, got ${String(bits)}`);
  if (!(Number.isInteger(block) && block >= 16 && (block & (block - 1)) === 0)) throw new QuantiseError(`block must be a power of two >= 16 (MatMulNBits), got ${block}`);
  if (w.length !== N * K) throw new QuantiseError(`weight has ${w.length} values, (${N}, ${K}) needs ${N * K}`);
  const layout: NBitsLayout = { K, N, bits, block };
  const { packed: [, blocks, blob], scales: scaleShape } = nbitsShapes(layout);
  const zero = 2 ** (bits - 1);
  const qMax = Q_MAX[bits];
  const packed = new Uint8Array(N * blocks * blob);
  if (bits === 4) packed.fill(zero * 17); // every nibble at the zero point (padding past K dequantises to 0)
  else packed.fill(zero);
  const scales = new Float32Array(scaleShape[0] * scaleShape[1]);
  for (let n = 0; n < N; n++) {
    const row = n * K;
    for (let b = 0; b < blocks; b++) {
      const start = b * block;
      const end = Math.min(K, start + block);
      let max = 0;
      for (let k = start; k < end; k++) {
        const v = w[row + k]!;
        if (!Number.isFinite(v)) throw new QuantiseError(`weight (${n}, ${k}) is ${v}; only finite weights can be quantised`);
        const a = Math.abs(v);
        if (a > max) max = a;
      }
      const s = Math.fround(max / qMax); // the float32 scale dequantisation uses
      scales[n * blocks + b] = s;
      if (s === 0) continue;
      const base = (n * blocks + b) * blob;
      for (let k = start; k < end; k++) {
        const code = Math.max(-qMax, Math.min(qMax, Math.round(w[row + k]! / s))) + zero;
        const r = k - start;
        if (bits === 8) packed[base + r] = code;
        else {
          const i = base + (r >> 1);
          packed[i] = r & 1 ? (packed[i]! & 0x0f) | (code << 4) : (packed[i]! & 0xf0) | code;
        }
      }
    }
  }
  return { layout, packed, scales };
}

/** The signed code of weight (n, k) (code - zero point). */
export function nbitsCode(q: NBitsWeight, n: number, k: number): number {
  const { K, bits, block } = q.layout;
  const blocks = Math.ceil(K / block);
  const blob = (block * bits) / 8;
  const b = Math.floor(k / block);
  const r = k % block;
  const base = (n * blocks + b) * blob;
  const byte = bits === 8 ? q.packed[base + r]! : (q.packed[base + (r >> 1)]! >> ((r & 1) * 4)) & 0x0f;
  return byte - 2 ** (bits - 1);
}

/** The float32 (N, K) weight the codes stand for: (code - zero) * scale, row-major. */
export function dequantiseNBits(q: NBitsWeight): Float32Array {
  const { K, N, block } = q.layout;
  const blocks = Math.ceil(K / block);
  const out = new Float32Array(N * K);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) out[n * K + k] = Math.fround(nbitsCode(q, n, k) * q.scales[n * blocks + Math.floor(k / block)]!);
  }
  return out;
}

/** Bytes as stored: packed codes plus float32 scales. */
export function nbitsBytes(q: NBitsWeight): number {
  return q.packed.byteLength + q.scales.byteLength;
}
