// One namespace for every task the lab knows: the datasets in the shared data folder (layout below) and the
// built-in tasks. loadSharedTask(name, readFile) asks the caller for file texts by path relative to the data
// folder (../shared/data in this repo), so the same code serves Node (node:fs), a picked folder or a test;
// nothing here touches a file system.
//
// Names and files (relative to the data folder):
//   sst2 mrpc rte qnli     glue-16-shot/<SST-2|MRPC|RTE|QNLI>/16-<seed>/{train,dev}.tsv + glue-16-shot/<T>/test.tsv
//   mnli snli              glue-16-shot/<MNLI|SNLI>/16-<seed>/{train.tsv, dev_matched.tsv | dev.tsv}
//                          + glue-nli-eval-pools/<MNLI|SNLI>/pool.json
//   ii/<task>              instruction-induction/raw/{induce,execute}/<task>.json (24 tasks)
//   mmlu/<subject>         mmlu/dev/<subject>_dev.csv + mmlu/test/<subject>_test.csv (57 subjects)
//   builtin/<task>         no files (builtin.ts)
//   demo/<task>            no files (the demo world, src/demo/world/tasks.ts)
//   bbii/<task>            bigbench-ii/<task>/task.json (the paper's 19 BBII tasks, files the user provides; bigbench.ts)
//   bbh/<task>             bbh/<task>.json (the 27 BIG-Bench Hard tasks, files the user provides; bbh.ts)
//   bigbench/<task>        bigbench/<task>/task.json (any BIG-bench JSON task, by its folder name)
// readFile may return text or bytes; bytes must be UTF-8 (or UTF-16 with a BOM): anything else is an ImportError at
// its line and column, never text with U+FFFD.
// <seed> is one of the LM-BFF seeds 13, 21, 42, 87, 100 (default 13).
import { BBH_TASKS, bbhTask } from './bbh';
import { BBII_PRIMARY_TARGET, BBII_TASKS, type BenchmarkSplitOptions, bigBenchTask } from './bigbench';
import { BUILTIN_TASKS, builtinTask, type BuiltinOptions } from './builtin';
import { DEMO_TASKS, demoTask, type DemoTaskOptions } from './demo-world/tasks';
import { decodeText } from './import/detect';
import { GLUE_TASKS, glueTask, type GlueTaskName } from './glue';
import { INSTRUCTION_INDUCTION_TASKS, instructionInductionTask, parseAnnotations, type InstructionInductionOptions } from './instruction-induction';
import { MMLU_SUBJECTS, mmluTask, type MmluOptions } from './mmlu';
import { TaskError, type LabelSpace, type Task } from './task';

/** Text of a file, by path relative to the data folder ('/'-separated); throw if it is missing. */
export type ReadFile = (relativePath: string) => string;

/** Text or bytes of a file (bytes are decoded strictly: UTF-8, or UTF-16 with a BOM); a ReadFile is one. */
export type ReadData = (relativePath: string) => string | Uint8Array;

export const LM_BFF_SEEDS = [13, 21, 42, 87, 100] as const;

export interface SharedTaskOptions {
  /** LM-BFF 16-shot seed for the GLUE tasks (default 13). */
  glueSeed?: number;
  /** How label words are scored on GLUE and MMLU tasks (default DEFAULT_LABEL_SPACE; mmlu.labelSpace wins for MMLU). */
  labelSpace?: LabelSpace;
  instructionInduction?: Omit<InstructionInductionOptions, 'paths' | 'taskName'>;
  mmlu?: Omit<MmluOptions, 'paths' | 'taskName'>;
  builtin?: BuiltinOptions;
  demo?: DemoTaskOptions;
  /** Splits of bbii/, bbh/ and bigbench/ tasks (default 30 train, 30 validation, the rest test). */
  benchmark?: BenchmarkSplitOptions;
}

const GLUE_FOLDER: Readonly<Record<GlueTaskName, string>> = { sst2: 'SST-2', mrpc: 'MRPC', rte: 'RTE', qnli: 'QNLI', mnli: 'MNLI', snli: 'SNLI' };

/** Every name loadSharedTask accepts. */
export function sharedTaskNames(): string[] {
  return [
    ...GLUE_TASKS,
    ...INSTRUCTION_INDUCTION_TASKS.map((t) => `ii/${t}`),
    ...MMLU_SUBJECTS.map((s) => `mmlu/${s}`),
    ...BUILTIN_TASKS.map((t) => `builtin/${t}`),
    ...DEMO_TASKS.map((t) => `demo/${t}`),
    ...BBII_TASKS.map((t) => `bbii/${t}`),
    ...BBH_TASKS.map((t) => `bbh/${t}`),
  ];
}

function reader(readFile: ReadData): ReadFile {
  return (path) => {
    let content: string | Uint8Array;
    try {
      content = readFile(path);
    } catch (error) {
      throw new TaskError(`cannot read ${path} from the data folder (${(error as Error).message}); is the folder the shared data root (with glue-16-shot/, instruction-induction/, mmlu/)?`);
    }
    return typeof content === 'string' ? content : decodeText(path, content);
  };
}

/** The files a GLUE task reads, by split. */
export function glueTaskPaths(name: GlueTaskName, seed: number): { train: string; dev: string; test: string } {
  if (!(LM_BFF_SEEDS as readonly number[]).includes(seed)) throw new TaskError(`LM-BFF seed ${seed} does not exist; use one of ${LM_BFF_SEEDS.join(', ')}`);
  const folder = GLUE_FOLDER[name];
  const nli = name === 'mnli' || name === 'snli';
  return {
    train: `glue-16-shot/${folder}/16-${seed}/train.tsv`,
    dev: `glue-16-shot/${folder}/16-${seed}/${name === 'mnli' ? 'dev_matched.tsv' : 'dev.tsv'}`,
    test: nli ? `glue-nli-eval-pools/${folder}/pool.json` : `glue-16-shot/${folder}/test.tsv`,
  };
}

export function loadSharedTask(name: string, readFile: ReadData, options: SharedTaskOptions = {}): Task {
  const read = reader(readFile);
  if ((GLUE_TASKS as readonly string[]).includes(name)) {
    const glue = name as GlueTaskName;
    const seed = options.glueSeed ?? 13;
    const paths = glueTaskPaths(glue, seed);
    return glueTask(glue, { train: read(paths.train), dev: read(paths.dev), test: read(paths.test) }, { paths, seed, ...(options.labelSpace && { labelSpace: options.labelSpace }) });
  }
  const slash = name.indexOf('/');
  const family = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  if (family === 'ii' && (INSTRUCTION_INDUCTION_TASKS as readonly string[]).includes(rest)) {
    const paths = { induce: `instruction-induction/raw/induce/${rest}.json`, execute: `instruction-induction/raw/execute/${rest}.json` };
    return instructionInductionTask(rest, { induce: read(paths.induce), execute: read(paths.execute) }, { ...options.instructionInduction, paths });
  }
  if (family === 'mmlu' && (MMLU_SUBJECTS as readonly string[]).includes(rest)) {
    const paths = { dev: `mmlu/dev/${rest}_dev.csv`, test: `mmlu/test/${rest}_test.csv` };
    return mmluTask(rest, { dev: read(paths.dev), test: read(paths.test) }, { ...(options.labelSpace && { labelSpace: options.labelSpace }), ...options.mmlu, paths });
  }
  if (family === 'builtin' && (BUILTIN_TASKS as readonly string[]).includes(rest)) return builtinTask(rest, options.builtin);
  if (family === 'demo' && (DEMO_TASKS as readonly string[]).includes(rest)) return demoTask(rest, options.demo);
  if (family === 'bbii' && BBII_TASKS.includes(rest)) {
    const path = `bigbench-ii/${rest}/task.json`;
    return bigBenchTask(read(path), path, { ...options.benchmark, taskName: name, ...(Object.hasOwn(BBII_PRIMARY_TARGET, rest) && { primaryTarget: BBII_PRIMARY_TARGET[rest] }) });
  }
  if (family === 'bbh' && (BBH_TASKS as readonly string[]).includes(rest)) return bbhTask(read(`bbh/${rest}.json`), `bbh/${rest}.json`, { ...options.benchmark, taskName: name });
  if (family === 'bigbench' && /^[a-z0-9_]+$/.test(rest)) {
    const path = `bigbench/${rest}/task.json`;
    return bigBenchTask(read(path), path, { ...options.benchmark, taskName: name });
  }
  const known = sharedTaskNames();
  const near = known.filter((k) => k.includes(rest || name) || (rest !== '' && k.endsWith(`/${rest}`)));
  throw new TaskError(`unknown task "${name}"${near.length > 0 ? `; did you mean ${near.slice(0, 5).join(', ')}?` : ''} Names: sst2, mrpc, rte, qnli, mnli, snli, ii/<task>, mmlu/<subject>, builtin/<task>, demo/<task>, bbii/<task>, bbh/<task>, bigbench/<task> (sharedTaskNames() lists them all but bigbench/).`);
}

/** Gold human instructions of an Instruction Induction task (the manual-prompt baseline). */
export function loadSharedAnnotations(name: string, readFile: ReadData): string[] {
  const task = name.replace(/^ii\//, '');
  if (!(INSTRUCTION_INDUCTION_TASKS as readonly string[]).includes(task)) throw new TaskError(`no annotations for "${name}": only the 24 Instruction Induction tasks have them`);
  const path = `instruction-induction/annotations/${task}.json`;
  return parseAnnotations(reader(readFile)(path), path);
}
