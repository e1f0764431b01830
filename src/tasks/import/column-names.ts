// Column names that datasets commonly use for inputs, labels and free-text outputs (GLUE, SNLI, SQuAD-style,
// instruction sets). mapping.ts suggests a mapping from them; csv.ts counts them as evidence of a header row.

/** Input pairs, in order of preference. */
export const INPUT_COLUMN_PAIRS: readonly (readonly [string, string])[] = [
  ['sentence1', 'sentence2'],
  ['premise', 'hypothesis'],
  ['question1', 'question2'],
  ['question', 'sentence'],
  ['question', 'passage'],
  ['context', 'question'],
  ['text1', 'text2'],
  ['sentence_a', 'sentence_b'],
];

/** Single input columns, in order of preference. */
export const INPUT_COLUMN_NAMES: readonly string[] = [
  'sentence', 'text', 'question', 'input', 'premise', 'hypothesis', 'content', 'review', 'document', 'prompt',
  'instruction', 'query', 'utterance', 'tweet', 'comment', 'passage', 'context', 'sentence1', 'question1',
];

/** Always a label column when present. */
export const LABEL_COLUMN_NAMES: readonly string[] = ['label', 'gold_label', 'labels', 'class', 'category', 'sentiment'];

/** Free-text outputs; a label column instead when its values look like labels (few, short). */
export const OUTPUT_COLUMN_NAMES: readonly string[] = ['output', 'answer', 'target', 'response', 'completion', 'summary'];

/** Lower case, with spaces and '-' as '_': 'Gold Label' and 'gold-label' match 'gold_label'. */
export function normaliseColumnName(name: string): string {
  return name.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

const KNOWN = new Set([...INPUT_COLUMN_NAMES, ...INPUT_COLUMN_PAIRS.flat(), ...LABEL_COLUMN_NAMES, ...OUTPUT_COLUMN_NAMES, 'idx', 'id']);

export function isKnownColumnName(name: string): boolean {
  return KNOWN.has(normaliseColumnName(name));
}
