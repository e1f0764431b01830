// Setup's "Weights file" for a hub model (automatic, or one ONNX export by name): the options the select offers, the
// choice a slot makes, the engine source and label a run gets from it, the spec a run is stored with (and what a
// resume loads from it, including specs stored before the choice existed), and Setup's memory across reloads.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ONNX_MODEL_FILES } from '../../../src/models/formats/onnx-files';
import { type ModelChoice, modelLabel, modelSource } from '../../../src/ui/run/run-spec';
import { type StoredChoice, loadSpec, loadableChoice, saveSpec, storedChoice, storedSpec } from '../../../src/ui/run/spec-store';
import { ModelSlot, WEIGHTS_FILE_OPTIONS, isWeightsFile } from '../../../src/ui/setup/model-slot.svelte';
import { type SetupMemory, readSetupMemory, writeSetupMemory } from '../../../src/ui/setup/setup-memory';
import { SetupState } from '../../../src/ui/setup/setup.svelte';
import { memoryStorage, readySetup } from '../../support/setup-state';

describe('the weights-file options', () => {
  it('offer automatic first, then every ONNX export the loader reads, in its order, labelled with how it loads', () => {
    expect(WEIGHTS_FILE_OPTIONS).toEqual([
      { value: '', label: 'Automatic (safetensors, else the first ONNX export)' },
      { value: 'model.onnx', label: 'onnx/model.onnx (float32, as exported)' },
      { value: 'model_fp16.onnx', label: 'onnx/model_fp16.onnx (16-bit floats, converted to float32 at load)' },
      { value: 'model_q4.onnx', label: 'onnx/model_q4.onnx (4-bit, dequantised to float32 at load)' },
      { value: 'model_q4f16.onnx', label: 'onnx/model_q4f16.onnx (4-bit with 16-bit scales, dequantised to float32 at load)' },
    ]);
    expect(WEIGHTS_FILE_OPTIONS.slice(1).map((o) => o.value)).toEqual([...ONNX_MODEL_FILES]);
    expect(['', 'model_q4.onnx'].map(isWeightsFile)).toEqual([true, true]);
    expect(['model_quantized.onnx', 'onnx/model_q4.onnx', undefined, 4].map(isWeightsFile)).toEqual([false, false, false, false]);
  });
});

describe("a hub model's weights file, from the slot to the engine", () => {
  it('is automatic by default: the choice, source and label are what they were before the select existed', async () => {
    const slot = new ModelSlot('prompt');
    const choice = slot.choice(null);
    expect(choice).toEqual({ kind: 'hub', modelId: 'HuggingFaceTB/SmolLM2-135M-Instruct', host: null });
    expect(JSON.stringify(choice)).not.toContain('onnx');
    expect(await modelSource(choice as ModelChoice)).toEqual({ kind: 'hub', modelId: 'HuggingFaceTB/SmolLM2-135M-Instruct' });
    expect(modelLabel(choice as ModelChoice)).toBe('HuggingFaceTB/SmolLM2-135M-Instruct');
    expect(modelLabel({ kind: 'hub', modelId: 'o/m', host: 'http://mirror:8080' })).toBe('o/m (from http://mirror:8080)');
  });

  it('goes with a curated or custom id into the hub settings (with the host) and the label', async () => {
    const slot = new ModelSlot('target');
    slot.onnx = 'model_q4.onnx';
    const curated = slot.choice('http://mirror:8080') as ModelChoice;
    expect(curated).toEqual({ kind: 'hub', modelId: 'HuggingFaceTB/SmolLM2-135M-Instruct', host: 'http://mirror:8080', onnx: 'model_q4.onnx' });
    expect(await modelSource(curated)).toEqual({ kind: 'hub', modelId: 'HuggingFaceTB/SmolLM2-135M-Instruct', settings: { host: 'http://mirror:8080', onnx: 'model_q4.onnx' } });
    expect(modelLabel(curated)).toBe('HuggingFaceTB/SmolLM2-135M-Instruct (onnx/model_q4.onnx, from http://mirror:8080)');
    slot.kind = 'custom';
    slot.customId = ' onnx-community/Qwen2.5-0.5B-Instruct ';
    slot.onnx = 'model_fp16.onnx';
    const custom = slot.choice(null) as ModelChoice;
    expect(custom).toEqual({ kind: 'hub', modelId: 'onnx-community/Qwen2.5-0.5B-Instruct', host: null, onnx: 'model_fp16.onnx' });
    expect(await modelSource(custom)).toEqual({ kind: 'hub', modelId: 'onnx-community/Qwen2.5-0.5B-Instruct', settings: { onnx: 'model_fp16.onnx' } });
    expect(modelLabel(custom)).toBe('onnx-community/Qwen2.5-0.5B-Instruct (onnx/model_fp16.onnx)');
  });

  it('plays no part in the other sources (demo, folder)', () => {
    const slot = new ModelSlot('prompt');
    slot.onnx = 'model_q4.onnx';
    slot.kind = 'demo';
    expect(slot.choice(null)).toEqual({ kind: 'demo', role: 'prompt' });
    slot.kind = 'folder';
    slot.folder = { label: 'tiny', files: new Map(), bytes: 0 };
    expect(slot.choice(null)).toEqual({ kind: 'files', label: 'tiny', files: new Map() });
  });

  it('is carried by every spec of a launch, each role its own', () => {
    const setup = readySetup('onnx-community/tiny');
    setup.prompt.onnx = 'model_q4f16.onnx';
    setup.baselines = ['prior-only'];
    const specs = setup.specs();
    expect(specs.map((s) => [s.label, s.promptModel, s.targetModel])).toEqual([
      ['GFlowPO', { kind: 'hub', modelId: 'onnx-community/tiny', host: null, onnx: 'model_q4f16.onnx' }, { kind: 'hub', modelId: 'onnx-community/tiny', host: null }],
      ['prior-only (APE-like)', { kind: 'hub', modelId: 'onnx-community/tiny', host: null, onnx: 'model_q4f16.onnx' }, { kind: 'hub', modelId: 'onnx-community/tiny', host: null }],
    ]);
  });
});

describe('the stored run', () => {
  it("keeps the variant, so a resume loads the same file; automatic stays without the field", () => {
    const setup = readySetup('onnx-community/tiny');
    setup.prompt.onnx = 'model_q4.onnx';
    const spec = setup.specs()[0]!;
    const stored = storedSpec('run-1', spec);
    expect(JSON.stringify(stored.promptModel)).toBe('{"kind":"hub","modelId":"onnx-community/tiny","host":null,"onnx":"model_q4.onnx"}');
    expect(JSON.stringify(stored.targetModel)).toBe('{"kind":"hub","modelId":"onnx-community/tiny","host":null}');
    expect(loadableChoice(stored.promptModel)).toEqual({ kind: 'hub', modelId: 'onnx-community/tiny', host: null, onnx: 'model_q4.onnx' });
    expect(loadableChoice(stored.targetModel)).toEqual({ kind: 'hub', modelId: 'onnx-community/tiny', host: null });
  });

  it('loads a spec stored before the choice existed as automatic, and a variant this app does not read as automatic', async () => {
    const old: StoredChoice = JSON.parse('{"kind":"hub","modelId":"o/m","host":"http://mirror"}') as StoredChoice;
    const loaded = loadableChoice(old)!;
    expect(loaded).toEqual({ kind: 'hub', modelId: 'o/m', host: 'http://mirror' });
    expect(await modelSource(loaded)).toEqual({ kind: 'hub', modelId: 'o/m', settings: { host: 'http://mirror' } });
    const foreign = JSON.parse('{"kind":"hub","modelId":"o/m","host":null,"onnx":"model_bnb4.onnx"}') as StoredChoice;
    expect(loadableChoice(foreign)).toEqual({ kind: 'hub', modelId: 'o/m', host: null });
    expect(storedChoice({ kind: 'hub', modelId: 'o/m', host: null, onnx: 'model.onnx' })).toEqual({ kind: 'hub', modelId: 'o/m', host: null, onnx: 'model.onnx' });
  });

  it('round-trips through the page store (IndexedDB) with the variant', async () => {
    const setup = readySetup('onnx-community/tiny');
    setup.target.onnx = 'model.onnx';
    const stored = storedSpec('run-idb', setup.specs()[0]!);
    await saveSpec(stored);
    const back = (await loadSpec('run-idb'))!;
    expect(back.targetModel).toEqual({ kind: 'hub', modelId: 'onnx-community/tiny', host: null, onnx: 'model.onnx' });
    expect(back.promptModel).toEqual({ kind: 'hub', modelId: 'onnx-community/tiny', host: null });
    expect(await modelSource(loadableChoice(back.targetModel)!)).toEqual({ kind: 'hub', modelId: 'onnx-community/tiny', settings: { onnx: 'model.onnx' } });
  });
});

describe("Setup's memory of the weights file", () => {
  it('is kept across reloads per role, and restored into the slots', () => {
    const setup = readySetup('onnx-community/tiny');
    setup.prompt.onnx = 'model_q4.onnx';
    const storage = memoryStorage();
    writeSetupMemory(setup.memory(), storage);
    expect(JSON.parse(storage.items.get('gflowpo-lab.setup.v1')!)).toMatchObject({ prompt: { kind: 'custom', customId: 'onnx-community/tiny', onnx: 'model_q4.onnx' } });
    const kept = readSetupMemory(storage)!;
    expect(kept.prompt).toEqual({ kind: 'custom', curatedId: 'HuggingFaceTB/SmolLM2-135M-Instruct', customId: 'onnx-community/tiny', onnx: 'model_q4.onnx' });
    expect(kept.target).toEqual({ kind: 'custom', curatedId: 'HuggingFaceTB/SmolLM2-135M-Instruct', customId: 'onnx-community/tiny' });
    const again = new SetupState();
    again.target.onnx = 'model.onnx';
    again.restore(kept);
    expect([again.prompt.onnx, again.target.onnx]).toEqual(['model_q4.onnx', '']);
    expect(again.prompt.choice(null)).toEqual({ kind: 'hub', modelId: 'onnx-community/tiny', host: null, onnx: 'model_q4.onnx' });
  });

  it('reads memory without the field, or with a variant this app does not read, as automatic', () => {
    const storage = memoryStorage();
    const before = { prompt: { kind: 'curated', curatedId: 'HuggingFaceTB/SmolLM2-135M-Instruct', customId: '' }, target: { kind: 'custom', curatedId: 'HuggingFaceTB/SmolLM2-135M-Instruct', customId: 'o/m', onnx: 'model_quantized.onnx' }, hubHost: '', backend: 'auto', preset: 'quick', fields: {}, baselines: [], task: { kind: 'builtin', demoName: 'reverse', builtinName: 'sum', seed: 1 } };
    storage.setItem('gflowpo-lab.setup.v1', JSON.stringify(before));
    const kept = readSetupMemory(storage)!;
    expect(kept.prompt).toEqual(before.prompt);
    expect(kept.target).toEqual({ kind: 'custom', curatedId: 'HuggingFaceTB/SmolLM2-135M-Instruct', customId: 'o/m' });
    const setup = new SetupState();
    setup.prompt.onnx = 'model_fp16.onnx';
    setup.restore(kept as SetupMemory);
    expect([setup.prompt.onnx, setup.target.onnx]).toEqual(['', '']);
  });

  it('writes only the fields it knows (an ill-typed variant is not written)', () => {
    const storage = memoryStorage();
    const memory = { prompt: { kind: 'custom', curatedId: 'a', customId: 'o/m', onnx: 'model_q4.onnx', extra: 'x' }, target: { kind: 'curated', curatedId: 'a', customId: '', onnx: 7 }, hubHost: '', backend: 'auto', preset: 'quick', fields: {}, baselines: [], task: { kind: 'builtin', demoName: 'reverse', builtinName: 'sum', seed: 1 } };
    writeSetupMemory(memory as unknown as SetupMemory, storage);
    const written = JSON.parse(storage.items.get('gflowpo-lab.setup.v1')!) as SetupMemory;
    expect(written.prompt).toEqual({ kind: 'custom', curatedId: 'a', customId: 'o/m', onnx: 'model_q4.onnx' });
    expect(written.target).toEqual({ kind: 'curated', curatedId: 'a', customId: '' });
  });
});
