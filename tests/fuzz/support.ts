// Fuzz-suite support: how many runs each property gets (a few hundred in CI; FUZZ_RUNS=20000 for a long hunt, with
// FUZZ_SEED to replay a failure fast-check printed), and the one rule every parser at a trust boundary keeps: it
// returns a value or throws one of its named errors, never a TypeError, RangeError or SyntaxError from inside.
import fc from 'fast-check';
import { expect } from 'vitest';
import { GflowpoRun } from '../../src/gflow/run';
import type { GflowpoRunState } from '../../src/gflow/run-state';
import { FixedTarget, ScriptedSampler, promptPool, toyTask } from '../gflow/doubles';

/** Runs per property: FUZZ_RUNS, else `ci` (a few hundred, so the whole suite takes seconds). */
export function runs(ci = 200): number {
  const env = Number(process.env['FUZZ_RUNS']);
  return Number.isInteger(env) && env > 0 ? env : ci;
}

/** fast-check parameters for one property: its runs, and FUZZ_SEED when set (to replay a reported failure). */
export function params(ci = 200): fc.Parameters<unknown> {
  const seed = Number(process.env['FUZZ_SEED']);
  return { numRuns: runs(ci), ...(Number.isInteger(seed) ? { seed } : {}) };
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Runs `parse`; if it throws, the error must be an instance of one of `allowed` with a non-empty message (a named
 * error saying what is wrong). Returns the value, or undefined when it threw.
 */
export function valueOrNamedError<T>(parse: () => T, allowed: readonly ErrorClass[]): T | undefined {
  try {
    return parse();
  } catch (error) {
    const named = allowed.some((k) => error instanceof k);
    expect(named, `threw ${(error as Error)?.name}: ${(error as Error)?.message}`).toBe(true);
    expect((error as Error).message.length).toBeGreaterThan(0);
    return undefined;
  }
}

/** A copy of `bytes` with one of: a byte changed, a range deleted, bytes inserted, cut short, extended. */
export const byteMutation = (length: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat({ max: Math.max(0, length - 1) }), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat({ max: length }), count: fc.integer({ min: 1, max: 16 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat({ max: length }), values: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat({ max: length }) }),
  );

export type ByteMutation = ReturnType<typeof byteMutation> extends fc.Arbitrary<infer M> ? M : never;

export function mutate(bytes: Uint8Array, m: ByteMutation): Uint8Array {
  const out = Array.from(bytes);
  if (m.kind === 'set') out[Math.min(m.at, out.length - 1)] = m.value;
  else if (m.kind === 'delete') out.splice(m.at, m.count);
  else if (m.kind === 'insert') out.splice(m.at, 0, ...m.values);
  else out.length = m.at;
  return Uint8Array.from(out);
}

/** A copy of `text` with a character deleted, inserted (from JSON's and CSV's punctuation) or replaced. */
export const textMutation = (length: number) =>
  fc.record({
    kind: fc.constantFrom('delete', 'insert', 'replace'),
    at: fc.nat({ max: Math.max(0, length - 1) }),
    char: fc.constantFrom('"', ',', '{', '}', '[', ']', ':', '\\', '\n', '\r', ' ', 'x', '0', '-', '\t', '\u2028', '\uD800'),
  });

export function mutateText(text: string, m: { kind: string; at: number; char: string }): string {
  if (m.kind === 'delete') return text.slice(0, m.at) + text.slice(m.at + 1);
  if (m.kind === 'insert') return text.slice(0, m.at) + m.char + text.slice(m.at);
  return text.slice(0, m.at) + m.char + text.slice(m.at + 1);
}

/** A GflowpoRun's state after a few steps of a short run with the test doubles (every field populated). */
export async function sampleRunState(steps = 3): Promise<GflowpoRunState> {
  const run = new GflowpoRun({ steps: 12, seed: 3, warmupSteps: 1, conditionFreezeStep: 2, referencesFromStep: 3, bufferSize: 40, queueSize: 5 }, toyTask(), new ScriptedSampler(promptPool(200)), new FixedTarget());
  while (run.completedSteps < steps) await run.step();
  return JSON.parse(JSON.stringify(run.state())) as GflowpoRunState;
}
