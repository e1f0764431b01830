// BIG-bench JSON tasks (task.json) -> Task, and the BIG-bench Instruction Induction (BBII) task list of the paper.
// Text in, Task out; no file system (registry.ts and import/task-file.ts give the text).
//
// The format (google/BIG-bench, docs/doc.md "JSON tasks"; the defaults are bigbench/api/json_task.py's):
//   {"name", "description", "keywords", "metrics": ["exact_str_match" | "multiple_choice_grade" | ...],
//    "preferred_score", "task_prefix": "", "example_input_prefix": "\nQ: ", "example_output_prefix": "\nA: ",
//    "choice_prefix": "\n  choice: ", "append_choices_to_input": true,
//    "examples": [{"input": str, "target": str | [str, ...], "target_scores": {choice: score, ...}}, ...]}
// Family: multiple choice when preferred_score is multiple_choice_grade, generation when it is a generative score
// (exact_str_match, bleu, rouge, ...), else multiple choice when every example has target_scores; options.family wins.
//
// Multiple choice (as the GFlowPO code's load_bigbench): the choices are target_scores' keys in file order, lettered
// A, B, C, ...; the input is "<input>\nChoices :\nA : <choice>\nB : <choice>" and the gold output the letter of the
// highest score (the first on a tie, as BIG-bench's max); label words are the letters up to the most choices seen.
// Fields: question (the input), the letters (choice texts), and the four prefixes, so a 'bigbench' template can
// render the file's own format: {prompt}{task_prefix}{example_input_prefix}{text}{example_output_prefix}.
// Generation: target as a string, or a list whose first entry is the gold output and the rest its alternatives
// (options.primaryTarget picks another entry: the GFlowPO code reads object_counting's second, the digits). The
// metric follows metrics.ts's one rule on the task name.
// Splits (the GFlowPO code trains on the first 30 examples and tests on the rest): train = the first 30, validation =
// the next 30 (held out of the code's test examples, so the final prompt is selected on data the test never sees),
// test = the rest. Files with fewer than 61 examples are split in thirds; fewer than 3 are refused.
// Errors: invalid JSON is import/json.ts's ImportError; valid JSON that is not such a file is a TaskError at the line
// of the offending value.
import { readJsonDocument, type JsonDocument } from './import/json';
import { metricFor } from './metrics';
import { mulberry32, randomInt } from '../random/mulberry32';
import { CLASSIFICATION_TEMPLATE, GENERATION_TEMPLATE, TaskError, finishTask, type Example, type Metric, type Task, type TaskFamily } from './task';

/** The paper's BBII classification tasks (multiple choice from target_scores; the authors' BBII_TC.sh runs the first ten but causal_judgment, presuppositions_as_nli and winowhy). */
export const BBII_CLASSIFICATION_TASKS = [
  'causal_judgment', 'disambiguation_qa', 'epistemic_reasoning', 'hyperbaton', 'implicatures', 'logical_fallacy_detection',
  'movie_recommendation', 'navigate', 'presuppositions_as_nli', 'ruin_names', 'snarks', 'sports_understanding', 'winowhy',
] as const;

/** The paper's BBII generation tasks (token F1 in the authors' TASK_TO_METRIC; BBII_TG.sh runs two of them). */
export const BBII_GENERATION_TASKS = ['dyck_languages', 'gender_inclusive_sentences_german', 'object_counting', 'operators', 'tense', 'word_sorting'] as const;

export const BBII_TASKS: readonly string[] = [...BBII_CLASSIFICATION_TASKS, ...BBII_GENERATION_TASKS];

/** The GFlowPO code reads this BBII task's second listed target (the digits of ["eight", "8"]). */
export const BBII_PRIMARY_TARGET: Readonly<Record<string, number>> = { object_counting: 1 };

/** BIG-bench's defaults (bigbench/api/json_task.py). */
export const BIGBENCH_DEFAULTS = Object.freeze({ taskPrefix: '', inputPrefix: '\nQ: ', outputPrefix: '\nA: ', choicePrefix: '\n  choice: ' });

const GENERATIVE_SCORES = new Set(['exact_str_match', 'bleu', 'rouge', 'bleurt', 'sequence_f1', 'log_likelihood']);
const MAX_CHOICES = 26;

export interface BigBenchExample {
  input: string;
  /** Listed targets (a string target is a list of one); empty when the example has only target_scores. */
  targets: string[];
  /** target_scores in file order; absent when the example has none. */
  scores?: [string, number][];
  /** 1-based line where the example starts. */
  line: number;
}

export interface BigBenchFile {
  file: string;
  name: string | undefined;
  description: string | undefined;
  metrics: string[];
  preferredScore: string | undefined;
  taskPrefix: string;
  inputPrefix: string;
  outputPrefix: string;
  choicePrefix: string;
  examples: BigBenchExample[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const BIGBENCH_KEYS = ['metrics', 'preferred_score', 'keywords', 'task_prefix', 'example_input_prefix', 'example_output_prefix', 'choice_prefix', 'append_choices_to_input'];

/**
 * Whether a parsed JSON value has BIG-bench task.json's structure: an "examples" list of objects with a string
 * "input", and either BIG-bench's own keys (metrics, preferred_score, prefixes, ...) or an example with target_scores
 * or a list target. (A file of only {"input", "target": str} examples is BBH's structure: bbh.ts.)
 */
export function looksLikeBigBench(value: unknown): boolean {
  if (!isObject(value) || !Array.isArray(value['examples']) || value['examples'].length === 0) return false;
  const examples = value['examples'] as unknown[];
  if (!examples.every((e) => isObject(e) && typeof e['input'] === 'string')) return false;
  if (BIGBENCH_KEYS.some((k) => Object.hasOwn(value, k))) return true;
  return examples.some((e) => isObject(e) && (Object.hasOwn(e, 'target_scores') || Array.isArray(e['target'])));
}

/** Validates and reads a task.json; every refusal is a TaskError at the offending value's line. */
export function parseBigBench(text: string, file: string): BigBenchFile {
  const json = readJsonDocument(file, text);
  return readBigBench(json, file);
}

export function readBigBench(json: JsonDocument, file: string): BigBenchFile {
  const root = json.value;
  const at = (path: (string | number)[]) => json.positionOf(path.map(String));
  if (!isObject(root)) throw new TaskError('a BIG-bench task.json is a JSON object with "examples"', at([]));
  const optionalString = (key: string, fallback: string | undefined): string | undefined => {
    const v = Object.hasOwn(root, key) ? root[key] : undefined;
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string') throw new TaskError(`"${key}" must be a string, got ${JSON.stringify(v)?.slice(0, 40)}`, at([key]));
    return v;
  };
  const metricsRaw = Object.hasOwn(root, 'metrics') ? root['metrics'] : [];
  if (!Array.isArray(metricsRaw) || !metricsRaw.every((m) => typeof m === 'string')) throw new TaskError('"metrics" must be a list of strings', at(['metrics']));
  const examplesRaw = Object.hasOwn(root, 'examples') ? root['examples'] : undefined;
  if (!Array.isArray(examplesRaw) || examplesRaw.length === 0) {
    throw new TaskError('no "examples" list; a BIG-bench task.json has "examples": [{"input": ..., "target": ... or "target_scores": {...}}, ...]', at(['examples']));
  }
  const examples = examplesRaw.map((raw: unknown, k): BigBenchExample => {
    const line = at(['examples', k]).line;
    const fail = (message: string, path: (string | number)[] = []): never => {
      throw new TaskError(`example ${k + 1}: ${message}`, at(['examples', k, ...path]));
    };
    if (!isObject(raw)) return fail('expected an object with "input" and "target" or "target_scores"');
    const input = raw['input'];
    if (typeof input !== 'string' || input.trim() === '') return fail('"input" must be a non-empty string', ['input']);
    const example: BigBenchExample = { input, targets: [], line };
    if (Object.hasOwn(raw, 'target')) {
      const target = raw['target'];
      const list = typeof target === 'string' ? [target] : target;
      if (!Array.isArray(list) || list.length === 0 || !list.every((t) => typeof t === 'string')) {
        return fail(`"target" must be a string or a non-empty list of strings, got ${JSON.stringify(target)?.slice(0, 60)}`, ['target']);
      }
      example.targets = list as string[];
    }
    if (Object.hasOwn(raw, 'target_scores')) {
      const scores = raw['target_scores'];
      if (!isObject(scores)) return fail('"target_scores" must be an object of choice -> score', ['target_scores']);
      const entries = Object.entries(scores);
      for (const [choice, score] of entries) {
        if (typeof score !== 'number' || !Number.isFinite(score)) fail(`the score of choice ${JSON.stringify(choice)} must be a finite number, got ${JSON.stringify(score)}`, ['target_scores', choice]);
      }
      example.scores = entries as [string, number][];
    }
    if (example.targets.length === 0 && example.scores === undefined) fail('has neither "target" nor "target_scores"');
    return example;
  });
  return {
    file,
    name: optionalString('name', undefined),
    description: optionalString('description', undefined),
    metrics: metricsRaw as string[],
    preferredScore: optionalString('preferred_score', undefined),
    taskPrefix: optionalString('task_prefix', BIGBENCH_DEFAULTS.taskPrefix)!,
    inputPrefix: optionalString('example_input_prefix', BIGBENCH_DEFAULTS.inputPrefix)!,
    outputPrefix: optionalString('example_output_prefix', BIGBENCH_DEFAULTS.outputPrefix)!,
    choicePrefix: optionalString('choice_prefix', BIGBENCH_DEFAULTS.choicePrefix)!,
    examples,
  };
}

/** Multiple choice or generation, from preferred_score, then metrics, then the examples. */
export function bigBenchFamily(parsed: BigBenchFile): 'multiple_choice' | 'generation' {
  const score = parsed.preferredScore;
  if (score === 'multiple_choice_grade') return 'multiple_choice';
  if (score !== undefined && GENERATIVE_SCORES.has(score)) return 'generation';
  if (parsed.metrics.includes('multiple_choice_grade') && !parsed.metrics.some((m) => GENERATIVE_SCORES.has(m))) return 'multiple_choice';
  return parsed.examples.every((e) => e.scores !== undefined) ? 'multiple_choice' : 'generation';
}

export const LETTERS = Array.from({ length: MAX_CHOICES }, (_, i) => String.fromCharCode(65 + i));

export interface BenchmarkSplitOptions {
  /** Default 30 (the GFlowPO code's BBII train size). */
  trainSize?: number;
  /** Default 30. */
  validationSize?: number;
  /** 'file' (default, as the GFlowPO code) or 'shuffled' (mulberry32(seed)). */
  order?: 'file' | 'shuffled';
  seed?: number;
}

/** train / validation / test by the rule in the header; the sizes used go into the task id. */
export function benchmarkSplits<T>(items: readonly T[], options: BenchmarkSplitOptions, file: string): { train: T[]; validation: T[]; test: T[]; note: string } {
  const n = items.length;
  const trainSize = options.trainSize ?? 30;
  const validationSize = options.validationSize ?? 30;
  for (const [key, v] of [['trainSize', trainSize], ['validationSize', validationSize]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new TaskError(`${key} must be a positive integer, got ${v}`, { file });
  }
  if (n < 3) throw new TaskError(`needs at least 3 examples (one each for train, validation and test), found ${n}`, { file });
  const ordered = [...items];
  if (options.order === 'shuffled') {
    const rng = mulberry32(options.seed ?? 0);
    for (let i = n - 1; i > 0; i--) {
      const j = randomInt(rng, i + 1);
      [ordered[i], ordered[j]] = [ordered[j]!, ordered[i]!];
    }
  }
  let t = trainSize;
  let v = validationSize;
  let note = `train = examples 1-${t}, validation = ${t + 1}-${t + v} (held out of the test examples), test = the other ${n - t - v}`;
  if (n < t + v + 1) {
    t = Math.floor(n / 3);
    v = Math.floor(n / 3);
    note = `the file has ${n} examples, fewer than ${trainSize + validationSize + 1}: split in thirds (train ${t}, validation ${v}, test ${n - t - v})`;
  }
  if (options.order === 'shuffled') note += `, after a mulberry32(${options.seed ?? 0}) shuffle`;
  return { train: ordered.slice(0, t), validation: ordered.slice(t, t + v), test: ordered.slice(t + v), note };
}

export interface BigBenchOptions extends BenchmarkSplitOptions {
  /** Registry name; default 'bigbench/<name in the file>' (or the file name). */
  taskName?: string;
  family?: 'multiple_choice' | 'generation';
  /** 'gflowpo' (default: the classification or generation template) or 'bigbench' (the file's own prefixes). */
  template?: 'gflowpo' | 'bigbench';
  /** Generation: which listed target is the gold output (default 0; BBII_PRIMARY_TARGET for the registry's BBII tasks). */
  primaryTarget?: number;
  /** Generation: the metric (default metricFor(task name)). */
  metric?: Metric;
}

const BIGBENCH_TEMPLATE = '{prompt}{task_prefix}{example_input_prefix}{text}{example_output_prefix}';

function baseName(file: string): string {
  const parts = file.split(/[/\\]/).filter((p) => p !== '');
  const last = parts.at(-1) ?? file;
  return last === 'task.json' && parts.length > 1 ? parts.at(-2)! : last.replace(/\.json$/i, '');
}

/** A Task from a parsed task.json. */
export function bigBenchTaskFrom(parsed: BigBenchFile, options: BigBenchOptions = {}): Task {
  const file = parsed.file;
  const name = options.taskName ?? `bigbench/${parsed.name ?? baseName(file)}`;
  const family: TaskFamily = options.family ?? bigBenchFamily(parsed);
  const prefixes = { task_prefix: parsed.taskPrefix, example_input_prefix: parsed.inputPrefix, example_output_prefix: parsed.outputPrefix, choice_prefix: parsed.choicePrefix };
  let examples: Example[];
  let labelWords: string[] | undefined;
  let ties = 0;
  if (family === 'multiple_choice') {
    let most = 0;
    examples = parsed.examples.map((e, k) => {
      const where = { file, line: e.line };
      if (e.scores === undefined) throw new TaskError(`example ${k + 1} has no "target_scores"; a multiple-choice task needs them on every example (or load it as generation)`, where);
      if (e.scores.length < 2 || e.scores.length > MAX_CHOICES) throw new TaskError(`example ${k + 1} has ${e.scores.length} choices; multiple choice needs 2 to ${MAX_CHOICES}`, where);
      const best = Math.max(...e.scores.map(([, s]) => s));
      if (!(best > 0)) throw new TaskError(`example ${k + 1}: no choice scores above 0, so none is correct`, where);
      const gold = e.scores.findIndex(([, s]) => s === best);
      if (e.scores.filter(([, s]) => s === best).length > 1) ties++;
      most = Math.max(most, e.scores.length);
      const fields: Record<string, string> = { question: e.input, ...prefixes };
      e.scores.forEach(([choice], i) => (fields[LETTERS[i]!] = choice));
      const input = [e.input, 'Choices :', ...e.scores.map(([choice], i) => `${LETTERS[i]} : ${choice}`)].join('\n');
      return { input, output: LETTERS[gold]!, fields };
    });
    labelWords = LETTERS.slice(0, most);
  } else if (family === 'generation') {
    const primary = options.primaryTarget ?? 0;
    examples = parsed.examples.map((e, k) => {
      const where = { file, line: e.line };
      if (e.targets.length === 0) throw new TaskError(`example ${k + 1} has no "target"; a generation task needs one on every example (this file may be multiple choice)`, where);
      const output = e.targets[Math.min(primary, e.targets.length - 1)]!;
      if (output.trim() === '') throw new TaskError(`example ${k + 1}: the target is empty; a gold output must have text`, where);
      const alternatives = [...new Set(e.targets)].filter((t) => t !== output && t.trim() !== '');
      return { input: e.input, output, fields: { ...prefixes }, ...(alternatives.length > 0 && { alternatives }) };
    });
  } else {
    throw new TaskError(`a BIG-bench task is multiple_choice or generation, not ${family}`, { file });
  }
  const metric: Metric = family === 'generation' ? (options.metric ?? metricFor(name)) : 'accuracy';
  const splits = benchmarkSplits(examples, options, file);
  const template = options.template === 'bigbench' ? BIGBENCH_TEMPLATE : family === 'generation' ? GENERATION_TEMPLATE : CLASSIFICATION_TEMPLATE;
  const notes = [splits.note];
  if (ties > 0) notes.push(`${ties} examples have several choices with the top score; the first of them is the gold answer`);
  if (parsed.taskPrefix !== '') notes.push(`task_prefix: ${JSON.stringify(parsed.taskPrefix)}`);
  return finishTask(
    {
      name,
      family,
      template,
      ...(labelWords && { labelWords }),
      metric,
      splits: { train: splits.train, validation: splits.validation, test: splits.test },
      description: `BIG-bench ${parsed.name ?? baseName(file)} (${family === 'generation' ? metric : 'multiple choice, letters'}): ${parsed.description ?? 'from ' + file}`,
      demonstration: 'input-output',
      notes,
    },
    {
      source: file,
      family,
      template: options.template ?? 'gflowpo',
      train: options.trainSize ?? 30,
      validation: options.validationSize ?? 30,
      order: options.order ?? 'file',
      seed: options.order === 'shuffled' ? (options.seed ?? 0) : undefined,
      target: family === 'generation' ? (options.primaryTarget ?? 0) : undefined,
    },
  );
}

/** A Task from the text of a task.json. */
export function bigBenchTask(text: string, file: string, options: BigBenchOptions = {}): Task {
  return bigBenchTaskFrom(parseBigBench(text, file), options);
}
