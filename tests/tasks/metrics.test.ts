// Metrics on hand-checked cases: every expected value below was worked out by hand from the definitions in
// src/tasks/metrics.ts (Instruction Induction normalisation), not by running the code.
import { describe, expect, it } from 'vitest';
import { contains, exactMatch, exactSet, labelAccuracy, meanScore, metricFor, normalizeAnswer, scoreOutput, tokenF1 } from '../../src/tasks/metrics';
import { INSTRUCTION_INDUCTION_TASKS } from '../../src/tasks/instruction-induction';

describe('normalizeAnswer', () => {
  it.each([
    ['The cat and the dog.', 'the cat the dog'], // " and " dropped, cut at ".", lowercased
    ['  Ninety-Four!\nInput : 5', 'ninety four'], // first line only, "-" -> " ", "!" deleted
    ['positive .', 'positive'], // the original leaves "positive "; we collapse whitespace
    ['Sentence 1: It rained. Sentence 2: The ground got wet.', 'it rained'],
    ['Salt And pepper', 'salt and pepper'], // " and " is replaced before lowercasing, so "And" stays
    ['3.14', '3'], // the cut at "." applies to numbers too
    ["Don't (ever) stop", 'dont ever stop'],
    ['l’homme', 'l’homme'], // non-ASCII punctuation stays
    ['a,b;c', 'abc'], // punctuation is deleted, not turned into spaces
    ['', ''],
  ])('%j -> %j', (text, expected) => {
    expect(normalizeAnswer(text)).toBe(expected);
  });
});

describe('exact match', () => {
  it.each([
    ['  Positive.', 'positive', 1],
    ['positive sentiment', 'positive', 0],
    ['ninety four', 'ninety-four', 1],
    ['Zeit', 'zeit', 1],
    ['The answer: 12', '12', 0],
    ['12\nInput : 7 8\nOutput : 15', '12', 1],
  ])('%j vs %j = %d', (prediction, gold, expected) => {
    expect(exactMatch(prediction, gold)).toBe(expected);
  });
});

describe('contains', () => {
  it.each([
    ['The word is happy.', 'happy', 1],
    ['unhappy', 'happy', 0], // word boundary before
    ['happiness', 'happy', 0],
    ['happy-go-lucky', 'happy', 1], // "-" became a space
    ['a big red car', 'red car', 1],
    ['über alles', 'ber', 0], // ü is a letter: no boundary (an ASCII-only \b would match here)
    ['anything', '', 0],
  ])('%j contains %j = %d', (prediction, gold, expected) => {
    expect(contains(prediction, gold)).toBe(expected);
  });
});

describe('token F1', () => {
  it('partial overlap: P 3/3, R 3/6 -> 2/3', () => {
    expect(tokenF1('the cat sat', 'the cat sat on the mat')).toBeCloseTo(2 / 3, 12);
  });
  it('repeated tokens count once per gold occurrence: P 1/3, R 1/2 -> 0.4', () => {
    expect(tokenF1('the the the', 'the cat')).toBeCloseTo(0.4, 12);
  });
  it('common_concept style: P 2/4, R 2/2 -> 2/3', () => {
    expect(tokenF1('They all involve oscillations.', 'involve oscillations.')).toBeCloseTo(2 / 3, 12);
  });
  it('" and " is dropped before tokenising', () => {
    expect(tokenF1('cats and dogs', 'cats dogs')).toBe(1);
  });
  it('empty cases', () => {
    expect(tokenF1('', '')).toBe(1);
    expect(tokenF1('x', '')).toBe(0);
    expect(tokenF1('.', 'x')).toBe(0);
  });
});

describe('exact set', () => {
  it.each([
    ['spider, chicken, tortoise', 'chicken, spider, tortoise', 1],
    ['chicken spider', 'chicken, spider, tortoise', 0],
    ['chicken, chicken, spider', 'spider, chicken', 1], // repeats ignored
    ['that thinks', 'thinks that', 1],
    ['chicken\nspider', 'chicken, spider', 0], // only the first line is read
  ])('%j vs %j = %d', (prediction, gold, expected) => {
    expect(exactSet(prediction, gold)).toBe(expected);
  });
});

describe('scoreOutput', () => {
  const translation = { input: 'time', output: 'Zeit', alternatives: ['Mal', 'Uhrzeit'] };
  it('counts an alternative as correct', () => {
    expect(scoreOutput('exact_match', 'mal', translation)).toBe(1);
    expect(scoreOutput('exact_match', 'Stunde', translation)).toBe(0);
  });
  it('takes the best F1 over the output and its alternatives: 0 vs P 3/4 R 3/3 -> 6/7', () => {
    const concept = { input: 'a, b', output: 'involve oscillations.', alternatives: ['move back and forth.'] };
    expect(scoreOutput('f1', 'they move back and forth', concept)).toBeCloseTo(6 / 7, 12);
  });
  it('accuracy compares the label word exactly (after trimming) and ignores alternatives', () => {
    expect(scoreOutput('accuracy', ' yes ', { input: 'x', output: 'yes' })).toBe(1);
    expect(scoreOutput('accuracy', 'Yes', { input: 'x', output: 'yes' })).toBe(0);
    expect(scoreOutput('accuracy', 'no', { input: 'x', output: 'yes', alternatives: ['no'] })).toBe(0);
    expect(labelAccuracy('B', 'B')).toBe(1);
  });
  it('meanScore averages and checks lengths', () => {
    const examples = [{ input: '1 1', output: '2' }, { input: '2 2', output: '4' }, { input: '3 3', output: '6' }];
    expect(meanScore('exact_match', ['2', '5', '6.'], examples)).toBeCloseTo(2 / 3, 12);
    expect(() => meanScore('exact_match', ['2'], examples)).toThrow(RangeError);
  });
});

describe('answers made only of punctuation (BBH dyck_languages)', () => {
  // Normalising ") ] }" leaves nothing, so without step 10 every wordless output (even "") would score 1.
  it('are compared by their symbols, on every metric', () => {
    expect([exactMatch(') ] }', ') ] }'), exactMatch(' ) ]  }\nInput : [', ') ] }'), exactMatch('', ') ] }'), exactMatch('> )', ') ] }'), exactMatch(') ] } .', ') ] }')]).toEqual([1, 1, 0, 0, 0]);
    expect(tokenF1('', ') ] }')).toBe(0);
    expect(tokenF1(') ]', ') ] }')).toBeCloseTo(0.8, 12); // P 2/2, R 2/3
    expect(tokenF1(') > }', ') ] }')).toBeCloseTo(2 / 3, 12); // P 2/3, R 2/3
    expect([exactSet('} ) ]', ') ] }'), exactSet(') ]', ') ] }')]).toEqual([1, 0]);
    expect([contains('the answer is ) ] } ok', ') ] }'), contains(') ] >', ') ] }'), contains(')]}', ') ] }')]).toEqual([1, 0, 0]);
    expect(scoreOutput('f1', '', { input: '[ { (', output: ') } ]' })).toBe(0);
    expect(exactMatch('\n) ] }', ') ] }')).toBe(1); // trimmed before its first line is taken
    // A blank gold is not "all punctuation": it normalises like any other, so '.' (nothing left) matches it.
    expect([exactMatch('.', '   '), exactMatch('a', '   ')]).toEqual([1, 0]);
  });
  it('leave answers with any word or digit as before', () => {
    expect([exactMatch('Positive.', 'positive'), tokenF1('(a) cat', 'a cat'), contains('it is (b)', 'b')]).toEqual([1, 1, 1]);
  });
});

describe('metricFor', () => {
  it('follows the Instruction Induction table', () => {
    const table = Object.fromEntries(INSTRUCTION_INDUCTION_TASKS.map((t) => [t, metricFor(t)]));
    const nonDefault = Object.entries(table).filter(([, m]) => m !== 'exact_match');
    expect(Object.fromEntries(nonDefault)).toEqual({
      common_concept: 'f1',
      informal_to_formal: 'f1',
      orthography_starts_with: 'exact_set',
      taxonomy_animal: 'exact_set',
      synonyms: 'contains',
    });
  });
  it('handles prefixes, BIG-bench generation tasks and classification', () => {
    expect(metricFor('ii/synonyms')).toBe('contains');
    expect(metricFor('word_sorting')).toBe('f1');
    expect(metricFor('sst2')).toBe('accuracy');
    expect(metricFor('mmlu/anatomy')).toBe('accuracy');
    expect(metricFor('openbookqa')).toBe('accuracy');
    expect(metricFor('something_new')).toBe('exact_match');
  });
});
