// Weight-only quantisation: every dequantised weight is within scale/2 of the float one (8 and 4 bits, blocks that
// do and do not divide K), 4-bit packing round-trips, and a dequantise-then-MatMul ONNX graph (Cast, Mul by the
// block scales, Reshape, MatMul: opset 17) on onnxruntime-web's wasm equals the plain-TS x @ dequantise(q) (1e-5
// relative) and stays within the stated bound of x @ w.
import { describe, expect, it } from 'vitest';
import { dequantise, packInt4, quantiseBlockwise, quantisedBytes, type QuantBits, QuantiseError, unpackInt4 } from '../../../src/models/llama/quantize';
import { onnx } from '../../../src/onnx/proto';
import { mulberry32 } from '../../../src/random/mulberry32';
import { loadOrtNode } from '../../../src/runtime/ort-node';

function randn(rng: () => number, n: number, scale = 0.05): Float32Array {
  return Float32Array.from({ length: n }, () => scale * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()));
}

describe('quantiseBlockwise', () => {
  it.each([
    [8, 32, 64, 24],
    [8, 50, 16, 7], // K not a multiple of the block
    [4, 64, 32, 10],
    [4, 33, 8, 5],
  ] as [QuantBits, number, number, number][])('%d bits, K %d, block %d, N %d: |w - dequantised| <= scale / 2', (bits, K, block, N) => {
    const w = randn(mulberry32(bits * 1000 + K), K * N);
    w[3] = 0.9; // an outlier only widens its own block's scale
    const q = quantiseBlockwise(w, K, N, bits, block);
    const d = dequantise(q);
    const qMax = bits === 8 ? 127 : 7;
    for (let r = 0; r < K; r++) {
      for (let c = 0; c < N; c++) {
        const scale = q.scales[Math.floor(r / block) * N + c]!;
        expect(Math.abs(q.codes[r * N + c]!)).toBeLessThanOrEqual(qMax);
        expect(Math.abs(w[r * N + c]! - d[r * N + c]!)).toBeLessThanOrEqual(scale / 2 + 1e-7);
      }
    }
    // the block maximum is represented exactly (up to float rounding)
    expect(d[3]).toBeCloseTo(0.9, 6);
    expect(quantisedBytes(q)).toBe((bits === 4 ? Math.ceil((K * N) / 2) : K * N) + 4 * Math.ceil(K / block) * N);
  });

  it('keeps an all-zero block zero and refuses what it cannot quantise', () => {
    const q = quantiseBlockwise(new Float32Array(8), 4, 2, 8, 2);
    expect([...dequantise(q)]).toEqual(new Array(8).fill(0));
    expect(() => quantiseBlockwise(Float32Array.from([1, Number.NaN]), 2, 1, 8, 2)).toThrow(/finite/);
    expect(() => quantiseBlockwise(new Float32Array(3), 2, 2, 8, 2)).toThrow(QuantiseError);
    expect(() => quantiseBlockwise(new Float32Array(4), 2, 2, 3 as QuantBits, 2)).toThrow(/bits/);
  });

  it('packs 4-bit codes two per byte and back', () => {
    const codes = Int8Array.from([-8, 7, 0, -1, 3]);
    const packed = packInt4(codes);
    expect([...packed]).toEqual([0 | (15 << 4), 8 | (7 << 4), 11]);
    expect([...unpackInt4(packed, 5)]).toEqual([...codes]);
    expect(() => packInt4(Int8Array.from([9]))).toThrow(QuantiseError);
  });
});

/** (M,K) @ dequantise(codes (K/bs, bs, N) int8 * scales (K/bs, 1, N)) as an opset-17 ONNX model. */
function dequantMatmulModel(K: number, N: number, block: number, codes: Int8Array, scales: Float32Array): Uint8Array {
  const T = onnx.TensorProto.DataType;
  const blocks = K / block;
  const raw = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const graph = {
    name: 'dequant-matmul',
    input: [{ name: 'x', type: { tensorType: { elemType: T.FLOAT, shape: { dim: [{ dimParam: 'M' }, { dimValue: K }] } } } }],
    output: [{ name: 'y', type: { tensorType: { elemType: T.FLOAT, shape: { dim: [{ dimParam: 'M' }, { dimValue: N }] } } } }],
    initializer: [
      { name: 'codes', dataType: T.INT8, dims: [blocks, block, N], rawData: raw(codes) },
      { name: 'scales', dataType: T.FLOAT, dims: [blocks, 1, N], rawData: raw(scales) },
      { name: 'shape', dataType: T.INT64, dims: [2], rawData: raw(BigInt64Array.from([BigInt(K), BigInt(N)])) },
    ],
    node: [
      { opType: 'Cast', input: ['codes'], output: ['codes_f'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: T.FLOAT }] },
      { opType: 'Mul', input: ['codes_f', 'scales'], output: ['w3'] },
      { opType: 'Reshape', input: ['w3', 'shape'], output: ['w'] },
      { opType: 'MatMul', input: ['x', 'w'], output: ['y'] },
    ],
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph })).finish();
}

describe('dequantise + MatMul on onnxruntime-web (wasm)', () => {
  it.each([8, 4] as QuantBits[])('%d bits: equals the plain-TS reference and stays within the bound of the float matmul', async (bits) => {
    const [M, K, N, block] = [5, 64, 24, 32];
    const rng = mulberry32(bits);
    const w = randn(rng, K * N);
    const x = randn(rng, M * K, 1);
    const q = quantiseBlockwise(w, K, N, bits, block);
    const codes = bits === 4 ? unpackInt4(packInt4(q.codes), q.codes.length) : q.codes; // what 4-bit storage holds
    const ort = await loadOrtNode();
    const session = await ort.InferenceSession.create(dequantMatmulModel(K, N, block, codes, q.scales), { executionProviders: ['wasm'] });
    const out = await session.run({ x: new ort.Tensor('float32', x, [M, K]) });
    const y = out['y']!.data as Float32Array;
    await session.release();
    const d = dequantise(q);
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let ref = 0;
        let exact = 0;
        let bound = 0;
        for (let k = 0; k < K; k++) {
          ref += x[m * K + k]! * d[k * N + n]!;
          exact += x[m * K + k]! * w[k * N + n]!;
          bound += (Math.abs(x[m * K + k]!) * q.scales[Math.floor(k / block) * N + n]!) / 2;
        }
        expect(Math.abs(y[m * N + n]! - ref)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(ref)));
        expect(Math.abs(y[m * N + n]! - exact)).toBeLessThanOrEqual(bound + 1e-5);
      }
    }
  });
});
