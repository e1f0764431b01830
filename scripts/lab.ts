// `npm run lab -- --task <name|folder> --prompt-lm <id|path> --target-lm <id|path> --steps N --seed S ...`:
// the GFlowPO engine headless, on the same engine classes as the lab (wasm in Node). Writes a JSON report
// (--report FILE) and the JSONL event log (--log FILE); prints one line per step and the selected prompt.
//   --mode gflowpo|prior-only|on-policy|no-dmu|manual (or --modes a,b,c side by side)   --manual-prompt "..."   --budget N (target calls)
//   --settings '{"microBatches":2,...}' (any GFlowPO setting)   --data DIR (the shared data root)   --hub-host URL
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { StepEvent } from '../src/gflow/events';
import { toJsonl } from '../src/gflow/events';
import { GflowpoRun } from '../src/gflow/run';
import { type GflowpoSettingsInput, resolveSettings } from '../src/gflow/settings';
import { loadOrtNode } from '../src/runtime/ort-node';
import { PromptLM } from '../src/engines/prompt-lm';
import { LabPromptSampler } from '../src/engines/prompt-sampler';
import { TargetEngine } from '../src/engines/target-engine';
import { loadSharedTask } from '../src/tasks/registry';
import type { Task } from '../src/tasks/task';
import { modelSource } from './model-source';

class UsageError extends Error {
  override name = 'UsageError';
}

const USAGE = 'usage: npm run lab -- --task <name|folder> --prompt-lm <id|path> --target-lm <id|path> [--steps N] [--seed S] [--mode M] [--manual-prompt P] [--budget N] [--settings JSON] [--report FILE] [--log FILE] [--data DIR]';
const GLUE_FOLDERS: Record<string, string> = { 'SST-2': 'sst2', MRPC: 'mrpc', RTE: 'rte', QNLI: 'qnli', MNLI: 'mnli', SNLI: 'snli' };

function parseFlags(argv: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i]!;
    if (!key.startsWith('--')) throw new UsageError(`unexpected argument '${key}'`);
    const value = argv[++i];
    if (value === undefined) throw new UsageError(`${key} needs a value`);
    flags.set(key.slice(2), value);
  }
  for (const required of ['task', 'prompt-lm', 'target-lm']) if (!flags.get(required)) throw new UsageError(`--${required} is required`);
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
  if (existsSync(arg) && statSync(arg).isDirectory()) {
    const folder = basename(resolve(arg));
    const glue = GLUE_FOLDERS[folder];
    if (!glue) throw new UsageError(`${arg} is not a task folder this command knows (GLUE folders: ${Object.keys(GLUE_FOLDERS).join(', ')}); pass a task name such as ii/sum or mmlu/anatomy with --data`);
    name = glue;
    root = dirname(dirname(resolve(arg)));
  }
  return loadSharedTask(name, (path) => readFileSync(join(root, path), 'utf8'));
}

function settingsFrom(flags: Map<string, string>): GflowpoSettingsInput {
  let settings: GflowpoSettingsInput = {};
  const json = flags.get('settings');
  if (json) {
    try {
      settings = JSON.parse(json) as GflowpoSettingsInput;
    } catch (error) {
      throw new UsageError(`--settings is not JSON (${(error as Error).message})`);
    }
  }
  const steps = integer(flags, 'steps');
  const seed = integer(flags, 'seed');
  const budget = integer(flags, 'budget');
  const mode = flags.get('mode');
  const manual = flags.get('manual-prompt');
  return {
    ...settings,
    ...(steps !== undefined ? { steps } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(budget !== undefined ? { targetCallBudget: budget } : {}),
    ...(mode ? { mode: mode as GflowpoSettingsInput['mode'] } : {}),
    ...(manual ? { manualPrompt: manual } : {}),
  };
}

/** One run of one mode; the prompt-LM is loaded fresh (a new adapter), the target LM is shared. */
async function runMode(flags: Map<string, string>, task: Task, input: GflowpoSettingsInput, target: TargetEngine, targetId: string, log: string | undefined) {
  const settings = resolveSettings(input, task.name);
  const promptLM = new PromptLM(loadOrtNode);
  await promptLM.load(await modelSource(flags.get('prompt-lm')!, flags), settings, { backend: 'wasm' });
  const targetLM = { id: targetId, get calls() { return target.calls; }, evaluate: target.evaluate.bind(target) };
  const run = new GflowpoRun(settings, task, new LabPromptSampler(promptLM), targetLM);
  const events: StepEvent[] = [];
  const done = await run.run((event) => {
    events.push(event);
    if (log) appendFileSync(log, toJsonl(event));
    if (event.type === 'update') console.log(`[${settings.mode}] step ${event.step}: loss ${event.loss.toFixed(4)} logZ ${event.logZ.toFixed(3)} lr ${event.lr.toExponential(2)}`);
    else if (event.type === 'buffer') console.log(`[${settings.mode}] step ${event.step}: buffer ${event.size}, best train accuracy ${event.best?.trainAccuracy.toFixed(3) ?? '-'}`);
  });
  await promptLM.release();
  const initial = events.find((e) => e.type === 'initial');
  const s = done?.selected;
  console.log(`[${settings.mode}] selected: ${JSON.stringify(s?.text ?? null)} train ${s?.trainAccuracy ?? '-'} validation ${s?.validationAccuracy ?? '-'} test ${s?.testAccuracy ?? '-'}; target calls ${run.targetCalls}`);
  return {
    task: task.name,
    mode: settings.mode,
    settings: run.settings,
    seed: run.settings.seed,
    steps: run.completedSteps,
    targetCalls: run.targetCalls,
    cacheHits: run.cacheHits,
    promptLM: flags.get('prompt-lm'),
    targetLM: targetId,
    reason: done?.reason ?? null,
    selected: done?.selected ?? null,
    initialPrompts: initial && initial.type === 'initial' ? initial.prompts : [],
  };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const task = loadTask(flags.get('task')!, flags);
  const base = settingsFrom(flags);
  // --modes a,b,c runs baselines side by side on one task (one report with a run per mode).
  const modes = flags.get('modes')?.split(',').map((m) => m.trim()) as GflowpoSettingsInput['mode'][] | undefined;
  const targetSource = await modelSource(flags.get('target-lm')!, flags);
  if (targetSource.kind === 'llama2c' || targetSource.kind === 'loaded') throw new UsageError('--target-lm needs a tokenizer: give a hub-layout folder or a hub id');
  const target = new TargetEngine(loadOrtNode);
  const info = await target.load(targetSource, { implementation: 'compiled', backend: 'wasm' });
  const log = flags.get('log');
  if (log) writeFileSync(log, '');
  const reports = [];
  for (const mode of modes ?? [base.mode]) reports.push(await runMode(flags, task, { ...base, ...(mode ? { mode } : {}) }, target, info.id, log));
  const reportPath = flags.get('report');
  const report = modes ? { task: task.name, runs: reports } : reports[0];
  if (reportPath) writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  await target.release();
}

try {
  await main();
} catch (error) {
  const e = error as Error;
  process.stderr.write(`${e.name}: ${e.message}\n${error instanceof UsageError ? `${USAGE}\n` : ''}`);
  process.exit(error instanceof UsageError ? 2 : 1);
}
