// The demo world's instruction language: what the demo target-LM is trained to do with each instruction.
// Inputs are lists of 3 distinct digits (1-9). A behaviour maps a list to an answer; a phrase names a behaviour, or
// (vague phrases) one behaviour when the list's first digit is small (1-4) or large (5-9) and a sibling
// behaviour otherwise. Text that is no phrase (garbage) is trained to copy the input. Pure data and functions:
// no model, no tokenizer, no task splits (tasks.ts).

export type Items = readonly number[];

const sortedUp = (xs: Items): number[] => [...xs].sort((a, b) => a - b);
const join = (xs: readonly (number | string)[]): string => xs.join(' ');
const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

/** Every behaviour the target-LM learns, as the exact answer text it is trained to write. */
export const BEHAVIOURS = {
  copy: (xs: Items) => join(xs),
  reverse: (xs: Items) => join([...xs].reverse()),
  sort_up: (xs: Items) => join(sortedUp(xs)),
  sort_down: (xs: Items) => join(sortedUp(xs).reverse()),
  first: (xs: Items) => String(xs[0]),
  last: (xs: Items) => String(xs[xs.length - 1]),
  max: (xs: Items) => String(Math.max(...xs)),
  min: (xs: Items) => String(Math.min(...xs)),
  next: (xs: Items) => join(xs.map((x) => x + 1)),
  prev: (xs: Items) => join(xs.map((x) => x - 1)),
  even_last: (xs: Items) => yesNo(xs[xs.length - 1]! % 2 === 0),
  even_first: (xs: Items) => yesNo(xs[0]! % 2 === 0),
  odd_last: (xs: Items) => yesNo(xs[xs.length - 1]! % 2 === 1),
  first_larger: (xs: Items) => yesNo(xs[0]! > xs[xs.length - 1]!),
  last_larger: (xs: Items) => yesNo(xs[xs.length - 1]! > xs[0]!),
} satisfies Record<string, (xs: Items) => string>;

export type Behaviour = keyof typeof BEHAVIOURS;
export const BEHAVIOUR_NAMES = Object.keys(BEHAVIOURS) as Behaviour[];

/** Which inputs a vague phrase gets right: its first digit is 1-4 (small) or 5-9 (large). */
export type VagueRule = 'first-small' | 'first-large';

export function ruleHolds(rule: VagueRule, xs: Items): boolean {
  return rule === 'first-small' ? xs[0]! <= 4 : xs[0]! >= 5;
}

/** A phrase's meaning: always `behaviour`, or (vague) `behaviour` where `rule` holds and `otherwise` elsewhere. */
export interface Meaning {
  behaviour: Behaviour;
  rule?: VagueRule;
  otherwise?: Behaviour;
}

const always = (behaviour: Behaviour): Meaning => ({ behaviour });
const when = (behaviour: Behaviour, rule: VagueRule, otherwise: Behaviour): Meaning => ({ behaviour, rule, otherwise });

/** Every phrase of the language and its meaning. Lowercase words, no punctuation (the tokenizer is word-level). */
export const PHRASES: Readonly<Record<string, Meaning>> = Object.freeze({
  // Generic phrases: they name no behaviour, so the model copies the input (as for any unknown text).
  'do the task': always('copy'),
  'answer the question': always('copy'),
  'write the output': always('copy'),
  'follow the pattern': always('copy'),
  'look at the input': always('copy'),
  'repeat the numbers': always('copy'),
  // reverse
  'reverse the numbers': always('reverse'),
  'write the numbers backwards': always('reverse'),
  'flip the list': when('reverse', 'first-small', 'copy'),
  'turn the list around': when('reverse', 'first-large', 'sort_up'),
  // sort
  'sort the numbers from small to large': always('sort_up'),
  'write the numbers in increasing order': always('sort_up'),
  'sort the numbers': when('sort_up', 'first-small', 'sort_down'),
  'put the numbers in order': when('sort_up', 'first-large', 'reverse'),
  'sort the numbers from large to small': always('sort_down'),
  'write the numbers in decreasing order': always('sort_down'),
  // first and last
  'write the first number': always('first'),
  'copy the first number': always('first'),
  'write one number': when('first', 'first-small', 'last'),
  'pick a number from the list': when('first', 'first-large', 'max'),
  'write the last number': always('last'),
  'copy the last number': always('last'),
  'write the end of the list': when('last', 'first-large', 'reverse'),
  'write the number at the end': always('last'),
  'write the number at the start': always('first'),
  // max
  'write the biggest number': always('max'),
  'write the largest number': always('max'),
  'write a big number': when('max', 'first-small', 'first'),
  'pick the top number': when('max', 'first-large', 'min'),
  'write the smallest number': always('min'),
  // next
  'add one to every number': always('next'),
  'write each number plus one': always('next'),
  'change every number by one': when('next', 'first-small', 'prev'),
  'move every number up': when('next', 'first-large', 'copy'),
  'take one from every number': always('prev'),
  'write each number minus one': always('prev'),
  // even (classification)
  'is the last number even': always('even_last'),
  'answer yes if the last number is even': always('even_last'),
  'is the number even': when('even_last', 'first-small', 'even_first'),
  'is it even': when('even_last', 'first-large', 'odd_last'),
  'is the first number even': always('even_first'),
  'is the last number odd': always('odd_last'),
  // larger (classification)
  'is the first number larger than the last': always('first_larger'),
  'answer yes if the first number is bigger': always('first_larger'),
  'is the first number larger': when('first_larger', 'first-small', 'last_larger'),
  'is it larger': when('first_larger', 'first-large', 'last_larger'),
  'is the last number larger than the first': always('last_larger'),
  'answer yes if the last number is bigger': always('last_larger'),
});

export const PHRASE_TEXTS: readonly string[] = Object.keys(PHRASES);
export const GENERIC_PHRASES: readonly string[] = PHRASE_TEXTS.filter((p) => PHRASES[p]!.behaviour === 'copy' && !PHRASES[p]!.rule);

/** What the target-LM is trained to answer to `instruction` on `xs`: a phrase's meaning, or a copy for any other text. */
export function intendedAnswer(instruction: string, xs: Items): string {
  const meaning = PHRASES[normalizeInstruction(instruction)] ?? always('copy');
  const behaviour = meaning.rule && !ruleHolds(meaning.rule, xs) ? meaning.otherwise! : meaning.behaviour;
  return BEHAVIOURS[behaviour](xs);
}

/** Lowercase, words separated by single spaces (how the word-level tokenizer sees an instruction). */
export function normalizeInstruction(text: string): string {
  return text.toLowerCase().split(/\s+/).filter((w) => w.length > 0).join(' ');
}

/** Items as the task input text: '3 7 1'. */
export function itemsText(xs: Items): string {
  return join(xs);
}

/** The inverse of itemsText. */
export function parseItems(text: string): number[] {
  return text.trim().split(/\s+/).map(Number);
}
