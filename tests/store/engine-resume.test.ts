// LabEngine with a RunStore (fake-indexeddb) on the tiny fixture models: a seeded run interrupted at random points
// (the engine abandoned while a step waits on a journal write or on its commit, as a closed tab would leave it)
// and resumed by a new engine ends with the same state, events, evaluations and checkpoint bytes as an
// uninterrupted run, and the target-LM made no call twice across the engines but the one cut by each crash.
// The store is valid after every interruption.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { LabEngine, type LabSetup } from '../../src/engines/lab-engine';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { mulberry32 } from '../../src/random/mulberry32';
import { tinyClassificationTask } from './tiny-task';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { type RunSnapshot, runStateOf } from '../../src/store/records';
import type { RunRepository } from '../../src/store/repository';
import { decodeRunFile, encodeRunFile } from '../../src/store/run-file';
import { RunStore } from '../../src/store/run-store';

const files = (seed: number) => new Map(Object.entries(tinyLlamaFixtureFiles({ seed })));
const SETTINGS = { steps: 5, warmupSteps: 1, conditionFreezeStep: 2, referencesFromStep: 3, microBatches: 2, microBatchSize: 2, maxNewTokens: 4, lrWarmupUpdates: 2, seed: 4 };
const setup = (): LabSetup => ({ task: tinyClassificationTask(), promptLM: { kind: 'files', files: files(1) }, targetLM: { kind: 'files', files: files(2) }, backend: 'wasm', settings: SETTINGS });

type Crash = { at: 'pending' | 'commit'; n: number };

/**
 * The store, except that once armed, the crash's n-th journal write or commit (and every write after it) hangs
 * forever: the engine waiting on it is abandoned, as a closed tab leaves its step.
 */
function crashing(store: RunStore, crash: Crash, onCrash: () => void): RunRepository & { arm(): void } {
  let armed = false;
  let crashed = false;
  const seen = { pending: 0, commit: 0 };
  const hangs = (kind: 'pending' | 'commit' | 'other') => {
    if (armed && !crashed && kind !== 'other' && ++seen[kind] === crash.n && crash.at === kind) {
      crashed = true;
      onCrash();
    }
    return crashed;
  };
  const hang = () => new Promise<never>(() => undefined);
  return {
    arm: () => void (armed = true),
    loadSnapshot: (id) => store.loadSnapshot(id),
    create: (s) => store.create(s),
    pending: (id) => store.pending(id),
    clearPending: (id) => (hangs('other') ? hang() : store.clearPending(id)),
    setStatus: (id, status, error) => (hangs('other') ? hang() : store.setStatus(id, status, error)),
    putPending: (r) => (hangs('pending') ? hang() : store.putPending(r)),
    commit: (c, e) => (hangs('commit') ? hang() : store.commit(c, e)),
  };
}

const NEVER: Crash = { at: 'commit', n: Number.POSITIVE_INFINITY };

/** A run's records without what differs between two runs of the same seed (ids, names, clocks). */
function comparable(s: RunSnapshot) {
  const strip = <T extends { runId: string }>(xs: T[]) => xs.map(({ runId: _r, ...rest }) => rest);
  return {
    state: runStateOf(s),
    counts: s.run.counts,
    status: s.run.status,
    evaluations: strip(s.evaluations),
    events: strip(s.events),
    metaPrompts: strip(s.metaPrompts),
    buffer: strip(s.buffer),
    queue: strip(s.queue),
    checkpoint: [...s.checkpoint!.bytes],
  };
}

describe('LabEngine on a RunStore', () => {
  it('a run interrupted at random points and resumed equals the uninterrupted run, with no target call made twice', async () => {
    globalThis.indexedDB = new IDBFactory();
    const store = await RunStore.open();
    const reference = new LabEngine(loadOrtNode, undefined, { repository: async () => store, newId: () => 'reference' });
    await reference.createRun(setup());
    expect(await reference.start(() => undefined)).toBe(true);
    const referenceCalls = reference.targetModelCalls;
    await reference.release();
    const expected = comparable(await store.loadSnapshot('reference'));
    expect(expected.state.step).toBe(5);
    expect(expected.evaluations.some((e) => e.perExample !== null)).toBe(true);

    // Crash points drawn from a seeded generator: a journal write (mid-step, after some target calls) or a commit.
    const random = mulberry32(2024);
    // Each crash lets at most one step complete first (a journal write #1 or #2, or the first commit), so all three
    // land before the five steps are done.
    const crashes: Crash[] = (['pending', 'commit', 'pending'] as const).map((at) => ({ at, n: at === 'commit' ? 1 : 1 + Math.floor(random() * 2) }));
    const open = async (crash: Crash, resume: boolean) => {
      let onCrash!: () => void;
      const crashed = new Promise<'crashed'>((resolve) => (onCrash = () => resolve('crashed')));
      const repository = crashing(store, crash, onCrash);
      const engine = new LabEngine(loadOrtNode, undefined, { repository: async () => repository, newId: () => 'interrupted' });
      if (resume) {
        const info = await engine.resumeRun('interrupted', { task: tinyClassificationTask(), promptLM: { kind: 'files', files: files(1) }, targetLM: { kind: 'files', files: files(2) }, backend: 'wasm' });
        expect(info.step).toBe((await store.getRun('interrupted'))!.step);
      } else await engine.createRun(setup());
      repository.arm();
      return { engine, crashed };
    };
    let calls = 0;
    const stepsAtCrash: number[] = [];
    let { engine, crashed } = await open(crashes[0]!, false);
    for (let i = 1; ; i++) {
      const outcome = await Promise.race([engine.start(() => undefined), crashed]);
      calls += engine.targetModelCalls;
      // The store holds a valid run after every interruption (the file round trip validates every field).
      const stored = await store.loadSnapshot('interrupted');
      expect(decodeRunFile(encodeRunFile(stored))).toEqual(stored);
      if (outcome === true) break;
      stepsAtCrash.push(stored.run.step);
      ({ engine, crashed } = await open(crashes[i] ?? NEVER, true));
    }
    expect(stepsAtCrash).toHaveLength(crashes.length);
    expect(comparable(await store.loadSnapshot('interrupted'))).toEqual(expected);
    // Each journal-write crash loses the one answer whose write was cut (its call is made again); every other
    // answer of an interrupted step came from the journal: no call made twice, none counted twice in the state.
    const cutWrites = crashes.filter((c) => c.at === 'pending').length;
    expect(calls).toBe(referenceCalls + cutWrites);
    expect(comparable(await store.loadSnapshot('interrupted')).state.cache.targetCalls).toBe(expected.state.cache.targetCalls);
    console.log(`interruptions: ${crashes.map((c, i) => `${c.at} #${c.n} (at step ${stepsAtCrash[i]})`).join(', ')}; target model calls ${calls} (uninterrupted ${referenceCalls})`);
  }, 240_000);
});
