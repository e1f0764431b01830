// The tiny random Llama fixture: reproducible bytes, files that parse back through our readers and through
// transformers.js's tokenizer (WordLevel vocab, chat template), shards equal to one file, and the CLI.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PreTrainedTokenizer } from '@huggingface/transformers';
import { afterAll, describe, expect, it } from 'vitest';
import { FixtureArgsError, parseFixtureArgs } from '../../../scripts/fixture-tiny-llama';
import { TINY_LLAMA_VOCAB, TinyLlamaFixtureError, tinyLlamaFixtureFiles, writeTinyLlamaFixture } from '../../../src/models/llama/fixture';
import { expectedWeightShapes, parseLlamaConfig } from '../../../src/models/llama/config';
import { parseShardIndex, readSafetensorsWeights } from '../../../src/models/formats/safetensors-weights';

const text = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes);
const json = (bytes: Uint8Array | undefined): Record<string, unknown> => JSON.parse(text(bytes)) as Record<string, unknown>;

const tmp = mkdtempSync(join(tmpdir(), 'tiny-llama-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('tinyLlamaFixtureFiles', () => {
  it('the hub layout: config, generation config, tokenizer files and one safetensors file', () => {
    expect(Object.keys(tinyLlamaFixtureFiles()).sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
  });

  it('the same seed gives identical bytes in every file', () => {
    const a = tinyLlamaFixtureFiles({ seed: 7, modelType: 'qwen2', shards: 2 });
    const b = tinyLlamaFixtureFiles({ seed: 7, modelType: 'qwen2', shards: 2 });
    expect(Object.keys(a)).toEqual(Object.keys(b));
    for (const name of Object.keys(a)) expect(Buffer.from(a[name]!).equals(Buffer.from(b[name]!)), name).toBe(true);
  });

  it('a different seed gives different weights and the same config', () => {
    const a = tinyLlamaFixtureFiles({ seed: 1 });
    const b = tinyLlamaFixtureFiles({ seed: 2 });
    expect(text(a['config.json'])).toBe(text(b['config.json']));
    const config = parseLlamaConfig(json(a['config.json']));
    const wa = readSafetensorsWeights(a['model.safetensors']!, config);
    const wb = readSafetensorsWeights(b['model.safetensors']!, config);
    for (const [name, t] of wa) {
      const other = wb.get(name)!.data;
      expect(t.data.some((v, i) => v !== other[i]), name).toBe(true);
    }
  });

  it('llama: config.json parses to the documented tiny model, weights read back with the expected shapes', () => {
    const files = tinyLlamaFixtureFiles({ seed: 3 });
    const config = parseLlamaConfig(json(files['config.json']));
    expect(config).toEqual({
      modelType: 'llama', vocabSize: 64, hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 8,
      rmsNormEps: 1e-6, ropeTheta: 10000, ropeScaling: null, ropeLayout: 'rotate-half', maxPositionEmbeddings: 128,
      tieWordEmbeddings: false, attentionBias: false, qkNorm: false, bosTokenId: 1, eosTokenIds: [2],
    });
    const weights = readSafetensorsWeights(files['model.safetensors']!, config);
    expect(weights.size).toBe(1 + 2 * 9 + 1 + 1);
    expect(weights.get('model.layers.1.self_attn.k_proj.weight')!.shape).toEqual([16, 32]);
    expect(weights.get('lm_head.weight')!.shape).toEqual([64, 32]);
  });

  it('weights are normal * 0.05 and norms 1 + small noise', () => {
    const files = tinyLlamaFixtureFiles({ seed: 4 });
    const weights = readSafetensorsWeights(files['model.safetensors']!, parseLlamaConfig(json(files['config.json'])));
    const linear: number[] = [];
    const norms: number[] = [];
    for (const [name, t] of weights) (name.endsWith('norm.weight') ? norms : linear).push(...t.data);
    const mean = linear.reduce((a, b) => a + b, 0) / linear.length;
    const std = Math.sqrt(linear.reduce((a, b) => a + (b - mean) ** 2, 0) / linear.length);
    expect(linear.length).toBeGreaterThan(20_000);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std).toBeGreaterThan(0.048);
    expect(std).toBeLessThan(0.052);
    expect(Math.min(...norms)).toBeGreaterThan(0.9);
    expect(Math.max(...norms)).toBeLessThan(1.1);
    expect(norms.some((v) => v !== 1)).toBe(true);
  });

  it('qwen2: q/k/v biases; qwen3: q/k norms and head_dim 16 != hidden/heads; --tied drops lm_head', () => {
    const q2 = tinyLlamaFixtureFiles({ modelType: 'qwen2', tied: true });
    const c2 = parseLlamaConfig(json(q2['config.json']));
    expect([c2.modelType, c2.attentionBias, c2.tieWordEmbeddings]).toEqual(['qwen2', true, true]);
    const w2 = readSafetensorsWeights(q2['model.safetensors']!, c2);
    expect(w2.get('model.layers.0.self_attn.k_proj.bias')!.shape).toEqual([16]);
    expect(w2.has('lm_head.weight')).toBe(false);

    const q3 = tinyLlamaFixtureFiles({ modelType: 'qwen3' });
    const c3 = parseLlamaConfig(json(q3['config.json']));
    expect([c3.modelType, c3.qkNorm, c3.headDim]).toEqual(['qwen3', true, 16]);
    const w3 = readSafetensorsWeights(q3['model.safetensors']!, c3);
    expect(w3.get('model.layers.1.self_attn.q_proj.weight')!.shape).toEqual([64, 32]);
    expect(w3.get('model.layers.1.self_attn.o_proj.weight')!.shape).toEqual([32, 64]);
    expect(w3.get('model.layers.1.self_attn.q_norm.weight')!.shape).toEqual([16]);
  });

  it('two shards plus an index read back equal to the single file', () => {
    const sharded = tinyLlamaFixtureFiles({ seed: 5, shards: 2 });
    const single = tinyLlamaFixtureFiles({ seed: 5 });
    expect(Object.keys(sharded).filter((n) => n.endsWith('.safetensors')).sort()).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    const config = parseLlamaConfig(json(sharded['config.json']));
    const index = parseShardIndex(text(sharded['model.safetensors.index.json']), config);
    expect(index.files).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    expect(index.weightMap.size).toBe(expectedWeightShapes(config).size);
    const totalBytes = [...expectedWeightShapes(config).values()].reduce((n, s) => n + 4 * s.reduce((a, b) => a * b, 1), 0);
    expect(index.totalSize).toBe(totalBytes);
    const shards = Object.fromEntries(index.files.map((f) => [f, sharded[f]!]));
    const fromShards = readSafetensorsWeights(shards, config);
    expect(fromShards).toEqual(readSafetensorsWeights(single['model.safetensors']!, config));
    // each tensor is in the shard the index names (and only there)
    for (const [name, file] of index.weightMap) {
      const other = index.files.find((f) => f !== file)!;
      expect(() => readSafetensorsWeights({ [file]: sharded[file]! }, config), name).toThrow(/is missing from/);
      expect(text(sharded[file]!.subarray(0, 4000)).includes(`"${name}"`), name).toBe(true);
      expect(text(sharded[other]!.subarray(0, 4000)).includes(`"${name}"`), name).toBe(false);
    }
  });

  it('refuses bad options', () => {
    expect(() => tinyLlamaFixtureFiles({ seed: -1 })).toThrow(TinyLlamaFixtureError);
    expect(() => tinyLlamaFixtureFiles({ seed: 1.5 })).toThrow(/seed 1.5 must be an integer in 0..4294967295/);
    expect(() => tinyLlamaFixtureFiles({ shards: 0 })).toThrow(/shards 0 must be an integer in 1..8/);
    expect(() => tinyLlamaFixtureFiles({ modelType: 'gpt2' as never })).toThrow(/model type gpt2 is not one of llama, qwen2, qwen3/);
  });
});

describe('the fixture tokenizer', () => {
  const files = tinyLlamaFixtureFiles();
  const tokenizerJson = json(files['tokenizer.json']);
  const tokenizerConfig = json(files['tokenizer_config.json']);
  const vocabSize = json(files['config.json'])['vocab_size'];

  it('tokenizer.json is a WordLevel vocab of exactly vocab_size distinct ids, specials first', () => {
    const model = tokenizerJson['model'] as { type: string; vocab: Record<string, number>; unk_token: string };
    expect(model.type).toBe('WordLevel');
    const ids = Object.values(model.vocab).sort((a, b) => a - b);
    expect(ids.length).toBe(vocabSize);
    expect(ids).toEqual(Array.from({ length: 64 }, (_, i) => i));
    expect(Object.keys(model.vocab)).toEqual([...TINY_LLAMA_VOCAB]);
    expect([model.vocab['<unk>'], model.vocab['<s>'], model.vocab['</s>'], model.vocab['<pad>']]).toEqual([0, 1, 2, 3]);
    expect((tokenizerJson['added_tokens'] as { id: number; content: string }[]).map((t) => [t.id, t.content])).toEqual([[0, '<unk>'], [1, '<s>'], [2, '</s>'], [3, '<pad>']]);
  });

  const tokenizer = new PreTrainedTokenizer(tokenizerJson, tokenizerConfig);
  const id = (word: string): number => TINY_LLAMA_VOCAB.indexOf(word);

  it('transformers.js encodes words (lowercased), prepends <s>, maps unknown words to <unk>, and decodes', () => {
    expect(tokenizer.encode('The cat sat on the mat.')).toEqual([1, id('the'), id('cat'), id('sat'), id('on'), id('the'), id('mat'), id('.')]);
    expect(tokenizer.encode('zebra dog')).toEqual([1, 0, id('dog')]);
    expect(tokenizer.decode([1, id('hello'), id('world'), 2], { skip_special_tokens: true })).toBe('hello world');
    expect([tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id, tokenizer.unk_token_id]).toEqual([1, 2, 3, 0]);
  });

  it('the chat template renders, and every token of it is in the vocab', () => {
    const messages = [
      { role: 'system', content: 'answer yes or no' },
      { role: 'user', content: 'is the movie good ?' },
    ];
    const rendered = tokenizer.apply_chat_template(messages, { tokenize: false, add_generation_prompt: true });
    expect(rendered).toBe('<s>system : answer yes or no </s><s>user : is the movie good ? </s><s>assistant : ');
    const ids = tokenizer.apply_chat_template(messages, { tokenize: true, add_generation_prompt: true, return_tensor: false, return_dict: false }) as number[];
    expect(ids.slice(0, 3)).toEqual([1, id('system'), id(':')]);
    expect(ids.at(-3)).toBe(1);
    expect(ids.slice(-2)).toEqual([id('assistant'), id(':')]);
    expect(ids.includes(0)).toBe(false);
  });
});

describe('writing the fixture', () => {
  it('writeTinyLlamaFixture writes exactly tinyLlamaFixtureFiles', async () => {
    const dir = join(tmp, 'api');
    const written = await writeTinyLlamaFixture(dir, { seed: 9, shards: 2 });
    const files = tinyLlamaFixtureFiles({ seed: 9, shards: 2 });
    expect(written).toEqual(Object.keys(files).sort().map((n) => join(dir, n)));
    for (const name of Object.keys(files)) expect(readFileSync(join(dir, name)).equals(Buffer.from(files[name]!)), name).toBe(true);
  });

  it('parseFixtureArgs reads every option and refuses bad ones', () => {
    expect(parseFixtureArgs(['out', '--seed', '12', '--model-type', 'qwen3', '--tied', '--shards', '2'])).toEqual({ dir: 'out', options: { seed: 12, modelType: 'qwen3', tied: true, shards: 2 } });
    expect(parseFixtureArgs(['--untied', 'out'])).toEqual({ dir: 'out', options: { tied: false } });
    const bad: [string[], RegExp][] = [
      [[], /output directory is missing/],
      [['a', 'b'], /one output directory expected, got a and b/],
      [['a', '--seed'], /--seed needs a non-negative integer, got nothing/],
      [['a', '--seed', '-3'], /--seed needs a non-negative integer, got -3/],
      [['a', '--model-type', 'mistral'], /--model-type must be llama, qwen2 or qwen3, got mistral/],
      [['a', '--tied', '--untied'], /at most one of --tied and --untied/],
      [['a', '--fast'], /unknown option --fast/],
    ];
    for (const [argv, message] of bad) {
      expect(() => parseFixtureArgs(argv), argv.join(' ')).toThrow(FixtureArgsError);
      expect(() => parseFixtureArgs(argv), argv.join(' ')).toThrow(message);
    }
  });

  it('npm run fixture:tiny-llama writes the files and lists them; bad arguments exit 2 with usage', () => {
    const dir = join(tmp, 'cli');
    const ok = spawnSync('npm', ['run', '--silent', 'fixture:tiny-llama', '--', dir, '--seed', '9', '--shards', '2'], { encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(Object.keys(tinyLlamaFixtureFiles({ seed: 9, shards: 2 })).sort());
    expect(ok.stdout).toMatch(/model-00002-of-00002\.safetensors \(\d+ bytes\)/);
    expect(readFileSync(join(dir, 'model-00001-of-00002.safetensors')).equals(Buffer.from(tinyLlamaFixtureFiles({ seed: 9, shards: 2 })['model-00001-of-00002.safetensors']!))).toBe(true);
    const bad = spawnSync('npm', ['run', '--silent', 'fixture:tiny-llama', '--', dir, '--model-type', 'gpt2'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--model-type must be llama, qwen2 or qwen3, got gpt2\nusage: npm run fixture:tiny-llama/);
  }, 30_000);
});
