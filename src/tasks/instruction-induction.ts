// Instruction Induction tasks (Honovich et al. 2022; the 24 tasks of APE and GFlowPO) from the raw induce /
// execute JSON: {"metadata": {"num_examples": N}, "examples": {"1": {...}, ..., "N": {...}}}. Text in, Task out.
//
// Splits: train = 32 induce examples, validation = the next 32, test = the execute set (gflowpo.md). The induce
// files are ordered (sum starts 0+0, 0+1, ...; word tasks by word frequency), so by default the induce set is
// first shuffled with mulberry32(42), as the GFlowPO code shuffles it (Python random, seed 42; the draw is not
// the same). order: 'file' takes the file's first 32 / next 32 instead.
// Three induce sets have fewer than 64 examples (cause_and_effect 26, common_concept 17, informal_to_formal 15).
// smallPool 'split' (default) keeps train and validation disjoint: train = min(32, ceil(n/2)), validation = the
// rest up to 32 (13/13, 9/8, 8/7). 'share' is the GFlowPO code: n <= 32 gives train = validation = all n.
//
// Any induce example whose input also occurs in the execute set is dropped first, so validation (and train) stay
// disjoint from test (one sentence_similarity pair).
//
// Answers (the task's answerMode, part of its id):
//   'first-answer' (default) is the authors' scoring (GFlowPO junmo/ii_utils.py load_data): rhymes' gold is
//     other_rhymes[0], a translation's possible_translations[0], common_concept's all_common_concepts[0], and
//     common_concept's input drops its last item (items[:-1], as APE's loader does); no alternatives anywhere
//     (word_in_context scores its "output" only). other_rhymes[0] is sometimes the input word itself (17 of 100
//     execute examples), so under this mode echoing the input scores 17% on rhymes: that is the authors' number.
//   'lenient': the data's "output" is gold and every listed answer also counts (Instruction Induction
//     TASK_TO_ANSWERS): translation_* possible_translations, word_in_context possible_outputs, rhymes other_rhymes
//     without the input word itself, common_concept all_common_concepts with all items as input (the II code).
// Examples, following the Instruction Induction / APE loaders:
//   cause_and_effect {cause, effect}: input "Sentence 1: A Sentence 2: B", output = the cause. APE picks the
//     order at random; here the order alternates with the example's position in the file (even: cause first),
//     so it is deterministic and balanced.
//   common_concept {concept, items, all_common_concepts}: output = concept ('lenient') or all_common_concepts[0].
//   every other task {input, output, ...}: as given, but for the first listed answer in 'first-answer' mode.
//   Other keys become fields as text: numbers as digits, string lists joined by ", ".
// taxonomy_animal's category_items is its output as a list (checked: always equal), so it adds no alternative.
// Errors: invalid JSON is import/json.ts's ImportError; valid JSON that is not such a file is a TaskError at the
// line of the offending value. Both name the file and line.
import { mulberry32, randomInt } from '../random/mulberry32';
import { metricFor } from './metrics';
import { readJsonDocument } from './import/json';
import { GENERATION_TEMPLATE, TaskError, finishTask, withoutInputsOf, type AnswerMode, type Example, type Task } from './task';

export const INSTRUCTION_INDUCTION_TASKS = [
  'active_to_passive', 'antonyms', 'cause_and_effect', 'common_concept', 'diff', 'first_word_letter',
  'informal_to_formal', 'larger_animal', 'letters_list', 'negation', 'num_to_verbal', 'orthography_starts_with',
  'rhymes', 'second_word_letter', 'sentence_similarity', 'sentiment', 'singular_to_plural', 'sum', 'synonyms',
  'taxonomy_animal', 'translation_en-de', 'translation_en-es', 'translation_en-fr', 'word_in_context',
] as const;

const ALTERNATIVES_KEY: Readonly<Record<string, string>> = {
  rhymes: 'other_rhymes',
  'translation_en-de': 'possible_translations',
  'translation_en-es': 'possible_translations',
  'translation_en-fr': 'possible_translations',
  word_in_context: 'possible_outputs',
};

/** Tasks whose gold in 'first-answer' mode is the first entry of their ALTERNATIVES_KEY list (not "output"). */
const FIRST_LISTED_IS_GOLD: ReadonlySet<string> = new Set(['rhymes', 'translation_en-de', 'translation_en-es', 'translation_en-fr']);

export const DEFAULT_ANSWER_MODE: AnswerMode = 'first-answer';

type Raw = Record<string, unknown>;

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isStringList(value)) return value.join(', ');
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

function alternativesOf(output: string, candidates: readonly string[], exclude: readonly string[] = []): string[] | undefined {
  const out = [...new Set(candidates)].filter((c) => c !== output && !exclude.includes(c));
  return out.length > 0 ? out : undefined;
}

function convert(task: string, raw: Raw, position: number, fail: (message: string) => never, answers: AnswerMode): Example {
  if (task === 'cause_and_effect') {
    const { cause, effect } = raw;
    if (typeof cause !== 'string' || typeof effect !== 'string') fail('cause_and_effect needs string "cause" and "effect"');
    const [first, second] = position % 2 === 0 ? [cause, effect] : [effect, cause];
    return { input: `Sentence 1: ${first} Sentence 2: ${second}`, output: cause, fields: { cause, effect } };
  }
  if (task === 'common_concept') {
    const { concept, items } = raw;
    const all = raw['all_common_concepts'];
    if (typeof concept !== 'string' || !isStringList(items) || items.length === 0 || !isStringList(all)) {
      fail('common_concept needs a string "concept", a non-empty string list "items" and a string list "all_common_concepts"');
    }
    if (answers === 'first-answer') {
      if (all.length === 0) fail('common_concept needs at least one entry in "all_common_concepts"');
      const shown = items.length > 1 ? items.slice(0, -1) : items;
      return { input: shown.join(', '), output: all[0]!, fields: { concept, items: items.join(', ') } };
    }
    const alternatives = alternativesOf(concept, all);
    return { input: items.join(', '), output: concept, fields: { concept, items: items.join(', ') }, ...(alternatives && { alternatives }) };
  }
  const { input, output } = raw;
  if (typeof input !== 'string' || typeof output !== 'string') fail('each example needs string "input" and "output"');
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) if (key !== 'input' && key !== 'output') fields[key] = fieldText(value);
  const key = ALTERNATIVES_KEY[task];
  let alternatives: string[] | undefined;
  let gold = output;
  if (key !== undefined) {
    const list = raw[key];
    if (!isStringList(list)) fail(`${task} needs a string list "${key}"`);
    if (answers === 'lenient') {
      alternatives = alternativesOf(output, list, task === 'rhymes' ? [input] : []);
    } else if (FIRST_LISTED_IS_GOLD.has(task)) {
      if (list.length === 0) fail(`${task} needs at least one entry in "${key}"`);
      gold = list[0]!;
    }
  }
  return { input, output: gold, ...(Object.keys(fields).length > 0 && { fields }), ...(alternatives && { alternatives }) };
}

/** Examples of one raw induce or execute file, in the order of their numeric keys, with the answers of `answers`. */
export function parseInstructionInduction(task: string, jsonText: string, file: string, answers: AnswerMode = DEFAULT_ANSWER_MODE): Example[] {
  const json = readJsonDocument(file, jsonText);
  const root = json.value as Raw | null;
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw new TaskError('expected a JSON object with "examples"', json.positionOf([]));
  const examples = root['examples'];
  if (typeof examples !== 'object' || examples === null || Array.isArray(examples)) {
    throw new TaskError('no "examples" object; expected {"metadata": {...}, "examples": {"1": {...}, ...}}', json.positionOf(['examples']));
  }
  const entries = Object.entries(examples as Raw);
  for (const [key] of entries) {
    if (!/^[1-9]\d*$/.test(key)) throw new TaskError(`example key "${key}" is not a positive integer`, json.positionOf(['examples', key]));
  }
  entries.sort(([a], [b]) => Number(a) - Number(b));
  const declared = (root['metadata'] as Raw | undefined)?.['num_examples'];
  if (declared !== undefined && declared !== entries.length) {
    throw new TaskError(`metadata.num_examples is ${JSON.stringify(declared)} but there are ${entries.length} examples`, json.positionOf(['metadata', 'num_examples']));
  }
  return entries.map(([key, raw], position) => {
    const fail = (message: string): never => {
      throw new TaskError(`example "${key}": ${message}`, json.positionOf(['examples', key]));
    };
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('expected an object');
    return convert(task, raw as Raw, position, fail, answers);
  });
}

/** The gold human instructions of annotations/<task>.json ({"annotations": [str, ...]}): the manual-prompt baseline. */
export function parseAnnotations(jsonText: string, file: string): string[] {
  const json = readJsonDocument(file, jsonText);
  const list = (json.value as Raw | null)?.['annotations'];
  if (!isStringList(list) || list.length === 0) throw new TaskError('expected {"annotations": ["instruction", ...]} with at least one string', json.positionOf(['annotations']));
  return list;
}

export interface InstructionInductionOptions {
  /** 'shuffled' (default): mulberry32(shuffleSeed) permutation of the induce set before the split; 'file': file order. */
  order?: 'shuffled' | 'file';
  shuffleSeed?: number;
  /** For induce sets under 64 examples: 'split' (default, disjoint halves) or 'share' (the GFlowPO code). */
  smallPool?: 'split' | 'share';
  /** Which listed answers count (default 'first-answer', the authors'). */
  answers?: AnswerMode;
  paths?: { induce?: string; execute?: string };
  /** Registry name; defaults to 'ii/<task>'. */
  taskName?: string;
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const rng = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function instructionInductionTask(task: string, files: { induce: string; execute: string }, options: InstructionInductionOptions = {}): Task {
  const induceFile = options.paths?.induce ?? `induce/${task}.json`;
  const answers = options.answers ?? DEFAULT_ANSWER_MODE;
  const induce = parseInstructionInduction(task, files.induce, induceFile, answers);
  const test = parseInstructionInduction(task, files.execute, options.paths?.execute ?? `execute/${task}.json`, answers);
  const pool = withoutInputsOf(induce, test);
  if (pool.length < 2) throw new TaskError(`needs at least 2 induce examples (not also in the execute set) for train and validation, found ${pool.length}`, { file: induceFile });
  const order = options.order ?? 'shuffled';
  const shuffleSeed = options.shuffleSeed ?? 42;
  const smallPool = options.smallPool ?? 'split';
  const ordered = order === 'shuffled' ? shuffled(pool, shuffleSeed) : pool;
  let train: Example[];
  let validation: Example[];
  if (ordered.length >= 64 || (smallPool === 'share' && ordered.length > 32)) {
    train = ordered.slice(0, 32);
    validation = ordered.slice(32, 64);
  } else if (smallPool === 'share') {
    train = ordered;
    validation = ordered;
  } else {
    const trainSize = Math.min(32, Math.ceil(ordered.length / 2));
    train = ordered.slice(0, trainSize);
    validation = ordered.slice(trainSize, trainSize + 32);
  }
  const metric = metricFor(task);
  const dropped = induce.length - pool.length;
  const notes = [
    `train ${train.length} and validation ${validation.length} from the ${induce.length} induce examples${order === 'shuffled' ? ` (shuffled, seed ${shuffleSeed})` : ' (file order)'}${validation === train ? ', train = validation (small pool shared, as the authors)' : ''}; test = the ${test.length} execute examples`,
    ...(dropped > 0 ? [`${dropped} induce example${dropped === 1 ? '' : 's'} whose input is also in the execute set left out`] : []),
    `answers: ${answers === 'first-answer' ? 'first listed answer only (the authors\' scoring)' : 'any listed answer counts (lenient)'}`,
  ];
  return finishTask(
    {
      name: options.taskName ?? `ii/${task}`,
      family: 'generation',
      template: GENERATION_TEMPLATE,
      metric,
      splits: { train, validation, test },
      description: `Instruction Induction "${task}" (${metric}, ${answers}): train ${train.length} and validation ${validation.length} from the ${induce.length} induce examples, test = the ${test.length} execute examples.`,
      answerMode: answers,
      demonstration: 'input-output',
      notes,
    },
    { source: 'instruction-induction', order, 'shuffle-seed': order === 'shuffled' ? shuffleSeed : undefined, 'small-pool': smallPool, answers },
  );
}
