// Fuzz: config.json (published configs with any field replaced), llama2.c headers, model folders (inspect and load),
// tokenizer vocabularies and hub bodies. Each parser returns a value within its bounds or throws its named error,
// quickly, and no parser allocates far beyond what its input holds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inspectModelFiles } from '../../src/models/formats/inspect';
import { Llama2cFormatError, readLlama2c } from '../../src/models/formats/llama2c';
import { ModelFilesError, loadModelFiles } from '../../src/models/formats/load-model';
import { ShardIndexError, WeightsMismatchError } from '../../src/models/formats/safetensors-weights';
import { HttpBodyError, nextCapacity, readBody } from '../../src/models/hub/http';
import { BROWSER_LIMITS, CONFIG_BOUNDS, UnsupportedConfigError, parseLlamaConfig, weightBounds } from '../../src/models/llama/config';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { SafetensorsError } from '../../src/onnx/safetensors';
import { PromptTokenizer, TokenizerError } from '../../src/runtime/tokenizer';
import { params, valueOrNamedError } from './support';

const smol = {
  architectures: ['LlamaForCausalLM'], bos_token_id: 1, eos_token_id: 2, hidden_act: 'silu', hidden_size: 576, intermediate_size: 1536,
  max_position_embeddings: 8192, model_type: 'llama', num_attention_heads: 9, num_hidden_layers: 30, num_key_value_heads: 3,
  rms_norm_eps: 1e-5, rope_theta: 100000, tie_word_embeddings: true, vocab_size: 49152,
};
const FIELDS = [...Object.keys(smol), 'head_dim', 'rope_scaling', 'rope_parameters', 'attention_bias', 'quantization_config', 'layer_types'];
const wild = fc.oneof(
  fc.constantFrom(0, -1, 1, 2, 1.5, 1e9, 2 ** 31, 2 ** 53, Number.MAX_VALUE, 1e-300, '', '30', null, true, false, [], {}, [1, 2], 'llama', 'qwen2', 'qwen3', 'silu'),
  fc.integer(),
  fc.integer({ min: 1, max: 2 ** 21 }),
  fc.double(),
  fc.jsonValue({ maxDepth: 1 }),
);

describe('config.json', () => {
  it('any field replaced by any value: a config within every bound, or UnsupportedConfigError, at once', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...FIELDS), wild), { minLength: 1, maxLength: 4 }), (changes) => {
        const json: Record<string, unknown> = { ...smol };
        for (const [k, v] of changes) json[k] = v;
        const started = performance.now();
        const config = valueOrNamedError(() => parseLlamaConfig(json), [UnsupportedConfigError]);
        expect(performance.now() - started).toBeLessThan(1000); // generous for a loaded CI machine: it was 34 s
        if (config) {
          for (const [field, value] of [['vocab_size', config.vocabSize], ['hidden_size', config.hiddenSize], ['intermediate_size', config.intermediateSize], ['num_hidden_layers', config.numLayers], ['num_attention_heads', config.numHeads], ['head_dim', config.headDim], ['max_position_embeddings', config.maxPositionEmbeddings]] as const) {
            expect(Number.isInteger(value) && value >= 1 && value <= CONFIG_BOUNDS[field], field).toBe(true);
          }
          expect(weightBounds(config).totalBytes).toBeLessThanOrEqual(BROWSER_LIMITS.maxWeightBytes);
          expect(config.eosTokenIds.every((id) => Number.isInteger(id) && id >= 0 && id < config.vocabSize)).toBe(true);
        }
      }),
      params(500),
    );
  });
});

describe('llama2.c', () => {
  it('any 7-int header over any short body: a model whose size the file matches, or Llama2cFormatError', () => {
    const word = fc.oneof(fc.integer({ min: -3, max: 70 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(2, 4, 8, 16, 64));
    fc.assert(
      fc.property(fc.array(word, { minLength: 7, maxLength: 7 }), fc.nat(4096), (header, extra) => {
        const bytes = new Uint8Array(28 + extra);
        new Int32Array(bytes.buffer, 0, 7).set(header);
        const model = valueOrNamedError(() => readLlama2c(bytes), [Llama2cFormatError]);
        if (model) expect([...model.weights.values()].reduce((n, w) => n + w.data.byteLength, 0)).toBeLessThanOrEqual(bytes.byteLength);
      }),
      params(500),
    );
  });
});

describe('model folders', () => {
  const fixture = tinyLlamaFixtureFiles({ seed: 9 });
  const config = JSON.parse(new TextDecoder().decode(fixture['config.json'])) as Record<string, unknown>;
  it('config.json and generation_config.json with fields replaced: inspected and loaded, or a named error', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...Object.keys(config), 'head_dim'), wild), { maxLength: 2 }), fc.oneof(wild, fc.array(wild, { maxLength: 3 })), (changes, eos) => {
        const c: Record<string, unknown> = { ...config };
        for (const [k, v] of changes) c[k] = v;
        const files = new Map(Object.entries({ ...fixture, 'config.json': new TextEncoder().encode(JSON.stringify(c)), 'generation_config.json': new TextEncoder().encode(JSON.stringify({ eos_token_id: eos })) }));
        const errors = [UnsupportedConfigError, ModelFilesError, WeightsMismatchError, ShardIndexError, SafetensorsError];
        valueOrNamedError(() => inspectModelFiles(files), errors);
        const loaded = valueOrNamedError(() => loadModelFiles(files), errors);
        if (loaded) {
          const extra = loaded.generationConfig?.['eos_token_id'];
          for (const id of Array.isArray(extra) ? extra : extra === undefined || extra === null ? [] : [extra]) expect(Number.isInteger(id) && id >= 0 && id < loaded.config.vocabSize).toBe(true);
        }
      }),
      params(150),
    );
  });
});

describe('tokenizer.json', () => {
  const json = JSON.parse(new TextDecoder().decode(tinyLlamaFixtureFiles({ seed: 1 })['tokenizer.json'])) as { model: { vocab: Record<string, number> }; added_tokens: { id: number }[] };
  it('vocabulary ids and added-token ids replaced by any value: a tokenizer whose ids are non-negative integers, or TokenizerError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(json.model.vocab)), wild, fc.nat(json.added_tokens.length - 1), wild, fc.boolean(), async (token, id, added, addedId, vocabAsValue) => {
        const copy = JSON.parse(JSON.stringify(json)) as { model: { vocab: unknown }; added_tokens: { id: unknown }[] };
        if (vocabAsValue) copy.model.vocab = id;
        else (copy.model.vocab as Record<string, unknown>)[token] = id;
        (copy.added_tokens[added] as { id: unknown }).id = addedId;
        let tokenizer: PromptTokenizer | undefined;
        try {
          tokenizer = await PromptTokenizer.fromJson(copy, {});
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(TokenizerError);
          return;
        }
        for (const e of tokenizer.eosTokenIds) expect(Number.isInteger(e) && e >= 0).toBe(true);
        expect(tokenizer.encode('the cat', { addSpecialTokens: true }).every((i) => Number.isInteger(i) && i >= 0)).toBe(true);
      }),
      params(60),
    );
  });
});

describe('hub bodies', () => {
  it('any chunking and any Content-Length: the exact bytes or HttpBodyError, the buffer at most twice what arrived', async () => {
    const chunks = fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(chunks, fc.option(fc.oneof(fc.nat(3000), fc.constant(4e9)), { nil: undefined }), fc.integer({ min: 1, max: 2000 }), async (parts, declared, cap) => {
        let k = 0;
        const body = new ReadableStream<Uint8Array>({ pull: (c) => (k < parts.length ? c.enqueue(parts[k++]!) : c.close()) });
        const response = new Response(body, { headers: declared === undefined ? {} : { 'content-length': String(declared) } });
        const all = Uint8Array.from(parts.flatMap((p) => Array.from(p)));
        let out: Uint8Array;
        try {
          out = await readBody(response, { cap });
        } catch (error) {
          expect(error).toBeInstanceOf(HttpBodyError);
          const e = error as HttpBodyError;
          if (e.problem === 'too-large') expect(all.byteLength > cap || (declared ?? 0) > cap).toBe(true);
          if (e.problem === 'short') expect(declared).toBeGreaterThan(all.byteLength);
          return;
        }
        expect(Array.from(out)).toEqual(Array.from(all));
        expect(all.byteLength).toBeLessThanOrEqual(cap);
      }),
      params(300),
    );
  });

  it('nextCapacity never exceeds twice what is needed, the cap, or an honest Content-Length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1 << 20 }), fc.integer({ min: 1, max: 1 << 21 }), fc.option(fc.nat(1 << 22), { nil: null }), (current, needed, declared) => {
        fc.pre(needed > current);
        const cap = 1 << 22;
        const next = nextCapacity(current, needed, declared, cap);
        expect(next).toBeGreaterThanOrEqual(needed);
        expect(next).toBeLessThanOrEqual(Math.max(2 * needed, 2 * current));
        expect(next).toBeLessThanOrEqual(cap);
        if (declared !== null && needed <= declared) expect(next).toBeLessThanOrEqual(declared);
      }),
      params(500),
    );
  });
});
