// parseRunState clause by clause with its exact messages, found by mutation testing (docs/mutation.md): what is
// an object, a count and an accuracy (0 and 1 included), how a refused value is quoted (undefined, functions,
// 120 characters at most), the target, the random states, the condition buffer and logZ before anything was
// sampled, the history's steps and meta-prompts, and the done event (mode, reason, the selected prompt's fields).
// The states come from small real runs (3 or 4 steps of 2 micro-batches of 2 prompts), made inside each test.
import { describe, expect, it } from 'vitest';
import { GflowpoRun, GflowpoRunError, type GflowpoRunState, GflowpoStateError } from '../../src/gflow/run';
import { parseRunState } from '../../src/gflow/run-state';
import { RNG_PURPOSES } from '../../src/gflow/rng';
import { FixedTarget, ScriptedSampler, toyTask } from './doubles';
import { POOL } from './run-helpers';

// Condition buffer frozen at step 2, references from step 3; 4 steps, the first filling.
const SETTINGS = { steps: 4, warmupSteps: 1, microBatches: 2, microBatchSize: 2, conditionFreezeStep: 2, referencesFromStep: 3 };

type Raw = Record<string, unknown>;

async function stateAfter(steps: number, settings: Raw = SETTINGS): Promise<Raw> {
  const run = new GflowpoRun(settings, toyTask(), new ScriptedSampler(POOL), new FixedTarget());
  while (run.completedSteps < steps && !run.finished) await run.step();
  if (steps >= (settings['steps'] as number)) await run.run();
  return JSON.parse(JSON.stringify(run.state())) as Raw;
}

/** The field and message parseRunState refuses `raw` with (fails the test when it accepts it). */
function refusal(raw: unknown): { field: string; message: string; name: string } {
  try {
    parseRunState(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(GflowpoStateError);
    const error = e as GflowpoStateError;
    return { field: error.field, message: error.message, name: error.name };
  }
  throw new Error('parseRunState accepted the state');
}

const refused = (raw: unknown, field: string, expected: string) =>
  expect(refusal(raw)).toEqual({ field, message: `run state ${field}: ${expected}`, name: 'GflowpoStateError' });

describe('parseRunState: the whole', () => {
  it('refuses anything but a plain object, quoting it', () => {
    refused(null, '(state)', 'expected a run-state object, got null');
    refused('a state', '(state)', 'expected a run-state object, got "a state"');
    refused(5, '(state)', 'expected a run-state object, got 5');
    refused([1], '(state)', 'expected a run-state object, got [1]');
    refused(undefined, '(state)', 'expected a run-state object, got undefined');
  });

  it('quotes a function as its source and cuts a long value at 120 characters', async () => {
    const s = await stateAfter(1);
    refused({ ...s, target: () => 1 }, 'target', 'expected the target-LM id (a string), got () => 1');
    refused({ ...s, target: ['x'.repeat(300)] }, 'target', `expected the target-LM id (a string), got ${`["${'x'.repeat(300)}"]`.slice(0, 120)}`);
    refused({ ...s, target: undefined }, 'target', 'expected the target-LM id (a string), got undefined');
    const { target: _, ...withoutTarget } = s;
    refused(withoutTarget, 'target', 'expected the target-LM id (a string), got undefined');
  });
});

describe('parseRunState: version, task and settings', () => {
  it('names the version, the task and the bad setting', async () => {
    const s = await stateAfter(1);
    refused({ ...s, version: 1 }, 'version', 'unsupported run-state version 1; this build reads version 2 (start a new run)');
    const { version: _, ...withoutVersion } = s;
    refused(withoutVersion, 'version', 'unsupported run-state version undefined; this build reads version 2 (start a new run)');
    refused({ ...s, task: 5 }, 'task', 'expected the task id (a string), got 5');
    refused({ ...s, task: null }, 'task', 'expected the task id (a string), got null');
    expect(refusal({ ...s, settings: { ...(s['settings'] as Raw), steps: 0 } }).field).toBe('settings.steps');
  });

  it('lets an error that is not a settings error through unchanged', async () => {
    const s = await stateAfter(1);
    const settings = { ...(s['settings'] as Raw) };
    Object.defineProperty(settings, 'steps', {
      enumerable: true,
      get() {
        throw new RangeError('unreadable');
      },
    });
    expect(() => parseRunState({ ...s, settings })).toThrow(new RangeError('unreadable'));
  });
});

describe('parseRunState: counters and random states', () => {
  it('refuses a negative step or update count', async () => {
    const s = await stateAfter(3);
    refused({ ...s, step: -1 }, 'step', 'expected an integer in [0, steps = 4], got -1');
    refused({ ...s, step: 5 }, 'step', 'expected an integer in [0, steps = 4], got 5');
    expect(() => parseRunState({ ...s, step: 4 })).toThrow(/metaPromptHistory: expected a list of 4 entries/); // 4 itself is a valid step
    refused({ ...s, updates: -1 }, 'updates', 'expected an integer in [0, 2] (the training steps among the 3 completed), got -1');
    expect(parseRunState({ ...s, updates: 2 }).state.updates).toBe(2);
  });

  it('refuses random states that are not an object of 32-bit unsigned integers, naming the stream', async () => {
    const s = await stateAfter(1);
    const rng = s['rng'] as Record<string, number>;
    refused({ ...s, rng: 5 }, 'rng', `expected an object of 32-bit states (${RNG_PURPOSES.join(', ')}), got 5`);
    refused({ ...s, rng: [1, 2, 3, 4, 5] }, 'rng', `expected an object of 32-bit states (${RNG_PURPOSES.join(', ')}), got [1,2,3,4,5]`);
    refused({ ...s, rng: { ...rng, temperature: 2 ** 32 } }, 'rng.temperature', `expected a 32-bit unsigned integer, got ${2 ** 32}`);
    refused({ ...s, rng: { ...rng, sampling: 1.5 } }, 'rng.sampling', 'expected a 32-bit unsigned integer, got 1.5');
    const { references: _, ...fourStreams } = rng;
    refused({ ...s, rng: fourStreams }, 'rng.references', 'expected a 32-bit unsigned integer, got undefined');
    expect(parseRunState({ ...s, rng: { ...rng, replay: 0xffffffff, demonstrations: 0 } }).state.rng).toMatchObject({ replay: 0xffffffff, demonstrations: 0 });
  });
});

describe('parseRunState: before anything was sampled', () => {
  it('a fresh run has no condition buffer and no logZ', async () => {
    const s = await stateAfter(0);
    expect(parseRunState(s).state.step).toBe(0);
    refused({ ...s, conditionBuffer: ['Add.'] }, 'conditionBuffer', 'expected null (the condition buffer is frozen only under DMU from step 2), got ["Add."]');
    refused({ ...s, conditionBuffer: [] }, 'conditionBuffer', 'expected null (the condition buffer is frozen only under DMU from step 2), got []');
    refused({ ...s, logZ: 1.5 }, 'logZ', 'expected null (no micro-batch yet), got 1.5');
    refused({ ...s, logZ: 0 }, 'logZ', 'expected null (no micro-batch yet), got 0');
  });

  it('after step 1 (before the freeze) still no condition buffer, but a finite logZ', async () => {
    const s = await stateAfter(1);
    expect(typeof s['logZ']).toBe('number');
    refused({ ...s, conditionBuffer: ['Add.'] }, 'conditionBuffer', 'expected null (the condition buffer is frozen only under DMU from step 2), got ["Add."]');
    refused({ ...s, logZ: Infinity }, 'logZ', 'expected a finite number (tracked from the first micro-batch), got null');
  });

  it('a manual run never samples: no logZ, no history, no condition buffer', async () => {
    const run = new GflowpoRun({ mode: 'manual', manualPrompt: 'Add the two numbers.' }, toyTask(), new ScriptedSampler(POOL), new FixedTarget());
    await run.run();
    const s = JSON.parse(JSON.stringify(run.state())) as Raw;
    expect(parseRunState(s).state.step).toBe(1);
    refused({ ...s, logZ: -2 }, 'logZ', 'expected null (no micro-batch yet), got -2');
    refused({ ...s, metaPromptHistory: [{ step: 1, metaPrompts: [] }] }, 'metaPromptHistory', 'expected a list of 0 entries (one per completed step), got "1 entries"');
    refused({ ...s, conditionBuffer: [] }, 'conditionBuffer', 'expected null (the condition buffer is frozen only under DMU from step 100), got []');
  });
});

describe('parseRunState: the meta-prompt history', () => {
  it('refuses an entry of the wrong step or not an object, quoting what is there', async () => {
    const s = await stateAfter(3);
    const history = s['metaPromptHistory'] as Raw[];
    const withEntry = (i: number, entry: unknown) => ({ ...s, metaPromptHistory: history.map((h, j) => (j === i ? entry : h)) });
    refused(withEntry(1, { ...history[1], step: 5 }), 'metaPromptHistory[1].step', 'expected 2, got 5');
    refused(withEntry(2, 'step 3'), 'metaPromptHistory[2].step', 'expected 3, got "step 3"');
    refused(withEntry(0, { metaPrompts: history[0]!['metaPrompts'] }), 'metaPromptHistory[0].step', 'expected 1, got undefined');
  });

  it('checks each meta-prompt field', async () => {
    const s = await stateAfter(3);
    const history = s['metaPromptHistory'] as { step: number; metaPrompts: Raw[] }[];
    const m = history[2]!.metaPrompts[1]!;
    const withPrompt = (prompt: unknown) => ({ ...s, metaPromptHistory: history.map((h, j) => (j === 2 ? { ...h, metaPrompts: [h.metaPrompts[0], prompt] } : h)) });
    const at = 'metaPromptHistory[2].metaPrompts[1]';
    refused(
      { ...s, metaPromptHistory: history.map((h, j) => (j === 2 ? { ...h, metaPrompts: [h.metaPrompts[0]] } : h)) },
      'metaPromptHistory[2].metaPrompts',
      `expected a list of 2 meta-prompts (one per micro-batch), got ${JSON.stringify([history[2]!.metaPrompts[0]]).slice(0, 120)}`,
    );
    refused(withPrompt('text'), at, 'expected a meta-prompt { text, assistantPrefix, demonstrationIndices, references }, got "text"');
    refused(withPrompt({ ...m, text: 5 }), `${at}.text`, 'expected a string, got 5');
    refused(withPrompt({ ...m, assistantPrefix: null }), `${at}.assistantPrefix`, 'expected a string, got null');
    refused(withPrompt({ ...m, demonstrationIndices: [0, -1] }), `${at}.demonstrationIndices`, 'expected a list of non-negative integers, got [0,-1]');
    refused(withPrompt({ ...m, references: 'none' }), `${at}.references`, 'expected a list of prompts, got "none"');
    refused(withPrompt({ ...m, references: ['a', 3] }), `${at}.references[1]`, 'expected a string, got 3');
    expect(() => parseRunState(withPrompt({ ...m, demonstrationIndices: [0, 7], references: [] }))).not.toThrow();
  });
});

describe('parseRunState: the done event', () => {
  it('refuses another mode or reason, accepts both reasons', async () => {
    const s = await stateAfter(4);
    const done = s['done'] as Raw;
    expect(done).toMatchObject({ type: 'done', mode: 'gflowpo', reason: 'steps' });
    refused({ ...s, done: { ...done, type: 'update' } }, 'done', `expected null or the run's done event { type: 'done', step, mode, reason, selected }, got ${JSON.stringify({ ...done, type: 'update' }).slice(0, 120)}`);
    refused({ ...s, done: 'done' }, 'done', `expected null or the run's done event { type: 'done', step, mode, reason, selected }, got "done"`);
    refused({ ...s, done: { ...done, step: 3 } }, 'done.step', "expected the state's step 4, got 3");
    refused({ ...s, done: { ...done, mode: 'manual' } }, 'done.mode', `expected the settings' mode 'gflowpo', got "manual"`);
    refused({ ...s, done: { ...done, reason: 'aborted' } }, 'done.reason', `expected 'steps' or 'budget', got "aborted"`);
    refused({ ...s, done: { ...done, reason: undefined } }, 'done.reason', `expected 'steps' or 'budget', got undefined`);
    expect(parseRunState({ ...s, done: { ...done, reason: 'budget' } }).state.done!.reason).toBe('budget');
    expect(parseRunState({ ...s, done: { ...done, selected: null } }).state.done!.selected).toBeNull();
  });

  it('checks the selected prompt: an object with a text and three accuracies in [0, 1], both ends included', async () => {
    const s = await stateAfter(4);
    const done = s['done'] as Raw;
    const selected = done['selected'] as Raw;
    expect(typeof selected['text']).toBe('string');
    const withSelected = (p: unknown) => ({ ...s, done: { ...done, selected: p } });
    refused(withSelected('best'), 'done.selected', 'expected a scored prompt { text, trainAccuracy, validationAccuracy, testAccuracy }, got "best"');
    refused(withSelected({ ...selected, text: null }), 'done.selected.text', 'expected a string, got null');
    for (const k of ['trainAccuracy', 'validationAccuracy', 'testAccuracy']) {
      for (const bad of [1.5, -0.25, '0.5', null]) refused(withSelected({ ...selected, [k]: bad }), `done.selected.${k}`, `expected a number in [0, 1], got ${JSON.stringify(bad)}`);
      for (const edge of [0, 1]) expect((parseRunState(withSelected({ ...selected, [k]: edge })).state.done!.selected as unknown as Raw)[k]).toBe(edge);
    }
  });
});

describe('error names', () => {
  it('GflowpoStateError and GflowpoRunError carry their names', () => {
    expect(new GflowpoStateError('task', 'x')).toMatchObject({ name: 'GflowpoStateError', field: 'task', message: 'run state task: x' });
    expect(new GflowpoRunError('x').name).toBe('GflowpoRunError');
    expect(String(new GflowpoRunError('y'))).toBe('GflowpoRunError: y');
  });

  it('a state from fromState with a bad field is refused before any adapter is asked for', async () => {
    const s = (await stateAfter(1)) as unknown as GflowpoRunState;
    let asked = false;
    const sampler = new ScriptedSampler(POOL);
    sampler.adapterState = async () => {
      asked = true;
      return { step: 0, logZ: null };
    };
    await expect(GflowpoRun.fromState({ ...s, step: -1 }, toyTask(), sampler, new FixedTarget())).rejects.toThrow(GflowpoStateError);
    expect(asked).toBe(false);
  });
});
