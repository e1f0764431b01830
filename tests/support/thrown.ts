// Test support: runs `run`, requires it to throw, and returns the error — checked to be one of `kinds` when
// given — so tests can assert its name, message and position fields.
import { expect } from 'vitest';

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

export function thrown<E extends Error = Error>(run: () => unknown, ...kinds: ErrorClass<E>[]): E {
  try {
    run();
  } catch (error) {
    if (kinds.length > 0) expect(kinds.some((k) => error instanceof k), `threw ${String(error)}`).toBe(true);
    return error as E;
  }
  throw new Error(`expected ${kinds.map((k) => k.name).join(' or ') || 'an error'} to be thrown`);
}
