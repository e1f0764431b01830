// The setup's kept choices: a round trip through storage, and anything malformed read as "nothing kept".
import { describe, expect, it } from 'vitest';
import { type SetupMemory, readSetupMemory, writeSetupMemory } from '../../../src/ui/setup/setup-memory';
import { memoryStorage } from '../../support/setup-state';

const kept: SetupMemory = {
  prompt: { kind: 'demo', curatedId: 'HuggingFaceTB/SmolLM2-135M-Instruct', customId: '' },
  target: { kind: 'custom', curatedId: 'HuggingFaceTB/SmolLM2-135M-Instruct', customId: 'owner/model' },
  hubHost: 'http://mirror.example',
  backend: 'wasm',
  preset: 'quick',
  fields: { steps: '12', targetCallBudget: '' },
  baselines: ['prior-only'],
  task: { kind: 'demo', demoName: 'reverse', builtinName: 'sum', seed: 3 },
};

describe('setup memory', () => {
  it('round-trips the choices', () => {
    const storage = memoryStorage();
    writeSetupMemory(kept, storage);
    expect(readSetupMemory(storage)).toEqual(kept);
  });

  it('reads nothing from missing, broken or ill-typed memory, and drops non-text fields', () => {
    const storage = memoryStorage();
    expect(readSetupMemory(storage)).toBeNull();
    storage.setItem('gflowpo-lab.setup.v1', '{not json');
    expect(readSetupMemory(storage)).toBeNull();
    storage.setItem('gflowpo-lab.setup.v1', JSON.stringify({ ...kept, task: { ...kept.task, seed: 'x' } }));
    expect(readSetupMemory(storage)).toBeNull();
    storage.setItem('gflowpo-lab.setup.v1', JSON.stringify({ ...kept, prompt: null }));
    expect(readSetupMemory(storage)).toBeNull();
    storage.setItem('gflowpo-lab.setup.v1', JSON.stringify({ ...kept, fields: { steps: 12, seed: '1' }, baselines: ['no-dmu', 4] }));
    expect(readSetupMemory(storage)).toMatchObject({ fields: { seed: '1' }, baselines: ['no-dmu'] });
  });
});

describe('setup memory of a remote target-LM', () => {
  it('keeps the server address and model name, and only the fields it knows: never an API key', () => {
    const storage = memoryStorage();
    const remote = { ...kept, target: { ...kept.target, kind: 'openai' }, remote: { baseUrl: 'http://gpu-box:8000/v1', model: 'google/gemma-1.1-7b-it' } };
    // Extra fields riding along (a key) are not written.
    writeSetupMemory({ ...remote, apiKey: 'sk-secret', remote: { ...remote.remote, apiKey: 'sk-secret' } } as SetupMemory, storage);
    expect(storage.items.get('gflowpo-lab.setup.v1')).not.toContain('sk-secret');
    expect(readSetupMemory(storage)).toEqual(remote);
    // Memory from before the remote choice existed reads as before; an ill-typed remote is dropped.
    storage.setItem('gflowpo-lab.setup.v1', JSON.stringify({ ...kept, remote: { baseUrl: 4, model: 'm' } }));
    expect(readSetupMemory(storage)).toEqual(kept);
  });
});
