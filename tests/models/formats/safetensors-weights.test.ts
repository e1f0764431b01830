// Exact F16/BF16 -> F32 conversion (named bit patterns and all 65536 of each against the IEEE formula), reading
// checkpoints into LlamaWeights (one file, shards, unaligned input), every mismatch error, and parseShardIndex.
import { describe, expect, it } from 'vitest';
import { expectedWeightShapes, parseLlamaConfig } from '../../../src/models/llama/config';
import type { LlamaConfig } from '../../../src/models/llama/types';
import { ShardIndexError, WeightsMismatchError, bf16ToF32, f16ToF32, parseShardIndex, readSafetensorsWeights } from '../../../src/models/formats/safetensors-weights';
import { type RawTensor, SafetensorsError, type SafetensorsDType, encodeSafetensors } from '../../../src/onnx/safetensors';
import { thrown } from '../../support/thrown';

/** binary16 by the IEEE formula, independent of the bit-shuffling implementation. */
function f16Reference(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0x1f) return m === 0 ? sign * Infinity : NaN;
  if (e === 0) return sign * m * 2 ** -24;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** bfloat16 by the same formula (8 exponent bits, 7 mantissa bits). */
function bf16Reference(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 7) & 0xff;
  const m = h & 0x7f;
  if (e === 0xff) return m === 0 ? sign * Infinity : NaN;
  if (e === 0) return sign * m * 2 ** -133;
  return sign * (1 + m / 128) * 2 ** (e - 127);
}

describe('f16ToF32', () => {
  const cases: [number, number][] = [
    [0x0000, 0], [0x8000, -0], [0x3c00, 1], [0xbc00, -1], [0xc000, -2], [0x3555, 0.333251953125], [0x3bff, 0.99951171875],
    [0x7bff, 65504], // largest finite
    [0x0400, 2 ** -14], // smallest normal
    [0x0001, 2 ** -24], [0x8001, -(2 ** -24)], // smallest subnormals
    [0x03ff, 1023 * 2 ** -24], // largest subnormal
    [0x0200, 2 ** -15],
    [0x7c00, Infinity], [0xfc00, -Infinity],
  ];
  for (const [bits, value] of cases) {
    it(`0x${bits.toString(16).padStart(4, '0')} -> ${Object.is(value, -0) ? '-0' : value}`, () => expect(Object.is(f16ToF32(bits), value)).toBe(true));
  }
  it('NaNs stay NaN (quiet, signalling, negative)', () => {
    for (const bits of [0x7e00, 0x7c01, 0x7fff, 0xfe00]) expect(f16ToF32(bits)).toBeNaN();
  });
  it('all 65536 patterns equal the IEEE formula', () => {
    let mismatches = 0;
    for (let h = 0; h < 65536; h++) {
      const got = f16ToF32(h);
      const want = f16Reference(h);
      if (!(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)))) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});

describe('bf16ToF32', () => {
  const cases: [number, number][] = [
    [0x0000, 0], [0x8000, -0], [0x3f80, 1], [0xbf80, -1], [0x4049, 3.140625], [0xc2f7, -123.5],
    [0x7f7f, (2 - 2 ** -7) * 2 ** 127], // largest finite
    [0x0080, 2 ** -126], // smallest normal
    [0x0001, 2 ** -133], [0x8001, -(2 ** -133)], // smallest subnormals
    [0x007f, 127 * 2 ** -133], // largest subnormal
    [0x7f80, Infinity], [0xff80, -Infinity],
  ];
  for (const [bits, value] of cases) {
    it(`0x${bits.toString(16).padStart(4, '0')} -> ${Object.is(value, -0) ? '-0' : value}`, () => expect(Object.is(bf16ToF32(bits), value)).toBe(true));
  }
  it('NaNs stay NaN', () => {
    for (const bits of [0x7fc0, 0x7f81, 0xffc0]) expect(bf16ToF32(bits)).toBeNaN();
  });
  it('all 65536 patterns equal the formula', () => {
    let mismatches = 0;
    for (let h = 0; h < 65536; h++) {
      const got = bf16ToF32(h);
      const want = bf16Reference(h);
      if (!(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)))) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});

// A two-layer GQA llama: 2 heads of 4, 1 kv head. Embedding [4096, 16] = 65536 elements: room for every 16-bit pattern.
const config = parseLlamaConfig({ model_type: 'llama', vocab_size: 4096, hidden_size: 8, intermediate_size: 12, num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 1 });
const bigConfig: LlamaConfig = { ...config, hiddenSize: 16, numHeads: 4, headDim: 4, numKvHeads: 2 };

/** Tensor k holds k*1000 + i at element i (exact in F32; a wrong tensor or offset shows in the values). */
function f32Tensors(c: LlamaConfig): Record<string, RawTensor> {
  const out: Record<string, RawTensor> = {};
  [...expectedWeightShapes(c)].forEach(([name, shape], k) => {
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => k * 1000 + (i % 1000));
    out[name] = { dtype: 'F32', shape, bytes: new Uint8Array(data.buffer) };
  });
  return out;
}

const caught = (fn: () => unknown): Error => thrown(fn);

describe('readSafetensorsWeights', () => {
  it('F32: every expected tensor, in expectedWeightShapes order, values and shapes intact', () => {
    const tensors = f32Tensors(config);
    const weights = readSafetensorsWeights(encodeSafetensors(tensors), config);
    expect([...weights.keys()]).toEqual([...expectedWeightShapes(config).keys()]);
    const q1 = weights.get('model.layers.1.self_attn.q_proj.weight')!;
    const k = [...expectedWeightShapes(config).keys()].indexOf('model.layers.1.self_attn.q_proj.weight');
    expect(q1.shape).toEqual([8, 8]);
    expect([q1.data[0], q1.data[63]]).toEqual([k * 1000, k * 1000 + 63]);
    expect(weights.get('model.embed_tokens.weight')!.data.length).toBe(4096 * 8);
    expect(weights.has('lm_head.weight')).toBe(true);
  });

  it('F16 and BF16: all 65536 bit patterns convert exactly, NaN payloads included, from an unaligned buffer', () => {
    for (const dtype of ['F16', 'BF16'] as const) {
      const tensors = f32Tensors(bigConfig);
      const patterns = Uint16Array.from({ length: 65536 }, (_, i) => i);
      tensors['model.embed_tokens.weight'] = { dtype, shape: [4096, 16], bytes: new Uint8Array(patterns.buffer) };
      const file = encodeSafetensors(tensors);
      const shifted = new Uint8Array(file.byteLength + 1);
      shifted.set(file, 1);
      const embed = readSafetensorsWeights(shifted.subarray(1), bigConfig).get('model.embed_tokens.weight')!;
      const bits = new Uint32Array(embed.data.buffer, embed.data.byteOffset, 65536);
      const reference = dtype === 'F16' ? f16Reference : bf16Reference;
      let mismatches = 0;
      for (let h = 0; h < 65536; h++) {
        const want = reference(h);
        if (Number.isNaN(want)) {
          // a NaN keeps sign and payload: F16 mantissa moves up 13 bits, BF16 is the top half
          const wantBits = dtype === 'F16' ? ((h & 0x8000) << 16) | 0x7f800000 | ((h & 0x3ff) << 13) : h << 16;
          if (bits[h] !== wantBits >>> 0) mismatches++;
        } else if (!Object.is(embed.data[h], want)) mismatches++;
      }
      expect(mismatches, dtype).toBe(0);
    }
  });

  it('shards as a list or a record keyed by file name read the same as one file', () => {
    const tensors = f32Tensors(config);
    const names = Object.keys(tensors);
    const a = encodeSafetensors(Object.fromEntries(names.slice(0, 7).map((n) => [n, tensors[n]!])));
    const b = encodeSafetensors(Object.fromEntries(names.slice(7).map((n) => [n, tensors[n]!])));
    const whole = readSafetensorsWeights(encodeSafetensors(tensors), config);
    expect(readSafetensorsWeights([a, b], config)).toEqual(whole);
    expect(readSafetensorsWeights({ 'model-00001-of-00002.safetensors': a, 'model-00002-of-00002.safetensors': b }, config)).toEqual(whole);
  });

  it('the weights are copies: changing the file afterwards changes nothing', () => {
    const file = encodeSafetensors(f32Tensors(config));
    const weights = readSafetensorsWeights(file, config);
    const before = weights.get('model.norm.weight')!.data.slice();
    file.fill(0);
    expect(weights.get('model.norm.weight')!.data).toEqual(before);
  });

  it('ignores tied lm_head.weight, rotary inv_freq buffers and non-layer extras', () => {
    const tied: LlamaConfig = { ...config, tieWordEmbeddings: true };
    const tensors = f32Tensors(config); // includes lm_head.weight
    const extra: RawTensor = { dtype: 'F32', shape: [2], bytes: new Uint8Array(8) };
    tensors['model.layers.0.self_attn.rotary_emb.inv_freq'] = extra;
    tensors['score.weight'] = extra;
    const weights = readSafetensorsWeights(encodeSafetensors(tensors), tied);
    expect([...weights.keys()]).toEqual([...expectedWeightShapes(tied).keys()]);
    expect(weights.has('lm_head.weight')).toBe(false);
  });
});

describe('readSafetensorsWeights refuses mismatches, naming tensor, shapes and file', () => {
  const withTensor = (name: string, t: RawTensor | null): Record<string, RawTensor> => {
    const tensors = f32Tensors(config);
    if (t === null) delete tensors[name];
    else tensors[name] = t;
    return tensors;
  };
  const raw = (dtype: SafetensorsDType, shape: number[], bytesPer: number): RawTensor => ({ dtype, shape, bytes: new Uint8Array(shape.reduce((a, b) => a * b, 1) * bytesPer) });

  it('a missing tensor', () => {
    const e = caught(() => readSafetensorsWeights(encodeSafetensors(withTensor('model.layers.1.mlp.up_proj.weight', null)), config));
    expect(e).toBeInstanceOf(WeightsMismatchError);
    expect(e.name).toBe('WeightsMismatchError');
    expect((e as WeightsMismatchError).tensor).toBe('model.layers.1.mlp.up_proj.weight');
    expect(e.message).toMatch(/tensor 'model\.layers\.1\.mlp\.up_proj\.weight' \[12, 8\] is missing from model\.safetensors: the checkpoint does not match config\.json \(llama, 2 layers, tie_word_embeddings false\)/);
  });

  it('a missing shard names every file searched', () => {
    const e = caught(() => readSafetensorsWeights({ 'a.safetensors': encodeSafetensors(withTensor('lm_head.weight', null)), 'b.safetensors': encodeSafetensors({}) }, config));
    expect(e.message).toMatch(/'lm_head\.weight' \[4096, 8\] is missing from a\.safetensors, b\.safetensors.*or a shard was not passed/);
  });

  it('a wrong shape', () => {
    const e = caught(() => readSafetensorsWeights(encodeSafetensors(withTensor('model.layers.0.self_attn.k_proj.weight', raw('F32', [8, 8], 4))), config));
    expect(e).toBeInstanceOf(WeightsMismatchError);
    expect(e.message).toMatch(/tensor 'model\.layers\.0\.self_attn\.k_proj\.weight' in model\.safetensors has shape \[8, 8\], but config\.json implies \[4, 8\]/);
  });

  it('a wrong rank', () => {
    const e = caught(() => readSafetensorsWeights(encodeSafetensors(withTensor('model.norm.weight', raw('F32', [1, 8], 4))), config));
    expect(e.message).toMatch(/'model\.norm\.weight' in model\.safetensors has shape \[1, 8\], but config\.json implies \[8\]/);
  });

  for (const [dtype, bytes] of [['I8', 1], ['F64', 8], ['U8', 1]] as const) {
    it(`an unsupported dtype (${dtype})`, () => {
      const e = caught(() => readSafetensorsWeights([encodeSafetensors(withTensor('model.norm.weight', raw(dtype, [8], bytes)))], config));
      expect(e).toBeInstanceOf(WeightsMismatchError);
      expect(e.message).toMatch(new RegExp(`'model\\.norm\\.weight' in model\\.safetensors is ${dtype}\\[8\\]; supported dtypes are F32, F16 and BF16 \\(expected shape \\[8\\]\\)`));
    });
  }

  it('a layer beyond num_hidden_layers', () => {
    const e = caught(() => readSafetensorsWeights({ 'shard.safetensors': encodeSafetensors(withTensor('model.layers.2.input_layernorm.weight', raw('F32', [8], 4))) }, config));
    expect(e).toBeInstanceOf(WeightsMismatchError);
    expect(e.message).toMatch(/'model\.layers\.2\.input_layernorm\.weight' in shard\.safetensors belongs to layer 2, but config\.json has num_hidden_layers 2 \(layers 0\.\.1\)/);
  });

  it('an extra parameter inside a layer (o_proj bias of an attention_bias checkpoint)', () => {
    const e = caught(() => readSafetensorsWeights(encodeSafetensors(withTensor('model.layers.0.self_attn.o_proj.bias', raw('F32', [8], 4))), config));
    expect(e.message).toMatch(/'model\.layers\.0\.self_attn\.o_proj\.bias' in model\.safetensors is not a parameter of a llama layer as config\.json describes it \(attention bias false, q\/k norm false\)/);
  });

  it('the same tensor in two shards', () => {
    const file = encodeSafetensors(f32Tensors(config));
    const e = caught(() => readSafetensorsWeights({ 'x.safetensors': file, 'y.safetensors': file }, config));
    expect(e.message).toMatch(/^tensor 'lm_head\.weight' is in both x\.safetensors and y\.safetensors/);
  });

  it('a truncated or corrupt file is a SafetensorsError naming the file', () => {
    const file = encodeSafetensors(f32Tensors(config));
    const cut = caught(() => readSafetensorsWeights([file, file.subarray(0, file.byteLength - 1)], config));
    expect(cut).toBeInstanceOf(SafetensorsError);
    expect(cut.message).toMatch(new RegExp(`^file #2 of 2: data ends at byte ${file.byteLength} but the file has ${file.byteLength - 1} bytes`));
    const junk = caught(() => readSafetensorsWeights({ 'model.safetensors': new TextEncoder().encode('<html>not found</html>') }, config));
    expect(junk).toBeInstanceOf(SafetensorsError);
    expect(junk.message).toMatch(/^model\.safetensors: header length \d+ is not plausible/);
  });
});

describe('parseShardIndex', () => {
  const index = {
    metadata: { total_size: 1234 },
    weight_map: { 'model.embed_tokens.weight': 'model-00001-of-00002.safetensors', 'model.norm.weight': 'model-00002-of-00002.safetensors', 'lm_head.weight': 'model-00002-of-00002.safetensors' },
  };

  it('maps tensors to shards and lists the shards once, sorted (object or text)', () => {
    for (const input of [index, JSON.stringify(index)]) {
      const parsed = parseShardIndex(input);
      expect(parsed.totalSize).toBe(1234);
      expect(parsed.files).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
      expect(parsed.weightMap.get('model.norm.weight')).toBe('model-00002-of-00002.safetensors');
      expect(parsed.weightMap.size).toBe(3);
    }
    expect(parseShardIndex({ weight_map: index.weight_map }).totalSize).toBeNull();
  });

  const bad: [string, unknown, RegExp][] = [
    ['not JSON', '{', /is not valid JSON/],
    ['an array', [], /must be a JSON object/],
    ['no weight_map', { metadata: {} }, /has no weight_map object/],
    ['a non-string file', { weight_map: { a: 3 } }, /weight_map\['a'\] = 3 is not a plain shard file name/],
    ['a folder in the file name', { weight_map: { a: '../secrets.safetensors' } }, /weight_map\['a'\] = "\.\.\/secrets\.safetensors" is not a plain shard file name/],
    ['a hidden file name', { weight_map: { a: '..safetensors' } }, /is not a plain shard file name/],
    ['another extension', { weight_map: { a: 'pytorch_model-00001.bin' } }, /ending in \.safetensors/],
    ['a bad total_size', { metadata: { total_size: '12' }, weight_map: { a: 'm.safetensors' } }, /metadata\.total_size must be a non-negative integer, got "12"/],
    ['an empty map', { weight_map: {} }, /maps no tensors/],
  ];
  for (const [what, json, message] of bad) {
    it(`refuses ${what}`, () => {
      const e = caught(() => parseShardIndex(json));
      expect(e).toBeInstanceOf(ShardIndexError);
      expect(e.name).toBe('ShardIndexError');
      expect(e.message).toMatch(message);
    });
  }

  it('with a config, refuses an index that lacks an expected tensor before anything is downloaded', () => {
    const e = caught(() => parseShardIndex(index, config));
    expect(e).toBeInstanceOf(WeightsMismatchError);
    expect(e.message).toMatch(/tensor 'model\.layers\.0\.input_layernorm\.weight' \[8\] is not in model\.safetensors\.index\.json/);
    const full = Object.fromEntries([...expectedWeightShapes(config).keys()].map((n) => [n, 'model.safetensors']));
    expect(parseShardIndex({ weight_map: full }, config).files).toEqual(['model.safetensors']);
  });
});
