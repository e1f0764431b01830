// The manual-prompt baseline's prompts, built in (no files read): the GLUE tasks' manual instructions and the
// Instruction Induction tasks' human annotations, by task name or id. Text only; scoring them is the run's.
//
// GLUE (sst2 mrpc rte qnli mnli snli): the authors' `load_annotation(dataset)` in june0102/GFLOWPO
// junmo/dataset_utils.py (identical in kmc0207/Stableprompt dataset_utils.py, StablePrompt's code, whose tables
// GFlowPO's "Manual prompt" row reuses). Their strings are triple-quoted with surrounding newlines and indentation,
// and four of them end in a stray `',` (left from a list they were pasted from); we keep the words, spelling and
// quote characters verbatim and drop only that surrounding whitespace and the stray `',`. Two oddities are theirs
// and kept so numbers compare: rte's "Dose ... the fact that the hypothesis?" and qnli's text, which is the
// paraphrase instruction of mrpc (with curly quotes), not a question-answering one.
//
// Instruction Induction (ii/<task>): the first entry of the dataset's annotations/<task>.json (Honovich et al. 2022,
// orhonovich/instruction-induction data/annotations, also in ../shared/data/instruction-induction/annotations), which
// is what the authors' `load_annotation(task)` (junmo/ii_utils.py) returns: `annotations[0]`. Checked against the
// shared data by tests/tasks/manual-prompts.test.ts.

export const GLUE_MANUAL_PROMPTS: Readonly<Record<string, string>> = Object.freeze({
  sst2: 'In this task, you are given sentences from movie reviews. The task is to classify a sentence as "yes" if the sentiment of the sentence is positive or as "no" if the sentiment of the sentence is negative.',
  mrpc: 'You are given two sentences(Sentence1 and Sentence2). Answer "Yes" if these sentences are a paraphrase of one another, otherwise answer "No".',
  rte: 'Dose the premise follow from the fact that the hypothesis? Please answer either "yes" or "no".',
  qnli: 'You are given two sentences(Sentence1 and Sentence2). Answer “yes” if these sentences are a paraphrase of one another, otherwise answer “no”.',
  mnli: 'In this task, you’re given a pair of sentences, sentence 1 and sentence 2. Your job is to choose whether the two sentences clearly agree (entailment)/disagree (contradiction) with each other, or if this cannot be determined (neutral). Your answer must be in the form of the letters Yes, Maybe, and No respectively.',
  snli: 'In this task, you’re given a pair of sentences, sentence 1 and sentence 2. Your job is to choose whether the two sentences clearly agree (entailment)/disagree (contradiction) with each other, or if this cannot be determined (neutral). Your answer must be in the form of the letters Yes, Maybe, and No respectively',
});

/** annotations[0] of each Instruction Induction task's annotations file. */
export const INSTRUCTION_INDUCTION_MANUAL_PROMPTS: Readonly<Record<string, string>> = Object.freeze({
  active_to_passive: 'output the passive form of the input',
  antonyms: 'output the opposite of',
  cause_and_effect: 'Each input consists of two sentences, where one is the cause and the other is the outcome. Write The cause sentence',
  common_concept: 'what is common to all?',
  diff: 'write the result of the first number in the input minus the second one',
  first_word_letter: 'write the first letter of the word',
  informal_to_formal: 'Write a paraphrase of the input, but use a formal style',
  larger_animal: 'which of the animals separated by , is bigger',
  letters_list: 'write down the spelling of the inputs',
  negation: 'write the negation',
  num_to_verbal: 'output how the number in the input is pronounced in English',
  orthography_starts_with: 'Output all tokens in the sentence that start with the letter in [ ]',
  rhymes: 'what is a word that rhymes with the input token',
  second_word_letter: 'write the second letter of the word',
  sentence_similarity: 'Rate from 0 (definitely not) to 5 (perfectly) the degree in which both sentences describe the same event.',
  sentiment: 'Output whether the sentiment of the input sentence is positive or negative.',
  singular_to_plural: 'write the plurals of the inputs',
  sum: 'sum the numbers in the input',
  synonyms: 'provide a synonym',
  taxonomy_animal: 'write only the animals from the list of words',
  'translation_en-de': 'Translate to German',
  'translation_en-es': 'Translate to Spanish',
  'translation_en-fr': 'Translate the input to French',
  word_in_context: 'Given two sentences and a common word, output "same" if the common word has the same meaning in both sentences, and "not the same" otherwise.',
});

/** The registry name inside a task name or id: 'sst2[seed=13,...]#1a2b' -> 'sst2'. */
function registryName(taskNameOrId: string): string {
  return taskNameOrId.replace(/[[#].*$/s, '').trim();
}

/**
 * The built-in manual prompt of a task, by registry name ('sst2', 'ii/rhymes') or task id; null when the task has
 * none (MMLU, OpenBookQA, built-in and imported tasks: give the manual baseline a prompt yourself).
 */
export function manualPromptFor(taskNameOrId: string): string | null {
  const name = registryName(taskNameOrId);
  if (Object.hasOwn(GLUE_MANUAL_PROMPTS, name)) return GLUE_MANUAL_PROMPTS[name]!;
  const ii = /^ii\/(.+)$/.exec(name)?.[1];
  if (ii !== undefined && Object.hasOwn(INSTRUCTION_INDUCTION_MANUAL_PROMPTS, ii)) return INSTRUCTION_INDUCTION_MANUAL_PROMPTS[ii]!;
  return null;
}
