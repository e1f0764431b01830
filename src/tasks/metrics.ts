// Scoring one target-LM output against one example: answer normalisation, exact match, contains, token F1,
// exact set, label accuracy, and which metric each dataset task uses. Pure functions; no model, no I/O.
//
// Normalisation is the Instruction Induction one (Honovich et al. 2022; reused verbatim by APE and by the
// GFlowPO code, `normalize_prediction`), so scores compare with published numbers. normalizeAnswer(text):
//   1. every " and " becomes " "                       (case-sensitive, before lowercasing)
//   2. every "Sentence 1:" and "Sentence 2:" becomes " "
//   3. trim
//   4. keep the text before the first "\n"             (generation runs on past the answer)
//   5. keep the text before the first "."
//   6. lowercase
//   7. every "-" becomes " "                           ("ninety-four" = "ninety four")
//   8. delete ASCII punctuation  !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~   (Python's string.punctuation; all of it,
//      not only trailing; non-ASCII punctuation such as ’ stays)
//   9. ours: collapse whitespace runs to one space and trim. The original stops at 8, so "positive ." became
//      "positive " and failed exact match against "positive"; this only ever merges whitespace.
//  10. ours: a gold answer made only of ASCII punctuation (BBH dyck_languages: ") ] }") would normalise to nothing,
//      so every wordless output would score 1 (as it does in the authors' code). For such a gold, both texts are
//      compared by their symbols instead: the first line, trimmed, split on whitespace, punctuation kept.
// Tokens are the space-separated words of the normalised text. Unlike SQuAD's normaliser, articles (a, an,
// the) are kept: Instruction Induction does not drop them, and for informal_to_formal they are content.
//
// Metrics, each 0 or 1 except f1 (scoreOutput takes the best over the gold output and its alternatives):
//   accuracy     prediction.trim() === gold label word (case-sensitive; classification and multiple choice)
//   exact_match  normalised prediction === normalised gold
//   contains     normalised gold occurs in normalised prediction on word boundaries (Python's \b, Unicode
//                letters, digits and _ as word characters); an empty gold only matches an empty prediction
//   f1           token F1 with multiset overlap; 1 when both are empty, 0 when only one is
//   exact_set    the sets of tokens are equal, order and repeats ignored. Commas are punctuation (step 8), so
//                "cat, dog" = "dog cat"; items on later lines are cut by step 4 like every other metric, because
//                a greedy continuation usually starts the next "Input :" there.
//
// metricFor (Instruction Induction TASK_TO_METRIC, as in APE and GFlowPO; GFlowPO adds f1 for its BIG-bench
// generation tasks; every other generation task is exact_match):
//   common_concept f1 | informal_to_formal f1 | orthography_starts_with exact_set | taxonomy_animal exact_set
//   synonyms contains | dyck_languages, gender_inclusive_sentences_german, linguistics_puzzles, object_counting,
//   operators, tense, word_sorting, word_unscrambling f1 | GLUE, MMLU, OpenBookQA accuracy.
// letters_list and cause_and_effect fall to the default, exact_match. Built-in tasks (builtin.ts) carry their own.
import type { Example, Metric } from './task';

const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/g;

/** Instruction Induction answer normalisation plus whitespace collapsing (steps 1-9 above). */
export function normalizeAnswer(text: string): string {
  let s = text.split(' and ').join(' ');
  s = s.split('Sentence 1:').join(' ').split('Sentence 2:').join(' ');
  s = s.trim();
  s = s.split('\n')[0]!;
  s = s.split('.')[0]!;
  s = s.toLowerCase();
  s = s.replaceAll('-', ' ');
  s = s.replace(ASCII_PUNCTUATION, '');
  return s.split(/\s+/).filter((t) => t.length > 0).join(' ');
}

/** Whether a gold answer is all punctuation (step 10): normalising leaves nothing of it. */
function symbolsOnly(gold: string): boolean {
  return gold.trim() !== '' && normalizeAnswer(gold) === '';
}

/** Step 10's form of a text: its first line's whitespace-separated pieces, punctuation kept. */
function symbols(text: string): string[] {
  return text.trim().split('\n')[0]!.split(/\s+/).filter((t) => t.length > 0);
}

/** A prediction and its gold as compared: normalised (steps 1-9), or as symbols when the gold is all punctuation. */
function compared(prediction: string, gold: string): [string, string] {
  return symbolsOnly(gold) ? [symbols(prediction).join(' '), symbols(gold).join(' ')] : [normalizeAnswer(prediction), normalizeAnswer(gold)];
}

function tokenPair(prediction: string, gold: string): [string[], string[]] {
  return compared(prediction, gold).map((s) => (s === '' ? [] : s.split(' '))) as [string[], string[]];
}

export function exactMatch(prediction: string, gold: string): number {
  const [p, g] = compared(prediction, gold);
  return p === g ? 1 : 0;
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && WORD_CHAR.test(ch);
}

/** Python's \b at index i of s: exactly one of s[i-1], s[i] is a word character. */
function atBoundary(s: string, i: number): boolean {
  return isWordChar(s[i - 1]) !== isWordChar(s[i]);
}

export function contains(prediction: string, gold: string): number {
  if (symbolsOnly(gold)) {
    // Step 10: the gold's symbols as a run of whole pieces of the prediction's.
    const [p, g] = tokenPair(prediction, gold);
    for (let at = 0; at + g.length <= p.length; at++) if (g.every((t, i) => p[at + i] === t)) return 1;
    return 0;
  }
  const p = normalizeAnswer(prediction);
  const g = normalizeAnswer(gold);
  if (g === '') return p === '' ? 1 : 0;
  for (let at = p.indexOf(g); at >= 0; at = p.indexOf(g, at + 1)) {
    if (atBoundary(p, at) && atBoundary(p, at + g.length)) return 1;
  }
  return 0;
}

export function tokenF1(prediction: string, gold: string): number {
  const [p, g] = tokenPair(prediction, gold);
  if (p.length === 0 || g.length === 0) return p.length === g.length ? 1 : 0;
  const goldCounts = new Map<string, number>();
  for (const t of g) goldCounts.set(t, (goldCounts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of p) {
    const left = goldCounts.get(t) ?? 0;
    if (left > 0) {
      same++;
      goldCounts.set(t, left - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / p.length;
  const recall = same / g.length;
  return (2 * precision * recall) / (precision + recall);
}

export function exactSet(prediction: string, gold: string): number {
  const [pt, gt] = tokenPair(prediction, gold);
  const p = new Set(pt);
  const g = new Set(gt);
  if (p.size !== g.size) return 0;
  for (const t of p) if (!g.has(t)) return 0;
  return 1;
}

export function labelAccuracy(prediction: string, goldLabelWord: string): number {
  return prediction.trim() === goldLabelWord ? 1 : 0;
}

const METRIC_FUNCTIONS: Record<Exclude<Metric, 'accuracy'>, (prediction: string, gold: string) => number> = {
  exact_match: exactMatch,
  contains,
  f1: tokenF1,
  exact_set: exactSet,
};

/**
 * Score one prediction: for 'accuracy' against example.output only; otherwise against example.output and
 * every example.alternatives entry, taking the maximum (for 0/1 metrics: correct if any reference matches).
 */
export function scoreOutput(metric: Metric, prediction: string, example: Example): number {
  if (metric === 'accuracy') return labelAccuracy(prediction, example.output);
  const score = METRIC_FUNCTIONS[metric];
  let best = score(prediction, example.output);
  for (const alternative of example.alternatives ?? []) {
    if (best === 1) break;
    best = Math.max(best, score(prediction, alternative));
  }
  return best;
}

/** Mean score over examples with one prediction each (predictions[i] belongs to examples[i]). */
export function meanScore(metric: Metric, predictions: readonly string[], examples: readonly Example[]): number {
  if (predictions.length !== examples.length) throw new RangeError(`meanScore: ${predictions.length} predictions for ${examples.length} examples`);
  if (examples.length === 0) return 0;
  let total = 0;
  for (let i = 0; i < examples.length; i++) total += scoreOutput(metric, predictions[i]!, examples[i]!);
  return total / examples.length;
}

const GENERATION_METRICS: Readonly<Record<string, Metric>> = {
  common_concept: 'f1',
  informal_to_formal: 'f1',
  orthography_starts_with: 'exact_set',
  taxonomy_animal: 'exact_set',
  synonyms: 'contains',
  dyck_languages: 'f1',
  gender_inclusive_sentences_german: 'f1',
  linguistics_puzzles: 'f1',
  object_counting: 'f1',
  operators: 'f1',
  tense: 'f1',
  word_sorting: 'f1',
  word_unscrambling: 'f1',
};

const ACCURACY_TASKS = new Set(['sst2', 'mrpc', 'rte', 'qnli', 'mnli', 'snli', 'openbookqa']);

/**
 * The metric of a dataset task by its name, with or without a registry prefix ('ii/synonyms', 'synonyms',
 * 'mmlu/anatomy'). Unknown generation tasks get exact_match, the Instruction Induction default.
 */
export function metricFor(taskName: string): Metric {
  if (taskName.startsWith('mmlu/') || taskName === 'mmlu') return 'accuracy';
  const bare = taskName.replace(/^[^/]+\//, ''); // one rule whatever the registry prefix (ii/, bbii/, bbh/, bigbench/)
  if (ACCURACY_TASKS.has(bare)) return 'accuracy';
  return Object.hasOwn(GENERATION_METRICS, bare) ? GENERATION_METRICS[bare]! : 'exact_match';
}
