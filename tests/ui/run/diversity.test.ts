// Prompt diversity: exact fractions of distinct prompts and distinct word bigrams.
import { describe, expect, it } from 'vitest';
import { promptDiversity } from '../../../src/ui/run/diversity';

describe('promptDiversity', () => {
  it('counts distinct prompts and distinct bigrams over all prompts', () => {
    // bigrams: "add the","the numbers" | "add the","the numbers" | "sum them" -> 5 bigrams, 3 distinct
    expect(promptDiversity(['Add the numbers', 'add THE numbers!', 'sum them'])).toEqual({ uniqueFraction: 1, distinctBigrams: 3 / 5 });
    expect(promptDiversity(['a b', 'a b', 'a b', 'c'])).toEqual({ uniqueFraction: 2 / 4, distinctBigrams: 1 / 3 });
  });

  it('is null where there is nothing to count', () => {
    expect(promptDiversity([])).toEqual({ uniqueFraction: null, distinctBigrams: null });
    expect(promptDiversity(['one', 'two'])).toEqual({ uniqueFraction: 1, distinctBigrams: null });
  });
});
