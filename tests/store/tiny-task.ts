// A small yes/no classification task over the tiny fixture's vocabulary, for the end-to-end store tests: scoring a
// prompt is one next-token step per example (a generation task decodes up to 50 tokens per example), so a run on
// the fixture models spends its time on the loop and the store rather than on greedy decoding.
import { CLASSIFICATION_TEMPLATE, type Example, type Task, finishTask } from '../../src/tasks/task';

const SENTENCES: [string, 'yes' | 'no'][] = [
  ['the cat sat on the mat', 'yes'],
  ['the dog ran', 'yes'],
  ['a big red dog', 'no'],
  ['a small blue cat', 'no'],
  ['the cat is good', 'yes'],
  ['the movie was bad', 'no'],
  ['i love the dog', 'yes'],
  ['you hate the movie', 'no'],
  ['we say hello', 'yes'],
  ['they ran to the mat', 'no'],
  ['what is this', 'yes'],
  ['that is not red', 'no'],
];

const split = (from: number, n: number): Example[] => Array.from({ length: n }, (_, i) => {
  const [input, output] = SENTENCES[(from + i) % SENTENCES.length]!;
  return { input, output };
});

export function tinyClassificationTask(): Task {
  return finishTask({
    name: 'test/tiny-yes-no',
    family: 'classification',
    template: CLASSIFICATION_TEMPLATE,
    labelWords: ['no', 'yes'],
    metric: 'accuracy',
    splits: { train: split(0, 6), validation: split(6, 6), test: split(3, 6) },
    description: 'yes/no over fixture words (store tests)',
  });
}
