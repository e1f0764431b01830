// Reproducibility: a seeded run repeats exactly; state() -> JSON -> fromState() -> continue gives the events of an
// uninterrupted run; a step that throws midway (after some micro-batches accumulated) is retried exactly; a state
// refuses another task, target or adapter, and a malformed state is refused field by field with a named error.
import { beforeAll, describe, expect, it } from 'vitest';
import type { StepEvent } from '../../src/gflow/events';
import { toJsonl } from '../../src/gflow/events';
import { GflowpoRun, type GflowpoRunState, GflowpoStateError } from '../../src/gflow/run';
import { FixedTarget, FlakySampler, ScriptedSampler, toyTask } from './doubles';
import { POOL, runToEnd } from './run-helpers';

const jsonl = (events: readonly StepEvent[]) => events.map(toJsonl).join('');
// 130 steps: filling, the freeze at 100, references from 111, replay; short enough to run several times.
const settings = { steps: 130, seed: 7 };

let uninterrupted: string;
beforeAll(async () => {
  uninterrupted = jsonl((await runToEnd(settings)).events);
});

/** A fresh sampler restored to the adapter state saved with `run` (what a checkpoint round trip gives). */
async function restoredSampler(from: ScriptedSampler): Promise<ScriptedSampler> {
  return new ScriptedSampler(POOL).restored(await from.adapterState());
}

async function stateAfter(steps: number, s: Record<string, unknown> = settings): Promise<{ state: GflowpoRunState; sampler: ScriptedSampler }> {
  const sampler = new ScriptedSampler(POOL);
  const run = new GflowpoRun(s, toyTask(), sampler, new FixedTarget());
  while (run.completedSteps < steps) await run.step();
  return { state: JSON.parse(JSON.stringify(run.state())) as GflowpoRunState, sampler };
}

describe('seeded runs', () => {
  it('reproduce exactly', async () => {
    expect(jsonl((await runToEnd(settings)).events)).toBe(uninterrupted);
  });

  it('differ with another seed', async () => {
    expect(jsonl((await runToEnd({ ...settings, seed: 8 })).events)).not.toBe(uninterrupted);
  });
});

describe('state() and fromState()', () => {
  it.each([1, 50, 99, 100, 105, 111, 129])('continue after step %i exactly as an uninterrupted run', async (stop) => {
    const task = toyTask();
    const sampler = new ScriptedSampler(POOL);
    const first = new GflowpoRun(settings, task, sampler, new FixedTarget());
    const events: StepEvent[] = [];
    while (first.completedSteps < stop) events.push(...(await first.step()));
    const saved = JSON.parse(JSON.stringify(first.state())) as GflowpoRunState;
    expect(saved.step).toBe(stop);
    const resumed = await GflowpoRun.fromState(saved, task, await restoredSampler(sampler), new FixedTarget());
    expect(resumed.state()).toEqual(first.state());
    await resumed.run((e) => {
      events.push(e);
    });
    expect(jsonl(events)).toBe(uninterrupted);
  });

  it('keep a finished run finished, with its report', async () => {
    const sampler = new ScriptedSampler(POOL);
    const { run, task } = await runToEnd({ steps: 3, warmupSteps: 1 }, sampler);
    const copy = await GflowpoRun.fromState(JSON.parse(JSON.stringify(run.state())), task, await restoredSampler(sampler), new FixedTarget());
    expect(copy.finished).toBe(true);
    expect(copy.done).toEqual(run.done);
  });

  it('hold the parts the brief names as plain JSON, logZ from step 1', async () => {
    const { state: s } = await stateAfter(101);
    expect(Object.keys(s).sort()).toEqual(['buffer', 'cache', 'conditionBuffer', 'done', 'initialPrompts', 'logZ', 'metaPromptHistory', 'queue', 'rng', 'settings', 'step', 'target', 'task', 'updates', 'version'].sort());
    expect(Object.keys(s.rng)).toEqual(['sampling', 'temperature', 'replay', 'demonstrations', 'references']);
    expect(s.metaPromptHistory).toHaveLength(101);
    expect(s.metaPromptHistory[0]!.metaPrompts).toHaveLength(4);
    expect(s.updates).toBe(2);
    expect(typeof s.logZ).toBe('number');
    expect(s.conditionBuffer).toHaveLength(1000);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    expect(typeof (await stateAfter(1)).state.logZ).toBe('number');
  });

  it('refuse another task, another target or another version', async () => {
    const { state: s, sampler } = await stateAfter(1);
    const fresh = () => restoredSampler(sampler);
    await expect(GflowpoRun.fromState(s, toyTask('builtin/other'), await fresh(), new FixedTarget())).rejects.toThrow(/run state task: the saved run is for task builtin\/toy-sum#[0-9a-f]+, not builtin\/other#[0-9a-f]+/);
    await expect(GflowpoRun.fromState(s, toyTask('builtin/toy-sum', 8, { seed: 2 }), await fresh(), new FixedTarget())).rejects.toThrow(/not builtin\/toy-sum\[seed=2\]#/);
    await expect(GflowpoRun.fromState(s, toyTask(), await fresh(), new FixedTarget(undefined, 'other-model'))).rejects.toThrow(/run state target: .*fixed-target, not other-model/);
    await expect(GflowpoRun.fromState({ ...s, version: 1 as 2 }, toyTask(), await fresh(), new FixedTarget())).rejects.toThrow(/unsupported run-state version 1; this build reads version 2/);
  });
});

describe('fromState checks the adapter saved with the state', () => {
  it('refuses an adapter with another step or logZ, naming both', async () => {
    const { state, sampler } = await stateAfter(103);
    const adapter = await sampler.adapterState();
    expect(adapter).toEqual({ step: 4, logZ: state.logZ });
    const refusal = (a: { step: number; logZ: number | null }) => GflowpoRun.fromState(state, toyTask(), new ScriptedSampler(POOL).restored(a), new FixedTarget());
    await expect(refusal({ step: 3, logZ: state.logZ })).rejects.toThrow(/run state adapter: .*the adapter has made 3 updates, the run 4\. Restore the adapter checkpoint/);
    await expect(refusal({ step: 4, logZ: state.logZ! + 1e-9 })).rejects.toThrow(new RegExp(`the adapter's logZ is ${state.logZ! + 1e-9}, the run's ${state.logZ}`));
    await expect(refusal({ step: 0, logZ: null })).rejects.toThrow(/made 0 updates, the run 4; the adapter's logZ is null/);
    await expect(refusal(adapter)).resolves.toBeInstanceOf(GflowpoRun);
  });

  it('before training expects an untouched adapter (step 0, no logZ) although the run already tracks logZ', async () => {
    const { state } = await stateAfter(50);
    expect(state.logZ).not.toBeNull();
    await expect(GflowpoRun.fromState(state, toyTask(), new ScriptedSampler(POOL), new FixedTarget())).resolves.toBeInstanceOf(GflowpoRun);
    await expect(GflowpoRun.fromState(state, toyTask(), new ScriptedSampler(POOL).restored({ step: 0, logZ: state.logZ }), new FixedTarget())).rejects.toThrow(/adapter's logZ is -?\d.*, the run's null/);
  });
});

describe('fromState refuses a malformed state field by field', () => {
  let base: GflowpoRunState;
  let adapter: { step: number; logZ: number | null };
  beforeAll(async () => {
    const saved = await stateAfter(112);
    base = saved.state;
    adapter = await saved.sampler.adapterState();
  });
  const cases: [string, (s: GflowpoRunState) => unknown, string, RegExp][] = [
    ['Infinity accuracy in the buffer', (s) => ({ ...s, buffer: { ...s.buffer, heap: [{ ...s.buffer.heap[0]!, trainAccuracy: Infinity }, ...s.buffer.heap.slice(1)] } }), 'buffer', /bad replay-buffer entry 0 .*trainAccuracy in \[0, 1\]/],
    ['accuracy above 1 in the queue', (s) => ({ ...s, queue: { ...s.queue, entries: [{ ...s.queue.entries[0]!, trainAccuracy: 1.5 }] } }), 'queue', /bad queue entry 0/],
    ['Infinity test accuracy in the queue', (s) => ({ ...s, queue: { ...s.queue, entries: [{ ...s.queue.entries[0]!, testAccuracy: Infinity }] } }), 'queue', /bad queue entry 0/],
    ['a cached score that is not finite', (s) => ({ ...s, cache: { ...s.cache, entries: [{ ...s.cache.entries[0]!, score: Number.NaN }] } }), 'cache', /bad reward-cache entry 0/],
    ['a buffer capacity contradicting the settings', (s) => ({ ...s, buffer: { ...s.buffer, capacity: 2000 } }), 'buffer.capacity', /expected the settings' bufferSize 1000, got 2000/],
    ['a queue capacity contradicting the settings', (s) => ({ ...s, queue: { ...s.queue, capacity: 6 } }), 'queue.capacity', /queueSize 5, got 6/],
    ['a string where the condition buffer list belongs', (s) => ({ ...s, conditionBuffer: 'Add the numbers' }), 'conditionBuffer', /expected a list of prompts, got "Add the numbers"/],
    ['a number inside the condition buffer', (s) => ({ ...s, conditionBuffer: [...s.conditionBuffer!.slice(0, 3), 7] }), 'conditionBuffer[3]', /expected a string, got 7/],
    ['a string where the initial prompts belong', (s) => ({ ...s, initialPrompts: 'abc' }), 'initialPrompts', /a list of prompts/],
    ['a string where the meta-prompt history belongs', (s) => ({ ...s, metaPromptHistory: 'abc' }), 'metaPromptHistory', /a list of 112 entries/],
    ['a history entry without its meta-prompts', (s) => ({ ...s, metaPromptHistory: s.metaPromptHistory.map((h, i) => (i === 5 ? { step: 6 } : h)) }), 'metaPromptHistory[5].metaPrompts', /4 meta-prompts/],
    ['a string where demonstration indices belong', (s) => ({ ...s, metaPromptHistory: s.metaPromptHistory.map((h, i) => (i === 0 ? { ...h, metaPrompts: h.metaPrompts.map((m) => ({ ...m, demonstrationIndices: '012' })) } : h)) }), 'metaPromptHistory[0].metaPrompts[0].demonstrationIndices', /non-negative integers/],
    ['a non-numeric logZ', (s) => ({ ...s, logZ: '-42.5' }), 'logZ', /a finite number .*got "-42.5"/],
    ['a null logZ after sampling', (s) => ({ ...s, logZ: null }), 'logZ', /a finite number/],
    ['done: 1', (s) => ({ ...s, done: 1 }), 'done', /null or the run's done event/],
    ['a done event of another step', (s) => ({ ...s, done: { type: 'done', step: 3, mode: 'gflowpo', reason: 'steps', selected: null } }), 'done.step', /the state's step 112/],
    ['a fractional step', (s) => ({ ...s, step: 11.5 }), 'step', /an integer in \[0, steps = 130\]/],
    ['more updates than training steps', (s) => ({ ...s, updates: 40 }), 'updates', /\[0, 13\]/],
    ['an rng state out of range', (s) => ({ ...s, rng: { ...s.rng, replay: -1 } }), 'rng.replay', /32-bit unsigned integer/],
    ['a bad setting', (s) => ({ ...s, settings: { ...s.settings, topP: 2 } }), 'settings.topP', /\(0, 1\]/],
    ['an unknown setting', (s) => ({ ...s, settings: { ...s.settings, temperature: 1 } }), 'settings.temperature', /unknown setting/],
    ['a list instead of a state', () => [1, 2], '(state)', /a run-state object/],
    ['a task id that is not a string', (s) => ({ ...s, task: 5 }), 'task', /the task id/],
  ];
  it.each(cases)('%s', async (_, corrupt, field, message) => {
    let error: unknown;
    try {
      await GflowpoRun.fromState(corrupt(structuredClone(base)), toyTask(), new ScriptedSampler(POOL).restored(adapter), new FixedTarget());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GflowpoStateError);
    expect((error as GflowpoStateError).field).toBe(field);
    expect((error as Error).message.startsWith(`run state ${field}: `)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('accepts the state it was corrupted from', async () => {
    await expect(GflowpoRun.fromState(structuredClone(base), toyTask(), new ScriptedSampler(POOL).restored(adapter), new FixedTarget())).resolves.toBeInstanceOf(GflowpoRun);
  });
});

describe('a step that throws', () => {
  it('after some micro-batches accumulated changes nothing but the cache, so retrying it gives the uninterrupted run', async () => {
    // The 18th accumulate is micro-batch 1 of step 104: micro-batch 0 had accumulated and moved the sampler's logZ.
    const sampler = new FlakySampler(POOL, 18);
    const run = new GflowpoRun(settings, toyTask(), sampler, new FixedTarget());
    const events: StepEvent[] = [];
    let failures = 0;
    while (!run.finished) {
      try {
        events.push(...(await run.step()));
      } catch (e) {
        expect((e as Error).message).toBe('device lost');
        expect(run.completedSteps).toBe(103);
        expect(sampler.accumulateCalls.at(-1)!.microBatch).toBe(0);
        failures++;
      }
    }
    expect(failures).toBe(1);
    // The retry started its accumulation over: every update applied exactly the step's 4 micro-batches.
    expect(sampler.applyCalls.every((c) => c.microBatches === 4)).toBe(true);
    // The failed attempt's scores stayed cached, so the retry's lookups were hits: only cacheHits differs.
    const withoutHits = (lines: string) => lines.replace(/"cacheHits":\d+/g, '"cacheHits":0');
    expect(jsonl(events)).not.toBe(uninterrupted);
    expect(withoutHits(jsonl(events))).toBe(withoutHits(uninterrupted));
  });
});
