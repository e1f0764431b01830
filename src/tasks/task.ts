// The task model shared by every loader: examples, splits, templates, verbalizers, and TaskError. It renders
// a target-LM input from a template; it does not read files, score outputs (metrics.ts) or call a model.

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

export interface Task {
  /** Registry id, e.g. 'sst2', 'ii/sum', 'mmlu/anatomy', 'builtin/sum'. */
  name: string;
  family: TaskFamily;
  /** Target-LM input with named slots: {prompt}, {text} or {input} (both the example's input), any field name. */
  template: string;
  /** Verbalizers in label order; required for classification and multiple choice, where every output is one. */
  labelWords?: readonly string[];
  metric: Metric;
  splits: Splits;
  description: string;
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

/** Check a task's invariants (every loader ends with this): a template with {prompt} and an input slot, non-empty splits, outputs among the label words. */
export function checkTask(task: Task): Task {
  const slots = templateSlots(task.template);
  if (slots.filter((s) => s === 'prompt').length !== 1) throw new TaskError(`task ${task.name}: the template needs exactly one {prompt} slot: ${JSON.stringify(task.template)}`);
  if (!slots.some((s) => s !== 'prompt')) throw new TaskError(`task ${task.name}: the template has no slot for the example (add {text}): ${JSON.stringify(task.template)}`);
  for (const split of ['train', 'validation', 'test'] as const) {
    if (task.splits[split].length === 0) throw new TaskError(`task ${task.name}: the ${split} split is empty`);
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
  }
  return task;
}
