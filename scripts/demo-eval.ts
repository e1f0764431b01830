// `npm run demo:eval`: GFlowPO against its baselines on every demo task with the committed demo models, through
// LabEngine (the lab worker's class) on wasm in Node: for each task, each mode (gflowpo, prior-only, no-replay) and
// each seed, one run of the quick preset capped at the same target-LM call budget. Prints one table row per task
// and mode (mean ± sd test accuracy of the selected prompt, mean test accuracy of the run's initial prompts, target
// calls, wall time) and, as its last line, `demo gflowpo gain over initial prompts: <points>` (mean over tasks and
// seeds of selected minus initial-prompt test accuracy, in percentage points).
//   --tasks a,b (default: all demo tasks)   --modes a,b   --seeds N (default 5: seeds 0..N-1)   --budget N (default 160)
//   --preset quick|paper (default quick)   --settings JSON (extra settings for every run)   --report FILE (JSON)
import { writeFileSync } from 'node:fs';
import { demoModelSource } from '../src/demo/world/models';
import { DEMO_TASKS, demoTask } from '../src/demo/world/tasks';
import { LabEngine } from '../src/engines/lab-engine';
import type { StepEvent } from '../src/gflow/events';
import { GFLOWPO_MODES, type GflowpoMode, type GflowpoSettingsInput, PRESET_NAMES, type PresetName } from '../src/gflow/settings';
import { loadOrtNode } from '../src/runtime/ort-node';

class UsageError extends Error {
  override name = 'UsageError';
}

interface Options {
  tasks: string[];
  modes: GflowpoMode[];
  seeds: number;
  budget: number;
  preset: PresetName;
  settings: GflowpoSettingsInput;
  report?: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { tasks: [...DEMO_TASKS], modes: ['gflowpo', 'prior-only', 'no-replay'], seeds: 5, budget: 160, preset: 'quick', settings: {} };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (flag === '--tasks') o.tasks = value.split(',').map((t) => t.trim().replace(/^demo\//, ''));
    else if (flag === '--modes') o.modes = value.split(',').map((m) => m.trim()) as GflowpoMode[];
    else if (flag === '--seeds') o.seeds = Number(value);
    else if (flag === '--budget') o.budget = Number(value);
    else if (flag === '--preset') o.preset = value as PresetName;
    else if (flag === '--settings') o.settings = JSON.parse(value) as GflowpoSettingsInput;
    else if (flag === '--report') o.report = value;
    else throw new UsageError(`unknown flag ${flag}; flags: --tasks --modes --seeds --budget --preset --settings --report`);
  }
  for (const t of o.tasks) if (!(DEMO_TASKS as readonly string[]).includes(t)) throw new UsageError(`--tasks: ${t} is not a demo task (${DEMO_TASKS.join(', ')})`);
  for (const m of o.modes) if (!GFLOWPO_MODES.includes(m) || m === 'manual') throw new UsageError(`--modes: ${m} is not one of gflowpo, prior-only, no-replay, no-dmu`);
  if (!Number.isInteger(o.seeds) || o.seeds < 1) throw new UsageError(`--seeds must be a positive integer, got ${o.seeds}`);
  if (!Number.isInteger(o.budget) || o.budget < 1) throw new UsageError(`--budget must be a positive integer, got ${o.budget}`);
  if (!PRESET_NAMES.includes(o.preset)) throw new UsageError(`--preset must be one of ${PRESET_NAMES.join(', ')}`);
  return o;
}

interface RunResult {
  task: string;
  mode: GflowpoMode;
  seed: number;
  selected: string | null;
  selectedTest: number;
  initialTest: number;
  initialCount: number;
  targetCalls: number;
  steps: number;
  seconds: number;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: readonly number[]): number => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
const pts = (x: number): string => (100 * x).toFixed(1);

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const [promptLM, targetLM] = await Promise.all([demoModelSource('prompt'), demoModelSource('target')]);
  const engine = new LabEngine(loadOrtNode);
  const results: RunResult[] = [];
  const wall0 = Date.now();
  console.log(`demo:eval: ${o.tasks.length} tasks x ${o.modes.join(', ')} x ${o.seeds} seeds, preset ${o.preset}, budget ${o.budget} target calls`);
  for (const name of o.tasks) {
    const task = demoTask(name);
    for (const mode of o.modes) {
      for (let seed = 0; seed < o.seeds; seed++) {
        const t0 = Date.now();
        await engine.setup({ task, promptLM, targetLM, backend: 'wasm', preset: o.preset, settings: { ...o.settings, mode, seed, targetCallBudget: o.budget } });
        let initial: StepEvent | undefined;
        await engine.start((event) => {
          if (event.type === 'initial') initial = event;
        });
        const state = engine.state();
        const prompts = initial && initial.type === 'initial' ? initial.prompts : [];
        const selected = state.done?.selected ?? null;
        const r: RunResult = {
          task: task.name,
          mode,
          seed,
          selected: selected?.text ?? null,
          selectedTest: selected?.testAccuracy ?? 0,
          initialTest: prompts.length > 0 ? mean(prompts.map((p) => p.testAccuracy)) : 0,
          initialCount: prompts.length,
          targetCalls: state.cache.targetCalls,
          steps: state.step,
          seconds: (Date.now() - t0) / 1000,
        };
        results.push(r);
        console.log(`${r.task} ${mode} seed ${seed}: selected ${JSON.stringify(r.selected)} test ${pts(r.selectedTest)}; initial prompts (${r.initialCount}) test ${pts(r.initialTest)}; ${r.targetCalls} target calls, ${r.steps} steps, ${r.seconds.toFixed(1)} s`);
      }
    }
  }
  await engine.release();

  const rows = [['task', 'mode', 'selected test % (mean ± sd)', 'initial prompts test %', 'target calls', 'wall s'].join(' | ')];
  const rowOf = (label: string, mode: GflowpoMode, rs: RunResult[]) =>
    [label, mode, `${pts(mean(rs.map((r) => r.selectedTest)))} ± ${pts(sd(rs.map((r) => r.selectedTest)))}`, pts(mean(rs.map((r) => r.initialTest))), mean(rs.map((r) => r.targetCalls)).toFixed(0), mean(rs.map((r) => r.seconds)).toFixed(1)].join(' | ');
  for (const name of o.tasks) for (const mode of o.modes) rows.push(rowOf(`demo/${name}`, mode, results.filter((r) => r.task === `demo/${name}` && r.mode === mode)));
  for (const mode of o.modes) rows.push(rowOf('all tasks', mode, results.filter((r) => r.mode === mode)));
  console.log('');
  for (const row of rows) console.log(row);
  const minutes = (Date.now() - wall0) / 60000;
  console.log(`\n${results.length} runs in ${minutes.toFixed(1)} min (preset ${o.preset}, budget ${o.budget} target calls per run, seeds 0..${o.seeds - 1})`);
  if (o.report) writeFileSync(o.report, `${JSON.stringify({ options: o, results }, null, 2)}\n`);
  const gflowpo = results.filter((r) => r.mode === 'gflowpo');
  const gain = gflowpo.length > 0 ? mean(gflowpo.map((r) => r.selectedTest - r.initialTest)) : Number.NaN;
  console.log(`demo gflowpo gain over initial prompts: ${pts(gain)}`);
}

try {
  await main();
} catch (error) {
  const e = error as Error;
  process.stderr.write(`${e.name}: ${e.message}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
}
