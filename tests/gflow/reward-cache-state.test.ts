// RewardCache.fromJSON clause by clause and the meta-prompt's count words (mutation testing, docs/mutation.md):
// each bad field refused alone with its message, every split accepted, the restored cache equal to the saved one;
// inputsPhrase spelled out for 0..20 and refused below 0 or off the integers.
import { describe, expect, it } from 'vitest';
import { inputsPhrase } from '../../src/gflow/meta-prompt';
import { RewardCache, RewardCacheError, type RewardCacheState } from '../../src/gflow/reward-cache';

const entry = (over: Record<string, unknown> = {}) => ({ prompt: 'p', task: 't', split: 'train', target: 'x', template: 'q', score: 0.5, ...over });
const NOT_A_STATE = 'not a reward-cache state: expected { targetCalls, cacheHits (non-negative integers), entries[] }';

describe('RewardCache.fromJSON', () => {
  it('refuses what is not a state, and counts that are not non-negative integers', () => {
    const fn = Object.assign(() => 0, { targetCalls: 0, cacheHits: 0, entries: [] });
    for (const s of [null, 'x', fn, { targetCalls: 0, cacheHits: 0 }, { targetCalls: 0, cacheHits: 0, entries: {} }, { targetCalls: -1, cacheHits: 0, entries: [] }, { targetCalls: 1.5, cacheHits: 0, entries: [] }, { targetCalls: 0, cacheHits: -1, entries: [] }, { targetCalls: 0, cacheHits: 0.5, entries: [] }, { cacheHits: 0, entries: [] }]) {
      expect(() => RewardCache.fromJSON(s as unknown as RewardCacheState)).toThrow(new RewardCacheError(NOT_A_STATE));
    }
    const c = RewardCache.fromJSON({ targetCalls: 0, cacheHits: 0, entries: [] });
    expect([c.targetCalls, c.cacheHits, c.size]).toEqual([0, 0, 0]);
  });

  it('refuses each bad field of an entry, naming it and quoting at most 200 characters', () => {
    const fnEntry = Object.assign(() => 0, entry());
    const cases: unknown[] = [null, 'e', fnEntry, entry({ prompt: 1 }), entry({ task: 1 }), entry({ split: 'dev' }), entry({ target: null }), entry({ template: 2 }), entry({ score: '1' }), entry({ score: Number.NaN }), entry({ score: Number.POSITIVE_INFINITY })];
    for (const e of cases) {
      const s = { targetCalls: 2, cacheHits: 1, entries: [entry({ prompt: 'ok' }), e] } as unknown as RewardCacheState;
      const quoted = JSON.stringify(e)?.slice(0, 200);
      expect(() => RewardCache.fromJSON(s)).toThrow(`bad reward-cache entry 1 (expected prompt, task, split, target, template, a finite score): ${quoted}`);
    }
    const long = entry({ prompt: 'z'.repeat(300), split: 'dev' });
    const s = { targetCalls: 0, cacheHits: 0, entries: [long] } as unknown as RewardCacheState;
    expect(() => RewardCache.fromJSON(s)).toThrow(`: ${JSON.stringify(long).slice(0, 200)}`);
    expect(() => RewardCache.fromJSON(s)).not.toThrow(JSON.stringify(long).slice(0, 201));
    let caught: unknown;
    try {
      RewardCache.fromJSON(null as never);
    } catch (e) {
      caught = e;
    }
    expect((caught as Error).name).toBe('RewardCacheError');
  });

  it('accepts every split and restores counts and entries exactly', () => {
    const state = { targetCalls: 3, cacheHits: 4, entries: ['train', 'validation', 'test'].map((split, i) => entry({ split, score: i / 4 })) } as RewardCacheState;
    const c = RewardCache.fromJSON(state);
    expect(c.size).toBe(3);
    expect(c.toJSON()).toEqual(state);
  });
});

describe('inputsPhrase', () => {
  it('spells 0..20 and writes digits above, singular for one', () => {
    const words = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty'];
    expect(Array.from({ length: 21 }, (_, i) => inputsPhrase(i))).toEqual(words.map((w, i) => `${w} ${i === 1 ? 'input' : 'inputs'}`));
    expect(inputsPhrase(21)).toBe('21 inputs');
  });

  it('refuses a negative or fractional count, naming it', () => {
    expect(() => inputsPhrase(-1)).toThrow(new RangeError('a demonstration count must be a non-negative integer, got -1'));
    expect(() => inputsPhrase(2.5)).toThrow('a demonstration count must be a non-negative integer, got 2.5');
  });
});
