// Prompt diversity of one step's fresh samples, as the run view charts it: the fraction of distinct prompts, and
// distinct word bigrams over all word bigrams (distinct-2, as in text-generation papers). Pure; words are
// lower-cased runs of letters and digits.

export interface Diversity {
  /** Distinct texts / texts; null for no texts. */
  uniqueFraction: number | null;
  /** Distinct bigrams / bigrams over every text; null when the texts hold no bigram. */
  distinctBigrams: number | null;
}

export function promptDiversity(texts: readonly string[]): Diversity {
  if (texts.length === 0) return { uniqueFraction: null, distinctBigrams: null };
  const bigrams: string[] = [];
  for (const text of texts) {
    const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    for (let i = 1; i < words.length; i++) bigrams.push(`${words[i - 1]} ${words[i]}`);
  }
  return {
    uniqueFraction: new Set(texts).size / texts.length,
    distinctBigrams: bigrams.length > 0 ? new Set(bigrams).size / bigrams.length : null,
  };
}
