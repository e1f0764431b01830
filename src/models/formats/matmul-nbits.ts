// The weight of one com.microsoft MatMulNBits node of a foreign ONNX model (onnxruntime's contrib op, as
// onnx-community's q4 exports hold their linears), dequantised to a float32 [N, K] = [out, in] matrix: the op computes
// Y = A @ W^T with W[n, k] = (code(n, k) - zero_point(n, k / block)) * scale(n, k / block). Layout (onnxruntime's
// contrib-op spec): B uint8 (N, n_blocks, block*bits/8), codes packed low bits first along K, padding past K ignored;
// scales (N, n_blocks) or flat, FLOAT or FLOAT16; zero_points optional, uint8 packed per row (ceil(n_blocks*bits/8)
// bytes, low bits first), default 2^(bits-1) (symmetric). Refused with MatMulNBitsError: bits other than 4 or 8,
// missing scales, float zero points, g_idx (act-order) or a bias input. Reads tensors; builds no graph.
import { onnx } from '../../onnx/proto';
import { type OnnxInitialiser, float16ToFloat32Array } from './onnx-initialisers';

/** A MatMulNBits node this reader cannot turn into a plain weight; the message names the node and what differs. */
export class MatMulNBitsError extends Error {
  override name = 'MatMulNBitsError';
}

export interface MatMulNBitsAttributes {
  /** Inputs (the reduction axis). */
  K: number;
  /** Outputs. */
  N: number;
  bits: number;
  /** Inputs per block (a power of two >= 16). */
  blockSize: number;
}

/** The node's initialisers, by input slot (absent: an empty input name, or no initialiser of that name). */
export interface MatMulNBitsInputs {
  b: OnnxInitialiser | undefined;
  scales: OnnxInitialiser | undefined;
  zeroPoints?: OnnxInitialiser | undefined;
  /** Input 4, deprecated act-order index: refused when given. */
  gIdx?: OnnxInitialiser | undefined;
  /** Input 5: refused when given (a Llama's linears carry their biases, if any, as separate Add nodes). */
  bias?: OnnxInitialiser | undefined;
}

const T = onnx.TensorProto.DataType;
const count = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

function floatValues(t: OnnxInitialiser): Float32Array | null {
  if (t.dataType === T.FLOAT) return new Float32Array(t.bytes.slice().buffer);
  if (t.dataType === T.FLOAT16) return float16ToFloat32Array(t.bytes);
  return null;
}

/** W' as a row-major float32 [N, K] matrix (see the header); `node` names the node in errors. */
export function dequantiseMatMulNBits(node: string, attributes: MatMulNBitsAttributes, inputs: MatMulNBitsInputs): Float32Array {
  const { K, N, bits, blockSize: block } = attributes;
  const fail = (what: string) => new MatMulNBitsError(`MatMulNBits node '${node}': ${what}`);
  if (bits !== 4 && bits !== 8) throw fail(`bits = ${bits}; only 4- and 8-bit weights are supported`);
  if (!(Number.isInteger(block) && block >= 16 && (block & (block - 1)) === 0)) throw fail(`block_size = ${block}; it must be a power of two >= 16`);
  if (!(Number.isInteger(K) && K > 0 && Number.isInteger(N) && N > 0)) throw fail(`K = ${K}, N = ${N}; both must be positive integers`);
  if (inputs.gIdx) throw fail('it has a g_idx input (act-order GPTQ); only blocks in input order are supported');
  if (inputs.bias) throw fail('it has a bias input; only bias-free MatMulNBits weights are supported');
  const blocks = Math.ceil(K / block);
  const blob = (block * bits) / 8;
  const b = inputs.b;
  if (!b) throw fail('its B input (the packed codes) is not an initialiser of the model');
  if (b.dataType !== T.UINT8) throw fail(`B has element type ${b.dataType}; uint8 (2) is required`);
  if (b.dims[0] !== N || count(b.dims) !== N * blocks * blob) throw fail(`B has dims [${b.dims.join(', ')}]; K = ${K}, N = ${N}, ${bits} bits in blocks of ${block} need [${N}, ${blocks}, ${blob}]`);
  if (!inputs.scales) throw fail('its scales input is missing (or not an initialiser); the weight cannot be dequantised without it');
  const scales = floatValues(inputs.scales);
  if (!scales) throw fail(`scales have element type ${inputs.scales.dataType}; FLOAT (1) or FLOAT16 (10) is required`);
  if (scales.length !== N * blocks) throw fail(`scales hold ${scales.length} values; N x n_blocks = ${N} x ${blocks} = ${N * blocks} are needed`);
  const zp = inputs.zeroPoints;
  const zpRow = Math.ceil((blocks * bits) / 8);
  if (zp) {
    if (zp.dataType !== T.UINT8) throw fail(`zero_points have element type ${zp.dataType}; only packed uint8 zero points are supported (not float ones)`);
    if (zp.bytes.byteLength !== N * zpRow) throw fail(`zero_points hold ${zp.bytes.byteLength} bytes; ${N} rows of ceil(${blocks} x ${bits} / 8) = ${zpRow} bytes are needed`);
  }
  const codes = b.bytes;
  const zeroOf = (n: number, j: number): number => {
    if (!zp) return 2 ** (bits - 1);
    if (bits === 8) return zp.bytes[n * zpRow + j]!;
    return (zp.bytes[n * zpRow + (j >> 1)]! >> ((j & 1) * 4)) & 0x0f;
  };
  const out = new Float32Array(N * K); // (N, K)
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < blocks; j++) {
      const scale = scales[n * blocks + j]!;
      const zero = zeroOf(n, j);
      const base = (n * blocks + j) * blob;
      const end = Math.min(block, K - j * block);
      for (let r = 0; r < end; r++) {
        const code = bits === 8 ? codes[base + r]! : (codes[base + (r >> 1)]! >> ((r & 1) * 4)) & 0x0f;
        out[n * K + j * block + r] = (code - zero) * scale; // an exact integer times a float32, rounded once
      }
    }
  }
  return out;
}
