// Answer normalisation character by character: every ASCII punctuation mark of Python's string.punctuation
// is deleted inside a word (not only at the ends), '-' becomes a space and '.' ends the answer; the
// characters around the punctuation block (letters, digits, space, non-ASCII) are kept. Then the edge cases
// of every step and metric that the hand-checked table in metrics.test.ts leaves open (found by mutation
// testing: each case below fails on some single-token change of src/tasks/metrics.ts).
import { describe, expect, it } from 'vitest';
import { contains, exactMatch, exactSet, meanScore, metricFor, normalizeAnswer, scoreOutput, tokenF1 } from '../../src/tasks/metrics';

/** Python's string.punctuation, in order. */
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

describe('normalizeAnswer, character by character', () => {
  it('string.punctuation is the 32 ASCII marks', () => {
    expect(PUNCTUATION.length).toBe(32);
    const marks = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c)).filter((ch) => /[\x21-\x7e]/.test(ch) && !/[A-Za-z0-9]/.test(ch));
    expect(marks.join('')).toBe(PUNCTUATION);
  });

  // The six marks between 'Z' and 'a' (one ASCII range of the pattern), one by one.
  it.each(['[', ']', '\\', '^', '_', '`'])('deletes %s inside a word and at either end', (ch) => {
    expect(normalizeAnswer(`ab${ch}cd`)).toBe('abcd');
    expect(normalizeAnswer(`${ch}Yes${ch}`)).toBe('yes');
    expect(exactMatch(`${ch}positive${ch}`, 'positive')).toBe(1);
  });

  it('deletes every other mark inside a word, except "-" (a space) and "." (the end of the answer)', () => {
    for (const ch of PUNCTUATION) {
      const expected = ch === '-' ? 'ab cd' : ch === '.' ? 'ab' : 'abcd';
      expect(normalizeAnswer(`ab${ch}cd`), JSON.stringify(ch)).toBe(expected);
    }
  });

  it('keeps letters, digits and non-ASCII characters next to the punctuation block', () => {
    // '@' (0x40) and '[' (0x5b) border 'A' and 'Z'; '`' (0x60) and '{' (0x7b) border 'a' and 'z';
    // '/' (0x2f) and ':' (0x3a) border '0' and '9'.
    expect(normalizeAnswer('AZaz09')).toBe('azaz09');
    expect(normalizeAnswer('é ü ’ « »')).toBe('é ü ’ « »');
  });
});

describe('normalizeAnswer, steps 1-3', () => {
  it('"Sentence 1:" and "Sentence 2:" become a space, so the words around them stay apart', () => {
    expect(normalizeAnswer('catSentence 1:dog')).toBe('cat dog');
    expect(normalizeAnswer('catSentence 2:dog')).toBe('cat dog');
  });

  it('trims before cutting at the first line break, so a leading blank line does not empty the answer', () => {
    expect(normalizeAnswer('\n  yes\nInput : x')).toBe('yes');
    expect(exactMatch('\nPositive', 'positive')).toBe(1);
  });
});

describe('metric edge cases', () => {
  it('contains: an empty gold matches exactly an empty prediction', () => {
    expect(contains('', '')).toBe(1);
    // A gold of punctuation only is compared by its symbols (step 10), not normalised to ''.
    expect([contains('.', '!'), contains('well !', '!')]).toEqual([0, 1]);
    expect(contains('x', '')).toBe(0);
  });

  it('exact set: equal sizes with different members is 0', () => {
    expect(exactSet('cat dog', 'cat cow')).toBe(0);
    expect(exactSet('dog cat', 'cat dog')).toBe(1);
  });

  it('an example without alternatives is scored against its output only', () => {
    // P 1/3, R 1/3 against 'it is gone'; no other reference may raise it.
    expect(scoreOutput('f1', 'it was here', { input: 'x', output: 'it is gone' })).toBeCloseTo(1 / 3, 12);
    expect(scoreOutput('contains', 'was here', { input: 'x', output: 'gone' })).toBe(0);
  });

  it('meanScore of no examples is 0; a length mismatch names both counts', () => {
    expect(meanScore('exact_match', [], [])).toBe(0);
    expect(() => meanScore('f1', ['a'], [{ input: 'x', output: 'a' }, { input: 'y', output: 'b' }])).toThrow('meanScore: 1 predictions for 2 examples');
  });
});

describe('metricFor, every table entry', () => {
  it.each(['dyck_languages', 'gender_inclusive_sentences_german', 'linguistics_puzzles', 'object_counting', 'operators', 'tense', 'word_sorting', 'word_unscrambling', 'common_concept', 'informal_to_formal'])('%s is f1 (bare and with bbii/ or ii/)', (task) => {
    expect(metricFor(task)).toBe('f1');
    expect(metricFor(`bbii/${task}`)).toBe('f1');
    expect(metricFor(`ii/${task}`)).toBe('f1');
  });

  it.each(['sst2', 'mrpc', 'rte', 'qnli', 'mnli', 'snli', 'openbookqa', 'mmlu', 'mmlu/anatomy'])('%s is accuracy', (task) => {
    expect(metricFor(task)).toBe('accuracy');
  });

  it('exact_set, contains and the exact_match default', () => {
    expect(metricFor('orthography_starts_with')).toBe('exact_set');
    expect(metricFor('ii/taxonomy_animal')).toBe('exact_set');
    expect(metricFor('synonyms')).toBe('contains');
    expect(metricFor('letters_list')).toBe('exact_match');
    expect(metricFor('mmlu-like')).toBe('exact_match');
    // A prefix is only a prefix at the start.
    expect(metricFor('x/ii/tense')).toBe('exact_match');
    expect(metricFor('toString')).toBe('exact_match'); // not an inherited property of the table
  });
});
