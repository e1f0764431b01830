// readLlama2c on stories260K.bin: header, values at offsets computed here from the raw bytes, the RoPE tables,
// a float64 reference forward (interleaved RoPE, GQA) against run.c's golden logits; synthetic untied files; refusals.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectedWeightShapes } from '../../../src/models/llama/config';
import { Llama2cFormatError, readLlama2c } from '../../../src/models/formats/llama2c';
import type { LlamaConfig, LlamaWeights } from '../../../src/models/llama/types';
import { thrown } from '../../support/thrown';

const dir = new URL('../../../../shared/models/stories260K/', import.meta.url);
const bin = new Uint8Array(readFileSync(fileURLToPath(new URL('stories260K.bin', dir))));
const goldenLogits = new Float32Array(readFileSync(fileURLToPath(new URL('golden/logits.f32', dir))).buffer.slice(0));
const greedyIds = readFileSync(fileURLToPath(new URL('golden/greedy_ids.txt', dir)), 'utf8').trim().split(/\s+/).map(Number);

const raw = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
const f32At = (floatIndex: number): number => raw.getFloat32(28 + 4 * floatIndex, true);

// Float offsets (after the 28-byte header) of each block, from README.md's layout: dim 64, hidden 172, 5 layers, kv dim 32.
const D = 64, F = 172, L = 5, KV = 32, V = 512, S = 512;
const off = { emb: 0, rmsAtt: V * D } as Record<string, number>;
off.wq = off.rmsAtt! + L * D;
off.wk = off.wq + L * D * D;
off.wv = off.wk + L * KV * D;
off.wo = off.wv + L * KV * D;
off.rmsFfn = off.wo + L * D * D;
off.w1 = off.rmsFfn + L * D;
off.w2 = off.w1 + L * F * D;
off.w3 = off.w2 + L * D * F;
off.rmsFinal = off.w3 + L * F * D;
off.freqReal = off.rmsFinal + D;
off.freqImag = off.freqReal + S * 4;

const caught = (fn: () => unknown): Error => thrown(fn);

describe('readLlama2c on stories260K.bin', () => {
  const { config, weights } = readLlama2c(bin);

  it('the config from the header, with llama2.c conventions', () => {
    expect(config).toEqual({
      modelType: 'llama', vocabSize: 512, hiddenSize: 64, intermediateSize: 172, numLayers: 5, numHeads: 8, numKvHeads: 4, headDim: 8,
      rmsNormEps: 1e-5, ropeTheta: 10000, ropeScaling: null, ropeLayout: 'interleaved', maxPositionEmbeddings: 512,
      tieWordEmbeddings: true, attentionBias: false, qkNorm: false, bosTokenId: 1, eosTokenIds: [2],
    } satisfies LlamaConfig);
    expect(28 + 4 * (off.freqImag! + S * 4)).toBe(bin.byteLength); // the layout accounts for every byte: 1,056,540
  });

  it('exactly the Hugging Face parameters the config implies, with their shapes', () => {
    const expected = expectedWeightShapes(config);
    expect([...weights.keys()]).toEqual([...expected.keys()]);
    for (const [name, shape] of expected) expect(weights.get(name)!.shape, name).toEqual(shape);
    expect(weights.has('lm_head.weight')).toBe(false);
  });

  it('values equal the raw bytes at offsets computed here', () => {
    const probes: [string, number, number][] = [
      ['model.embed_tokens.weight', 5 * D + 7, off.emb! + 5 * D + 7],
      ['model.embed_tokens.weight', V * D - 1, off.emb! + V * D - 1],
      ['model.layers.1.input_layernorm.weight', 3, off.rmsAtt! + 1 * D + 3],
      ['model.layers.3.self_attn.q_proj.weight', 10 * D + 20, off.wq! + 3 * D * D + 10 * D + 20],
      ['model.layers.4.self_attn.k_proj.weight', KV * D - 1, off.wk! + 4 * KV * D + KV * D - 1],
      ['model.layers.0.self_attn.v_proj.weight', 0, off.wv!],
      ['model.layers.2.self_attn.o_proj.weight', 63 * D + 1, off.wo! + 2 * D * D + 63 * D + 1],
      ['model.layers.4.post_attention_layernorm.weight', 63, off.rmsFfn! + 4 * D + 63],
      ['model.layers.1.mlp.gate_proj.weight', 171 * D + 5, off.w1! + 1 * F * D + 171 * D + 5],
      ['model.layers.2.mlp.down_proj.weight', 63 * F + 171, off.w2! + 2 * D * F + 63 * F + 171],
      ['model.layers.0.mlp.up_proj.weight', 0, off.w3!],
      ['model.norm.weight', 63, off.rmsFinal! + 63],
    ];
    for (const [name, index, fileIndex] of probes) {
      const value = weights.get(name)!.data[index]!;
      expect(value, `${name}[${index}]`).toBe(f32At(fileIndex));
      expect(Number.isFinite(value) && value !== 0, `${name}[${index}] is a real weight`).toBe(true);
    }
  });

  it("the file's RoPE tables are cos/sin(p * 10000^(-2i/8)): theta 10000 and head dim 8 are right", () => {
    let worst = 0;
    for (let p = 0; p < S; p++) {
      for (let i = 0; i < 4; i++) {
        const angle = p * 10000 ** (-(2 * i) / 8);
        worst = Math.max(worst, Math.abs(f32At(off.freqReal! + p * 4 + i) - Math.cos(angle)), Math.abs(f32At(off.freqImag! + p * 4 + i) - Math.sin(angle)));
      }
    }
    expect(worst).toBeLessThan(1e-4); // float32 angles up to 511 rad
  });

  it("a float64 forward on the read weights (interleaved RoPE, GQA) reproduces run.c's logits for 16 positions", () => {
    const logits = referenceLogits(config, weights, greedyIds.slice(0, 16));
    let worst = 0;
    for (let p = 0; p < 16; p++) for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(logits[p]![v]! - goldenLogits[p * V + v]!));
    expect(worst).toBeLessThan(1e-4);
    const argmax = logits.map((row) => row.indexOf(Math.max(...row)));
    expect(argmax).toEqual(greedyIds.slice(1, 17));
  });

  it('weights are copies of the file bytes', () => {
    const copy = bin.slice();
    const before = readLlama2c(copy).weights;
    const norm = before.get('model.norm.weight')!;
    const value = norm.data[0];
    copy.fill(0, 28);
    expect(norm.data[0]).toBe(value);
  });
});

describe('readLlama2c refusals', () => {
  it('a truncated file, with expected and actual byte counts', () => {
    const e = caught(() => readLlama2c(bin.subarray(0, bin.byteLength - 4)));
    expect(e).toBeInstanceOf(Llama2cFormatError);
    expect(e.name).toBe('Llama2cFormatError');
    expect(e.message).toMatch(/is truncated: the header \(dim 64, hidden_dim 172, 5 layers, vocab 512 tied, seq_len 512\) needs 1056540 bytes, the file has 1056536/);
  });

  it('a file longer than the header implies', () => {
    const longer = new Uint8Array(bin.byteLength + 8);
    longer.set(bin);
    expect(caught(() => readLlama2c(longer)).message).toMatch(/longer than the header implies: .* needs 1056540 bytes, the file has 1056548/);
  });

  it('fewer bytes than a header', () => {
    expect(caught(() => readLlama2c(bin.subarray(0, 10))).message).toMatch(/starts with a 28-byte header; got 10 bytes/);
  });

  it('a v1/v2 export (magic ak42)', () => {
    const v1 = bin.slice(0, 256);
    new DataView(v1.buffer).setUint32(0, 0x616b3432, true);
    new DataView(v1.buffer).setInt32(4, 1, true);
    expect(caught(() => readLlama2c(v1)).message).toMatch(/version 1 export \(magic "ak42"\); only the legacy v0 format is supported: export with --version 0/);
  });

  const header = (h: number[]): Uint8Array => new Uint8Array(Int32Array.from(h).buffer);
  const badHeaders: [string, number[], RegExp][] = [
    ['zero dim', [0, 8, 1, 1, 1, 4, 4], /header dim = 0 must be positive/],
    ['negative layers', [8, 8, -1, 1, 1, 4, 4], /header n_layers = -1 must be positive/],
    ['zero vocab', [8, 8, 1, 1, 1, 0, 4], /header vocab_size = 0/],
    ['dim not a multiple of heads', [10, 8, 1, 4, 4, 4, 4], /dim 10 must be n_heads \(4\) times an even head size/],
    ['odd head size', [12, 8, 1, 4, 4, 4, 4], /dim 12 must be n_heads \(4\) times an even head size/],
    ['heads not a multiple of kv heads', [16, 8, 1, 4, 3, 4, 4], /n_heads 4 is not a multiple of n_kv_heads 3/],
    ['a billion layers (issue 9: bounded like config.json)', [8, 8, 1e9, 1, 1, 4, 4], /^llama2\.c header num_hidden_layers = 1000000000 is above 512, the most a model in a browser tab can have/],
    ['a vocabulary of 2^30', [8, 8, 1, 1, 1, -(2 ** 30), 4], /llama2\.c header vocab_size = 1073741824 is above 1048576/],
  ];
  for (const [what, h, message] of badHeaders) {
    it(`a bad header: ${what}`, () => {
      const e = caught(() => readLlama2c(header(h)));
      expect(e).toBeInstanceOf(Llama2cFormatError);
      expect(e.message).toMatch(message);
    });
  }
});

describe('readLlama2c on a synthetic untied checkpoint (negative vocab_size)', () => {
  // dim 8, hidden 12, 2 layers, 2 heads, 1 kv head, vocab -10, seq 4; float k of the body holds the value k.
  const [dim, hidden, layers, vocab, seq] = [8, 12, 2, 10, 4];
  const kvDim = 4;
  const bodyFloats = vocab * dim + layers * (dim + dim * dim + 2 * kvDim * dim + dim * dim + dim + 3 * hidden * dim) + dim + 2 * seq * 2 + vocab * dim;
  const file = new Uint8Array(28 + 4 * bodyFloats);
  new Int32Array(file.buffer, 0, 7).set([dim, hidden, layers, 2, 1, -vocab, seq]);
  new Float32Array(file.buffer, 28).set(Float32Array.from({ length: bodyFloats }, (_, k) => k));

  it('reads wcls as lm_head.weight and maps each block to its name and layer', () => {
    const { config, weights } = readLlama2c(file);
    expect([config.tieWordEmbeddings, config.vocabSize, config.numKvHeads, config.headDim]).toEqual([false, 10, 1, 4]);
    const first = (name: string): number => weights.get(name)!.data[0]!;
    let k = 0;
    const at = (n: number): number => ((k += n), k - n);
    const expected: Record<string, number> = {};
    expected['model.embed_tokens.weight'] = at(vocab * dim);
    for (const [block, size] of [['input_layernorm', dim], ['self_attn.q_proj', dim * dim], ['self_attn.k_proj', kvDim * dim], ['self_attn.v_proj', kvDim * dim], ['self_attn.o_proj', dim * dim], ['post_attention_layernorm', dim], ['mlp.gate_proj', hidden * dim], ['mlp.down_proj', dim * hidden], ['mlp.up_proj', hidden * dim]] as const) {
      for (let l = 0; l < layers; l++) expected[`model.layers.${l}.${block}.weight`] = at(size);
    }
    expected['model.norm.weight'] = at(dim);
    at(2 * seq * 2); // freq_cis_real, freq_cis_imag
    expected['lm_head.weight'] = at(vocab * dim);
    expect(k).toBe(bodyFloats);
    for (const [name, value] of Object.entries(expected)) expect(first(name), name).toBe(value);
    expect(weights.get('lm_head.weight')!.data.at(-1)).toBe(bodyFloats - 1);
    expect(weights.get('model.layers.1.mlp.down_proj.weight')!.shape).toEqual([dim, hidden]);
  });

  it('without the classifier the untied file is truncated', () => {
    expect(caught(() => readLlama2c(file.subarray(0, file.byteLength - 4 * vocab * dim))).message).toMatch(/vocab 10 untied.*needs \d+ bytes/);
  });
});

/** float64 llama2.c forward (run.c's math) over `tokens` at positions 0..n-1; returns the logits at every position. */
function referenceLogits(c: LlamaConfig, w: LlamaWeights, tokens: number[]): number[][] {
  const get = (name: string): Float32Array => w.get(name)!.data;
  const matvec = (m: Float32Array, x: number[], rows: number): number[] => {
    const cols = x.length;
    return Array.from({ length: rows }, (_, r) => x.reduce((s, xi, j) => s + m[r * cols + j]! * xi, 0));
  };
  const rmsnorm = (x: number[], g: Float32Array): number[] => {
    const scale = 1 / Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length + c.rmsNormEps);
    return x.map((v, i) => v * scale * g[i]!);
  };
  const rope = (v: number[], pos: number): void => {
    for (let i = 0; i < v.length; i += 2) {
      const angle = pos * c.ropeTheta ** (-(i % c.headDim) / c.headDim); // interleaved pairs (2j, 2j+1) within a head
      const [a, b] = [v[i]!, v[i + 1]!];
      v[i] = a * Math.cos(angle) - b * Math.sin(angle);
      v[i + 1] = a * Math.sin(angle) + b * Math.cos(angle);
    }
  };
  const H = c.hiddenSize, hd = c.headDim, kvDim = c.numKvHeads * hd, group = c.numHeads / c.numKvHeads;
  const keys: number[][][] = Array.from({ length: c.numLayers }, () => []);
  const values: number[][][] = Array.from({ length: c.numLayers }, () => []);
  const embed = get('model.embed_tokens.weight');
  return tokens.map((token, pos) => {
    let x = Array.from(embed.subarray(token * H, (token + 1) * H));
    for (let l = 0; l < c.numLayers; l++) {
      const p = `model.layers.${l}.`;
      const xn = rmsnorm(x, get(`${p}input_layernorm.weight`));
      const q = matvec(get(`${p}self_attn.q_proj.weight`), xn, H); // (H)
      const k = matvec(get(`${p}self_attn.k_proj.weight`), xn, kvDim); // (kvDim)
      rope(q, pos);
      rope(k, pos);
      keys[l]!.push(k);
      values[l]!.push(matvec(get(`${p}self_attn.v_proj.weight`), xn, kvDim));
      const att = new Array<number>(H).fill(0);
      for (let h = 0; h < c.numHeads; h++) {
        const kvh = Math.floor(h / group);
        const scores = keys[l]!.map((kt) => {
          let s = 0;
          for (let d = 0; d < hd; d++) s += q[h * hd + d]! * kt[kvh * hd + d]!;
          return s / Math.sqrt(hd);
        });
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, b) => a + b, 0);
        e.forEach((a, t) => {
          for (let d = 0; d < hd; d++) att[h * hd + d]! += (a / z) * values[l]![t]![kvh * hd + d]!;
        });
      }
      x = matvec(get(`${p}self_attn.o_proj.weight`), att, H).map((v, i) => x[i]! + v);
      const xf = rmsnorm(x, get(`${p}post_attention_layernorm.weight`));
      const gate = matvec(get(`${p}mlp.gate_proj.weight`), xf, c.intermediateSize);
      const up = matvec(get(`${p}mlp.up_proj.weight`), xf, c.intermediateSize);
      const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]!);
      x = matvec(get(`${p}mlp.down_proj.weight`), act, H).map((v, i) => x[i]! + v);
    }
    return matvec(c.tieWordEmbeddings ? embed : get('lm_head.weight'), rmsnorm(x, get('model.norm.weight')), c.vocabSize);
  });
}
