// `npm run lab -- --task <name|folder> --prompt-lm <id|path> --target-lm <id|path> --steps N --seed S ...`:
// the GFlowPO engine headless: LabEngine itself (the lab worker's class) on wasm in Node. Writes a JSON report
// (--report FILE) and the JSONL event log (--log FILE); prints one line per step and the selected prompt.
//   --mode gflowpo|prior-only|no-replay|no-dmu|manual (or --modes a,b,c side by side)   --manual-prompt "..."
//   --budget N (target calls)   --settings '{"microBatches":2,...}' (any GFlowPO setting)   --preset paper|quick
//   --data DIR (the shared data root)   --hub-host URL   --onnx model_q4.onnx (a hub id's ONNX export, not safetensors)
//   --target-lm openai:<base URL>#<model>: the target-LM on an OpenAI-compatible server (vLLM), key from $OPENAI_API_KEY
//   --state FILE: the run is saved to FILE (a run file, the lab's export format) after every completed step,
//     written to FILE.tmp then renamed over FILE, so a kill at any moment leaves the last completed step; the
//     target-LM answers of the step in progress go to FILE.journal, so a killed step is redone without them.
//   --resume FILE: continues the run saved in FILE (and keeps saving to it, or to --state). The task defaults to
//     the saved one; the models must be the saved run's (their ids are checked); settings flags must agree.
// Without --prompt-lm and --target-lm the command uses the demo world's models (see demoModels below).
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { formatDuration } from '../src/gflow/estimate';
import { LabEngine, type LabModels } from '../src/engines/lab-engine';
import type { TargetSource } from '../src/engines/target-engine';
import { type StepEvent, toJsonl } from '../src/gflow/events';
import type { GflowpoRunState } from '../src/gflow/run';
import { GFLOWPO_MODES, type GflowpoMode, type GflowpoSettingsInput, PRESET_NAMES, type PresetName } from '../src/gflow/settings';
import { WEIGHT_PRECISIONS, type WeightPrecision } from '../src/models/llama/quantised-weights';
import { loadOrtNode } from '../src/runtime/ort-node';
import { RunFileError } from '../src/store/errors';
import type { RunSnapshot } from '../src/store/records';
import { decodeRunFile } from '../src/store/run-file';
import { taskFromFile } from '../src/tasks/import/task-file';
import type { TaskMapping } from '../src/tasks/import/to-task';
import { loadSharedTask, sharedTaskNames } from '../src/tasks/registry';
import type { Task, TaskFamily } from '../src/tasks/task';
import { stateRepository } from './lab-state';
import { modelSource } from './model-source';
import { DEMO_MODEL_NAMES, demoModelSource } from '../src/demo/world/models';

class UsageError extends Error {
  override name = 'UsageError';
}

const USAGE =
  'usage: npm run lab -- --list-tasks | --task <name|folder|file [--map JSON] [--family F]> [--prompt-lm <id|path> --target-lm <id|path>] [--steps N] [--seed S] [--mode M | --modes a,b] [--manual-prompt P] [--budget N] [--settings JSON] [--preset P] [--weights f32|q8|q4] [--state FILE | --resume FILE] [--report FILE] [--log FILE] [--data DIR]';
const GLUE_FOLDERS: Record<string, string> = { 'SST-2': 'sst2', MRPC: 'mrpc', RTE: 'rte', QNLI: 'qnli', MNLI: 'mnli', SNLI: 'snli' };
const FLAGS = ['task', 'prompt-lm', 'target-lm', 'steps', 'seed', 'mode', 'modes', 'manual-prompt', 'budget', 'settings', 'preset', 'weights', 'state', 'resume', 'report', 'log', 'data', 'hub-host', 'revision', 'onnx', 'map', 'family'];

function parseFlags(argv: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i]!;
    if (!key.startsWith('--')) throw new UsageError(`unexpected argument '${key}'`);
    if (!FLAGS.includes(key.slice(2))) throw new UsageError(`unknown flag ${key}`);
    const value = argv[++i];
    if (value === undefined) throw new UsageError(`${key} needs a value`);
    flags.set(key.slice(2), value);
  }
  if (!flags.get('task') && !flags.get('resume')) throw new UsageError('--task is required (or --resume FILE)');
  if (flags.has('prompt-lm') !== flags.has('target-lm')) throw new UsageError(`--${flags.has('prompt-lm') ? 'target-lm' : 'prompt-lm'} is required with --${flags.has('prompt-lm') ? 'prompt-lm' : 'target-lm'} (or give neither for the demo world)`);
  if (flags.has('modes') && (flags.has('state') || flags.has('resume'))) throw new UsageError('--state and --resume save one run; use --mode with them, not --modes');
  return flags;
}

function integer(flags: Map<string, string>, key: string): number | undefined {
  const v = flags.get(key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${key} must be a non-negative integer, got '${v}'`);
  return n;
}

/** A registry name (sst2, ii/sum, mmlu/anatomy, builtin/sum) or a GLUE folder of the shared data. */
function loadTask(arg: string, flags: Map<string, string>): Task {
  let name = arg;
  let root = resolve(flags.get('data') ?? join(process.cwd(), '..', 'shared', 'data'));
  if (existsSync(arg) && statSync(arg).isFile()) return taskFileArgument(arg, flags);
  if (existsSync(arg) && statSync(arg).isDirectory()) {
    const folder = basename(resolve(arg));
    const glue = GLUE_FOLDERS[folder];
    if (!glue) throw new UsageError(`${arg} is not a task folder this command knows (GLUE folders: ${Object.keys(GLUE_FOLDERS).join(', ')}); pass a task name such as ii/sum or mmlu/anatomy with --data`);
    name = glue;
    root = dirname(dirname(resolve(arg)));
  }
  return loadSharedTask(name, (path) => readFileSync(join(root, path)));
}

/** --task FILE [--map JSON] [--family F]: a user file (CSV, TSV, JSON Lines, JSON, BIG-bench, BBH) as a task. */
function taskFileArgument(file: string, flags: Map<string, string>): Task {
  let map: Partial<TaskMapping> | undefined;
  const json = flags.get('map');
  if (json !== undefined) {
    try {
      map = JSON.parse(json) as Partial<TaskMapping>;
    } catch (error) {
      throw new UsageError(`--map is not JSON (${(error as Error).message})`);
    }
  }
  const family = flags.get('family') as TaskFamily | undefined;
  return taskFromFile(file, new Uint8Array(readFileSync(file)), { ...(map && { map }), ...(family && { family }) }).task;
}

/** The settings the flags set (only those given: on --resume each is compared with the saved run's). */
function settingsFrom(flags: Map<string, string>): GflowpoSettingsInput {
  let settings: GflowpoSettingsInput = {};
  const json = flags.get('settings');
  if (json) {
    try {
      settings = JSON.parse(json) as GflowpoSettingsInput;
    } catch (error) {
      throw new UsageError(`--settings is not JSON (${(error as Error).message})`);
    }
    if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) throw new UsageError('--settings must be a JSON object of GFlowPO settings');
  }
  const steps = integer(flags, 'steps');
  const seed = integer(flags, 'seed');
  const budget = integer(flags, 'budget');
  const mode = flags.get('mode');
  if (mode !== undefined && !GFLOWPO_MODES.includes(mode as GflowpoMode)) throw new UsageError(`--mode must be one of ${GFLOWPO_MODES.join(', ')}, got '${mode}'`);
  const manual = flags.get('manual-prompt');
  return {
    ...settings,
    ...(steps !== undefined ? { steps } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(budget !== undefined ? { targetCallBudget: budget } : {}),
    ...(mode ? { mode: mode as GflowpoMode } : {}),
    ...(manual ? { manualPrompt: manual } : {}),
  };
}

function preset(flags: Map<string, string>): PresetName | undefined {
  const p = flags.get('preset');
  if (p !== undefined && !PRESET_NAMES.includes(p as PresetName)) throw new UsageError(`--preset must be one of ${PRESET_NAMES.join(', ')}, got '${p}'`);
  return p as PresetName | undefined;
}

/** The demo world's prompt-LM and target-LM (public/models/, checked against their model cards): used when neither --prompt-lm nor --target-lm is given. */
async function demoModels(): Promise<Pick<LabModels, 'promptLM' | 'targetLM'> & { names: { promptLM: string; targetLM: string } }> {
  const [promptLM, targetLM] = await Promise.all([demoModelSource('prompt'), demoModelSource('target')]);
  return { promptLM, targetLM, names: { promptLM: DEMO_MODEL_NAMES.prompt, targetLM: DEMO_MODEL_NAMES.target } };
}

/** `openai:<base URL>#<model>`, key from $OPENAI_API_KEY (kept in memory): a target-LM on an OpenAI-compatible server (vLLM). */
function openAITarget(arg: string): TargetSource {
  const spec = arg.slice('openai:'.length);
  const at = spec.indexOf('#');
  if (at <= 0 || at === spec.length - 1) throw new UsageError(`--target-lm ${arg}: write openai:<base URL>#<model>, e.g. openai:http://localhost:8000/v1#google/gemma-1.1-7b-it (key from OPENAI_API_KEY)`);
  const apiKey = process.env['OPENAI_API_KEY'];
  return { kind: 'openai', baseUrl: spec.slice(0, at), model: spec.slice(at + 1), ...(apiKey ? { apiKey } : {}) };
}

/** --weights: both models' frozen base weights as loaded (q8/q4 quantised at load; the adapter stays float32). */
function weightPrecision(flags: Map<string, string>): Pick<LabModels, 'weightPrecision'> {
  const w = flags.get('weights');
  if (w === undefined) return {};
  if (!WEIGHT_PRECISIONS.includes(w as WeightPrecision)) throw new UsageError(`--weights must be one of ${WEIGHT_PRECISIONS.join(', ')}, got '${w}'`);
  return { weightPrecision: w as WeightPrecision };
}

async function modelsFrom(flags: Map<string, string>): Promise<LabModels & { names: { promptLM: string; targetLM: string } }> {
  return { ...(await sourcesFrom(flags)), ...weightPrecision(flags) };
}

async function sourcesFrom(flags: Map<string, string>): Promise<LabModels & { names: { promptLM: string; targetLM: string } }> {
  if (!flags.has('prompt-lm')) return { ...(await demoModels()), backend: 'wasm' };
  const promptLM = await modelSource(flags.get('prompt-lm')!, flags);
  const targetArg = flags.get('target-lm')!;
  const target = targetArg.startsWith('openai:') ? openAITarget(targetArg) : await modelSource(targetArg, flags);
  if (target.kind === 'llama2c' || target.kind === 'loaded') throw new UsageError('--target-lm needs a tokenizer: give a hub-layout folder or a hub id');
  return { promptLM, targetLM: target as TargetSource, backend: 'wasm', names: { promptLM: flags.get('prompt-lm')!, targetLM: flags.get('target-lm')! } };
}

function readState(file: string): RunSnapshot {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new UsageError(`--resume ${file}: ${(error as Error).message}`);
  }
  try {
    return decodeRunFile(bytes);
  } catch (error) {
    if (error instanceof RunFileError) throw new RunFileError(`--resume ${file}: ${error.message}`);
    throw error;
  }
}

/** Flags given on --resume must agree with the saved settings: the first one that differs is named. */
function checkResumeSettings(input: GflowpoSettingsInput, saved: GflowpoRunState['settings']): void {
  for (const [key, value] of Object.entries(input)) {
    const have = (saved as unknown as Record<string, unknown>)[key];
    const same = key === 'lora' ? Object.entries(value as object).every(([k, v]) => JSON.stringify((have as Record<string, unknown>)[k]) === JSON.stringify(v)) : JSON.stringify(have) === JSON.stringify(value);
    if (!same) throw new UsageError(`--resume: the saved run has ${key} = ${JSON.stringify(have)}, the flags say ${JSON.stringify(value)}; drop the flag to continue the saved run, or start a new run`);
  }
}

interface Outcome {
  state: GflowpoRunState;
  events: StepEvent[];
  /** A remote target-LM's requests, retries and tokens during the run (null for a local target). */
  targetUsage: LabEngine['targetUsage'];
  /** The same for the calibration before it (the estimate line's). */
  calibrationUsage: LabEngine['targetUsage'];
}

type Usage = NonNullable<LabEngine['targetUsage']>;

/** Usage counted between two readings of the (cumulative) counters. */
function usageSince(now: Usage, then: Usage): Usage {
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - then[k as keyof Usage]])) as unknown as Usage;
}

function report(task: Task, names: { promptLM: string; targetLM: string }, { state, events, targetUsage, calibrationUsage }: Outcome) {
  const initial = events.find((e) => e.type === 'initial');
  const done = state.done;
  return {
    task: task.name,
    taskId: state.task,
    mode: state.settings.mode,
    settings: state.settings,
    seed: state.settings.seed,
    steps: state.step,
    targetCalls: state.cache.targetCalls,
    cacheHits: state.cache.cacheHits,
    ...(targetUsage ? { targetUsage, calibrationUsage } : {}),
    promptLM: names.promptLM,
    targetLM: state.target,
    reason: done?.reason ?? null,
    selected: done?.selected ?? null,
    initialPrompts: initial && initial.type === 'initial' ? initial.prompts : [],
  };
}

/**
 * The run's first line: its expected time and target-LM calls from a short calibration (one micro-batch of real work,
 * run-calibration.ts; nothing of the run changes), with the share of each part.
 */
async function announceEstimate(engine: LabEngine, mode: string): Promise<{ calibration: Usage | null; atStart: Usage | null }> {
  const before = engine.targetUsage && { ...engine.targetUsage };
  await engine.calibrate();
  const atStart = engine.targetUsage && { ...engine.targetUsage };
  const usage = { calibration: atStart && before && usageSince(atStart, before), atStart };
  const e = engine.estimate();
  if (!e) return usage;
  const total = Math.max(1, e.remainingMs);
  const parts = Object.entries(e.parts).map(([k, ms]) => `${k} ${Math.round((100 * ms) / total)}%`).join(', ');
  console.log(`[${mode}] estimate: at most ${formatDuration(e.remainingMs)} and ${Math.round(e.targetCalls)} target-LM calls for ${e.steps} steps (${parts}; from one calibrated micro-batch; prompts sampled again are answered from the cache, so repeats make it shorter)`);
  return usage;
}

function runUsage(engine: LabEngine, usage: { calibration: Usage | null; atStart: Usage | null }): Pick<Outcome, 'targetUsage' | 'calibrationUsage'> {
  const now = engine.targetUsage;
  return { targetUsage: now && usage.atStart && usageSince(now, usage.atStart), calibrationUsage: usage.calibration };
}

function progress(mode: string, event: StepEvent): void {
  if (event.type === 'update') console.log(`[${mode}] step ${event.step}: loss ${event.loss.toFixed(4)} logZ ${event.logZ.toFixed(3)} lr ${event.lr.toExponential(2)}`);
  else if (event.type === 'buffer') console.log(`[${mode}] step ${event.step}: buffer ${event.size}, best train accuracy ${event.best?.trainAccuracy.toFixed(3) ?? '-'}`);
  else if (event.type === 'done') console.log(`[${mode}] selected: ${JSON.stringify(event.selected?.text ?? null)} train ${event.selected?.trainAccuracy ?? '-'} validation ${event.selected?.validationAccuracy ?? '-'} test ${event.selected?.testAccuracy ?? '-'}`);
}

/** One saved run: created (--state) or continued (--resume), committed to the state file after every step. */
async function savedRun(flags: Map<string, string>, log: string | undefined): Promise<{ task: Task; outcome: Outcome; names: { promptLM: string; targetLM: string } }> {
  const resumeFile = flags.get('resume');
  const stateFile = resolve(flags.get('state') ?? resumeFile!);
  const saved = resumeFile ? readState(resumeFile) : null;
  if (!saved && existsSync(stateFile)) throw new UsageError(`--state ${stateFile} exists; continue that run with --resume ${stateFile}, or choose another file`);
  const repository = stateRepository(stateFile, saved);
  const engine = new LabEngine(loadOrtNode, undefined, { repository: async () => repository, label: `the headless command (pid ${process.pid})` });
  const models = await modelsFrom(flags);
  const input = settingsFrom(flags);
  let task: Task;
  if (saved) {
    const state = saved.run.core;
    task = loadTask(flags.get('task') ?? state.task.split('[')[0]!, flags);
    checkResumeSettings(input, state.settings);
    await engine.resumeRun(saved.run.id, { task, ...models });
    if (log) writeFileSync(log, saved.events.map((r) => toJsonl(r.event)).join(''));
    console.log(`[${state.settings.mode}] resumed ${stateFile} after step ${saved.run.step} of ${state.settings.steps}`);
  } else {
    task = loadTask(flags.get('task')!, flags);
    const p = preset(flags);
    await engine.createRun({ task, ...models, settings: input, ...(p ? { preset: p } : {}) }, { name: basename(stateFile), promptLM: models.names.promptLM });
    if (log) writeFileSync(log, '');
  }
  const mode = engine.state().settings.mode;
  const usage = await announceEstimate(engine, mode);
  await engine.start((event) => {
    if (log) appendFileSync(log, toJsonl(event));
    progress(mode, event);
  });
  const outcome = { state: engine.state(), events: repository.current()!.events.map((r) => r.event), ...runUsage(engine, usage) };
  await engine.release();
  return { task, outcome, names: models.names };
}

/** One run kept in memory (no --state): each mode of --modes, on the same task and models. */
async function memoryRun(engine: LabEngine, task: Task, models: LabModels, input: GflowpoSettingsInput, flags: Map<string, string>, log: string | undefined): Promise<Outcome> {
  const p = preset(flags);
  await engine.setup({ task, ...models, settings: input, ...(p ? { preset: p } : {}) });
  const events: StepEvent[] = [];
  const mode = engine.state().settings.mode;
  const usage = await announceEstimate(engine, mode);
  await engine.start((event) => {
    events.push(event);
    if (log) appendFileSync(log, toJsonl(event));
    progress(mode, event);
  });
  return { state: engine.state(), events, ...runUsage(engine, usage) };
}

async function main(): Promise<void> {
  if (process.argv.includes('--list-tasks')) {
    for (const name of sharedTaskNames()) console.log(name);
    return;
  }
  const flags = parseFlags(process.argv.slice(2));
  const log = flags.get('log');
  const reportPath = flags.get('report');
  let result: unknown;
  if (flags.has('state') || flags.has('resume')) {
    const { task, outcome, names } = await savedRun(flags, log);
    result = report(task, names, outcome);
  } else {
    const task = loadTask(flags.get('task')!, flags);
    const models = await modelsFrom(flags);
    const base = settingsFrom(flags);
    const modes = flags.get('modes')?.split(',').map((m) => m.trim());
    for (const m of modes ?? []) if (!GFLOWPO_MODES.includes(m as GflowpoMode)) throw new UsageError(`--modes: '${m}' is not one of ${GFLOWPO_MODES.join(', ')}`);
    if (log) writeFileSync(log, '');
    const engine = new LabEngine(loadOrtNode);
    const runs = [];
    for (const mode of modes ?? [undefined]) runs.push(report(task, models.names, await memoryRun(engine, task, models, { ...base, ...(mode ? { mode: mode as GflowpoMode } : {}) }, flags, log)));
    await engine.release();
    result = modes ? { task: task.name, runs } : runs[0];
  }
  if (reportPath) writeFileSync(reportPath, `${JSON.stringify(result, null, 2)}\n`);
}

try {
  await main();
} catch (error) {
  const e = error as Error;
  process.stderr.write(`${e.name}: ${e.message}\n${error instanceof UsageError ? `${USAGE}\n` : ''}`);
  process.exit(error instanceof UsageError ? 2 : 1);
}
