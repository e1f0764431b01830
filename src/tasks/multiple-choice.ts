// Four-option multiple-choice examples (MMLU, OpenBookQA) in the GFlowPO code's text format, answered by one
// letter: the verbalizers are A/B/C/D. Only the example shape; the loaders are mmlu.ts and openbookqa.ts.
import type { Example } from './task';

export const CHOICE_LETTERS = ['A', 'B', 'C', 'D'] as const;

/**
 * Input text "question : Q\nchoices :\nA : a\nB : b\nC : c\nD : d" (the GFlowPO code writes
 * "question : Q choices : A : a \nB : b \n..."; we put each part on its own line without trailing spaces).
 * Fields: question, A, B, C, D. Output: the answer letter.
 */
export function multipleChoiceExample(question: string, choices: readonly string[], answer: string): Example {
  const fields: Record<string, string> = { question };
  const lines = [`question : ${question}`, 'choices :'];
  CHOICE_LETTERS.forEach((letter, i) => {
    fields[letter] = choices[i]!;
    lines.push(`${letter} : ${choices[i]}`);
  });
  return { input: lines.join('\n'), output: answer, fields };
}
