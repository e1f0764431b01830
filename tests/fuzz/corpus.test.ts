// The malformed-input corpus (tests/fuzz/corpus.ts): every case gets its named error and message, or its value.
import { beforeAll, describe, expect, it } from 'vitest';
import type { GflowpoRunState } from '../../src/gflow/run-state';
import { ASYNC_CASES, type CorpusCase, GflowpoStateError, IMPORT_CASES, MODEL_CASES, RUN_STATE_CHANGES, parseRunState } from './corpus';
import { sampleRunState } from './support';

function check(c: CorpusCase, outcome: { value?: unknown; error?: unknown }): void {
  if (c.error) {
    expect(outcome.error, `${c.name}: expected ${c.error.name}, got ${outcome.error ? String(outcome.error) : 'a value'}`).toBeInstanceOf(c.error);
    expect((outcome.error as Error).message).toMatch(c.message!);
  } else {
    expect(outcome.error, String(outcome.error)).toBeUndefined();
    expect(c.value!(outcome.value as never)).toBe(true);
  }
}

describe('corpus: imports and tasks', () => {
  it.each(IMPORT_CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    try {
      check(c, { value: c.run() });
    } catch (error) {
      if ((error as Error).name === 'AssertionError') throw error;
      check(c, { error });
    }
  });
});

describe('corpus: models, weights and training files', () => {
  it.each(MODEL_CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    try {
      check(c, { value: c.run() });
    } catch (error) {
      if ((error as Error).name === 'AssertionError') throw error;
      check(c, { error });
    }
  });

  it.each(ASYNC_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const outcome = await c.run().then((value) => ({ value }), (error: unknown) => ({ error }));
    check(c as CorpusCase, outcome);
  });
});

describe('corpus: run state', () => {
  let state: GflowpoRunState;
  beforeAll(async () => {
    state = await sampleRunState();
  });
  it.each(RUN_STATE_CHANGES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const copy = JSON.parse(JSON.stringify(state)) as Record<string, any>;
    c.change(copy);
    let error: unknown;
    try {
      parseRunState(copy);
    } catch (e) {
      error = e;
    }
    expect(error, `${c.name} was accepted`).toBeInstanceOf(GflowpoStateError);
    expect((error as Error).message).toMatch(c.message);
  });
});
