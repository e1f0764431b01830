// Reproducibility: a seeded run repeats exactly; state() -> JSON -> fromState() -> continue gives the events of an
// uninterrupted run; a step that throws is retried exactly; a state refuses another task or target.
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
    const first = new GflowpoRun(settings, task, new ScriptedSampler(POOL), new FixedTarget());
    const events: StepEvent[] = [];
    while (first.completedSteps < stop) events.push(...(await first.step()));
    const saved = JSON.parse(JSON.stringify(first.state())) as GflowpoRunState;
    expect(saved.step).toBe(stop);
    const resumed = GflowpoRun.fromState(saved, task, new ScriptedSampler(POOL), new FixedTarget());
    expect(resumed.state()).toEqual(first.state());
    await resumed.run((e) => {
      events.push(e);
    });
    expect(jsonl(events)).toBe(uninterrupted);
  });

  it('keep a finished run finished, with its report', async () => {
    const { run, task } = await runToEnd({ steps: 3, warmupSteps: 1 });
    const copy = GflowpoRun.fromState(JSON.parse(JSON.stringify(run.state())), task, new ScriptedSampler(POOL), new FixedTarget());
    expect(copy.finished).toBe(true);
    expect(copy.done).toEqual(run.done);
  });

  it('hold the parts the brief names as plain JSON', async () => {
    const run = new GflowpoRun(settings, toyTask(), new ScriptedSampler(POOL), new FixedTarget());
    for (let i = 0; i < 101; i++) await run.step();
    const s = run.state();
    expect(Object.keys(s).sort()).toEqual(['buffer', 'cache', 'conditionBuffer', 'done', 'initialPrompts', 'logZ', 'metaPromptHistory', 'queue', 'rng', 'settings', 'step', 'target', 'task', 'updates', 'version'].sort());
    expect(Object.keys(s.rng)).toEqual(['sampling', 'temperature', 'replay', 'demonstrations', 'references']);
    expect(s.metaPromptHistory).toHaveLength(101);
    expect(s.updates).toBe(2);
    expect(typeof s.logZ).toBe('number');
    expect(s.conditionBuffer).toHaveLength(1000);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('refuse another task, another target or another version', async () => {
    const run = new GflowpoRun(settings, toyTask(), new ScriptedSampler(POOL), new FixedTarget());
    await run.step();
    const s = run.state();
    expect(() => GflowpoRun.fromState(s, toyTask('builtin/other'), new ScriptedSampler(POOL), new FixedTarget())).toThrow(/for task builtin\/toy-sum, not builtin\/other/);
    expect(() => GflowpoRun.fromState(s, toyTask(), new ScriptedSampler(POOL), new FixedTarget(undefined, 'other-model'))).toThrow(GflowpoStateError);
    expect(() => GflowpoRun.fromState({ ...s, version: 2 as 1 }, toyTask(), new ScriptedSampler(POOL), new FixedTarget())).toThrow(/version 2/);
    expect(() => GflowpoRun.fromState({ ...s, rng: { ...s.rng, replay: -1 } }, toyTask(), new ScriptedSampler(POOL), new FixedTarget())).toThrow(/rng\.replay/);
  });
});

describe('a step that throws', () => {
  it('changes nothing but the cache, so retrying it gives the uninterrupted run', async () => {
    const run = new GflowpoRun(settings, toyTask(), new FlakySampler(POOL, 5), new FixedTarget());
    const events: StepEvent[] = [];
    let failures = 0;
    while (!run.finished) {
      try {
        events.push(...(await run.step()));
      } catch (e) {
        expect((e as Error).message).toBe('device lost');
        expect(run.completedSteps).toBe(103);
        failures++;
      }
    }
    expect(failures).toBe(1);
    // The failed attempt's scores stayed cached, so the retry's lookups were hits: only cacheHits differs.
    const withoutHits = (lines: string) => lines.replace(/"cacheHits":\d+/g, '"cacheHits":0');
    expect(jsonl(events)).not.toBe(uninterrupted);
    expect(withoutHits(jsonl(events))).toBe(withoutHits(uninterrupted));
  });
});
