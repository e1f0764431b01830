// The ModelCache contract: every implementation (memory in Node, Cache API in Chromium) must pass these.
// Run it from a test file with a factory that gives a fresh, empty cache per test.
import { describe, expect, it } from 'vitest';
import type { ModelCache } from '../../../src/models/hub/model-cache';

export interface CacheFixture {
  cache: ModelCache;
  /** Releases storage after the test (the Cache API keeps it otherwise). */
  dispose?: () => Promise<void>;
}

function bytesOf(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** A deterministic pattern, so a mixed-up or truncated file cannot pass as equal. */
function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed * 7 + (i >> 8)) & 0xff);
}

/** Byte equality that stays fast for megabyte files (a deep toEqual walks them element by element). */
function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual?.byteLength).toBe(expected.byteLength);
  const firstDifference = actual!.findIndex((v, i) => v !== expected[i]);
  expect(firstDifference).toBe(-1);
}

export function modelCacheContract(label: string, create: () => Promise<CacheFixture>): void {
  describe(`ModelCache contract: ${label}`, () => {
    async function withCache(body: (cache: ModelCache) => Promise<void>): Promise<void> {
      const { cache, dispose } = await create();
      try {
        await body(cache);
      } finally {
        await dispose?.();
      }
    }

    it('starts empty: get gives undefined, list gives []', () =>
      withCache(async (cache) => {
        expect(await cache.get('owner/model', 'main', 'config.json')).toBeUndefined();
        expect(await cache.list()).toEqual([]);
      }));

    it('returns what was put, byte for byte (empty and 1 MiB files too)', () =>
      withCache(async (cache) => {
        const big = pattern(1 << 20, 3);
        await cache.put('owner/model', 'main', 'config.json', bytesOf(123, 125));
        await cache.put('owner/model', 'main', 'model.safetensors', big);
        await cache.put('owner/model', 'main', 'empty.json', new Uint8Array(0));
        expect(await cache.get('owner/model', 'main', 'config.json')).toEqual(bytesOf(123, 125));
        expectSameBytes(await cache.get('owner/model', 'main', 'model.safetensors'), big);
        expect(await cache.get('owner/model', 'main', 'empty.json')).toEqual(new Uint8Array(0));
      }));

    it('stores copies: changing the bytes given to put or taken from get does not change the cache', () =>
      withCache(async (cache) => {
        const given = bytesOf(1, 2, 3);
        await cache.put('m', 'main', 'f.bin', given);
        given[0] = 99;
        const taken = (await cache.get('m', 'main', 'f.bin'))!;
        expect(taken).toEqual(bytesOf(1, 2, 3));
        taken[1] = 99;
        expect(await cache.get('m', 'main', 'f.bin')).toEqual(bytesOf(1, 2, 3));
      }));

    it('stores a view of a larger buffer as just the viewed bytes', () =>
      withCache(async (cache) => {
        const whole = pattern(64, 1);
        await cache.put('m', 'main', 'part.bin', whole.subarray(8, 24));
        expect(await cache.get('m', 'main', 'part.bin')).toEqual(whole.slice(8, 24));
      }));

    it('keeps model ids, revisions and file names apart, including ones that need escaping', () =>
      withCache(async (cache) => {
        const keys: [string, string, string][] = [
          ['owner/name', 'main', 'config.json'],
          ['owner-name', 'main', 'config.json'],
          ['owner/name', 'refs/pr/1', 'config.json'],
          ['owner/name', 'main', 'onnx/model.onnx'],
          ['owner/name', 'main', 'weights 100% #1?.safetensors'],
          ['name', 'v1.0', 'config.json'],
        ];
        for (const [i, [m, r, f]] of keys.entries()) await cache.put(m, r, f, pattern(10 + i, i));
        for (const [i, [m, r, f]] of keys.entries()) expect(await cache.get(m, r, f)).toEqual(pattern(10 + i, i));
        expect(await cache.get('owner/name', 'dev', 'config.json')).toBeUndefined();
        expect(await cache.get('owner', 'name/main', 'config.json')).toBeUndefined();
      }));

    it('put replaces an earlier file', () =>
      withCache(async (cache) => {
        await cache.put('m', 'main', 'config.json', pattern(100, 1));
        await cache.put('m', 'main', 'config.json', pattern(7, 2));
        expect(await cache.get('m', 'main', 'config.json')).toEqual(pattern(7, 2));
        expect((await cache.list())[0]!.totalBytes).toBe(7);
      }));

    it('lists models by id then revision, files sorted, with sizes and totals', () =>
      withCache(async (cache) => {
        await cache.put('zeta/b', 'main', 'config.json', pattern(5, 0));
        await cache.put('alpha/a', 'main', 'tokenizer.json', pattern(20, 0));
        await cache.put('alpha/a', 'main', 'config.json', pattern(3, 0));
        await cache.put('alpha/a', 'abc123', 'model.safetensors', pattern(300, 0));
        expect(await cache.list()).toEqual([
          { modelId: 'alpha/a', revision: 'abc123', files: [{ file: 'model.safetensors', bytes: 300 }], totalBytes: 300 },
          {
            modelId: 'alpha/a',
            revision: 'main',
            files: [
              { file: 'config.json', bytes: 3 },
              { file: 'tokenizer.json', bytes: 20 },
            ],
            totalBytes: 23,
          },
          { modelId: 'zeta/b', revision: 'main', files: [{ file: 'config.json', bytes: 5 }], totalBytes: 5 },
        ]);
      }));

    it('delete with a revision removes only that revision; without one, every revision of that model only', () =>
      withCache(async (cache) => {
        await cache.put('a/m', 'main', 'config.json', pattern(4, 0));
        await cache.put('a/m', 'main', 'model.safetensors', pattern(8, 0));
        await cache.put('a/m', 'v2', 'config.json', pattern(4, 1));
        await cache.put('a/m', 'v3', 'config.json', pattern(4, 2));
        await cache.put('a/m2', 'main', 'config.json', pattern(4, 3));
        await cache.delete('a/m', 'main');
        expect(await cache.get('a/m', 'main', 'config.json')).toBeUndefined();
        expect(await cache.get('a/m', 'main', 'model.safetensors')).toBeUndefined();
        expect((await cache.list()).map((m) => `${m.modelId}@${m.revision}`)).toEqual(['a/m@v2', 'a/m@v3', 'a/m2@main']);
        await cache.delete('a/m');
        expect((await cache.list()).map((m) => `${m.modelId}@${m.revision}`)).toEqual(['a/m2@main']);
        expect(await cache.get('a/m2', 'main', 'config.json')).toEqual(pattern(4, 3));
        await cache.delete('not/cached'); // deleting what is not there is not an error
      }));
  });
}
