// Built-in generation tasks the lab makes itself from a seed, so it works with nothing downloaded: arithmetic,
// letters of words, number words, sorting. Deterministic: the same name and seed give the same examples
// everywhere (mulberry32). Inputs are distinct across all splits. The word list is our own.
//
// Formats follow the Instruction Induction tasks of the same name (sum "a b" -> a+b with a, b in 0..99; diff
// "x y" -> x-y >= 0; letters_list "t i m e"; num_to_verbal 0..9999 in the II wording "one thousand, two hundred
// and fifty-four"). Extra tasks: last_word_letter, word_sorting (3-5 words, alphabetical), larger_number
// ("a, b" -> the larger, 0..999), reverse_word, count_letters, even_odd. No case-changing task (e.g. uppercase):
// every generation metric lowercases, so it could not be scored.
// Metrics: exact_match for all, including word_sorting (metricFor('word_sorting') is GFlowPO's f1 for the
// BIG-bench task, but F1 ignores order, which is the whole task here).
import { namedRng, randomInt, type Rng } from '../random/mulberry32';
import { GENERATION_TEMPLATE, TaskError, finishTask, type Example, type Metric, type Task } from './task';

/** 260 distinct lowercase words, 4-8 letters, none a palindrome. */
export const BUILTIN_WORDS: readonly string[] = [
  'apple', 'river', 'stone', 'garden', 'window', 'basket', 'candle', 'button', 'forest', 'island', 'mirror',
  'pencil', 'rocket', 'summer', 'winter', 'spring', 'autumn', 'yellow', 'orange', 'purple', 'silver', 'golden',
  'kitten', 'puppy', 'rabbit', 'turtle', 'monkey', 'donkey', 'tiger', 'zebra', 'camel', 'eagle', 'falcon',
  'parrot', 'salmon', 'lobster', 'spider', 'beetle', 'insect', 'dragon', 'castle', 'palace', 'bridge', 'tunnel',
  'tower', 'temple', 'cottage', 'cabin', 'market', 'school', 'doctor', 'farmer', 'sailor', 'pilot', 'singer',
  'dancer', 'artist', 'author', 'banker', 'lawyer', 'bottle', 'kettle', 'carpet', 'blanket', 'pillow', 'ladder',
  'hammer', 'needle', 'thread', 'wallet', 'jacket', 'helmet', 'glove', 'boots', 'scarf', 'ribbon', 'bucket',
  'shovel', 'anchor', 'compass', 'planet', 'comet', 'meteor', 'galaxy', 'cloud', 'thunder', 'storm', 'breeze',
  'shadow', 'sunset', 'morning', 'evening', 'midnight', 'holiday', 'weekend', 'season', 'minute', 'moment',
  'future', 'history', 'bread', 'butter', 'cheese', 'honey', 'pepper', 'ginger', 'garlic', 'onion', 'carrot',
  'potato', 'tomato', 'cherry', 'lemon', 'melon', 'peach', 'grape', 'banana', 'walnut', 'almond', 'cookie',
  'coffee', 'cocoa', 'juice', 'water', 'milk', 'sugar', 'flour', 'salt', 'soup', 'salad', 'music', 'poetry',
  'story', 'novel', 'journal', 'picture', 'camera', 'guitar', 'violin', 'trumpet', 'drum', 'piano', 'flute',
  'whistle', 'signal', 'engine', 'motor', 'wheel', 'saddle', 'wagon', 'harbor', 'valley', 'meadow', 'desert',
  'canyon', 'glacier', 'volcano', 'prairie', 'jungle', 'swamp', 'circle', 'square', 'triangle', 'arrow', 'corner',
  'center', 'border', 'surface', 'bottom', 'middle', 'quiet', 'gentle', 'brave', 'clever', 'honest', 'humble',
  'lucky', 'happy', 'sleepy', 'hungry', 'bright', 'narrow', 'shallow', 'smooth', 'rough', 'heavy', 'simple',
  'modern', 'ancient', 'frozen', 'travel', 'wander', 'gather', 'listen', 'answer', 'borrow', 'follow', 'remember',
  'explore', 'imagine', 'paint', 'build', 'carry', 'throw', 'catch', 'climb', 'swim', 'laugh', 'whisper', 'shout',
  'friend', 'family', 'neighbor', 'cousin', 'sister', 'brother', 'parent', 'infant', 'child', 'person', 'number',
  'letter', 'symbol', 'puzzle', 'riddle', 'secret', 'promise', 'reason', 'result', 'method', 'paper', 'plastic',
  'metal', 'copper', 'marble', 'velvet', 'cotton', 'leather', 'wooden', 'crystal', 'lantern', 'chimney', 'fence',
  'gate', 'porch', 'attic', 'cellar', 'kitchen', 'bedroom', 'hallway', 'tractor', 'bicycle', 'scooter', 'subway',
  'airport', 'station', 'highway', 'avenue', 'street', 'village',
];

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

function below100(n: number): string {
  if (n < 20) return ONES[n]!;
  const ones = n % 10;
  return ones === 0 ? TENS[Math.floor(n / 10)]! : `${TENS[Math.floor(n / 10)]}-${ONES[ones]}`;
}

function below1000(n: number): string {
  if (n < 100) return below100(n);
  const rest = n % 100;
  return `${ONES[Math.floor(n / 100)]} hundred${rest === 0 ? '' : ` and ${below100(rest)}`}`;
}

/** 0..9999 in words as the Instruction Induction num_to_verbal data writes them. */
export function numToVerbal(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 9999) throw new RangeError(`numToVerbal: ${n} is not an integer in 0..9999`);
  if (n < 1000) return below1000(n);
  const rest = n % 1000;
  const head = `${ONES[Math.floor(n / 1000)]} thousand`;
  if (rest === 0) return head;
  return rest < 100 ? `${head} and ${below100(rest)}` : `${head}, ${below1000(rest)}`;
}

interface BuiltinSpec {
  description: string;
  metric: Metric;
  /** One random example; generation retries until inputs are distinct. */
  draw: (rng: Rng) => Example;
}

const word = (rng: Rng): string => BUILTIN_WORDS[randomInt(rng, BUILTIN_WORDS.length)]!;
const wordExample = (rng: Rng, answer: (w: string) => string): Example => {
  const w = word(rng);
  return { input: w, output: answer(w) };
};

const SPECS = {
  sum: {
    description: 'Add the two numbers.',
    metric: 'exact_match',
    draw: (rng) => {
      const a = randomInt(rng, 100);
      const b = randomInt(rng, 100);
      return { input: `${a} ${b}`, output: String(a + b) };
    },
  },
  diff: {
    description: 'Subtract the second number from the first.',
    metric: 'exact_match',
    draw: (rng) => {
      const y = randomInt(rng, 100);
      const d = randomInt(rng, 100);
      return { input: `${y + d} ${y}`, output: String(d) };
    },
  },
  first_word_letter: { description: 'Write the first letter of the word.', metric: 'exact_match', draw: (rng) => wordExample(rng, (w) => w[0]!) },
  second_word_letter: { description: 'Write the second letter of the word.', metric: 'exact_match', draw: (rng) => wordExample(rng, (w) => w[1]!) },
  last_word_letter: { description: 'Write the last letter of the word.', metric: 'exact_match', draw: (rng) => wordExample(rng, (w) => w[w.length - 1]!) },
  letters_list: { description: 'Spell the word with a space between letters.', metric: 'exact_match', draw: (rng) => wordExample(rng, (w) => [...w].join(' ')) },
  num_to_verbal: {
    description: 'Write the number in words.',
    metric: 'exact_match',
    draw: (rng) => {
      const n = randomInt(rng, 10000);
      return { input: String(n), output: numToVerbal(n) };
    },
  },
  word_sorting: {
    description: 'Sort the words alphabetically.',
    metric: 'exact_match',
    draw: (rng) => {
      const k = 3 + randomInt(rng, 3);
      const words = new Set<string>();
      while (words.size < k) words.add(word(rng));
      const list = [...words];
      return { input: list.join(' '), output: [...list].sort().join(' ') };
    },
  },
  larger_number: {
    description: 'Write the larger of the two numbers.',
    metric: 'exact_match',
    draw: (rng) => {
      const a = randomInt(rng, 1000);
      let b = randomInt(rng, 999);
      if (b >= a) b++;
      return { input: `${a}, ${b}`, output: String(Math.max(a, b)) };
    },
  },
  reverse_word: { description: 'Write the word backwards.', metric: 'exact_match', draw: (rng) => wordExample(rng, (w) => [...w].reverse().join('')) },
  count_letters: { description: 'Count the letters of the word.', metric: 'exact_match', draw: (rng) => wordExample(rng, (w) => String(w.length)) },
  even_odd: {
    description: 'Say whether the number is even or odd.',
    metric: 'exact_match',
    draw: (rng) => {
      const n = randomInt(rng, 1000);
      return { input: String(n), output: n % 2 === 0 ? 'even' : 'odd' };
    },
  },
} satisfies Record<string, BuiltinSpec>;

export type BuiltinTaskName = keyof typeof SPECS;

export const BUILTIN_TASKS = Object.keys(SPECS) as BuiltinTaskName[];

export function isBuiltinTaskName(name: string): name is BuiltinTaskName {
  return Object.hasOwn(SPECS, name);
}

export interface BuiltinOptions {
  /** Default 0. */
  seed?: number;
  /** Default 32 / 32 / 100. */
  sizes?: { train: number; validation: number; test: number };
}

export function builtinTask(name: string, options: BuiltinOptions = {}): Task {
  if (!isBuiltinTaskName(name)) throw new TaskError(`unknown built-in task "${name}"; built-in tasks: ${BUILTIN_TASKS.join(', ')}`);
  const spec: BuiltinSpec = SPECS[name];
  const seed = options.seed ?? 0;
  const sizes = options.sizes ?? { train: 32, validation: 32, test: 100 };
  const total = sizes.train + sizes.validation + sizes.test;
  const rng = namedRng(name, seed);
  const byInput = new Map<string, Example>();
  for (let tries = 0; byInput.size < total; tries++) {
    if (tries > 100 * total) throw new TaskError(`built-in task ${name}: cannot draw ${total} distinct inputs; ask for fewer examples`);
    const example = spec.draw(rng);
    if (!byInput.has(example.input)) byInput.set(example.input, example);
  }
  const examples = [...byInput.values()];
  return finishTask(
    {
      name: `builtin/${name}`,
      family: 'generation',
      template: GENERATION_TEMPLATE,
      metric: spec.metric,
      splits: {
        train: examples.slice(0, sizes.train),
        validation: examples.slice(sizes.train, sizes.train + sizes.validation),
        test: examples.slice(sizes.train + sizes.validation),
      },
      description: `Built-in (seed ${seed}): ${spec.description}`,
      demonstration: 'input-output',
    },
    { source: 'builtin', seed, sizes: `${sizes.train}/${sizes.validation}/${sizes.test}` },
  );
}
