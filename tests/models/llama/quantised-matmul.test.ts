// MatMulNBits (onnxruntime's com.microsoft op, the layout of onnx-community q4 models) as the IR emits it: exact codes,
// packing and dequantised values on hand-made blocks; |w - w'| <= scale/2 and agreement with quantize.ts's codes; the
// emitted op on onnxruntime-web (wasm) and onnxruntime-node equals x @ dequantised W (1e-5 relative) and lies within
// sum_k |x_k| * scale(k, n) / 2 of x @ W; the gradient rule (dx = g @ W'^T through dequantiseBlocks) equals the
// float gradient of the dequantised weight; the dequantiseBlocks composition equals the host dequantisation exactly.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { gradients } from '../../../src/autodiff/grad';
import { Graph } from '../../../src/autodiff/ir';
import { dequantiseBlocks } from '../../../src/autodiff/nn';
import { matMulNBits, mul, reduceSum } from '../../../src/autodiff/ops';
import { type NBitsWeight, dequantiseNBits, nbitsBytes, nbitsCode, quantiseNBits } from '../../../src/models/llama/nbits';
import { QuantiseError, quantiseBlockwise } from '../../../src/models/llama/quantize';
import { emitModel } from '../../../src/onnx/emit';
import { decodeModel } from '../../../src/onnx/proto';
import { mulberry32, randn } from '../../../src/random/mulberry32';
import { hostTensor } from '../../../src/runtime/host-tensor';
import { loadOrtNode } from '../../../src/runtime/ort-node';
import { runGraph } from '../../../src/runtime/run-graph';

const gaussian = (n: number, seed: number, scale = 0.05): Float32Array => {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: n }, () => scale * randn(rng));
};

describe('quantiseNBits on hand-made blocks', () => {
  it('4-bit: scale max/7, round-to-nearest codes, zero point 8, two codes per byte (low nibble first)', () => {
    // one output (N = 1), K = 32: one block; max |w| = 0.7 -> scale fround(0.1)
    const w = new Float32Array(32);
    w.set([0.7, -0.7, 0.36, 0.1, -0.26, 0.04, 0, 0.66]);
    const q = quantiseNBits(w, 1, 32, 4, 32);
    expect(q.scales).toEqual(Float32Array.from([0.1]));
    const codes = Array.from({ length: 8 }, (_, k) => nbitsCode(q, 0, k));
    expect(codes).toEqual([7, -7, 4, 1, -3, 0, 0, 7]); // 3.6 -> 4, -2.6 -> -3, 0.4 -> 0, 6.6 -> 7
    expect(Array.from(q.packed.slice(0, 4))).toEqual([(7 + 8) | ((-7 + 8) << 4), (4 + 8) | ((1 + 8) << 4), (-3 + 8) | (8 << 4), 8 | ((7 + 8) << 4)]);
    expect(q.packed.length).toBe(16);
    expect(Array.from(q.packed.slice(4))).toEqual(new Array(12).fill(0x88)); // zeros
    const d = dequantiseNBits(q);
    expect(Array.from(d.slice(0, 8))).toEqual(codes.map((c) => Math.fround(c * Math.fround(0.1))));
    expect(nbitsBytes(q)).toBe(16 + 4);
  });

  it('8-bit: scale max/127, zero point 128, K past the last block padded with the zero point', () => {
    // N = 2 outputs, K = 40 (blocks of 32: the second holds 8 inputs and 24 padding bytes)
    const w = new Float32Array(80);
    w[0] = 1.27; w[1] = -0.5; w[33] = 0.254; w[34] = -0.0025; // row 0
    w[40] = -2.54; w[41] = 0.011; // row 1, first block only
    const q = quantiseNBits(w, 2, 40, 8, 32);
    expect(Array.from(q.scales)).toEqual([Math.fround(1.27 / 127), Math.fround(0.254 / 127), Math.fround(2.54 / 127), 0]);
    expect(q.packed.length).toBe(2 * 2 * 32);
    expect([nbitsCode(q, 0, 0), nbitsCode(q, 0, 1), nbitsCode(q, 0, 33), nbitsCode(q, 0, 34), nbitsCode(q, 1, 0), nbitsCode(q, 1, 1)]).toEqual([127, -50, 127, -1, -127, 1]);
    expect(q.packed[0]).toBe(255);
    expect(q.packed[1]).toBe(78);
    expect(Array.from(q.packed.slice(32 + 8, 64))).toEqual(new Array(24).fill(128)); // padding past K
    const d = dequantiseNBits(q);
    expect(d[34]).toBe(Math.fround(-1 * Math.fround(0.254 / 127))); // -1.25 -> -1
    expect(d[40 + 32]).toBe(0); // an all-zero block stays zero
  });

  it('refuses what MatMulNBits cannot hold', () => {
    expect(() => quantiseNBits(new Float32Array(32), 1, 32, 4, 24)).toThrow(QuantiseError);
    expect(() => quantiseNBits(new Float32Array(32), 1, 32, 3 as 4, 32)).toThrow(/bits must be 4 or 8/);
    expect(() => quantiseNBits(new Float32Array(31), 1, 32, 8, 32)).toThrow(/needs 32/);
    expect(() => quantiseNBits(Float32Array.from([Number.NaN, ...new Array(31).fill(0)]), 1, 32, 8, 32)).toThrow(/finite/);
  });
});

describe.each([8, 4] as const)('%d-bit blocks of 32', (bits) => {
  const N = 24;
  const K = 72; // not a multiple of the block
  const w = gaussian(N * K, bits); // (N, K) [out, in]
  w[5] = 0.6; // an outlier widens only its own block's scale
  const q = quantiseNBits(w, N, K, bits, 32);
  const d = dequantiseNBits(q); // (N, K)
  const scaleOf = (n: number, k: number): number => q.scales[n * Math.ceil(K / 32) + Math.floor(k / 32)]!;

  it('dequantised weights lie within scale/2 of the float ones; codes equal quantize.ts on the transpose', () => {
    for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) expect(Math.abs(w[n * K + k]! - d[n * K + k]!)).toBeLessThanOrEqual(scaleOf(n, k) / 2 + 1e-7);
    const t = new Float32Array(K * N);
    for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) t[k * N + n] = w[n * K + k]!;
    const ref = quantiseBlockwise(t, K, N, bits, 32);
    for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) expect(nbitsCode(q, n, k)).toBe(ref.codes[k * N + n]);
    expect(nbitsBytes(q)).toBe(N * Math.ceil(K / 32) * ((32 * bits) / 8 + 4));
  });

  const M = 5;
  const x = gaussian(M * K, 100 + bits, 1); // (1, M, K)
  const graph = (q: NBitsWeight) => {
    const g = new Graph('float32');
    const xi = g.input('x', [1, M, K]);
    const packed = g.constant(q.packed, [N, Math.ceil(K / 32), (32 * bits) / 8], 'uint8');
    const scales = g.constant(q.scales, [N, Math.ceil(K / 32)], 'float32');
    const y = matMulNBits(xi, packed, scales, q.layout); // (B,T,K) -> (B,T,N)
    const c = g.constant(gaussian(M * N, 7, 1), [1, M, N], 'float32');
    const [dx] = gradients(reduceSum(mul(y, c)), [xi]); // dL/dx = c @ W'^T
    const wt = dequantiseBlocks(packed, scales, q.layout); // (N, K)
    return { bytes: emitModel(g, { y, dx: dx!, wt }), c: g.constantData(c) as Float32Array };
  };

  it('the emitted op imports com.microsoft only where it is used', () => {
    const m = decodeModel(graph(q).bytes);
    expect(m.opsetImport.map((o) => `${o.domain}:${String(o.version)}`)).toEqual([':17', 'com.microsoft:1']);
    expect((m.graph?.node ?? []).filter((n) => n.opType === 'MatMulNBits').map((n) => n.domain)).toEqual(['com.microsoft']);
    const plain = new Graph('float32');
    const a = plain.input('a', [2, 2]);
    expect(decodeModel(emitModel(plain, { y: mul(a, a) })).opsetImport.map((o) => o.domain)).toEqual(['']);
  });

  it.each(['onnxruntime-web (wasm)', 'onnxruntime-node'])('on %s: x @ W\' within 1e-5, x @ W within sum|x| scale/2, gradient = g @ W\'^T', async (runtime) => {
    const { bytes, c } = graph(q);
    const feeds = { x: hostTensor('float32', [1, M, K], x) };
    let out: Record<string, { data: ArrayLike<number> }>;
    if (runtime === 'onnxruntime-node') {
      const ortNode = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-web');
      const s = await ortNode.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
      out = (await s.run({ x: new ortNode.Tensor('float32', x, [1, M, K]) })) as never;
      await s.release();
    } else out = (await runGraph(await loadOrtNode(), bytes, feeds)) as never;
    const y = out['y']!.data;
    let worstRel = 0;
    let worstBoundUse = 0;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let exact = 0; // x @ W' in float64
        let float = 0; // x @ W
        let bound = 0; // sum_k |x_k| scale/2
        let mag = 0;
        for (let k = 0; k < K; k++) {
          const xv = x[m * K + k]!;
          exact += xv * d[n * K + k]!;
          float += xv * w[n * K + k]!;
          bound += (Math.abs(xv) * scaleOf(n, k)) / 2;
          mag += Math.abs(xv * d[n * K + k]!);
        }
        const got = y[m * N + n]!;
        worstRel = Math.max(worstRel, Math.abs(got - exact) / mag);
        expect(Math.abs(got - float)).toBeLessThanOrEqual(bound + 1e-5 * mag);
        worstBoundUse = Math.max(worstBoundUse, Math.abs(got - float) / bound);
      }
    }
    expect(worstRel).toBeLessThan(1e-5);
    expect(worstBoundUse).toBeGreaterThan(0.01); // the bound is not vacuous: errors are of its order
    console.log(`${runtime} ${bits}-bit: max |y - x@W'| / sum|x W'| = ${worstRel.toExponential(2)}, max |y - x@W| / bound = ${worstBoundUse.toFixed(3)}`);
    // gradient: dx[m,k] = sum_n c[m,n] W'[n,k]
    const dx = out['dx']!.data;
    for (let m = 0; m < M; m++) {
      for (let k = 0; k < K; k++) {
        let ref = 0;
        let mag = 0;
        for (let n = 0; n < N; n++) {
          ref += c[m * N + n]! * d[n * K + k]!;
          mag += Math.abs(c[m * N + n]! * d[n * K + k]!);
        }
        expect(Math.abs(dx[m * K + k]! - ref)).toBeLessThanOrEqual(1e-5 * mag + 1e-7);
      }
    }
    // the in-graph dequantisation equals the host's exactly
    expect(Array.from(out['wt']!.data)).toEqual(Array.from(d));
  });
});

describe('matMulNBits refusals', () => {
  it('names the shapes it needs', () => {
    const g = new Graph('float32');
    const x = g.input('x', ['B', 64]);
    const packed = g.input('p', [8, 2, 16], 'uint8');
    const scales = g.input('s', [8, 2]);
    expect(() => matMulNBits(x, packed, scales, { K: 64, N: 8, bits: 8, block: 32 })).toThrow(/codes \(8,2,32\)/);
    expect(() => matMulNBits(x, g.input('p2', [8, 2, 16]), scales, { K: 64, N: 8, bits: 4, block: 32 })).toThrow(/uint8/);
    expect(() => matMulNBits(x, packed, scales, { K: 64, N: 8, bits: 4, block: 48 })).toThrow(/power of two/);
    expect(matMulNBits(x, packed, scales, { K: 64, N: 8, bits: 4, block: 32 }).shape).toEqual(['B', 8]);
  });
});
