// MemoryModelCache passes the ModelCache contract; detectModelCache picks it where there is no Cache API (Node).
import { expect, it } from 'vitest';
import { MemoryModelCache, detectModelCache } from '../../../src/models/hub/model-cache';
import { modelCacheContract } from './model-cache.contract';

modelCacheContract('MemoryModelCache', async () => ({ cache: new MemoryModelCache() }));

it('detectModelCache gives the memory cache in Node (no globalThis.caches)', () => {
  expect(typeof (globalThis as { caches?: unknown }).caches).toBe('undefined');
  expect(detectModelCache()).toBeInstanceOf(MemoryModelCache);
});
