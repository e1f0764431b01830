// StablePrompt's instruction-induction meta-prompt as GFlowPO uses it: the header (naming the number of
// demonstrations shown), the demonstrations, the optional reference block (DMU), and the assistant prefix kept
// apart so the prompt-LM engine can apply its chat template (user message = `text`, the assistant turn starts with
// `assistantPrefix`). Text only: which demonstrations and references to show is decided by the run, how one
// demonstration is written (the task family's format) by src/tasks/demonstration.ts.
import { formatDemonstration } from '../tasks/demonstration';
import type { Task } from '../tasks/task';

const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty'];

/** "five inputs", "one input", "21 inputs": the count as the header says it (words up to twenty). */
export function inputsPhrase(count: number): string {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`a demonstration count must be a non-negative integer, got ${count}`);
  return `${NUMBER_WORDS[count] ?? String(count)} ${count === 1 ? 'input' : 'inputs'}`;
}

/**
 * The authors' meta_prompt with the count of demonstrations actually shown. Their training header says "five
 * inputs" (MMLU: "three"); their filling-phase header says "three inputs" above 5 demonstrations and ends in a
 * literal backslash-n: we name the number shown in both phases and end both with a real newline.
 */
export function metaPromptHeader(demonstrations: number): string {
  return `I gave a friend an instruction and ${inputsPhrase(demonstrations)}. The friend read the instruction and wrote an output for every one of the inputs. Here are the input-output pairs: \n`;
}

/** The paper's training header (five demonstrations). */
export const META_PROMPT_HEADER = metaPromptHeader(5);

/** The assistant turn's opening; logPrior and logPF condition on the user message followed by it. */
export const ASSISTANT_PREFIX = 'The Instruction is: ';

export const REFERENCES_HEADER = '\nHere are some reference instructions:\n';

export interface MetaPrompt {
  /** The user message: header, demonstrations, references. What PromptSampler receives as `metaPrompt`. */
  text: string;
  assistantPrefix: string;
  /** Indices into the validation split of the demonstrations, in order (drawn with replacement: may repeat). */
  demonstrationIndices: number[];
  /** The references as they appear (cleaned), in order. */
  references: string[];
}

/**
 * The official clean_special_chars: runs of `*` removed, runs of `_` become a space, whitespace collapsed to
 * single spaces and trimmed (so each reference stays on its numbered line).
 */
export function cleanReference(text: string): string {
  return text.replace(/\*+/g, '').replace(/_+/g, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * header + "\n" + demonstrations + (references: "\nHere are some reference instructions:\n1. …\n2. …\n"): the
 * official `meta_prompt + "\n" + examples + condition_text`, with the header naming how many demonstrations
 * follow, each demonstration a validation example in the task's format. References are cleaned here.
 */
export function buildMetaPrompt(task: Pick<Task, 'name' | 'demonstration' | 'splits'>, demonstrationIndices: readonly number[], references: readonly string[] = []): MetaPrompt {
  const validation = task.splits.validation;
  const demonstrations = demonstrationIndices.map((i) => {
    const example = validation[i];
    if (!example) throw new RangeError(`demonstration index ${i} is outside the validation split (${validation.length} examples)`);
    return formatDemonstration(task, example);
  });
  const cleaned = references.map(cleanReference);
  const referenceBlock = cleaned.length > 0 ? REFERENCES_HEADER + cleaned.map((r, i) => `${i + 1}. ${r}\n`).join('') : '';
  return {
    text: `${metaPromptHeader(demonstrations.length)}\n${demonstrations.join('')}${referenceBlock}`,
    assistantPrefix: ASSISTANT_PREFIX,
    demonstrationIndices: [...demonstrationIndices],
    references: cleaned,
  };
}
