// BIG-Bench Hard (suzgun/BIG-Bench-Hard, bbh/<task>.json: {"canary": ..., "examples": [{"input": str, "target": str}]})
// -> Task. Text in, Task out; no file system.
//
// Multiple-choice tasks list their options in the input ("Options:\n(A) ...\n(B) ..."); the target names one. A task
// is multiple choice when every input has such options and every target names one of its own, leniently: "(B)", "B"
// and "(B) <the option's text>" all mean option B. Label words are "(A)", "(B)", ... up to the most options seen (as
// BBH writes its targets), the gold output the option's label word; scored by accuracy. Every other task (true/false,
// yes/no, numbers, word lists, Dyck words) is generation, scored by metrics.ts's one metric rule on the task's name.
// Splits as BIG-bench JSON tasks (bigbench.ts benchmarkSplits: 30 train, 30 validation, the rest test).
import { readJsonDocument, type JsonDocument } from './import/json';
import { metricFor } from './metrics';
import { type BenchmarkSplitOptions, benchmarkSplits } from './bigbench';
import { CLASSIFICATION_TEMPLATE, GENERATION_TEMPLATE, TaskError, finishTask, type Example, type Metric, type Task } from './task';

/** The 27 BBH tasks (bbh/<name>.json). */
export const BBH_TASKS = [
  'boolean_expressions', 'causal_judgement', 'date_understanding', 'disambiguation_qa', 'dyck_languages', 'formal_fallacies',
  'geometric_shapes', 'hyperbaton', 'logical_deduction_five_objects', 'logical_deduction_seven_objects',
  'logical_deduction_three_objects', 'movie_recommendation', 'multistep_arithmetic_two', 'navigate', 'object_counting',
  'penguins_in_a_table', 'reasoning_about_colored_objects', 'ruin_names', 'salient_translation_error_detection', 'snarks',
  'sports_understanding', 'temporal_sequences', 'tracking_shuffled_objects_five_objects',
  'tracking_shuffled_objects_seven_objects', 'tracking_shuffled_objects_three_objects', 'web_of_lies', 'word_sorting',
] as const;

export interface BbhExample {
  input: string;
  target: string;
  /** 1-based line of the example. */
  line: number;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** BBH's structure: an "examples" list of objects with string "input" and "target", and no BIG-bench task keys. */
export function looksLikeBbh(value: unknown): boolean {
  if (!isObject(value) || !Array.isArray(value['examples']) || value['examples'].length === 0) return false;
  const keys = Object.keys(value).filter((k) => k !== 'examples' && k !== 'canary');
  if (keys.length > 0) return false;
  return (value['examples'] as unknown[]).every((e) => isObject(e) && typeof e['input'] === 'string' && typeof e['target'] === 'string');
}

export function parseBbh(text: string, file: string): BbhExample[] {
  return readBbh(readJsonDocument(file, text), file);
}

export function readBbh(json: JsonDocument, file: string): BbhExample[] {
  const at = (path: (string | number)[]) => json.positionOf(path.map(String));
  const root = json.value;
  const examples = isObject(root) && Object.hasOwn(root, 'examples') ? root['examples'] : undefined;
  if (!Array.isArray(examples) || examples.length === 0) {
    throw new TaskError('no "examples" list; a BBH file is {"examples": [{"input": "...", "target": "..."}, ...]}', at(isObject(root) ? ['examples'] : []));
  }
  return examples.map((raw: unknown, k) => {
    const fail = (message: string, key?: string): never => {
      throw new TaskError(`example ${k + 1}: ${message}`, at(['examples', k, ...(key ? [key] : [])]));
    };
    if (!isObject(raw)) return fail('expected an object with "input" and "target"');
    const { input, target } = raw;
    if (typeof input !== 'string' || input.trim() === '') return fail('"input" must be a non-empty string', 'input');
    if (typeof target !== 'string' || target.trim() === '') return fail(`"target" must be a non-empty string, got ${JSON.stringify(target)}`, 'target');
    return { input, target, line: at(['examples', k]).line };
  });
}

/** The options of a BBH input: letter -> text, from "(A) text" lines after an "Options:" line; empty when it has none. */
export function optionsOf(input: string): Map<string, string> {
  const options = new Map<string, string>();
  const start = input.search(/^Options:\s*$/m);
  if (start < 0) return options;
  for (const line of input.slice(start).split('\n').slice(1)) {
    const m = /^\(([A-Z])\)\s?(.*)$/.exec(line.trim());
    if (m) options.set(m[1]!, m[2]!.trim());
  }
  return options;
}

/**
 * The option an answer names, leniently: "(B)", "B", "(B) <text>" and "B) <text>" name B when the input has option B
 * (and the text, when given, is that option's); an answer that is exactly one option's text names it too. Undefined
 * when it names none.
 */
export function matchChoice(answer: string, options: ReadonlyMap<string, string>): string | undefined {
  const a = answer.trim();
  const m = /^\(?([A-Z])\)?(?:[\s.:]+(.*))?$/.exec(a);
  if (m && options.has(m[1]!)) {
    const text = m[2]?.trim();
    if (text === undefined || text === '' || text === options.get(m[1]!)) return m[1]!;
  }
  for (const [letter, text] of options) if (text !== '' && text === a) return letter;
  return undefined;
}

export interface BbhOptions extends BenchmarkSplitOptions {
  /** Registry name; default 'bbh/<file name>'. */
  taskName?: string;
  family?: 'multiple_choice' | 'generation';
  /** Generation: default metricFor(task name). */
  metric?: Metric;
}

function baseName(file: string): string {
  return (file.split(/[/\\]/).pop() ?? file).replace(/\.json$/i, '');
}

export function bbhTaskFrom(parsed: readonly BbhExample[], file: string, options: BbhOptions = {}): Task {
  const name = options.taskName ?? `bbh/${baseName(file)}`;
  const choices = parsed.map((e) => {
    const opts = optionsOf(e.input);
    return { opts, gold: opts.size >= 2 ? matchChoice(e.target, opts) : undefined };
  });
  const isChoice = choices.every((c) => c.gold !== undefined);
  const family = options.family ?? (isChoice ? 'multiple_choice' : 'generation');
  let examples: Example[];
  let labelWords: string[] | undefined;
  if (family === 'multiple_choice') {
    let last = 'B';
    examples = parsed.map((e, k) => {
      const { opts, gold } = choices[k]!;
      if (gold === undefined) {
        const why = opts.size < 2 ? 'its input lists no "Options:" with (A), (B), ...' : `its target ${JSON.stringify(e.target)} names none of its options ${[...opts.keys()].map((l) => `(${l})`).join(', ')}`;
        throw new TaskError(`example ${k + 1} cannot be multiple choice: ${why}`, { file, line: e.line });
      }
      for (const letter of opts.keys()) if (letter > last) last = letter;
      return { input: e.input, output: `(${gold})`, fields: Object.fromEntries([...opts].map(([l, text]) => [l, text])) };
    });
    labelWords = Array.from({ length: last.charCodeAt(0) - 64 }, (_, i) => `(${String.fromCharCode(65 + i)})`);
  } else {
    examples = parsed.map((e) => ({ input: e.input, output: e.target }));
  }
  const metric: Metric = family === 'generation' ? (options.metric ?? metricFor(name)) : 'accuracy';
  const splits = benchmarkSplits(examples, options, file);
  return finishTask(
    {
      name,
      family,
      template: family === 'generation' ? GENERATION_TEMPLATE : CLASSIFICATION_TEMPLATE,
      ...(labelWords && { labelWords }),
      metric,
      splits: { train: splits.train, validation: splits.validation, test: splits.test },
      description: `BIG-Bench Hard ${baseName(file)} (${family === 'generation' ? `generation, ${metric}` : `multiple choice ${labelWords![0]}-${labelWords!.at(-1)}`}), ${parsed.length} examples.`,
      demonstration: 'input-output',
      notes: [splits.note],
    },
    {
      source: file,
      family,
      train: options.trainSize ?? 30,
      validation: options.validationSize ?? 30,
      order: options.order ?? 'file',
      seed: options.order === 'shuffled' ? (options.seed ?? 0) : undefined,
    },
  );
}

export function bbhTask(text: string, file: string, options: BbhOptions = {}): Task {
  return bbhTaskFrom(parseBbh(text, file), file, options);
}
