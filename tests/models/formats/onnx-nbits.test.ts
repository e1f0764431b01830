// Pre-quantised ONNX models in the transformers.js / onnx-community layout (com.microsoft MatMulNBits linears with
// asymmetric zero points, as onnxruntime's quantiser writes them) load through loadModelFiles as float32 weights:
// - dequantiseMatMulNBits on hand-made codes, and against onnxruntime-web's own MatMulNBits kernel (4 and 8 bits,
//   blocks of 16/32/64, an odd block count whose packed zero points end in a padding nibble, with and without zero
//   points, 2-D and flat scales): identity input, so the op's output is its dequantised weight;
// - a tiny Llama exported as optimum names it (node '/model/layers.0/self_attn/q_proj/MatMul', embedding and norms
//   under their HF names), quantised here by an independent asymmetric quantiser: every loaded weight equals the
//   hand-dequantised one exactly; the logits of our graph on the loaded weights equal onnxruntime's logits of the
//   quantised model (1e-4), and lie within the quantisation error of the float model's (the quantisers and the
//   export are in tests/support/onnx-community-export.ts, shared with the hub's ONNX download test);
// - a quantised head of a tied config unties it; clear typed errors for what is not supported.
import { describe, expect, it } from 'vitest';
import { TargetEngine } from '../../../src/engines/target-engine';
import { weightsIdentity } from '../../../src/engines/weights-identity';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModelFiles, weightFileNames } from '../../../src/models/formats/load-model';
import { LocalModelFilesError, readLocalModelFiles } from '../../../src/models/formats/local-files';
import { readLocalModelFolder } from '../../../src/models/formats/local-folder-node';
import { MatMulNBitsError, type MatMulNBitsInputs, dequantiseMatMulNBits } from '../../../src/models/formats/matmul-nbits';
import { OnnxModelError, linearWeightName, readOnnxLlama } from '../../../src/models/formats/onnx-llama';
import type { OnnxInitialiser } from '../../../src/models/formats/onnx-initialisers';
import { parseLlamaConfig } from '../../../src/models/llama/config';
import { tinyLlamaFixtureFiles } from '../../../src/models/llama/fixture';
import { transformersJsGraph, transformersJsIo } from '../../../src/models/llama/transformersjs-export';
import type { LlamaConfig, LlamaWeights } from '../../../src/models/llama/types';
import { toGraphLayout } from '../../../src/models/llama/weights';
import { attr, decodeModel, encodeModel, valueInfo } from '../../../src/onnx/proto';
import { mulberry32, randn } from '../../../src/random/mulberry32';
import { loadOrtNode } from '../../../src/runtime/ort-node';
import { type Scheme, nbitsNode, nbitsTensors, onnxCommunityExport, quantiseAsymmetric, quantiseSymmetric } from '../../support/onnx-community-export';

const gaussian = (n: number, seed: number, scale = 0.1, shift = 0): Float32Array => {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: n }, () => shift + scale * randn(rng));
};

const initialiser = (dims: number[], dataType: number, data: ArrayBufferView): OnnxInitialiser => ({ dims, dataType, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice() });

const OPSETS = [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('dequantiseMatMulNBits', () => {
  it('decodes hand-made 4-bit codes with packed zero points (two blocks of 16, the second past K)', () => {
    // N = 1, K = 20: block 0 holds k 0..15, block 1 holds k 16..19 and padding.
    const packed = new Uint8Array(16);
    packed[0] = 0x3f; // k0 = 15, k1 = 3
    packed[1] = 0x07; // k2 = 7, k3 = 0
    packed[8] = 0xa1; // k16 = 1, k17 = 10
    packed[9] = 0xff; // k18 = 15, k19 = 15
    const scales = Float32Array.from([0.5, 0.25]);
    const zeroPoints = Uint8Array.from([0x27]); // block 0: 7, block 1: 2
    const w = dequantiseMatMulNBits('hand', { K: 20, N: 1, bits: 4, blockSize: 16 }, { b: initialiser([1, 2, 8], 2, packed), scales: initialiser([1, 2], 1, scales), zeroPoints: initialiser([1], 2, zeroPoints) });
    expect(Array.from(w.slice(0, 4))).toEqual([(15 - 7) * 0.5, (3 - 7) * 0.5, 0, -7 * 0.5]);
    expect(w[4]).toBe(-3.5); // code 0, zero point 7
    expect(Array.from(w.slice(16))).toEqual([(1 - 2) * 0.25, (10 - 2) * 0.25, (15 - 2) * 0.25, (15 - 2) * 0.25]);
  });

  it('decodes 8-bit codes with the default zero point 128 and float16 scales', () => {
    const packed = new Uint8Array(2 * 16);
    packed[0] = 255;
    packed[1] = 0;
    packed[16] = 129;
    const scales = Uint16Array.from([0x3c00, 0x3800]); // float16 1 and 0.5
    const w = dequantiseMatMulNBits('hand8', { K: 16, N: 2, bits: 8, blockSize: 16 }, { b: initialiser([2, 1, 16], 2, packed), scales: initialiser([2, 1], 10, scales) });
    expect([w[0], w[1], w[2], w[16], w[17]]).toEqual([127, -128, -128, 0.5, -64]);
  });

  it.each([
    { bits: 4 as const, block: 16, K: 40, N: 5, zeroPoints: true, flatScales: false }, // 3 blocks: the zero points' last nibble is padding
    { bits: 8 as const, block: 64, K: 40, N: 3, zeroPoints: true, flatScales: true },
    { bits: 4 as const, block: 32, K: 64, N: 4, zeroPoints: false, flatScales: true },
    { bits: 8 as const, block: 16, K: 48, N: 2, zeroPoints: false, flatScales: false },
  ])('equals onnxruntime-web’s MatMulNBits: $bits bits, blocks of $block, K $K, zero points $zeroPoints', async ({ bits, block, K, N, zeroPoints, flatScales }) => {
    const w = gaussian(N * K, 7 * K + N, 0.1, 0.03);
    const q = zeroPoints ? quantiseAsymmetric(w, N, K, bits, block) : quantiseSymmetric(w, N, K, bits, block);
    const tensors = nbitsTensors('w', q, { zeroPoints, flatScales });
    const byName = new Map(tensors.map((t) => [t.name!, initialiser(t.dims!.map(Number), t.dataType!, t.rawData!)]));
    const ours = dequantiseMatMulNBits('w', { K, N, bits, blockSize: block }, { b: byName.get(`w_Q${bits}`), scales: byName.get('w_scales'), zeroPoints: byName.get('w_zero_points') });
    expect(ours).toEqual(q.dequantised); // the hand-computed values, exactly
    // onnxruntime's kernel on the identity: Y = I @ W'^T = W'^T, (K, N).
    const model = encodeModel({
      irVersion: 8,
      opsetImport: OPSETS,
      graph: { name: 'nbits', node: [nbitsNode('/m/MatMul_Q', 'a', 'w', q, zeroPoints, 'y')], initializer: tensors, input: [valueInfo('a', 'float32', [K, K])], output: [valueInfo('y', 'float32', [K, N])] },
    });
    const ort = await loadOrtNode();
    const session = await ort.InferenceSession.create(model);
    const eye = new Float32Array(K * K);
    for (let k = 0; k < K; k++) eye[k * K + k] = 1;
    const y = (await session.run({ a: new ort.Tensor('float32', eye, [K, K]) }))['y']!.data as Float32Array; // (K, N)
    await session.release();
    const transposed = new Float32Array(N * K);
    for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) transposed[n * K + k] = y[k * N + n]!;
    expect(maxAbsDiff(transposed, ours)).toBeLessThanOrEqual(1e-6);
  });

  it('refuses layouts it cannot read, each with a typed error naming the node', () => {
    const q = quantiseAsymmetric(gaussian(2 * 32, 3), 2, 32, 4, 16);
    const t = new Map(nbitsTensors('w', q, { zeroPoints: true, flatScales: false }).map((x) => [x.name!, initialiser(x.dims!.map(Number), x.dataType!, x.rawData!)]));
    const inputs: MatMulNBitsInputs = { b: t.get('w_Q4'), scales: t.get('w_scales'), zeroPoints: t.get('w_zero_points') };
    const layout = { K: 32, N: 2, bits: 4, blockSize: 16 };
    const message = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(MatMulNBitsError);
        return (error as Error).message;
      }
      throw new Error('expected a MatMulNBitsError');
    };
    expect(message(() => dequantiseMatMulNBits('n2', { ...layout, bits: 2 }, inputs))).toBe("MatMulNBits node 'n2': bits = 2; only 4- and 8-bit weights are supported");
    expect(message(() => dequantiseMatMulNBits('n', layout, { ...inputs, scales: undefined }))).toContain('scales input is missing');
    expect(message(() => dequantiseMatMulNBits('n', layout, { ...inputs, gIdx: initialiser([32], 6, new Int32Array(32)) }))).toContain('g_idx');
    expect(message(() => dequantiseMatMulNBits('n', layout, { ...inputs, bias: initialiser([2], 1, new Float32Array(2)) }))).toContain('bias');
    expect(message(() => dequantiseMatMulNBits('n', layout, { ...inputs, zeroPoints: initialiser([2, 2], 1, new Float32Array(4)) }))).toContain('not float ones');
    expect(message(() => dequantiseMatMulNBits('n', { ...layout, blockSize: 24 }, inputs))).toContain('power of two');
    expect(message(() => dequantiseMatMulNBits('n', { ...layout, K: 48 }, inputs))).toContain('need [2, 3, 8]');
  });
});

// ---- a tiny Llama in the onnx-community layout ----

const hubFiles = tinyLlamaFixtureFiles({ seed: 11 });
const floatModel = loadModelFiles(new Map(Object.entries(hubFiles)));
const config = floatModel.config;
const V = config.vocabSize;

/** Logits (T, V) of a transformers.js-layout model on onnxruntime-web: one unpadded row, empty cache. */
async function logitsOf(bytes: Uint8Array, cfg: LlamaConfig, ids: number[]): Promise<Float32Array> {
  const ort = await loadOrtNode();
  const session = await ort.InferenceSession.create(bytes);
  const T = ids.length;
  const int64 = (values: number[]) => new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), [1, values.length]);
  const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {
    [transformersJsIo.ids]: int64(ids),
    [transformersJsIo.attentionMask]: int64(ids.map(() => 1)),
    [transformersJsIo.positions]: int64(ids.map((_, t) => t)),
  };
  for (let l = 0; l < cfg.numLayers; l++) {
    const empty = new ort.Tensor('float32', new Float32Array(0), [1, cfg.numKvHeads, 0, cfg.headDim]);
    feeds[transformersJsIo.pastKey(l)] = empty;
    feeds[transformersJsIo.pastValue(l)] = empty;
  }
  const out = await session.run(feeds);
  await session.release();
  expect(out['logits']!.dims).toEqual([1, T, cfg.vocabSize]);
  return out['logits']!.data as Float32Array;
}

const argmaxes = (logits: Float32Array): number[] =>
  Array.from({ length: logits.length / V }, (_, t) => {
    const row = logits.subarray(t * V, (t + 1) * V);
    return row.indexOf(Math.max(...row));
  });

/** The folder as a snapshot of an onnx-community repo holds it (config and tokenizer at the top, the model under onnx/). */
const folder = (file: string, bytes: Uint8Array) => new Map<string, Uint8Array>([...Object.entries(hubFiles).filter(([n]) => n.endsWith('.json')), [`onnx/${file}`, bytes]]);

const IDS = [1, 10, 11, 12, 13, 14, 15, 16];

describe('a pre-quantised onnx-community model through loadModelFiles', () => {
  const cases: { name: string; file: string; scheme: Scheme; logitError: number }[] = [
    // Decoder linears 4-bit in blocks of 16 with zero points; the untied head 8-bit in blocks of 64 (one block, padded).
    { name: 'q4 (blocks of 16, zero points), head q8 (block 64)', file: 'model_q4.onnx', scheme: (w) => (w === 'lm_head.weight' ? { bits: 8, block: 64, zeroPoints: true } : { bits: 4, block: 16, zeroPoints: true }), logitError: 0.2 },
    // 8-bit in blocks of 32, symmetric (no zero points: the default 128), flat scales; the head left float.
    { name: 'q8 (blocks of 32, no zero points, flat scales), float head', file: 'model_q4.onnx', scheme: (w) => (w === 'lm_head.weight' ? null : { bits: 8, block: 32, zeroPoints: false, flatScales: true }), logitError: 0.02 },
  ];

  it.each(cases)('$name: the weights are the hand-dequantised ones, the logits onnxruntime’s of the quantised model', async ({ file, scheme, logitError }) => {
    const { bytes, expected } = onnxCommunityExport(config, floatModel.weights, scheme);
    const files = folder(file, bytes);
    expect(weightFileNames(files, config)).toEqual([`onnx/${file}`]);
    const loaded = loadModelFiles(files);
    expect(loaded.config).toEqual(config);
    expect(loaded.tokenizer).toBeDefined();
    expect([...loaded.weights.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, data] of expected) expect(loaded.weights.get(name)!.data, name).toEqual(data);
    const quantised = [...expected.keys()].filter((n) => scheme(n) !== null && loaded.weights.get(n)!.shape.length === 2 && n !== 'model.embed_tokens.weight');
    expect(quantised.length).toBeGreaterThanOrEqual(2 * 7);
    for (const n of quantised) expect(loaded.weights.get(n)!.data).not.toEqual(floatModel.weights.get(n)!.data); // really quantised

    // onnxruntime's MatMulNBits kernels on the quantised model = our float graph on the dequantised weights.
    const theirs = await logitsOf(bytes, config, IDS);
    const ours = await logitsOf(transformersJsGraph(loaded.config, toGraphLayout(loaded.config, loaded.weights)), loaded.config, IDS);
    expect(maxAbsDiff(ours, theirs)).toBeLessThan(1e-4);
    // Against the float model: within the quantisation error.
    const float = await logitsOf(transformersJsGraph(config, toGraphLayout(config, floatModel.weights)), config, IDS);
    const error = maxAbsDiff(theirs, float);
    console.log(`${file} ${JSON.stringify(scheme('model.layers.0.mlp.up_proj.weight'))}: max |logit - float| ${error.toFixed(4)} (max |logit| ${Math.max(...float.map(Math.abs)).toFixed(3)}), argmax ${argmaxes(theirs).filter((a, i) => a === argmaxes(float)[i]).length}/${IDS.length}`);
    expect(error).toBeGreaterThan(0);
    expect(error).toBeLessThan(logitError);
  });

  it('a quantised head of a tied config unties it (the export computes logits with it); a float copy of the embedding stays tied', () => {
    const tiedHub = tinyLlamaFixtureFiles({ seed: 12, tied: true });
    const tied = loadModelFiles(new Map(Object.entries(tiedHub)));
    expect(tied.config.tieWordEmbeddings).toBe(true);
    // optimum exports the tied head as a MatMul of its own (an anonymous copy of the embedding, transposed).
    const untiedConfig = { ...tied.config, tieWordEmbeddings: false };
    const withHead: LlamaWeights = new Map([...tied.weights, ['lm_head.weight', tied.weights.get('model.embed_tokens.weight')!]]);
    const quantisedHead = onnxCommunityExport(untiedConfig, withHead, (w) => (w === 'lm_head.weight' ? { bits: 4, block: 16, zeroPoints: true } : null));
    const read = readOnnxLlama(quantisedHead.bytes, tied.config);
    expect(read.config).toEqual(untiedConfig);
    expect(read.weights.get('lm_head.weight')!.data).toEqual(quantisedHead.expected.get('lm_head.weight'));
    expect(read.linears.filter((l) => l.format === 'nbits')).toEqual([{ weight: 'lm_head.weight', format: 'nbits', bits: 4, blockSize: 16, zeroPoints: true }]);
    const floatHead = onnxCommunityExport(untiedConfig, withHead, () => null);
    const same = readOnnxLlama(floatHead.bytes, tied.config);
    expect(same.config).toEqual(tied.config);
    expect(same.weights.has('lm_head.weight')).toBe(false);
  });

  it('loads as a compiled target-LM, requantised at load (q8) or float32, its id hashing the ONNX file', async () => {
    const { bytes } = onnxCommunityExport(config, floatModel.weights, () => ({ bits: 4, block: 32, zeroPoints: true }));
    const files = folder('model_q4.onnx', bytes);
    expect(await weightsIdentity(files, config)).toMatch(/^weights:[0-9a-f]{64}$/);
    const engine = new TargetEngine(loadOrtNode);
    const ids: string[] = [];
    for (const weightPrecision of ['q8', 'f32'] as const) {
      ids.push((await engine.load({ kind: 'files', files }, { implementation: 'compiled', backend: 'wasm', weightPrecision })).id);
    }
    const other = onnxCommunityExport(config, floatModel.weights, () => ({ bits: 8, block: 32, zeroPoints: true })).bytes;
    ids.push((await engine.load({ kind: 'files', files: folder('model_q4.onnx', other) }, { implementation: 'compiled', backend: 'wasm' })).id);
    await engine.release();
    expect(ids[0]).toMatch(/^local files@compiled-q8\/wasm#sha256:/);
    expect(ids[1]).toMatch(/^local files@compiled\/wasm#sha256:/);
    expect(ids[1]!.split('#')[1]).toBe(ids[0]!.split('#')[1]); // same files, same hash
    expect(ids[2]!.split('#')[1]).not.toBe(ids[1]!.split('#')[1]); // other ONNX bytes, another target
  });

  it('is read from a picked snapshot folder or a folder on disk: one ONNX export, not every variant', async () => {
    const { bytes, expected } = onnxCommunityExport(config, floatModel.weights, () => ({ bits: 4, block: 16, zeroPoints: true }));
    const json = Object.entries(hubFiles).filter(([n]) => n.endsWith('.json'));
    const junk = new Uint8Array([1, 2, 3]); // variants that must not be read (their bytes are no model)
    const picked = [...json.map(([n, b]) => new File([new Uint8Array(b)], `snap/${n}`)), new File([new Uint8Array(bytes)], 'snap/onnx/model_q4.onnx'), new File([junk], 'snap/onnx/model_int8.onnx'), new File([junk], 'snap/onnx/model_bnb4.onnx')];
    const files = await readLocalModelFiles(picked);
    expect([...files.keys()].sort()).toEqual([...json.map(([n]) => n), 'model_q4.onnx'].sort());
    expect(loadModelFiles(files).weights.get('model.layers.1.mlp.down_proj.weight')!.data).toEqual(expected.get('model.layers.1.mlp.down_proj.weight'));
    const none = (await readLocalModelFiles(picked.filter((f) => !f.name.endsWith('model_q4.onnx'))).catch((e: unknown) => e)) as LocalModelFilesError;
    expect(none).toBeInstanceOf(LocalModelFilesError);
    expect(none.missing).toEqual(['a .safetensors weights file']);
    expect(none.message).toMatch(/\(instead of safetensors, a folder may hold an ONNX export: onnx\/model\.onnx, model_fp16\.onnx, model_q4\.onnx, model_q4f16\.onnx\)$/);

    const dir = await mkdtemp(join(tmpdir(), 'onnx-folder-'));
    try {
      await mkdir(join(dir, 'onnx'));
      for (const [n, b] of json) await writeFile(join(dir, n), b);
      await writeFile(join(dir, 'onnx', 'model_q4.onnx'), bytes);
      await writeFile(join(dir, 'onnx', 'model_quantized.onnx'), junk);
      const fromDisk = await readLocalModelFolder(dir);
      expect([...fromDisk.keys()].sort()).toEqual([...json.map(([n]) => n), 'model_q4.onnx'].sort());
      expect(loadModelFiles(fromDisk).config).toEqual(config);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names node paths as optimum writes them', () => {
    expect(linearWeightName('/model/layers.7/self_attn/q_proj/MatMul_Q4')).toBe('model.layers.7.self_attn.q_proj.weight');
    expect(linearWeightName('/lm_head/MatMul')).toBe('lm_head.weight');
    expect(linearWeightName('MatMul_44')).toBeNull();
  });

  it('refuses what it cannot read faithfully, by a typed error that says what to use instead', () => {
    const { bytes } = onnxCommunityExport(config, floatModel.weights, () => ({ bits: 4, block: 16, zeroPoints: true }));
    const proto = () => decodeModel(bytes);
    const encode = (p: ReturnType<typeof decodeModel>) => encodeModel(p);
    const error = (model: Uint8Array, cfg: LlamaConfig = config) => {
      try {
        readOnnxLlama(model, cfg, undefined, 'model_q4.onnx');
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected an error');
    };
    // bits other than 4 and 8
    const twoBit = proto();
    const node = twoBit.graph!.node!.find((n) => n.opType === 'MatMulNBits')!;
    node.attribute = node.attribute!.map((a) => (a.name === 'bits' ? attr.int('bits', 2) : a));
    expect(error(encode(twoBit))).toBeInstanceOf(MatMulNBitsError);
    // a dynamic int8 export (transformers.js model_quantized.onnx)
    const int8 = proto();
    const m = int8.graph!.node!.find((n) => n.opType === 'MatMulNBits')!;
    m.opType = 'MatMulInteger';
    const e = error(encode(int8));
    expect(e).toBeInstanceOf(OnnxModelError);
    expect(e.message).toContain('MatMulInteger');
    expect(e.message).toContain('model_q4.onnx');
    // a linear node without a module path in its name
    const anonymous = proto();
    anonymous.graph!.node!.find((n) => n.opType === 'MatMulNBits')!.name = 'MatMulNBits_12';
    expect(error(encode(anonymous)).message).toContain("has no module path in its name");
    // a config that is not the model's own
    const other = parseLlamaConfig({ ...JSON.parse(new TextDecoder().decode(hubFiles['config.json'])), intermediate_size: 96 });
    expect(error(bytes, other)).toBeInstanceOf(OnnxModelError);
    // through loadModelFiles: a folder with neither safetensors nor a known ONNX file says what it looked for
    expect(() => loadModelFiles(folder('decoder_model_merged.onnx', bytes))).toThrow(/onnx\/model\.onnx/);
  });
});
