// StablePrompt's instruction-induction meta-prompt as GFlowPO uses it: the header, the demonstrations, the
// optional reference block (DMU), and the assistant prefix kept apart so the runtime can apply the prompt-LM's
// chat template (user message = `text`, the assistant turn starts with `assistantPrefix`). Text only.
import type { Example } from '../tasks/task';

export const META_PROMPT_HEADER =
  'I gave a friend an instruction and five inputs. The friend read the instruction and wrote an output for every one of the inputs. Here are the input-output pairs:';

/** The assistant turn's opening; logPrior and logPF condition on the user message followed by it. */
export const ASSISTANT_PREFIX = 'The Instruction is: ';

export const REFERENCES_HEADER = '\nHere are some reference instructions:\n';

export interface MetaPrompt {
  /** The user message: header, demonstrations, references. What PromptSampler receives as `metaPrompt`. */
  text: string;
  assistantPrefix: string;
  /** Indices into the validation split of the demonstrations, in order. */
  demonstrationIndices: number[];
  /** The references as they appear (cleaned), in order. */
  references: string[];
}

/** One demonstration, as the official got_example_ii: `Input : x\nOutput : y\n`. */
export function formatDemonstration(example: Pick<Example, 'input' | 'output'>): string {
  return `Input : ${example.input}\nOutput : ${example.output}\n`;
}

/**
 * The official clean_special_chars: runs of `*` removed, runs of `_` become a space, whitespace collapsed to
 * single spaces and trimmed (so each reference stays on its numbered line).
 */
export function cleanReference(text: string): string {
  return text.replace(/\*+/g, '').replace(/_+/g, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * header + "\n\n" + demonstrations + (references: "\nHere are some reference instructions:\n1. …\n2. …\n").
 * The blank line after the header is the official `meta_prompt + "\n" + examples` with the header's own
 * trailing newline; references are cleaned here.
 */
export function buildMetaPrompt(validation: readonly Example[], demonstrationIndices: readonly number[], references: readonly string[] = []): MetaPrompt {
  const demonstrations = demonstrationIndices.map((i) => {
    const example = validation[i];
    if (!example) throw new RangeError(`demonstration index ${i} is outside the validation split (${validation.length} examples)`);
    return formatDemonstration(example);
  });
  const cleaned = references.map(cleanReference);
  const referenceBlock = cleaned.length > 0 ? REFERENCES_HEADER + cleaned.map((r, i) => `${i + 1}. ${r}\n`).join('') : '';
  return {
    text: `${META_PROMPT_HEADER}\n\n${demonstrations.join('')}${referenceBlock}`,
    assistantPrefix: ASSISTANT_PREFIX,
    demonstrationIndices: [...demonstrationIndices],
    references: cleaned,
  };
}
