// The demo world's tasks as ordinary Task objects (registry names demo/<task>): six generation tasks scored by
// exact match and two yes/no classification tasks, over lists of 3 distinct digits drawn from a seed. Each task lists
// the phrases of the instruction language (language.ts) that do it (precise), do it on part of the inputs
// (vague) or do another task (misleading); the prompt-LM's training data and the classroom guide read them.
// Deterministic: the same name and seed give the same examples everywhere (mulberry32). Pure TS.
import { namedRng, randomInt, type Rng } from '../../random/mulberry32';
import type { BuiltinOptions } from '../builtin';
import { CLASSIFICATION_TEMPLATE, GENERATION_TEMPLATE, TaskError, finishTask, type Example, type Task } from '../task';
import { BEHAVIOURS, type Behaviour, type Items, itemsText } from './language';

export interface DemoTaskSpec {
  family: 'generation' | 'classification';
  /** The behaviour whose answers are the gold outputs. */
  behaviour: Behaviour;
  description: string;
  precise: readonly string[];
  vague: readonly string[];
  misleading: readonly string[];
  /** One random input. */
  draw: (rng: Rng) => Items;
}

/** Length of every input list. */
export const LIST_LENGTH = 3;

/** LIST_LENGTH distinct digits 1-9 in random order. */
export function randomList(rng: Rng): number[] {
  const pool = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  for (let i = 0; i < LIST_LENGTH; i++) {
    const j = i + randomInt(rng, pool.length - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, LIST_LENGTH);
}

export const DEMO_TASK_SPECS = {
  reverse: {
    family: 'generation',
    behaviour: 'reverse',
    description: 'Write the digits in reverse order.',
    precise: ['reverse the numbers', 'write the numbers backwards'],
    vague: ['flip the list', 'turn the list around'],
    misleading: ['repeat the numbers', 'sort the numbers from large to small'],
    draw: randomList,
  },
  sort: {
    family: 'generation',
    behaviour: 'sort_up',
    description: 'Sort the digits from small to large.',
    precise: ['sort the numbers from small to large', 'write the numbers in increasing order'],
    vague: ['sort the numbers', 'put the numbers in order'],
    misleading: ['sort the numbers from large to small', 'write the numbers in decreasing order'],
    draw: randomList,
  },
  first: {
    family: 'generation',
    behaviour: 'first',
    description: 'Write the first digit.',
    precise: ['write the first number', 'copy the first number', 'write the number at the start'],
    vague: ['write one number', 'pick a number from the list'],
    misleading: ['write the last number', 'write the number at the end'],
    draw: randomList,
  },
  last: {
    family: 'generation',
    behaviour: 'last',
    description: 'Write the last digit.',
    precise: ['write the last number', 'copy the last number', 'write the number at the end'],
    vague: ['write one number', 'write the end of the list'],
    misleading: ['write the first number', 'write the number at the start'],
    draw: randomList,
  },
  max: {
    family: 'generation',
    behaviour: 'max',
    description: 'Write the biggest digit.',
    precise: ['write the biggest number', 'write the largest number'],
    vague: ['write a big number', 'pick the top number'],
    misleading: ['write the smallest number', 'write the last number'],
    draw: randomList,
  },
  next: {
    family: 'generation',
    behaviour: 'next',
    description: 'Add one to every digit.',
    precise: ['add one to every number', 'write each number plus one'],
    vague: ['change every number by one', 'move every number up'],
    misleading: ['take one from every number', 'write each number minus one'],
    draw: randomList,
  },
  even: {
    family: 'classification',
    behaviour: 'even_last',
    description: 'Answer yes when the last digit is even, else no.',
    precise: ['is the last number even', 'answer yes if the last number is even'],
    vague: ['is the number even', 'is it even'],
    misleading: ['is the first number even', 'is the last number odd'],
    draw: randomList,
  },
  larger: {
    family: 'classification',
    behaviour: 'first_larger',
    description: 'Answer yes when the first digit is larger than the last, else no.',
    precise: ['is the first number larger than the last', 'answer yes if the first number is bigger'],
    vague: ['is the first number larger', 'is it larger'],
    misleading: ['is the last number larger than the first', 'answer yes if the last number is bigger'],
    draw: randomList,
  },
} satisfies Record<string, DemoTaskSpec>;

export type DemoTaskName = keyof typeof DEMO_TASK_SPECS;
export const DEMO_TASKS = Object.keys(DEMO_TASK_SPECS) as DemoTaskName[];

export function isDemoTaskName(name: string): name is DemoTaskName {
  return Object.hasOwn(DEMO_TASK_SPECS, name);
}

export function demoTaskSpec(name: DemoTaskName): DemoTaskSpec {
  return DEMO_TASK_SPECS[name];
}

/** The seed (default 0) and split sizes (default 32 / 32 / 100), as for built-in tasks. */
export type DemoTaskOptions = BuiltinOptions;

/** `name` with or without the 'demo/' prefix. */
export function demoTask(name: string, options: DemoTaskOptions = {}): Task {
  const short = name.replace(/^demo\//, '');
  if (!isDemoTaskName(short)) throw new TaskError(`unknown demo task "${name}"; demo tasks: ${DEMO_TASKS.map((t) => `demo/${t}`).join(', ')}`);
  const spec: DemoTaskSpec = DEMO_TASK_SPECS[short];
  const seed = options.seed ?? 0;
  const sizes = options.sizes ?? { train: 32, validation: 32, test: 100 };
  const total = sizes.train + sizes.validation + sizes.test;
  const rng = namedRng(`demo/${short}`, seed);
  const byInput = new Map<string, Example>();
  for (let tries = 0; byInput.size < total; tries++) {
    if (tries > 100 * total) throw new TaskError(`demo task ${short}: cannot draw ${total} distinct inputs; ask for fewer examples`);
    const xs = spec.draw(rng);
    const input = itemsText(xs);
    if (!byInput.has(input)) byInput.set(input, { input, output: BEHAVIOURS[spec.behaviour](xs) });
  }
  const examples = [...byInput.values()];
  const classification = spec.family === 'classification';
  return finishTask(
    {
      name: `demo/${short}`,
      family: spec.family,
      template: classification ? CLASSIFICATION_TEMPLATE : GENERATION_TEMPLATE,
      ...(classification ? { labelWords: ['yes', 'no'] } : {}),
      metric: classification ? 'accuracy' : 'exact_match',
      splits: {
        train: examples.slice(0, sizes.train),
        validation: examples.slice(sizes.train, sizes.train + sizes.validation),
        test: examples.slice(sizes.train + sizes.validation),
      },
      description: `Demo world (seed ${seed}): ${spec.description}`,
      demonstration: 'input-output',
    },
    { source: 'demo', seed, sizes: `${sizes.train}/${sizes.validation}/${sizes.test}` },
  );
}
