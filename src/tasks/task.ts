// The task model shared by every loader: examples, splits, templates, verbalizers, scoring options, the task's
// identity (id) and TaskError. It renders a target-LM input from a template; it does not read files, score outputs
// (metrics.ts), format demonstrations (demonstration.ts) or call a model.

/** What a prompt is scored on: `output` is the gold answer (for classification: the gold label word). */
export interface Example {
  input: string;
  output: string;
  /** Named parts of the input (e.g. sentence1, sentence2) and other per-example data, as text; template slots. */
  fields?: Record<string, string>;
  /** Other answers that also count as correct (translations, rhymes, concept paraphrases); never used by 'accuracy'. */
  alternatives?: readonly string[];
}

/** See metrics.ts for the exact definitions. */
export type Metric = 'accuracy' | 'exact_match' | 'contains' | 'f1' | 'exact_set';

export type TaskFamily = 'classification' | 'generation' | 'multiple_choice';

export interface Splits {
  /** Scored for the reward (acc on D in gflowpo.md). */
  train: Example[];
  /** Meta-prompt demonstrations and honest final-prompt selection. */
  validation: Example[];
  /** Reported only. */
  test: Example[];
}

/**
 * How a label word is scored after the rendered input (which ends in "Output:"): 'leading-space' scores the tokens of
 * " yes", 'none' those of "yes" glued to the colon. Default 'leading-space' (DEFAULT_LABEL_SPACE).
 */
export type LabelSpace = 'leading-space' | 'none';

/**
 * Why 'leading-space' is the default although the authors score `convert_tokens_to_ids("yes")`, the vocabulary entry
 * "yes" without a word-start marker ('none'): after "Output:" a model writes the spaced word; for SentencePiece
 * vocabularies (Llama, Gemma) the unspaced piece is a word-continuation piece (the "yes" of "eyes"), so its
 * probability there is small and noisy, and convert_tokens_to_ids silently gives <unk> for a word that is no single
 * piece (then every such label ties). 'none' reproduces the authors where their token exists. README: differences.
 */
export const DEFAULT_LABEL_SPACE: LabelSpace = 'leading-space';

/**
 * Generation tasks whose data lists several accepted answers (Instruction Induction rhymes, translations,
 * common_concept, word_in_context): 'first-answer' (default, the authors' scoring: only the first listed answer
 * counts) or 'lenient' (any listed answer counts).
 */
export type AnswerMode = 'first-answer' | 'lenient';

/**
 * How the meta-prompt shows one demonstration (demonstration.ts), as the authors' code writes it per family:
 * 'input-output' "Input : x\nOutput : y\n" (instruction induction, single-text classification, BIG-bench);
 * 'labelled-parts' "premise : p\nhypothesis : h\nOutput : Yes\n" (pair classification: the input names its parts);
 * 'question-answer' "Input : <question>\nOutput : <text of the correct choice>\n" (multiple choice: no choices shown).
 */
export type DemonstrationFormat = 'input-output' | 'labelled-parts' | 'question-answer';

/**
 * Which of the authors' launch schedules fits the task (the numbers live in gflow/settings.ts): 'mmlu' (MMLU.sh:
 * 150 steps, 16 micro-batches of 1, 3 demonstrations) or 'default' (TC.sh, II.sh, BBII_*.sh: 200 steps, 4 x 4, 5).
 */
export type TaskSchedule = 'default' | 'mmlu';

export interface Task {
  /**
   * Identity for the reward cache and resumable runs: the registry name, the data source and split/scoring options,
   * and a hash of everything scoring reads (splits, template, label words, metric, modes), e.g.
   * 'sst2[source=lm-bff-16-shot,seed=13,label-space=leading-space]#1f0c3a9e2b7d4'. Two tasks with equal ids score
   * every prompt the same. Built by finishTask (or taskId for a hand-made task).
   */
  id: string;
  /** Registry name for display, e.g. 'sst2', 'ii/sum', 'mmlu/anatomy', 'builtin/sum'. */
  name: string;
  family: TaskFamily;
  /** Target-LM input with named slots: {prompt}, {text} or {input} (both the example's input), any field name. */
  template: string;
  /** Verbalizers in label order; required for classification and multiple choice, where every output is one. */
  labelWords?: readonly string[];
  metric: Metric;
  splits: Splits;
  description: string;
  /** Classification and multiple choice: how label words are scored (absent: DEFAULT_LABEL_SPACE). */
  labelSpace?: LabelSpace;
  /** Generation tasks with several listed answers: which count (absent: the examples' alternatives all count). */
  answerMode?: AnswerMode;
  /** Absent: 'input-output'. */
  demonstration?: DemonstrationFormat;
  /** Absent: 'default'. */
  schedule?: TaskSchedule;
  /** Facts about the splits a report must carry (e.g. a validation split held out of the test file). */
  notes?: readonly string[];
}

/**
 * GFlowPO's classification template (official code, `evaluate_prompts`, side 'First'). One next-token step
 * follows it; the verbalizer with the highest logit is the prediction. Multiple choice uses it too.
 */
export const CLASSIFICATION_TEMPLATE = '{prompt} Input : {text} Output:';

/**
 * Generation template for instruction induction and built-in tasks: the official code's
 * `f"{prompt}\nInput : {input}\nOutput : "` without its trailing space (a lone trailing space is an unusual
 * token for most tokenizers, and every metric trims the prediction anyway).
 */
export const GENERATION_TEMPLATE = '{prompt}\nInput : {input}\nOutput :';

/** A task file or task definition that cannot be used; says which file and line when there is one. */
export class TaskError extends Error {
  override name = 'TaskError';
  readonly file?: string;
  /** 1-based line in `file`. */
  readonly line?: number;

  constructor(message: string, at?: { file: string; line?: number }) {
    super(at ? `${at.file}${at.line !== undefined ? `:${at.line}` : ''}: ${message}` : message);
    if (at) {
      this.file = at.file;
      if (at.line !== undefined) this.line = at.line;
    }
  }
}

const SLOT = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Slot names in a template, in order of appearance. */
export function templateSlots(template: string): string[] {
  return [...template.matchAll(SLOT)].map((m) => m[1]!);
}

/**
 * Fill the template in one pass: {prompt} -> prompt, {text} and {input} -> example.input, {name} ->
 * example.fields[name]. Text inserted for one slot is never searched for further slots, so a prompt that
 * contains "{text}" stays as it is.
 */
export function renderInput(task: Pick<Task, 'name' | 'template'>, prompt: string, example: Example): string {
  return task.template.replace(SLOT, (_, slot: string) => {
    if (slot === 'prompt') return prompt;
    if (slot === 'text' || slot === 'input') return example.input;
    const value = example.fields && Object.hasOwn(example.fields, slot) ? example.fields[slot] : undefined;
    if (value === undefined) {
      throw new TaskError(`template slot {${slot}} of task ${task.name} has no value: the example has no field "${slot}"; use {text} or one of: ${Object.keys(example.fields ?? {}).join(', ') || '(no fields)'}`);
    }
    return value;
  });
}

/** Position of the example's gold label in the task's verbalizers (classification and multiple choice). */
export function labelIndex(task: Pick<Task, 'name' | 'labelWords'>, example: Example): number {
  const i = task.labelWords?.indexOf(example.output) ?? -1;
  if (i < 0) throw new TaskError(`task ${task.name}: output "${example.output}" is not one of its label words (${task.labelWords?.join(', ') ?? 'none'})`);
  return i;
}

/** Check a task's invariants (every loader ends with this, through finishTask): an id, a template with {prompt} and an input slot, non-empty splits, outputs among the label words, modes that fit the family. */
export function checkTask(task: Task): Task {
  if (typeof task.id !== 'string' || task.id.trim() === '') throw new TaskError(`task ${task.name} has no id; build it with finishTask(draft, options) or taskId(draft, options)`);
  const slots = templateSlots(task.template);
  if (slots.filter((s) => s === 'prompt').length !== 1) throw new TaskError(`task ${task.name}: the template needs exactly one {prompt} slot: ${JSON.stringify(task.template)}`);
  if (!slots.some((s) => s !== 'prompt')) throw new TaskError(`task ${task.name}: the template has no slot for the example (add {text}): ${JSON.stringify(task.template)}`);
  for (const split of ['train', 'validation', 'test'] as const) {
    if (task.splits[split].length === 0) throw new TaskError(`task ${task.name}: the ${split} split is empty`);
    const empty = task.splits[split].findIndex((e) => typeof e.output !== 'string' || e.output.trim() === '');
    if (empty >= 0) throw new TaskError(`task ${task.name}: example ${empty + 1} of the ${split} split has an empty gold output; every example needs an answer to score against`);
  }
  const labelled = task.family === 'classification' || task.family === 'multiple_choice';
  if (labelled) {
    const words = task.labelWords ?? [];
    if (words.length < 2 || new Set(words).size !== words.length) throw new TaskError(`task ${task.name}: a ${task.family} task needs at least two distinct label words, got [${words.join(', ')}]`);
    if (task.metric !== 'accuracy') throw new TaskError(`task ${task.name}: a ${task.family} task is scored by accuracy, not ${task.metric}`);
    for (const split of ['train', 'validation', 'test'] as const) {
      for (const example of task.splits[split]) labelIndex(task, example);
    }
  } else if (task.labelWords) {
    throw new TaskError(`task ${task.name}: a generation task has no label words`);
  } else if (task.labelSpace !== undefined) {
    throw new TaskError(`task ${task.name}: labelSpace applies to label words; a generation task has none`);
  }
  if (task.answerMode !== undefined && task.family !== 'generation') throw new TaskError(`task ${task.name}: answerMode applies to generation tasks, not ${task.family}`);
  return task;
}

/** Split and scoring options that name a task variant, in the order given; undefined values are left out. */
export type TaskIdOptions = Readonly<Record<string, string | number | boolean | undefined>>;

/** cyrb53 (a public-domain 53-bit string hash): 14 hex digits. Not cryptographic; it tells data variants apart. */
function hash53(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

function exampleKey(e: Example): unknown[] {
  const fields = e.fields ? Object.keys(e.fields).sort().map((k) => [k, e.fields![k]]) : [];
  return [e.input, e.output, fields, e.alternatives ?? []];
}

/**
 * The content a prompt's score depends on, hashed: family, template, label words and how they are scored, metric,
 * answer mode and every example of every split (in order). Display text (name, description, notes) is not part of it.
 */
export function taskContentHash(task: Omit<Task, 'id'>): string {
  const content = [
    task.family,
    task.template,
    task.labelWords ?? null,
    task.labelWords ? (task.labelSpace ?? DEFAULT_LABEL_SPACE) : null,
    task.metric,
    task.answerMode ?? null,
    task.splits.train.map(exampleKey),
    task.splits.validation.map(exampleKey),
    task.splits.test.map(exampleKey),
  ];
  return hash53(JSON.stringify(content));
}

/** `<name>[key=value,...]#<content hash>`: readable options for people, the hash for the cache and resume checks. */
export function taskId(task: Omit<Task, 'id'>, options: TaskIdOptions = {}): string {
  const parts = Object.entries(options)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${String(v)}`);
  return `${task.name}${parts.length > 0 ? `[${parts.join(',')}]` : ''}#${taskContentHash(task)}`;
}

/** checkTask of the task with its id (taskId of the draft and its options): what every loader returns. */
export function finishTask(draft: Omit<Task, 'id'>, options: TaskIdOptions = {}): Task {
  return checkTask({ ...draft, id: taskId(draft, options) });
}

/**
 * Examples of `examples` whose input (and fields) do not occur among `others`: keeps a split disjoint from another one
 * when two data files overlap. Output is ignored, so a relabelled duplicate is removed too.
 */
export function withoutInputsOf(examples: readonly Example[], others: readonly Example[]): Example[] {
  const key = (e: Example) => JSON.stringify([e.input, e.fields ?? null]);
  const seen = new Set(others.map(key));
  return examples.filter((e) => !seen.has(key(e)));
}
