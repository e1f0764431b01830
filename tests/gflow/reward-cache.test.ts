// The reward cache: one target call per (prompt, task, split, target, template), hits counted, JSON round trip.
import { describe, expect, it } from 'vitest';
import { RewardCache } from '../../src/gflow/reward-cache';
import { FixedTarget, hashedScore, toyTask } from './doubles';

describe('RewardCache', () => {
  it('scores a prompt once per split and serves repeats from the cache', async () => {
    const cache = new RewardCache();
    const target = new FixedTarget();
    const task = toyTask();
    expect(await cache.score(target, task, 'p', 'train')).toBe(hashedScore('p', 'train'));
    expect(await cache.score(target, task, 'p', 'train')).toBe(hashedScore('p', 'train'));
    expect(await cache.score(target, task, 'p', 'validation')).toBe(hashedScore('p', 'validation'));
    expect(target.calls).toBe(2);
    expect(cache.targetCalls).toBe(2);
    expect(cache.cacheHits).toBe(1);
  });

  it('keys on task, target id and template too', async () => {
    const cache = new RewardCache();
    const task = toyTask();
    const a = new FixedTarget(undefined, 'model-a');
    const b = new FixedTarget(undefined, 'model-b');
    await cache.score(a, task, 'p', 'train');
    await cache.score(b, task, 'p', 'train');
    await cache.score(a, toyTask('builtin/other'), 'p', 'train');
    await cache.score(a, { ...task, template: '{prompt} => {input}' }, 'p', 'train');
    expect(cache.targetCalls).toBe(4);
    expect(cache.cacheHits).toBe(0);
    expect(cache.peek(a, task, 'p', 'train')).toBe(hashedScore('p', 'train'));
    expect(cache.peek(a, task, 'p', 'test')).toBeUndefined();
  });

  it("keys on the task's id: another split option or other data is another task, the same data the same one", async () => {
    const cache = new RewardCache();
    const target = new FixedTarget();
    await cache.score(target, toyTask('builtin/toy-sum', 8, { seed: 13 }), 'p', 'train');
    await cache.score(target, toyTask('builtin/toy-sum', 8, { seed: 21 }), 'p', 'train');
    await cache.score(target, toyTask('builtin/toy-sum', 9, { seed: 13 }), 'p', 'train');
    expect([cache.targetCalls, cache.cacheHits]).toEqual([3, 0]);
    await cache.score(target, toyTask('builtin/toy-sum', 8, { seed: 13 }), 'p', 'train');
    expect([cache.targetCalls, cache.cacheHits]).toEqual([3, 1]);
    expect(cache.toJSON().entries.map((e) => e.task)).toEqual([toyTask('builtin/toy-sum', 8, { seed: 13 }).id, toyTask('builtin/toy-sum', 8, { seed: 21 }).id, toyTask('builtin/toy-sum', 9, { seed: 13 }).id]);
    expect(toyTask('builtin/toy-sum', 8, { seed: 13 }).id).toMatch(/^builtin\/toy-sum\[seed=13\]#[0-9a-f]{14}$/);
  });

  it('round-trips through JSON with its counters', async () => {
    const cache = new RewardCache();
    const target = new FixedTarget();
    const task = toyTask();
    for (const p of ['a', 'b', 'a']) await cache.score(target, task, p, 'train');
    const copy = RewardCache.fromJSON(JSON.parse(JSON.stringify(cache)));
    expect(copy.toJSON()).toEqual(cache.toJSON());
    expect(await copy.score(target, task, 'b', 'train')).toBe(hashedScore('b', 'train'));
    expect(target.calls).toBe(2);
    expect(copy.cacheHits).toBe(2);
  });

  it('refuses a non-finite score and a corrupt state', async () => {
    const cache = new RewardCache();
    await expect(cache.score(new FixedTarget(() => Number.NaN), toyTask(), 'p', 'train')).rejects.toThrow(/finite number/);
    expect(() => RewardCache.fromJSON({ targetCalls: 0, cacheHits: 0, entries: [{ prompt: 'p', task: 't', split: 'dev' as never, target: 'x', template: 'y', score: 1 }] })).toThrow(/bad reward-cache entry/);
  });
});
