// GflowpoRun at its edges, found by mutation testing (docs/mutation.md): a sampler answering in the wrong shape
// (each check of micro-batch.ts with its message, and the run unchanged after it), step() called while a step runs
// or after the end, a task without validation examples, run() stopped by an AbortSignal between steps and
// continued, an update that was not finite (not counted), and the copies the run's accessors return.
import { describe, expect, it } from 'vitest';
import type { ApplyResult, MicroBatchResult, MicroBatchUpdate, PromptCandidate, SampledPrompt, SamplingRequest } from '../../src/gflow/interfaces';
import type { StepEvent } from '../../src/gflow/events';
import { GflowpoRun, GflowpoRunError } from '../../src/gflow/run';
import type { Task } from '../../src/tasks/task';
import { RngStream, initialRngStates } from '../../src/gflow/rng';
import { FixedTarget, ScriptedSampler, SequenceSampler, idsOf, toyTask } from './doubles';
import { POOL, microBatches, ofType } from './run-helpers';

// Step 1 fills the buffer (no update), steps 2 and 3 train; 2 micro-batches of 2 prompts; no DMU before step 50.
const SMALL = { steps: 3, warmupSteps: 1, microBatches: 2, microBatchSize: 2, conditionFreezeStep: 50, referencesFromStep: 50 };

/** A ScriptedSampler whose answers can be replaced (as unknown: the point is answers of the wrong shape). */
class MangledSampler extends ScriptedSampler {
  constructor(
    private readonly mangle: {
      sample?: (good: SampledPrompt[]) => unknown;
      logPrior?: (good: number[]) => unknown;
      accumulate?: (good: MicroBatchResult) => unknown;
      apply?: (good: ApplyResult) => ApplyResult;
    },
  ) {
    super(POOL);
  }

  override async sample(request: SamplingRequest): Promise<SampledPrompt[]> {
    const good = await super.sample(request);
    return (this.mangle.sample ? this.mangle.sample(good) : good) as SampledPrompt[];
  }

  override async logPrior(metaPrompt: string, prompts: readonly PromptCandidate[]): Promise<number[]> {
    const good = await super.logPrior(metaPrompt, prompts);
    return (this.mangle.logPrior ? this.mangle.logPrior(good) : good) as number[];
  }

  override async accumulate(batch: MicroBatchUpdate): Promise<MicroBatchResult> {
    const good = await super.accumulate(batch);
    return (this.mangle.accumulate ? this.mangle.accumulate(good) : good) as MicroBatchResult;
  }

  override async applyUpdate(options: { lr: number }): Promise<ApplyResult> {
    const good = await super.applyUpdate(options);
    return this.mangle.apply ? this.mangle.apply(good) : good;
  }
}

/** The error of the run's first step (filling) or, with `training`, of its second (the first training step). */
async function stepError(mangle: ConstructorParameters<typeof MangledSampler>[0], training = false): Promise<{ error: Error; run: GflowpoRun }> {
  const run = new GflowpoRun(SMALL, toyTask(), new MangledSampler(mangle), new FixedTarget());
  if (training) {
    // Only the accumulate answer is mangled, and the filling step makes no accumulate call.
    await run.step();
  }
  const error = await run.step().then(
    () => new Error('no error'),
    (e: unknown) => e as Error,
  );
  return { error, run };
}

describe('a sampler answering in the wrong shape', () => {
  const cases: [string, ConstructorParameters<typeof MangledSampler>[0], string][] = [
    ['fewer prompts than requested', { sample: (g) => g.slice(1) }, 'the sampler returned 1 prompts for a request of 2'],
    ['no list of prompts', { sample: () => ({ text: 'x' }) }, 'the sampler returned no list of prompts for a request of 2'],
    ['a prompt without text', { sample: (g) => [g[0], { ...g[1], text: undefined }] }, "the sampler's prompt 1 has no text or no tokenIds"],
    ['a prompt without tokenIds', { sample: (g) => [{ ...g[0], tokenIds: 'abc' }, g[1]] }, "the sampler's prompt 0 has no text or no tokenIds"],
    ['a null prompt', { sample: (g) => [g[0], null] }, "the sampler's prompt 1 has no text or no tokenIds"],
    ['a log-prior too few', { logPrior: (g) => g.slice(1) }, 'the sampler returned 1 log-priors for 2 prompts'],
    ['no list of log-priors', { logPrior: () => 3 }, 'the sampler returned no list of log-priors for 2 prompts'],
    ['a NaN log-prior', { logPrior: (g) => [g[0], Number.NaN] }, 'the sampler returned log-priors NaN for prompt 1; every value must be a finite number (is a prompt token outside the allowed vocabulary?)'],
    ['a log-prior as a string', { logPrior: (g) => ['-2', g[1]] }, 'the sampler returned log-priors -2 for prompt 0; every value must be a finite number'],
    ['an infinite log-prior', { logPrior: (g) => [-Infinity, g[1]] }, 'the sampler returned log-priors -Infinity for prompt 0'],
  ];
  it.each(cases)('%s is refused with a GflowpoRunError saying what came back', async (_, mangle, message) => {
    const { error, run } = await stepError(mangle);
    expect(error).toBeInstanceOf(GflowpoRunError);
    expect(error.name).toBe('GflowpoRunError');
    expect(error.message.startsWith(message)).toBe(true);
    // Nothing of the step was kept.
    expect([run.completedSteps, run.currentLogZ, run.bufferEntries().length]).toEqual([0, null, 0]);
  });

  const training: [string, ConstructorParameters<typeof MangledSampler>[0], string][] = [
    ['logPF for one prompt of two', { accumulate: (g) => ({ ...g, logPF: g.logPF.slice(1) }) }, 'the sampler returned 1 logPF values for 2 prompts'],
    ['a NaN logPF', { accumulate: (g) => ({ ...g, logPF: [g.logPF[0], Number.NaN] }) }, 'the sampler returned logPF values NaN for prompt 1'],
    ['a NaN logZ', { accumulate: (g) => ({ ...g, logZ: Number.NaN }) }, "the sampler's logZ after micro-batch 0 of step 2 is NaN; it must be a finite number"],
    ['an infinite logZ', { accumulate: (g) => ({ ...g, logZ: Infinity }) }, "the sampler's logZ after micro-batch 0 of step 2 is Infinity; it must be a finite number"],
    ['a logZ as a string', { accumulate: (g) => ({ ...g, logZ: '-1.5' }) }, "the sampler's logZ after micro-batch 0 of step 2 is -1.5; it must be a finite number"],
  ];
  it.each(training)('%s after accumulate is refused, and the training step is not kept', async (_, mangle, message) => {
    const { error, run } = await stepError(mangle, true);
    expect(error).toBeInstanceOf(GflowpoRunError);
    expect(error.message.startsWith(message)).toBe(true);
    expect(run.completedSteps).toBe(1);
    expect(run.completedUpdates).toBe(0);
  });
});

describe('step()', () => {
  it('refuses a second call while one runs, then steps normally', async () => {
    const run = new GflowpoRun(SMALL, toyTask(), new ScriptedSampler(POOL), new FixedTarget());
    const first = run.step();
    await expect(run.step()).rejects.toThrow(new GflowpoRunError('step() is already running; await it before calling step() again'));
    await first;
    expect(run.completedSteps).toBe(1);
    await run.step();
    expect(run.completedSteps).toBe(2);
  });

  it('refuses a finished run with a message saying what to do', async () => {
    const run = new GflowpoRun(SMALL, toyTask(), new ScriptedSampler(POOL), new FixedTarget());
    await run.run();
    expect(run.finished).toBe(true);
    await expect(run.step()).rejects.toThrow(new GflowpoRunError('the run is finished; read its report (done, state()) or start a new run'));
  });

  it('is free again after a step that threw', async () => {
    let fail = true;
    const sampler = new MangledSampler({ logPrior: (g) => (fail ? [] : g) });
    const run = new GflowpoRun(SMALL, toyTask(), sampler, new FixedTarget());
    await expect(run.step()).rejects.toThrow(GflowpoRunError);
    fail = false;
    await run.step();
    expect(run.completedSteps).toBe(1);
  });
});

describe('a task without validation examples', () => {
  // finishTask refuses empty splits, so these are made by hand (as a task from elsewhere could be).
  const noValidation = (): Task => {
    const t = toyTask();
    return { ...t, splits: { ...t.splits, validation: [] } };
  };

  it('is refused while either phase shows demonstrations, naming the task and the fix', () => {
    for (const demos of [{}, { demonstrationsFilling: 0 }, { demonstrationsTraining: 0 }]) {
      expect(() => new GflowpoRun({ ...SMALL, ...demos }, noValidation(), new ScriptedSampler(POOL), new FixedTarget())).toThrow(
        new GflowpoRunError(
          "task builtin/toy-sum has an empty validation split; the meta-prompt's demonstrations are drawn from it (or set demonstrationsFilling and demonstrationsTraining to 0)",
        ),
      );
    }
  });

  it('runs with no demonstrations at all', async () => {
    const run = new GflowpoRun({ ...SMALL, demonstrationsFilling: 0, demonstrationsTraining: 0 }, noValidation(), new ScriptedSampler(POOL), new FixedTarget());
    await run.step();
    expect(run.metaPromptHistory()[0]!.metaPrompts[0]!.demonstrationIndices).toEqual([]);
  });

  it('an empty train split is refused first', () => {
    const t = toyTask();
    const task: Task = { ...t, splits: { ...t.splits, train: [], validation: [] } };
    expect(() => new GflowpoRun(SMALL, task, new ScriptedSampler(POOL), new FixedTarget())).toThrow(
      new GflowpoRunError('task builtin/toy-sum has an empty train split; the reward needs training examples'),
    );
  });
});

describe('run() with an AbortSignal', () => {
  it('returns null without stepping when already aborted', async () => {
    const sampler = new ScriptedSampler(POOL);
    const run = new GflowpoRun(SMALL, toyTask(), sampler, new FixedTarget());
    const controller = new AbortController();
    controller.abort();
    expect(await run.run(undefined, { signal: controller.signal })).toBeNull();
    expect(run.completedSteps).toBe(0);
    expect(sampler.sampleRequests).toHaveLength(0);
  });

  it('stops between steps once aborted, and a later run() finishes like an uninterrupted one', async () => {
    const run = new GflowpoRun(SMALL, toyTask(), new ScriptedSampler(POOL), new FixedTarget());
    const controller = new AbortController();
    const events: string[] = [];
    const result = await run.run(
      (e) => {
        events.push(e.type);
        if (e.type === 'budget') controller.abort(); // the last event of step 1
      },
      { signal: controller.signal },
    );
    expect(result).toBeNull();
    expect(run.completedSteps).toBe(1);
    expect(events).toEqual(['step', 'buffer', 'queue', 'budget']);
    const done = await run.run();
    expect(done).toEqual(run.done);
    expect(done).toMatchObject({ type: 'done', step: 3, reason: 'steps' });

    const whole = new GflowpoRun(SMALL, toyTask(), new ScriptedSampler(POOL), new FixedTarget());
    expect(await whole.run()).toEqual(done);
  });
});

describe('an update that is not finite', () => {
  it('is reported with finite false and not counted: the learning rate stays at update 0', async () => {
    const sampler = new MangledSampler({ apply: (g) => ({ ...g, finite: false }) });
    const run = new GflowpoRun({ ...SMALL, steps: 4 }, toyTask(), sampler, new FixedTarget());
    const events: StepEvent[] = [];
    while (!run.finished) events.push(...(await run.step()));
    const updates = ofType(events, 'update');
    expect(updates.map((u) => u.finite)).toEqual([false, false, false]);
    expect(run.completedUpdates).toBe(0);
    // Every update asked for the learning rate of update 0 (the warm-up's first).
    expect(new Set(sampler.applyCalls.map((c) => c.lr)).size).toBe(1);
    expect(updates.map((u) => u.lr)).toEqual(sampler.applyCalls.map((c) => c.lr));
    expect(run.state().updates).toBe(0);
  });

  it('counted when finite, with the learning rate moving along the warm-up', async () => {
    const sampler = new ScriptedSampler(POOL);
    const run = new GflowpoRun({ ...SMALL, steps: 4 }, toyTask(), sampler, new FixedTarget());
    await run.run();
    expect(run.completedUpdates).toBe(3);
    expect(new Set(sampler.applyCalls.map((c) => c.lr)).size).toBe(3);
  });
});

describe('accessors return copies', () => {
  it('metaPromptHistory, conditionBuffer, bufferEntries and queueEntries cannot change the run', async () => {
    const settings = { ...SMALL, steps: 4, conditionFreezeStep: 2, referencesFromStep: 3 };
    const run = new GflowpoRun(settings, toyTask(), new ScriptedSampler(POOL), new FixedTarget());
    await run.run();
    const state = JSON.stringify(run.state());
    const history = run.metaPromptHistory();
    expect(history.map((h) => h.step)).toEqual([1, 2, 3, 4]);
    history[0]!.metaPrompts[0]!.text = 'changed';
    history.pop();
    const condition = run.conditionBuffer()!;
    expect(condition.length).toBeGreaterThan(0);
    condition.push('changed');
    run.bufferEntries().pop();
    run.queueEntries().pop();
    expect(JSON.stringify(run.state())).toBe(state);
    expect(run.metaPromptHistory()).toEqual(JSON.parse(state).metaPromptHistory);
  });
});

describe('replay on the very first step (no filling steps)', () => {
  it('the first micro-batch samples fresh (the buffer is empty), the next ones replay what it sampled', async () => {
    const sampler = new ScriptedSampler(POOL);
    const settings = { ...SMALL, steps: 1, warmupSteps: 0, microBatches: 3, replayProbability: 1 };
    const run = new GflowpoRun(settings, toyTask(), sampler, new FixedTarget());
    const events = await run.step();
    const [step] = ofType(events, 'step');
    expect(step!.samples.map((x) => [x.microBatch, x.replayed])).toEqual([
      [0, false],
      [0, false],
      [1, true],
      [1, true],
      [2, true],
      [2, true],
    ]);
    expect(sampler.sampleRequests).toHaveLength(1);
    const fresh = step!.samples.slice(0, 2).map((x) => x.text);
    for (const x of step!.samples.slice(2)) expect(fresh).toContain(x.text);
    expect(run.state().initialPrompts).toEqual([...new Set(fresh)]);
  });
});

describe('the run counters', () => {
  it('targetCalls and cacheHits are the cache counts the budget events report', async () => {
    const target = new FixedTarget();
    const run = new GflowpoRun(SMALL, toyTask(), new ScriptedSampler(POOL), target);
    const events: StepEvent[] = [];
    await run.run((e) => {
      events.push(e);
    });
    const last = ofType(events, 'budget').at(-1)!;
    expect(run.targetCalls).toBe(target.calls);
    expect([run.targetCalls, run.cacheHits]).toEqual([last.targetCalls, last.cacheHits]);
    expect(run.cacheHits).toBeGreaterThan(0); // the final report asks again for train scores already in the cache
  });
});

// run-schedule.test.ts checks these on the official 200-step run, computed once in beforeAll; Stryker's per-test
// coverage cannot see code that a beforeAll ran, so they are checked again here on a small run made in the test.
describe('fresh micro-batches on a small run', () => {
  it('draw their temperature from the temperature stream, U(temperatureMin, temperatureMax), and score on the sampled ids', async () => {
    const sampler = new ScriptedSampler(POOL);
    const run = new GflowpoRun({ ...SMALL, temperatureMin: 0.25, temperatureMax: 3, seed: 11 }, toyTask(), sampler, new FixedTarget());
    const events: StepEvent[] = [];
    while (!run.finished) events.push(...(await run.step()));
    const stream = new RngStream(initialRngStates(11).temperature);
    const expected = sampler.sampleRequests.map(() => 0.25 + 2.75 * stream.next());
    const freshBatches = ofType(events, 'step').flatMap((e) => microBatches(e).filter((b) => !b[0]!.replayed));
    expect(sampler.sampleRequests).toHaveLength(freshBatches.length);
    expect(freshBatches.length).toBeGreaterThanOrEqual(4); // the 2 filling micro-batches and some training ones
    expect(freshBatches.map((b) => b[0]!.temperature)).toEqual(expected);
    expect(sampler.sampleRequests.map((r) => r.temperature)).toEqual(expected);
    for (const t of expected) expect(t).toBeGreaterThanOrEqual(0.25), expect(t).toBeLessThan(3);
    const fresh = ofType(events, 'step').flatMap((e) => e.samples.filter((x) => !x.replayed));
    expect(fresh.map((x) => x.tokens)).toEqual(fresh.map((x) => idsOf(x.text).length));
    const batches = ofType(events, 'step').flatMap((e) => microBatches(e));
    expect(sampler.logPriorCalls.map((c) => c.prompts)).toEqual(batches.map((b) => b.map((x) => (x.replayed ? { text: x.text } : { text: x.text, tokenIds: idsOf(x.text) }))));
  });
});

describe('the queue update of a micro-batch', () => {
  it("takes the micro-batch's first best prompt when two tie on train accuracy (torch's argmax)", async () => {
    const acc: Record<string, number> = { A: 0.5, B: 0.5, C: 0.25, D: 0.25, E: 0.75, F: 0.75, G: 0, H: 1 };
    const sampler = new SequenceSampler(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']);
    const run = new GflowpoRun({ ...SMALL, steps: 2, replayProbability: 0 }, toyTask(), sampler, new FixedTarget((p) => acc[p]!));
    await run.step(); // filling: A B | C D, no queue update
    expect(run.queueEntries()).toEqual([]);
    await run.step(); // training: E F | G H
    expect(run.queueEntries().map((e) => e.text).sort()).toEqual(['E', 'H']);
  });
});

describe('manual mode', () => {
  it('refuses a blank prompt from the caller as no prompt', () => {
    for (const blank of ['', '  \n\t']) {
      expect(() => new GflowpoRun({ mode: 'manual' }, toyTask('sst2'), new ScriptedSampler(POOL), new FixedTarget(), { manualPrompt: blank })).toThrow(
        new GflowpoRunError("mode 'manual' needs a prompt: the caller gave none, so set manualPrompt"),
      );
    }
  });
});

describe('a run that makes no step', () => {
  it('has no initial prompts: its state and its initial event list none', async () => {
    const fresh = new GflowpoRun(SMALL, toyTask(), new ScriptedSampler(POOL), new FixedTarget());
    expect(fresh.state().initialPrompts).toEqual([]);
    const target = new FixedTarget();
    const run = new GflowpoRun({ ...SMALL, targetCallBudget: 0 }, toyTask(), new ScriptedSampler(POOL), target);
    const events: StepEvent[] = [];
    await run.run((e) => {
      events.push(e);
    });
    expect(ofType(events, 'initial')[0]!.prompts).toEqual([]);
    expect(run.state().initialPrompts).toEqual([]);
    expect(target.calls).toBe(0);
  });
});

describe('demonstrations on a small run', () => {
  it('each step draws its demonstrations once from the validation split, as many as its phase shows', async () => {
    const run = new GflowpoRun({ ...SMALL, demonstrationsFilling: 3, demonstrationsTraining: 2 }, toyTask(), new ScriptedSampler(POOL), new FixedTarget());
    await run.run();
    const history = run.metaPromptHistory();
    expect(history.map((h) => h.metaPrompts.map((m) => m.demonstrationIndices.length))).toEqual([
      [3, 3],
      [2, 2],
      [2, 2],
    ]);
    for (const h of history) {
      expect(h.metaPrompts[1]!.demonstrationIndices).toEqual(h.metaPrompts[0]!.demonstrationIndices);
      for (const i of h.metaPrompts[0]!.demonstrationIndices) expect(i >= 0 && i < 8).toBe(true);
    }
  });
});

describe('update and buffer events on a small run', () => {
  it("report the mean of the micro-batch losses and the buffer's best entry", async () => {
    const sampler = new ScriptedSampler(POOL);
    const run = new GflowpoRun(SMALL, toyTask(), sampler, new FixedTarget());
    const events: StepEvent[] = [];
    while (!run.finished) events.push(...(await run.step()));
    const updates = ofType(events, 'update');
    expect(updates).toHaveLength(2);
    updates.forEach((u, k) => {
      const losses = sampler.accumulateCalls.slice(2 * k, 2 * k + 2).map((c) => c.result.loss);
      expect(u.microBatchLosses).toEqual(losses);
      expect(u.loss).toBeCloseTo((losses[0]! + losses[1]!) / 2, 12);
    });
    for (const b of ofType(events, 'buffer')) {
      expect(b.best).not.toBeNull();
      expect(Object.keys(b.best!).sort()).toEqual(['text', 'trainAccuracy']);
      expect(b.best!.trainAccuracy).toBe(Math.max(...ofType(events, 'step').filter((e) => e.step <= b.step).flatMap((e) => e.samples.map((x) => x.trainAccuracy))));
    }
  });
});
