// A tiny Llama as an onnx-community / transformers.js ONNX export, for tests: an asymmetric and a symmetric blockwise
// quantiser (written independently of the loader in src/models/formats/matmul-nbits.ts), the com.microsoft
// MatMulNBits tensors and node onnxruntime's quantiser writes, the export itself in optimum's naming, and the same
// model with its initialisers moved to one external data file (as model_q4.onnx + model_q4.onnx_data on the hub).
// Shared by tests/models/formats/onnx-nbits.test.ts and tests/models/hub/hub-onnx.test.ts. Test support only.
import { expect } from 'vitest';
import type { LlamaConfig, LlamaWeights } from '../../src/models/llama/types';
import { transformersJsGraph } from '../../src/models/llama/transformersjs-export';
import { toGraphLayout } from '../../src/models/llama/weights';
import { type NodeProto, type TensorProto, attr, decodeModel, encodeModel, onnx, tensorProto } from '../../src/onnx/proto';

export interface Quantised {
  N: number;
  K: number;
  bits: 4 | 8;
  block: number;
  /** (N, blocks, block*bits/8) packed codes, low bits first; padding past K holds the block's zero point. */
  packed: Uint8Array;
  /** (N * blocks). */
  scales: Float32Array;
  /** (N * ceil(blocks*bits/8)) packed zero points, low bits first. */
  zeroPoints: Uint8Array;
  /** The dequantised (N, K) weight, by hand: (code - zero point) * scale per element. */
  dequantised: Float32Array;
}

/** Per block of one output row: the range [min(0, w), max(0, w)] over 2^bits - 1 steps, zero point round(-min/scale). */
export function quantiseAsymmetric(w: Float32Array, N: number, K: number, bits: 4 | 8, block: number): Quantised {
  const levels = 2 ** bits - 1;
  const blocks = Math.ceil(K / block);
  const blob = (block * bits) / 8;
  const zpRow = Math.ceil((blocks * bits) / 8);
  const packed = new Uint8Array(N * blocks * blob);
  const scales = new Float32Array(N * blocks);
  const zeroPoints = new Uint8Array(N * zpRow);
  const dequantised = new Float32Array(N * K);
  const setCode = (buf: Uint8Array, at: number, r: number, code: number) => {
    if (bits === 8) buf[at + r] = code;
    else buf[at + (r >> 1)] = r & 1 ? (buf[at + (r >> 1)]! & 0x0f) | (code << 4) : (buf[at + (r >> 1)]! & 0xf0) | code;
  };
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < blocks; j++) {
      const from = j * block;
      const to = Math.min(K, from + block);
      let lo = 0;
      let hi = 0;
      for (let k = from; k < to; k++) {
        lo = Math.min(lo, w[n * K + k]!);
        hi = Math.max(hi, w[n * K + k]!);
      }
      const scale = Math.fround((hi - lo) / levels) || 1;
      const zero = Math.min(levels, Math.max(0, Math.round(-lo / scale)));
      scales[n * blocks + j] = scale;
      setCode(zeroPoints, n * zpRow, j, zero);
      for (let r = 0; r < block; r++) {
        const k = from + r;
        const code = k < K ? Math.min(levels, Math.max(0, Math.round(w[n * K + k]! / scale) + zero)) : zero;
        setCode(packed, (n * blocks + j) * blob, r, code);
        if (k < K) dequantised[n * K + k] = Math.fround((code - zero) * scale);
      }
    }
  }
  return { N, K, bits, block, packed, scales, zeroPoints, dequantised };
}

/** Symmetric codes around the default zero point 2^(bits-1) (no zero-point tensor): scale max|w| / (2^(bits-1) - 1). */
export function quantiseSymmetric(w: Float32Array, N: number, K: number, bits: 4 | 8, block: number): Quantised {
  const zero = 2 ** (bits - 1);
  const qMax = zero - 1;
  const blocks = Math.ceil(K / block);
  const blob = (block * bits) / 8;
  const packed = new Uint8Array(N * blocks * blob);
  const scales = new Float32Array(N * blocks);
  const dequantised = new Float32Array(N * K);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < blocks; j++) {
      let max = 0;
      for (let k = j * block; k < Math.min(K, (j + 1) * block); k++) max = Math.max(max, Math.abs(w[n * K + k]!));
      const scale = Math.fround(max / qMax) || 1;
      scales[n * blocks + j] = scale;
      for (let r = 0; r < block; r++) {
        const k = j * block + r;
        const code = k < K ? Math.min(qMax, Math.max(-qMax, Math.round(w[n * K + k]! / scale))) + zero : zero;
        const at = (n * blocks + j) * blob;
        if (bits === 8) packed[at + r] = code;
        else packed[at + (r >> 1)]! |= code << ((r & 1) * 4);
        if (k < K) dequantised[n * K + k] = Math.fround((code - zero) * scale);
      }
    }
  }
  return { N, K, bits, block, packed, scales, zeroPoints: new Uint8Array(0), dequantised };
}

/** The MatMulNBits inputs of a quantised weight as onnxruntime's quantiser writes them. */
export function nbitsTensors(name: string, q: Quantised, options: { zeroPoints: boolean; flatScales: boolean }): TensorProto[] {
  const blocks = Math.ceil(q.K / q.block);
  const out = [
    tensorProto(`${name}_Q${q.bits}`, 'uint8', [q.N, blocks, (q.block * q.bits) / 8], q.packed),
    tensorProto(`${name}_scales`, 'float32', options.flatScales ? [q.N * blocks] : [q.N, blocks], q.scales),
  ];
  if (options.zeroPoints) out.push(tensorProto(`${name}_zero_points`, 'uint8', [q.zeroPoints.length], q.zeroPoints));
  return out;
}

export function nbitsNode(nodeName: string, a: string, name: string, q: Quantised, zeroPoints: boolean, output: string): NodeProto {
  return {
    name: nodeName,
    opType: 'MatMulNBits',
    domain: 'com.microsoft',
    input: [a, `${name}_Q${q.bits}`, `${name}_scales`, ...(zeroPoints ? [`${name}_zero_points`] : [])],
    output: [output],
    attribute: [attr.int('K', q.K), attr.int('N', q.N), attr.int('bits', q.bits), attr.int('block_size', q.block), attr.int('accuracy_level', 0)],
  };
}

export type Scheme = (weight: string) => { bits: 4 | 8; block: number; zeroPoints: boolean; flatScales?: boolean } | null;

/**
 * Our transformers.js export of `weights`, renamed as optimum names it (linears' initialisers anonymous, their MatMul
 * nodes named after the module; embedding and norms under their HF names), each linear `scheme` picks replaced by a
 * MatMulNBits node. Returns the model and the weights a reader must find (dequantised where quantised).
 */
export function onnxCommunityExport(cfg: LlamaConfig, weights: LlamaWeights, scheme: Scheme): { bytes: Uint8Array; expected: Map<string, Float32Array> } {
  const graphLayout = toGraphLayout(cfg, weights);
  const proto = decodeModel(transformersJsGraph(cfg, graphLayout));
  const graph = proto.graph!;
  const names = [...graphLayout.keys()];
  const taken = new Set<string>();
  const expected = new Map<string, Float32Array>();
  const initialisers: TensorProto[] = [];
  const sameBytes = (t: TensorProto, data: Float32Array) => {
    const raw = t.rawData!;
    if (raw.byteLength !== data.byteLength) return false;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return raw.every((b, i) => b === bytes[i]);
  };
  let anonymous = 100;
  for (const t of graph.initializer!) {
    // Weights are declared in expectedWeightShapes order: the first unclaimed weight with these bytes is this one.
    const hf = t.dataType === 1 && t.rawData ? names.find((n) => !taken.has(n) && sameBytes(t, graphLayout.get(n)!)) : undefined;
    if (!hf) {
      initialisers.push(t);
      continue;
    }
    taken.add(hf);
    const users = graph.node!.filter((n) => (n.input ?? []).includes(t.name!));
    const w = weights.get(hf)!;
    if (w.shape.length === 1 || hf === 'model.embed_tokens.weight') {
      for (const u of users) u.input = u.input!.map((i) => (i === t.name ? hf : i));
      initialisers.push({ ...t, name: hf });
      expected.set(hf, w.data);
      continue;
    }
    expect(users.map((u) => u.opType)).toEqual(['MatMul']);
    const node = users[0]!;
    const path = `/${hf.replace(/\.weight$/, '').replace(/\./g, '/').replace(/layers\/(\d+)/, 'layers.$1')}/MatMul`;
    const anon = `onnx::MatMul_${anonymous++}`;
    const s = scheme(hf);
    if (!s) {
      node.name = path;
      node.input = [node.input![0]!, anon];
      initialisers.push({ ...t, name: anon });
      expected.set(hf, w.data);
      continue;
    }
    const [N, K] = w.shape as [number, number];
    const q = s.zeroPoints ? quantiseAsymmetric(w.data, N, K, s.bits, s.block) : quantiseSymmetric(w.data, N, K, s.bits, s.block);
    initialisers.push(...nbitsTensors(anon, q, { zeroPoints: s.zeroPoints, flatScales: s.flatScales ?? false }));
    Object.assign(node, nbitsNode(`${path}_Q4`, node.input![0]!, anon, q, s.zeroPoints, node.output![0]!));
    expected.set(hf, q.dequantised);
  }
  expect(taken.size).toBe(names.length);
  graph.initializer = initialisers;
  proto.opsetImport = [...(proto.opsetImport ?? []), { domain: 'com.microsoft', version: 1 }];
  return { bytes: encodeModel(proto), expected };
}

/**
 * `model` with every initialiser moved to one external data file named `location` (offsets aligned to 16 bytes, as
 * onnx's save_model(save_as_external_data) writes them): the model_q4.onnx + model_q4.onnx_data pair of a hub repo.
 */
export function withExternalData(model: Uint8Array, location: string): { model: Uint8Array; data: Uint8Array } {
  const proto = decodeModel(model);
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const t of proto.graph!.initializer ?? []) {
    const raw = t.rawData!;
    expect(raw.byteLength).toBeGreaterThan(0); // every initialiser of the export is in raw_data
    const pad = (16 - (offset % 16)) % 16;
    if (pad > 0) parts.push(new Uint8Array(pad));
    offset += pad;
    parts.push(new Uint8Array(raw));
    t.externalData = [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(raw.byteLength) },
    ];
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.rawData = new Uint8Array(0);
    offset += raw.byteLength;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.byteLength;
  }
  return { model: new Uint8Array(encodeModel(proto)), data }; // a plain Uint8Array (protobufjs gives a Buffer in Node)
}
