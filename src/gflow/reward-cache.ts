// The reward cache (required improvement 1): a prompt's score on a split is computed once per (prompt, task id,
// split, target-LM id, template) and kept, so replayed and repeated prompts cost no target-LM calls. It counts
// the calls it makes and the hits it serves, and round-trips through JSON. It does not decide what to score.
import type { Task } from '../tasks/task';
import type { SplitName, TargetLM } from './interfaces';

export interface CachedScore {
  prompt: string;
  /** The task's id (name, data and split options, content hash), so two splits of one task never share scores. */
  task: string;
  split: SplitName;
  target: string;
  template: string;
  score: number;
}

export interface RewardCacheState {
  targetCalls: number;
  cacheHits: number;
  entries: CachedScore[];
}

export class RewardCacheError extends Error {
  override name = 'RewardCacheError';
}

const SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

function keyOf(prompt: string, task: string, split: SplitName, target: string, template: string): string {
  return JSON.stringify([prompt, task, split, target, template]);
}

export class RewardCache {
  private readonly scores = new Map<string, CachedScore>();
  private calls = 0;
  private hits = 0;

  /** target.evaluate calls this cache made that returned (a call that threw is not counted). */
  get targetCalls(): number {
    return this.calls;
  }

  /** Lookups answered without a call. */
  get cacheHits(): number {
    return this.hits;
  }

  get size(): number {
    return this.scores.size;
  }

  /** The cached score, or undefined; counts nothing. */
  peek(target: TargetLM, task: Task, prompt: string, split: SplitName): number | undefined {
    return this.scores.get(keyOf(prompt, task.id, split, target.id, task.template))?.score;
  }

  /** The prompt's mean metric score on the split: from the cache, or one target.evaluate call (then cached). */
  async score(target: TargetLM, task: Task, prompt: string, split: SplitName): Promise<number> {
    const key = keyOf(prompt, task.id, split, target.id, task.template);
    const cached = this.scores.get(key);
    if (cached) {
      this.hits++;
      return cached.score;
    }
    const evaluation = await target.evaluate(task, prompt, split);
    this.calls++; // completed calls only: a failed one (the step rewinds and retries it) is not counted twice
    if (!Number.isFinite(evaluation.score)) throw new RewardCacheError(`target ${target.id} scored a prompt on ${task.name}/${split} as ${evaluation.score}; a score must be a finite number in [0, 1]`);
    this.scores.set(key, { prompt, task: task.id, split, target: target.id, template: task.template, score: evaluation.score });
    return evaluation.score;
  }

  toJSON(): RewardCacheState {
    return { targetCalls: this.calls, cacheHits: this.hits, entries: [...this.scores.values()].map((e) => ({ ...e })) };
  }

  static fromJSON(state: RewardCacheState): RewardCache {
    if (!state || typeof state !== 'object' || !Array.isArray(state.entries) || !isCount(state.targetCalls) || !isCount(state.cacheHits)) {
      throw new RewardCacheError('not a reward-cache state: expected { targetCalls, cacheHits (non-negative integers), entries[] }');
    }
    const cache = new RewardCache();
    for (const [i, e] of state.entries.entries()) {
      const ok =
        e !== null && typeof e === 'object' && typeof e.prompt === 'string' && typeof e.task === 'string' && SPLITS.includes(e.split) && typeof e.target === 'string' && typeof e.template === 'string' &&
        typeof e.score === 'number' && Number.isFinite(e.score);
      if (!ok) throw new RewardCacheError(`bad reward-cache entry ${i} (expected prompt, task, split, target, template, a finite score): ${JSON.stringify(e)?.slice(0, 200)}`);
      cache.scores.set(keyOf(e.prompt, e.task, e.split, e.target, e.template), { ...e });
    }
    cache.calls = state.targetCalls;
    cache.hits = state.cacheHits;
    return cache;
  }
}
