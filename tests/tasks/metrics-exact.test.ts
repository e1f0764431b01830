// Answer normalisation character by character: every ASCII punctuation mark of Python's string.punctuation
// is deleted inside a word (not only at the ends), '-' becomes a space and '.' ends the answer; the
// characters around the punctuation block (letters, digits, space, non-ASCII) are kept.
import { describe, expect, it } from 'vitest';
import { exactMatch, normalizeAnswer } from '../../src/tasks/metrics';

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
