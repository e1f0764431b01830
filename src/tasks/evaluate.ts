// Scores one prompt on one split of a task with a target LM: classification and multiple choice by the
// summed log-prob of each label word after the rendered input, with or without a leading space (task.labelSpace;
// argmax over the verbalizers only), generation by greedy decoding and the task's metric. Pure TS over two small
// interfaces the runtime implements.
import { scoreOutput } from './metrics';
import { DEFAULT_LABEL_SPACE, type Example, type LabelSpace, type Task, TaskError, renderInput } from './task';

export type SplitName = 'train' | 'validation' | 'test';

/** Text <-> token ids of the target LM (its tokenizer). */
export interface TextCodec {
  encode(text: string, options: { addSpecialTokens: boolean }): number[];
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
}

/** What a target LM must compute: continuation log-probs and greedy continuations, both batched. */
export interface TargetBackend {
  /** Summed log p(continuation | prefix) per row. */
  score(prefixes: readonly (readonly number[])[], continuations: readonly (readonly number[])[]): Promise<number[]>;
  /** Greedy continuations (up to maxNewTokens, each stopping at end-of-sequence). */
  greedy(prompts: readonly (readonly number[])[], maxNewTokens: number): Promise<number[][]>;
}

export interface PromptEvaluation {
  task: string;
  split: SplitName;
  /** Mean metric score over the split's examples (accuracy for classification). */
  score: number;
  total: number;
  /** The prediction for each example, as text (a label word for classification). */
  predictions: string[];
  /** Classification and multiple choice: log p(label word) per example, in labelWords order. */
  labelLogProbs?: number[][];
}

/** GFlowPO's generation length for instruction-induction-style tasks. */
export const MAX_GENERATED_TOKENS = 50;

/**
 * Token ids of `word` as the continuation of `text`: the tokens the tokenizer gives `text + ' ' + word`
 * ('leading-space', the default: see DEFAULT_LABEL_SPACE in task.ts for why) or `text + word` ('none', the authors'
 * unspaced vocabulary entry) beyond those of `text`, so merges match what the model sees; or of ' ' + word / word
 * alone when the two disagree (the tokenizer merged across the boundary).
 */
export function labelContinuation(codec: TextCodec, textIds: readonly number[], text: string, word: string, labelSpace: LabelSpace = DEFAULT_LABEL_SPACE): number[] {
  const spaced = labelSpace === 'leading-space' ? ` ${word}` : word;
  const full = codec.encode(`${text}${spaced}`, { addSpecialTokens: true });
  const consistent = full.length > textIds.length && textIds.every((t, i) => full[i] === t);
  const tail = consistent ? full.slice(textIds.length) : codec.encode(spaced, { addSpecialTokens: false });
  if (tail.length === 0) throw new TaskError(`label word '${word}' encodes to no tokens; choose a non-empty label word`);
  return tail;
}

export async function evaluatePrompt(task: Task, prompt: string, split: SplitName, backend: TargetBackend, codec: TextCodec, examples: readonly Example[] = task.splits[split]): Promise<PromptEvaluation> {
  if (examples.length === 0) return { task: task.name, split, score: 0, total: 0, predictions: [] };
  const texts = examples.map((x) => renderInput(task, prompt, x));
  const ids = texts.map((t) => codec.encode(t, { addSpecialTokens: true }));
  let predictions: string[];
  let labelLogProbs: number[][] | undefined;
  if (task.family === 'generation') {
    const outputs = await backend.greedy(ids, MAX_GENERATED_TOKENS);
    predictions = outputs.map((o) => codec.decode(o, { skipSpecialTokens: true }).trim());
  } else {
    const words = task.labelWords;
    if (!words || words.length < 2) throw new TaskError(`task ${task.name} is ${task.family} but has fewer than two label words`);
    const prefixes: number[][] = [];
    const continuations: number[][] = [];
    ids.forEach((textIds, i) => {
      for (const w of words) {
        prefixes.push(textIds);
        continuations.push(labelContinuation(codec, textIds, texts[i]!, w, task.labelSpace));
      }
    });
    const logProbs = await backend.score(prefixes, continuations);
    labelLogProbs = examples.map((_, i) => logProbs.slice(i * words.length, (i + 1) * words.length));
    predictions = examples.map((_, i) => {
      let best = 0;
      for (let k = 1; k < words.length; k++) if (logProbs[i * words.length + k]! > logProbs[i * words.length + best]!) best = k;
      return words[best]!;
    });
  }
  const score = predictions.reduce((sum, p, i) => sum + scoreOutput(task.metric, p, examples[i]!), 0) / examples.length;
  return { task: task.name, split, score, total: examples.length, predictions, ...(labelLogProbs ? { labelLogProbs } : {}) };
}

/** A target LM as the optimisation loop sees it (implemented in src/runtime/target-lm.ts). */
export interface TargetLM {
  /** Identifies model and backend in reward-cache keys. */
  readonly id: string;
  /** Model calls made so far (one per evaluate() batch). */
  readonly calls: number;
  evaluate(task: Task, prompt: string, split: SplitName, examples?: readonly Example[]): Promise<PromptEvaluation>;
}
