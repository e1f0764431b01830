import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without type declarations
import { mergeIncremental } from '../../scripts/stryker-merge-incremental.mjs';

interface Mutant { id: string; status: string; coveredBy?: string[]; killedBy?: string[] }
interface Report {
  files: Record<string, { source: string; mutants: Mutant[] }>;
  testFiles: Record<string, { source: string; tests: { id: string; name: string }[] }>;
}
const merge = mergeIncremental as (reports: Report[], current: (path: string) => string | undefined) => Report;

const mutant = (id: string, status: string, coveredBy: string[], killedBy: string[] = []): Mutant => ({ id, status, coveredBy, killedBy });

// Part A (older): a.ts tested by t.test.ts; part B (newer): b.ts and a newer measurement of a.ts, tested by
// t.test.ts (its tests in another id order) and u.test.ts.
const partA: Report = {
  files: { 'src/a.ts': { source: 'a1', mutants: [mutant('0', 'Killed', ['0', '1'], ['1']), mutant('1', 'Survived', ['0'])] } },
  testFiles: { 't.test.ts': { source: 'T-old', tests: [{ id: '0', name: 'x' }, { id: '1', name: 'y' }] } },
};
const partB: Report = {
  files: {
    'src/a.ts': { source: 'a2', mutants: [mutant('0', 'Killed', ['0'], ['0'])] },
    'src/b.ts': { source: 'b', mutants: [mutant('1', 'Survived', ['1', '2']), mutant('2', 'Killed', ['2'], ['2'])] },
  },
  testFiles: {
    't.test.ts': { source: 'T-new', tests: [{ id: '0', name: 'y' }, { id: '1', name: 'x' }] },
    'u.test.ts': { source: 'U', tests: [{ id: '2', name: 'z' }] },
  },
};
const current = (path: string): string | undefined => ({ 't.test.ts': 'T-new', 'u.test.ts': 'U' })[path];

describe('stryker-merge-incremental', () => {
  const merged = merge([partA, partB], current);
  const testId = (file: string, name: string): string => {
    const test = merged.testFiles[file]?.tests.find((t) => t.name === name);
    if (test === undefined) throw new Error(`no test ${file} ${name}`);
    return test.id;
  };

  it('keeps each mutated file from the last part that holds it', () => {
    expect(merged.files['src/a.ts']?.source).toBe('a2');
    expect(merged.files['src/a.ts']?.mutants.map((m) => m.status)).toEqual(['Killed']);
    expect(merged.files['src/b.ts']?.mutants.map((m) => m.status)).toEqual(['Survived', 'Killed']);
  });

  it('numbers each test once by file and name and maps every coveredBy and killedBy to it', () => {
    expect(merged.testFiles['t.test.ts']?.tests).toEqual([{ id: '0', name: 'x' }, { id: '1', name: 'y' }]);
    expect(merged.testFiles['u.test.ts']?.tests).toEqual([{ id: '2', name: 'z' }]);
    const [killedA] = merged.files['src/a.ts']?.mutants ?? [];
    // Part B's test '0' is "y", which the merged report numbers 1.
    expect(killedA?.killedBy).toEqual([testId('t.test.ts', 'y')]);
    expect(killedA?.coveredBy).toEqual(['1']);
    const [survivorB, killedB] = merged.files['src/b.ts']?.mutants ?? [];
    expect(survivorB?.coveredBy).toEqual([testId('t.test.ts', 'x'), testId('u.test.ts', 'z')]);
    expect(killedB?.killedBy).toEqual(['2']);
  });

  it('numbers mutants 0, 1, 2 … across files', () => {
    const ids = Object.values(merged.files).flatMap((f) => f.mutants.map((m) => m.id));
    expect(ids).toEqual(['0', '1', '2']);
  });

  it('keeps a test file source that differs from the current file when any part ran an older one', () => {
    // Part A ran t.test.ts before its change: Stryker must see its tests as changed.
    expect(merged.testFiles['t.test.ts']?.source).toBe('T-old');
    expect(merge([partB, partA], current).testFiles['t.test.ts']?.source).toBe('T-old');
    expect(merged.testFiles['u.test.ts']?.source).toBe('U');
  });

  it('keeps the current source when every part ran it', () => {
    const again = merge([partB, { ...partB, files: {} }], current);
    expect(again.testFiles['t.test.ts']?.source).toBe('T-new');
  });
});
