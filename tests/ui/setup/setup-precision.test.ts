// Setup's frozen-weights precision: float32 unless chosen, carried by every run spec it starts (and by the spec a
// run is stored with, so a resume loads the same precision), kept across reloads, and part of the key under which
// measured rates are remembered (quantised weights run at other speeds).
import { describe, expect, it } from 'vitest';
import { storedSpec } from '../../../src/ui/run/spec-store';
import { ratesKey } from '../../../src/ui/setup/rates-memory';
import { type SetupMemory, readSetupMemory, writeSetupMemory } from '../../../src/ui/setup/setup-memory';
import { SetupState } from '../../../src/ui/setup/setup.svelte';
import { memoryStorage, readySetup } from '../../support/setup-state';

describe("setup's frozen-weights precision", () => {
  it('is float32 by default, and every spec of a launch (the method and its baselines) carries the chosen one', () => {
    const setup = readySetup('owner/tiny');
    expect(setup.problems).toEqual([]);
    expect(setup.specs()[0]!.weightPrecision).toBe('f32');
    setup.weightPrecision = 'q8';
    setup.baselines = ['prior-only'];
    const specs = setup.specs();
    expect(specs.map((s) => [s.label, s.weightPrecision])).toEqual([['GFlowPO', 'q8'], ['prior-only (APE-like)', 'q8']]);
    // The stored spec (what a resume from the library loads) keeps it.
    expect(storedSpec('run-1', specs[0]!).weightPrecision).toBe('q8');
  });

  it('is kept across reloads; unknown or missing values read as float32', () => {
    const setup = readySetup('owner/tiny');
    setup.weightPrecision = 'q4';
    const storage = memoryStorage();
    writeSetupMemory(setup.memory(), storage);
    const kept = readSetupMemory(storage)!;
    expect(kept.weightPrecision).toBe('q4');
    const again = new SetupState();
    again.restore(kept);
    expect(again.weightPrecision).toBe('q4');
    again.restore({ ...kept, weightPrecision: 'q3' });
    expect(again.weightPrecision).toBe('f32');
    const before: SetupMemory = { ...kept }; // memory written before the choice existed
    delete before.weightPrecision;
    again.weightPrecision = 'q8';
    again.restore(before);
    expect(again.weightPrecision).toBe('f32');
    storage.setItem('gflowpo-lab.setup.v1', JSON.stringify({ ...kept, weightPrecision: 8 }));
    expect(readSetupMemory(storage)).not.toHaveProperty('weightPrecision');
  });

  it('separates remembered rates by precision (float32 keeps the key it had before)', () => {
    expect(ratesKey('p', 't', 'wasm')).toBe('["p","t","wasm"]');
    expect(ratesKey('p', 't', 'wasm', 'f32')).toBe('["p","t","wasm"]');
    expect(ratesKey('p', 't', 'wasm', 'q4')).toBe('["p","t","wasm","q4"]');
  });
});
