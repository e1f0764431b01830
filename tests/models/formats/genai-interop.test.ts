// Interoperability: our Llama graph, built from the weights of an onnxruntime-genai fp16 export (tiny-random-LlamaForCausalLM),
// agrees with that export's own graph (contrib ops, fp16 compute) run in onnxruntime-web wasm: logits and the
// post-RoPE key/value presents to fp16 precision. Also covers the initialiser reader and the genai -> HF mapping.
import { describe, expect, it } from 'vitest';
import { maskAndPositions } from '../../../src/models/llama/attention-mask';
import { GenaiExportError, genaiLlamaToHf, readGenaiGraphAttributes } from '../../../src/models/formats/genai-llama';
import { decoderGraph, io } from '../../../src/models/llama/graphs';
import type { LlamaConfig } from '../../../src/models/llama/types';
import { toGraphLayout } from '../../../src/models/llama/weights';
import { ExternalDataMissingError, ExternalDataRangeError, type OnnxInitialiser, float16ToFloat32Array, readOnnxInitialisers } from '../../../src/models/formats/onnx-initialisers';
import { encodeModel, tensorProto } from '../../../src/onnx/proto';
import { type HostTensor, type Ort, hostTensor } from '../../../src/runtime/host-tensor';
import { loadOrtNode } from '../../../src/runtime/ort-node';
import { GraphSession } from '../../../src/runtime/run-graph';
import { readShared } from '../../support/shared-data';

const DIR = 'models/tiny-random-llama-onnx-fp16/';
const modelBytes = readShared(`${DIR}model.onnx`);
const dataBytes = readShared(`${DIR}model.onnx.data`);
const genaiConfig = new TextDecoder().decode(readShared(`${DIR}genai_config.json`));
const initialisers = readOnnxInitialisers(modelBytes, dataBytes);
const attributes = readGenaiGraphAttributes(modelBytes);
const { config, weights } = genaiLlamaToHf(initialisers, genaiConfig, attributes);
const V = config.vocabSize;

/** Token ids (Llama-2 vocabulary): "<s> Hello world!\n" and "<s> The quick brown fox jumps over". */
const SEQUENCES = [
  [1, 15043, 3186, 29991, 13],
  [1, 450, 4996, 17354, 1701, 29916, 432, 17204],
];

/**
 * Their logits are fp16: |logit| < 0.5 here, where one fp16 ULP is 2^-11 = 4.9e-4 and rounding the output alone
 * costs up to 2.4e-4. Measured: 2.5e-4. One ULP at the logit scale is the bound (about 0.6% of the logits' std).
 */
const LOGIT_TOLERANCE = 5e-4;
/** Presents (|k|, |v| < 0.26): one fp16 ULP at 0.25 is 2.4e-4. Measured: 1.0e-4; theta 10100 instead of 10000 gives 5e-4. */
const PRESENT_TOLERANCE = 2.5e-4;

type OrtTensor = InstanceType<Ort['Tensor']>;

function f16(t: OrtTensor): Float32Array {
  const bits = t.data as Uint16Array;
  return float16ToFloat32Array(new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength));
}

/** Their graph's outputs (logits, present.<l>.key/value) as float32, prefill from an empty fp16 cache. */
async function runTheirs(ort: Ort, ids: number[]): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(modelBytes, { externalData: [{ path: 'model.onnx.data', data: dataBytes }] });
  const T = ids.length;
  const feeds: Record<string, OrtTensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, T]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]),
    position_ids: new ort.Tensor('int64', BigInt64Array.from(ids, (_, i) => BigInt(i)), [1, T]),
  };
  for (let l = 0; l < config.numLayers; l++) {
    feeds[`past_key_values.${l}.key`] = new ort.Tensor('float16', new Uint16Array(0), [1, config.numKvHeads, 0, config.headDim]);
    feeds[`past_key_values.${l}.value`] = new ort.Tensor('float16', new Uint16Array(0), [1, config.numKvHeads, 0, config.headDim]);
  }
  const results = await session.run(feeds);
  const out = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, f16(v)]));
  await session.release();
  return out;
}

/** Our decoder graph (float32, empty cache) from `c` and the converted weights: logits (1,T,V) and presents (1,KV,T,D). */
async function runOurs(ort: Ort, c: LlamaConfig, ids: number[]): Promise<Record<string, Float32Array>> {
  const session = await GraphSession.open(ort, decoderGraph(c, { weights: { kind: 'initialisers', weights: toGraphLayout(c, weights) }, cache: true, logits: 'all' }));
  const T = ids.length;
  const { mask, positions } = maskAndPositions([0], 0, T);
  const feeds: Record<string, HostTensor> = {
    [io.ids]: hostTensor('int64', [1, T], BigInt64Array.from(ids.map(BigInt))),
    [io.positions]: hostTensor('int64', [1, T], positions),
    [io.mask]: hostTensor('bool', [1, T, T], mask),
  };
  for (let l = 0; l < c.numLayers; l++) {
    feeds[io.pastKey(l)] = hostTensor('float32', [1, c.numKvHeads, 0, c.headDim], new Float32Array(0));
    feeds[io.pastValue(l)] = hostTensor('float32', [1, c.numKvHeads, 0, c.headDim], new Float32Array(0));
  }
  const results = await session.run(feeds);
  await session.release();
  return Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.data as Float32Array]));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function correlation(a: Float32Array, b: Float32Array): number {
  const n = a.length;
  let [sa, sb, saa, sbb, sab] = [0, 0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    sa += a[i]!;
    sb += b[i]!;
    saa += a[i]! * a[i]!;
    sbb += b[i]! * b[i]!;
    sab += a[i]! * b[i]!;
  }
  return (n * sab - sa * sb) / Math.sqrt((n * saa - sa * sa) * (n * sbb - sb * sb));
}

function argmaxRows(logits: Float32Array, rows: number): number[] {
  return Array.from({ length: rows }, (_, t) => {
    const row = logits.subarray(t * V, (t + 1) * V);
    let best = 0;
    for (let i = 1; i < V; i++) if (row[i]! > row[best]!) best = i;
    return best;
  });
}

const PRESENTS = [0, 1].flatMap((l) => [`present.${l}.key`, `present.${l}.value`]);

describe('readOnnxInitialisers', () => {
  it('reads the export: external fp16 tensors at their offsets, exact float16 conversion', () => {
    expect(initialisers.size).toBe(23); // embedding, 9 per layer, final norm, lm_head, cos/sin caches
    const embed = initialisers.get('model.embed_tokens.weight')!;
    expect([embed.dims, embed.dataType, embed.bytes.byteLength]).toEqual([[32000, 16], 10, 1024000]);
    const head = initialisers.get('lm_head.MatMul.weight')!;
    const expected = dataBytes.subarray(1106080, 1106080 + 1024000); // offset and length from the model's external_data entry
    expect(head.bytes.byteLength).toBe(expected.byteLength);
    expect(head.bytes.every((b, i) => b === expected[i])).toBe(true);
    const bits = new Uint16Array([0x3c00, 0xc000, 0x3555, 0x0001, 0x7bff, 0xfc00]);
    expect(Array.from(float16ToFloat32Array(new Uint8Array(bits.buffer)))).toEqual([1, -2, 0.333251953125, 2 ** -24, 65504, -Infinity]);
  });

  const external = (offset: number, length: number) => ({
    name: 'w',
    dataType: 1,
    dims: [2],
    dataLocation: 1,
    externalData: [
      { key: 'location', value: 'w.bin' },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(length) },
    ],
  });
  const model = (initializer: object[]) => encodeModel({ irVersion: 8, opsetImport: [{ version: 17 }], graph: { name: 'g', initializer } });
  const side = new Uint8Array(new Float32Array([9, 1.5, -2.5]).buffer);

  it('resolves raw data, typed fields and external data', () => {
    const got = readOnnxInitialisers(model([tensorProto('raw', 'int64', [2], new BigInt64Array([3n, -4n])), { name: 'typed', dataType: 1, dims: [3], floatData: [1, 2, 3] }, external(4, 8)]), side);
    expect(Array.from(new BigInt64Array(got.get('raw')!.bytes.buffer))).toEqual([3n, -4n]);
    expect(Array.from(new Float32Array(got.get('typed')!.bytes.buffer))).toEqual([1, 2, 3]);
    expect(Array.from(new Float32Array(got.get('w')!.bytes.buffer))).toEqual([1.5, -2.5]);
  });

  it('refuses missing external data and offsets past its end, by name', () => {
    expect(() => readOnnxInitialisers(model([external(4, 8)]))).toThrow(ExternalDataMissingError);
    expect(() => readOnnxInitialisers(model([external(8, 8)]), side)).toThrow(ExternalDataRangeError);
  });
});

describe('genaiLlamaToHf', () => {
  it('derives the config: sizes, RoPE theta and layout from the caches and attributes, eps, untied head', () => {
    expect(attributes).toEqual({ rmsNormEps: 1e-6, rotaryInterleaved: false, rotaryDim: 0, attentionScale: 0.25 });
    expect(config).toMatchObject({ modelType: 'llama', vocabSize: 32000, hiddenSize: 16, intermediateSize: 64, numLayers: 2, numHeads: 1, numKvHeads: 1, headDim: 16 });
    expect(config).toMatchObject({ ropeTheta: 10000, ropeLayout: 'rotate-half', ropeScaling: null, rmsNormEps: 1e-6, tieWordEmbeddings: false, maxPositionEmbeddings: 2048 });
    expect(weights.has('lm_head.weight')).toBe(true);
  });

  it('transposes builder [in, out] MatMul weights to HF [out, in]', () => {
    const genai = float16ToFloat32Array(initialisers.get('model.layers.1.mlp.down_proj.MatMul.weight')!.bytes); // (I=64, H=16)
    const hf = weights.get('model.layers.1.mlp.down_proj.weight')!; // (16, 64)
    expect(hf.shape).toEqual([16, 64]);
    for (const [o, i] of [[0, 0], [3, 17], [15, 63]] as const) expect(hf.data[o * 64 + i]).toBe(genai[i * 16 + o]);
  });

  it('splits a fused qkv_proj into the same q, k, v', () => {
    const fused = new Map<string, OnnxInitialiser>(initialisers);
    for (let l = 0; l < config.numLayers; l++) {
      const parts = ['q', 'k', 'v'].map((p) => {
        const name = `model.layers.${l}.attn.${p}_proj.MatMul.weight`;
        fused.delete(name);
        return new Uint16Array(initialisers.get(name)!.bytes.slice().buffer); // (16,16)
      });
      const qkv = new Uint16Array(16 * 48); // (16, 48): columns q | k | v
      for (let r = 0; r < 16; r++) parts.forEach((p, j) => qkv.set(p.subarray(r * 16, r * 16 + 16), r * 48 + j * 16));
      fused.set(`model.layers.${l}.attn.qkv_proj.MatMul.weight`, { dims: [16, 48], dataType: 10, bytes: new Uint8Array(qkv.buffer) });
    }
    const split = genaiLlamaToHf(fused, genaiConfig, attributes).weights;
    for (const p of ['q', 'k', 'v']) expect(split.get(`model.layers.1.self_attn.${p}_proj.weight`)).toEqual(weights.get(`model.layers.1.self_attn.${p}_proj.weight`));
  });

  it('refuses initialisers it would otherwise ignore', () => {
    const withBias = new Map<string, OnnxInitialiser>(initialisers);
    withBias.set('model.layers.0.attn.o_proj.Add.bias', { dims: [16], dataType: 10, bytes: new Uint8Array(32) });
    expect(() => genaiLlamaToHf(withBias, genaiConfig, attributes)).toThrow(GenaiExportError);
  });
});

describe('our Llama graph against the onnxruntime-genai export (onnxruntime-web wasm)', () => {
  it.each(SEQUENCES.map((ids) => [ids.length, ids] as const))('agrees on %i tokens: logits, argmax and presents to fp16 precision', async (T, ids) => {
    const ort = await loadOrtNode();
    const theirs = await runTheirs(ort, ids); // one session at a time: onnxruntime-web runs are not concurrent-safe
    const ours = await runOurs(ort, config, ids);
    const logits = ours['logits']!; // (1,T,V)
    expect(logits.length).toBe(T * V);
    expect(maxAbsDiff(logits, theirs['logits']!)).toBeLessThan(LOGIT_TOLERANCE);
    expect(correlation(logits, theirs['logits']!)).toBeGreaterThan(0.99999);
    expect(argmaxRows(logits, T)).toEqual(argmaxRows(theirs['logits']!, T));
    for (const name of PRESENTS) expect(maxAbsDiff(ours[name]!, theirs[name]!), name).toBeLessThan(PRESENT_TOLERANCE); // (1,1,T,16)
  });

  it('can fail: interleaved RoPE moves the present keys far beyond the tolerance (the logits alone barely see it)', async () => {
    const ort = await loadOrtNode();
    const ids = SEQUENCES[1]!;
    const theirs = await runTheirs(ort, ids);
    const wrong = await runOurs(ort, { ...config, ropeLayout: 'interleaved' }, ids);
    expect(maxAbsDiff(wrong['present.0.key']!, theirs['present.0.key']!)).toBeGreaterThan(100 * PRESENT_TOLERANCE);
  });
});
