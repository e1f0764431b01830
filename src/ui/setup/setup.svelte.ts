// Everything the setup view chooses: the model per role, the task, the preset and edited settings, the baselines
// to launch alongside GFlowPO, the backend and the frozen weights' precision; the resolved settings with per-field errors; the estimate; and the
// run specs to start. No DOM.
import { WEIGHT_PRECISIONS, type WeightPrecision } from '../../models/llama/quantised-weights';
import { GFLOWPO_MODES, type GflowpoMode, type GflowpoSettings, PRESET_NAMES, type PresetName, resolveSettings } from '../../gflow/settings';
import type { BackendPreference } from '../../runtime/device';
import { type LocalModelChoice, MODE_LABELS, type ModelChoice, type RunSpec, modelLabel, newRunId } from '../run/run-spec';
import { HUB_SOURCES, httpOrigin } from '../shell/connect-policy';
import { demoWorldServed } from './demo-world';
import { setupEstimate } from './estimate';
import { ModelSlot } from './model-slot.svelte';
import { NetworkState } from './network.svelte';
import { ratesKey, recallRates } from './rates-memory';
import { type SetupMemory, readSetupMemory, writeSetupMemory } from './setup-memory';
import { resolveForm } from './settings-form';
import { TaskSlot } from './task-slot.svelte';

/** Baselines the setup view can launch with GFlowPO (manual needs a prompt of its own). */
export const BASELINE_MODES: readonly GflowpoMode[] = GFLOWPO_MODES.filter((m) => m !== 'gflowpo' && m !== 'manual');

export class SetupState {
  readonly prompt = new ModelSlot('prompt');
  readonly target = new ModelSlot('target');
  readonly task = new TaskSlot();
  /** A mirror with the hub's URL layout; '' is huggingface.co. */
  hubHost = $state('');
  backend = $state<BackendPreference>('auto');
  /** Both models' frozen base weights: float32, or quantised at load to 8 or 4 bits (the adapter stays float32). */
  weightPrecision = $state<WeightPrecision>('f32');
  preset = $state<PresetName>('quick');
  /** Settings the user edited: key -> text as typed. */
  fields = $state<Record<string, string>>({});
  baselines = $state<GflowpoMode[]>([]);
  /** Whether the build serves the demo world (null until checked): then it is offered and selected first. */
  demo = $state<boolean | null>(null);
  /** Hosts the lab may connect to (the hub, the remote target-LM), applied on reload. */
  readonly network = new NetworkState(() => ({ hubHost: this.host, datasetsServer: this.task.hubServer, target: this.target }));

  readonly form = $derived(resolveForm(this.fields, this.task.task, this.preset));
  /** The settings with no edits: the defaults, the task's defaults and the preset (what "Default" means in the form). */
  readonly base: Readonly<GflowpoSettings> = $derived(resolveSettings({}, this.task.task ?? undefined, this.preset));

  get host(): string | null {
    const h = this.hubHost.trim().replace(/\/+$/, '');
    return h === '' ? null : h;
  }

  /** Each role's choice, or what is missing (the prompt-LM is never a remote server). */
  get choices(): { prompt: LocalModelChoice | string; target: ModelChoice | string } {
    const prompt = this.prompt.choice(this.host);
    return { prompt: typeof prompt !== 'string' && prompt.kind === 'openai' ? 'choose a model that runs in the browser' : prompt, target: this.target.choice(this.host) };
  }

  /** Why a choice cannot be reached under the connections in force on this page (null when it can). */
  private blocked(choice: ModelChoice): string | null {
    const address = choice.kind === 'hub' ? (choice.host ?? HUB_SOURCES[0]!) : choice.kind === 'openai' ? choice.baseUrl : null;
    if (address === null || this.network.allowsNow(`${address}/`)) return null;
    const what = choice.kind === 'hub' ? (choice.host ? `the hub mirror ${httpOrigin(choice.host) ?? choice.host}` : 'the Hugging Face hub') : `the server ${httpOrigin(address) ?? address}`;
    return `this page may not connect to ${what}: allow it under Connections, then reload`;
  }

  /** Why the run cannot start yet (empty when it can). */
  get problems(): string[] {
    const out: string[] = [];
    const { prompt, target } = this.choices;
    if (typeof prompt === 'string') out.push(`prompt-LM: ${prompt}`);
    else if (this.blocked(prompt)) out.push(`prompt-LM: ${this.blocked(prompt)}`);
    // A server not allowed yet is named first (its models cannot be listed before the reload).
    const server = this.target.kind === 'openai' && this.target.remote.origin ? ({ kind: 'openai', baseUrl: this.target.remote.origin, model: '', keyed: false } as const) : null;
    if (server && this.blocked(server)) out.push(`target-LM: ${this.blocked(server)}`);
    else if (typeof target === 'string') out.push(`target-LM: ${target}`);
    else if (this.blocked(target)) out.push(`target-LM: ${this.blocked(target)}`);
    if (!this.task.task) out.push('task: choose or build a task');
    if (this.task.busy) out.push(`task: ${this.task.busy}`);
    for (const [key, message] of Object.entries(this.form.errors)) out.push(`${key}: ${message}`);
    return out;
  }

  /** Expected target-LM calls and time of each run to launch (time only with rates measured on these models). */
  get estimate() {
    const s = this.form.settings;
    const task = this.task.task;
    if (!s || !task) return null;
    const { prompt, target } = this.choices;
    const rates = typeof prompt === 'string' || typeof target === 'string' ? null : recallRates(ratesKey(modelLabel(prompt), modelLabel(target), this.backend, this.weightPrecision));
    const modes: GflowpoMode[] = [s.mode, ...this.baselines.filter((m) => m !== s.mode)];
    const perRun = modes.map((mode) => ({ mode, ...setupEstimate({ ...s, mode }, task, rates) }));
    return { perRun, measured: rates !== null };
  }

  /** Checks for the demo world; when served, models and task start on it (unless the user chose already). */
  async detectDemo(): Promise<void> {
    if (this.demo !== null) return;
    this.demo = await demoWorldServed();
    if (!this.demo) {
      // A kept choice of the demo world in a build without it: back to the defaults.
      for (const slot of [this.prompt, this.target]) if (slot.kind === 'demo') slot.kind = 'curated';
      if (this.task.kind === 'demo') {
        this.task.kind = 'builtin';
        this.task.chooseBuiltin();
      }
      return;
    }
    for (const slot of [this.prompt, this.target]) if (slot.kind === 'curated' && !slot.touched) slot.kind = 'demo';
    if (this.task.kind === 'builtin' && !this.task.touched) {
      this.task.kind = 'demo';
      this.task.chooseBuiltin();
    }
  }

  /** The choices to keep across reloads (files are not kept). */
  memory(): SetupMemory {
    const slot = (m: ModelSlot) => ({ kind: m.kind === 'folder' ? 'curated' : m.kind, curatedId: m.curatedId, customId: m.customId, ...(m.onnx ? { onnx: m.onnx } : {}) });
    const t = this.task;
    const kind = t.kind === 'demo' || t.kind === 'builtin' ? t.kind : 'builtin';
    const remote = { baseUrl: this.target.remote.baseUrl, model: this.target.remote.model };
    return { prompt: slot(this.prompt), target: slot(this.target), remote, hubHost: this.hubHost, backend: this.backend, weightPrecision: this.weightPrecision, preset: this.preset, fields: { ...this.fields }, baselines: [...this.baselines], task: { kind, demoName: t.demoName, builtinName: t.builtinName, seed: t.builtinSeed } };
  }

  remember(): void {
    writeSetupMemory(this.memory());
  }

  /** Restores the kept choices (unknown values are ignored; the demo world only if it turns out to be served). */
  restore(memory: SetupMemory | null = readSetupMemory()): void {
    if (!memory) return;
    const slot = (m: ModelSlot, kept: SetupMemory['prompt']) => {
      if (['demo', 'curated', 'custom'].includes(kept.kind) || (m.role === 'target' && kept.kind === 'openai')) {
        m.kind = kept.kind as ModelSlot['kind'];
        m.touched = true;
      }
      m.curatedId = kept.curatedId;
      m.customId = kept.customId;
      m.onnx = kept.onnx ?? '';
    };
    slot(this.prompt, memory.prompt);
    slot(this.target, memory.target);
    if (memory.remote) {
      this.target.remote.baseUrl = memory.remote.baseUrl;
      this.target.remote.model = memory.remote.model;
    }
    this.hubHost = memory.hubHost;
    if (['auto', 'webgpu', 'wasm'].includes(memory.backend)) this.backend = memory.backend as BackendPreference;
    this.weightPrecision = (WEIGHT_PRECISIONS as readonly string[]).includes(memory.weightPrecision ?? '') ? (memory.weightPrecision as WeightPrecision) : 'f32';
    if ((PRESET_NAMES as readonly string[]).includes(memory.preset)) this.preset = memory.preset as PresetName;
    this.fields = memory.fields;
    this.baselines = BASELINE_MODES.filter((m) => memory.baselines.includes(m));
    const t = this.task;
    if (this.task.demoNames.includes(memory.task.demoName)) t.demoName = memory.task.demoName;
    if (this.task.builtinNames.includes(memory.task.builtinName)) t.builtinName = memory.task.builtinName;
    t.builtinSeed = memory.task.seed;
    if (memory.task.kind === 'demo' || memory.task.kind === 'builtin') {
      t.kind = memory.task.kind;
      t.touched = true;
    }
  }

  setField(key: string, text: string): void {
    this.fields = { ...this.fields, [key]: text };
  }

  resetFields(): void {
    this.fields = {};
  }

  /** The runs to start: the chosen method and each baseline, same task, models (and their precision), seed and budget. */
  specs(): RunSpec[] {
    const settings = this.form.settings;
    const task = this.task.task;
    const { prompt, target } = this.choices;
    if (!settings || !task || typeof prompt === 'string' || typeof target === 'string') throw new Error(`cannot start: ${this.problems.join('; ')}`);
    const modes: GflowpoMode[] = [settings.mode, ...this.baselines.filter((m) => m !== settings.mode)];
    const group = modes.length > 1 ? newRunId() : null;
    // The server's key goes to the session's memory (never into the specs); the runs read it when they load.
    if (target.kind === 'openai') this.target.remote.commitKey();
    const createdAt = Date.now();
    return modes.map((mode) => ({
      id: newRunId(),
      label: MODE_LABELS[mode],
      group,
      task,
      promptModel: prompt,
      targetModel: target,
      // Fully resolved, so the engine applies no preset or task default of its own on top.
      settings: { ...settings, lora: { ...settings.lora, targetModules: [...settings.lora.targetModules] }, mode },
      backend: this.backend,
      weightPrecision: this.weightPrecision,
      createdAt,
    }));
  }

  dispose(): void {
    this.task.dispose();
  }
}
