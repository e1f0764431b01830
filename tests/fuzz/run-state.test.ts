// Fuzz: a GflowpoRun's saved state (src/gflow/run-state.ts, H-loop's validator) with any field replaced by any value
// (JSON values, and the non-JSON values an in-memory state can hold: Infinity, NaN, undefined) is parsed or refused
// with GflowpoStateError naming the field; the malformed states are in tests/fuzz/corpus.test.ts.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { GflowpoStateError, parseRunState, type GflowpoRunState } from '../../src/gflow/run-state';
import { params, sampleRunState, valueOrNamedError } from './support';


let state: GflowpoRunState;
beforeAll(async () => {
  state = await sampleRunState();
});

/** Paths of every value in the state (objects and arrays, at most 4 deep and 6 items a list). */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (prefix.length > 0) out.push(prefix);
  if (prefix.length >= 4 || typeof value !== 'object' || value === null) return out;
  const entries = Array.isArray(value) ? value.slice(0, 6).map((v, i) => [i, v] as const) : Object.entries(value);
  for (const [k, v] of entries) paths(v, [...prefix, k], out);
  return out;
}

const wild = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(Infinity, -Infinity, NaN, undefined, -1, 1.5, 2 ** 53, '', '1', 1, 0, true, [], {}));

describe('run state', () => {
  it('the sample state parses', () => {
    expect(parseRunState(state).state.step).toBe(3);
  });

  it('any field replaced by any value: parsed, or GflowpoStateError naming a field', () => {
    const all = paths(state);
    fc.assert(
      fc.property(fc.constantFrom(...all), wild, (path, value) => {
        const copy = JSON.parse(JSON.stringify(state)) as Record<string | number, unknown>;
        let at = copy;
        for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
        if (value === undefined) delete at[path.at(-1)!];
        else at[path.at(-1)!] = value;
        const parsed = valueOrNamedError(() => parseRunState(copy), [GflowpoStateError]);
        if (parsed) {
          const s = parsed.state;
          expect(Number.isInteger(s.step) && s.step >= 0).toBe(true);
          expect(s.logZ === null || Number.isFinite(s.logZ)).toBe(true);
          expect(s.done === null || typeof s.done === 'object').toBe(true);
        }
      }),
      params(400),
    );
  });
});
