// Target identity: a local target's id carries a content hash of its config, tokenizer and every weight byte (plus
// implementation and backend), so two fixture folders with other weights get other ids and never share reward-cache
// entries; the same files give the same id. The hash itself is checked against an independent computation.
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { RewardCache } from '../../src/gflow/reward-cache';
import { TargetEngine } from '../../src/engines/target-engine';
import { IDENTITY_CHUNK_BYTES, contentHash, fileDigest } from '../../src/engines/target-identity';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { parseSafetensorsHeader } from '../../src/onnx/safetensors';
import { loadOrtNode } from '../../src/runtime/ort-node';
import type { TargetLM } from '../../src/tasks/evaluate';
import { type Task, finishTask } from '../../src/tasks/task';

const fixture = (seed: number) => new Map(Object.entries(tinyLlamaFixtureFiles({ seed })));
const engines: TargetEngine[] = [];

afterAll(async () => {
  for (const e of engines) await e.release();
});

/** A loaded engine as the run sees it (the lab engine's view). */
async function target(files: Map<string, Uint8Array>): Promise<TargetLM> {
  const engine = new TargetEngine(loadOrtNode);
  engines.push(engine);
  const info = await engine.load({ kind: 'files', files }, { implementation: 'compiled', backend: 'wasm' });
  return { id: info.id, get calls() { return engine.calls; }, evaluate: engine.evaluate.bind(engine) };
}

function examples(inputs: string[]) {
  return inputs.map((input, i) => ({ input, output: i % 2 ? 'dog' : 'good' }));
}

const task: Task = finishTask({
  name: 'builtin/toy-words', family: 'classification', template: '{prompt} Input : {text} Output:', labelWords: ['dog', 'good'], metric: 'accuracy', description: 'toy',
  splits: { train: examples(['the movie was great', 'i hate the cat', 'the dog ran']), validation: examples(['a red cat']), test: examples(['a big dog']) },
});

/** The definition, computed independently with node:crypto: sha256(header + "name\tbytes\tsha256(chunk digests)\n"...). */
function referenceHash(files: Map<string, Uint8Array>, names: string[]): string {
  let text = 'gflowpo target identity v1\n';
  for (const name of [...names].sort()) {
    const bytes = files.get(name)!;
    const digests: Buffer[] = [];
    for (let at = 0; at < Math.max(1, bytes.length); at += IDENTITY_CHUNK_BYTES) digests.push(createHash('sha256').update(bytes.subarray(at, at + IDENTITY_CHUNK_BYTES)).digest());
    text += `${name}\t${bytes.length}\t${createHash('sha256').update(Buffer.concat(digests)).digest('hex')}\n`;
  }
  return createHash('sha256').update(text).digest('hex');
}

describe('target identity', () => {
  it('hashes every byte: chunked digests equal an independent computation; one flipped byte changes the hash', async () => {
    const big = new Uint8Array(2 * IDENTITY_CHUNK_BYTES + 12345).map((_, i) => (i * 2654435761) >>> 24);
    const files = new Map([['config.json', new TextEncoder().encode('{"a":1}')], ['model.safetensors', big], ['empty.json', new Uint8Array(0)]]);
    const names = ['model.safetensors', 'config.json', 'empty.json'];
    expect(await contentHash(files, names)).toBe(referenceHash(files, names));
    expect(await contentHash(files, [...names].reverse())).toBe(await contentHash(files, names));
    const before = await fileDigest(big);
    for (const at of [0, IDENTITY_CHUNK_BYTES + 7, big.length - 1]) {
      const copy = big.slice();
      copy[at]! ^= 1;
      expect(await fileDigest(copy)).not.toBe(before);
    }
    await expect(contentHash(files, ['tokenizer.json'])).rejects.toThrow(/cannot hash tokenizer.json/);
  });

  it('two fixture folders with other weights get other ids and never share reward-cache entries; the same files the same id', async () => {
    const [a, b, a2] = [await target(fixture(1)), await target(fixture(2)), await target(fixture(1))];
    expect(a.id).toMatch(/^local files@compiled\/wasm#sha256:[0-9a-f]{16}$/);
    expect(b.id).not.toBe(a.id);
    expect(a2.id).toBe(a.id);
    const weights = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors'];
    expect(a.id.endsWith(referenceHash(fixture(1), weights).slice(0, 16))).toBe(true);

    const cache = new RewardCache();
    const prompt = 'say yes or no';
    const scoreA = await cache.score(a, task, prompt, 'train');
    await cache.score(b, task, prompt, 'train');
    expect([cache.targetCalls, cache.cacheHits, a.calls, b.calls]).toEqual([2, 0, 1, 1]);
    expect(await cache.score(a2, task, prompt, 'train')).toBe(scoreA); // same weights: the entry is shared
    expect([cache.targetCalls, cache.cacheHits]).toEqual([2, 1]);
    expect(cache.peek(b, task, 'other prompt', 'train')).toBeUndefined();
    const restored = RewardCache.fromJSON(JSON.parse(JSON.stringify(cache)));
    expect(restored.toJSON().entries.map((e) => e.target)).toEqual([a.id, b.id]);
  }, 60_000);

  it('one changed weight byte, or another tokenizer, is another target', async () => {
    const base = fixture(1);
    const weights = base.get('model.safetensors')!.slice();
    weights[parseSafetensorsHeader(weights).dataStart + 1]! ^= 0x10; // a mantissa bit of the first weight
    const changedWeight = new Map(base).set('model.safetensors', weights);
    const tok = JSON.parse(new TextDecoder().decode(base.get('tokenizer_config.json')!)) as Record<string, unknown>;
    const changedTokenizer = new Map(base).set('tokenizer_config.json', new TextEncoder().encode(JSON.stringify({ ...tok, clean_up_tokenization_spaces: true })));
    const ids = [(await target(base)).id, (await target(changedWeight)).id, (await target(changedTokenizer)).id];
    expect(new Set(ids).size).toBe(3);
  }, 60_000);
});
