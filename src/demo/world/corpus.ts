// Training data of the two demo models, drawn from a seeded stream as token ids (prefix, continuation):
//   target-LM: "<s> {instruction} input : 3 7 1 output :" -> the answer the instruction means (language.ts) + </s>,
//     with the task templates of src/tasks/task.ts; instructions are phrases, garbage word strings or nothing.
//   prompt-LM: the chat-templated meta-prompt the GFlowPO loop builds (gflow/meta-prompt.ts buildMetaPrompt with
//     the task's own demonstration format, DMU references or none) followed by the assistant prefix, -> an
//     instruction drawn from a broad prior (PROMPT_PRIOR: few precise, many vague, misleading or off-task), or,
//     with references, a copy of one or a phrase of the same task family (FROM_REFERENCES) + </s>.
// Pure TS over a TextCodec-like tokenizer; it trains nothing.
import { ASSISTANT_PREFIX, buildMetaPrompt } from '../../gflow/meta-prompt';
import { type Rng, randomInt } from '../../random/mulberry32';
import { CLASSIFICATION_TEMPLATE, GENERATION_TEMPLATE, type Example, renderInput } from '../../tasks/task';
import { BEHAVIOURS, GENERIC_PHRASES, PHRASES, PHRASE_TEXTS, type Items, intendedAnswer, itemsText } from './language';
import { DEMO_TASKS, DEMO_TASK_SPECS, type DemoTaskName, randomList } from './tasks';
import { DEMO_TOKEN_IDS } from './tokenizer-files';

const EOS_ID = DEMO_TOKEN_IDS.eos;

/** What the corpus needs from the tokenizer (PromptTokenizer has it). */
export interface CorpusTokenizer {
  encode(text: string, options: { addSpecialTokens: boolean }): number[];
  encodeChat(messages: { role: 'user'; content: string }[], options: { addGenerationPrompt: boolean }): number[];
}

export interface TrainingSequence {
  prefix: number[];
  /** The tokens the loss is on. */
  continuation: number[];
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[randomInt(rng, xs.length)]!;

/** Words the instruction language uses (garbage instructions are drawn from them). */
export const INSTRUCTION_WORDS: readonly string[] = [...new Set(PHRASE_TEXTS.flatMap((p) => p.split(' ')))].sort();

/** A string of 1-7 language words that is no phrase: the target-LM copies the input for it. */
export function garbageInstruction(rng: Rng): string {
  for (;;) {
    const words = Array.from({ length: 1 + randomInt(rng, 7) }, () => pick(rng, INSTRUCTION_WORDS));
    const text = words.join(' ');
    if (!Object.hasOwn(PHRASES, text)) return text;
  }
}

/** Inputs the target-LM trains on: any list the tasks draw from. */
export function trainingInput(rng: Rng): number[] {
  return randomList(rng);
}

/** Mix of instructions the target-LM trains on. */
export const TARGET_MIX = { vague: 0.3, phrase: 0.6, garbage: 0.08, empty: 0.02 } as const;

/** Precise phrases grouped by behaviour, and the vague ones: each behaviour gets an equal share of the phrase data. */
const BEHAVIOUR_GROUPS: readonly (readonly string[])[] = (() => {
  const groups = new Map<string, string[]>();
  for (const p of PHRASE_TEXTS) {
    const m = PHRASES[p]!;
    if (!m.rule) groups.set(m.behaviour, [...(groups.get(m.behaviour) ?? []), p]);
  }
  return [...groups.values()];
})();
const VAGUE_PHRASES: readonly string[] = PHRASE_TEXTS.filter((p) => PHRASES[p]!.rule);

export function targetInstruction(rng: Rng): string {
  const u = rng();
  if (u < TARGET_MIX.vague) return pick(rng, VAGUE_PHRASES);
  if (u < TARGET_MIX.vague + TARGET_MIX.phrase) return pick(rng, pick(rng, BEHAVIOUR_GROUPS));
  if (u < TARGET_MIX.vague + TARGET_MIX.phrase + TARGET_MIX.garbage) return garbageInstruction(rng);
  return '';
}

/** One target-LM sequence: the task template (generation or classification, as the answer's behaviour is) filled in. */
export function targetSequence(rng: Rng, tokenizer: CorpusTokenizer): TrainingSequence {
  const instruction = targetInstruction(rng);
  const xs = trainingInput(rng);
  const answer = intendedAnswer(instruction, xs);
  const template = answer === 'yes' || answer === 'no' ? CLASSIFICATION_TEMPLATE : GENERATION_TEMPLATE;
  const text = renderInput({ name: 'demo', template }, instruction, { input: itemsText(xs), output: answer });
  return { prefix: tokenizer.encode(text, { addSpecialTokens: true }), continuation: [...tokenizer.encode(answer, { addSpecialTokens: false }), EOS_ID] };
}

/**
 * The prompt-LM's prior over instructions for a task's demonstrations: how often it writes a precise phrase of the
 * task, a vague one, a misleading one, another task's vague or misleading phrase (other tasks' precise phrases are
 * left out, so a task's precise phrases stay rare whatever the model makes of the demonstrations), or a generic one.
 */
export const PROMPT_PRIOR = { precise: 0.003, vague: 0.3, misleading: 0.3, otherTask: 0.25, generic: 0.147 } as const;
/**
 * With references in the meta-prompt: how often the instruction copies one of them, and how often it is a phrase
 * related to one of them (any phrase of a task that lists the reference: a rewording in the same family), as a
 * language model inspired by examples would write. This is what lets DMU's references steer the search.
 */
export const FROM_REFERENCES = { copy: 0.15, related: 0.5 } as const;
/** Share of training meta-prompts that carry 1-3 references. */
export const WITH_REFERENCES = 0.6;

/** Vague and misleading phrases of every task: what the prior writes for "another task". */
const OFF_TASK_POOL: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  DEMO_TASKS.map((task) => {
    const spec = DEMO_TASK_SPECS[task];
    const own = new Set([...spec.precise, ...spec.vague, ...spec.misleading]);
    const precise = new Set(DEMO_TASKS.flatMap((t) => DEMO_TASK_SPECS[t].precise));
    const others = DEMO_TASKS.filter((t) => t !== task).flatMap((t) => [...DEMO_TASK_SPECS[t].vague, ...DEMO_TASK_SPECS[t].misleading]);
    return [task, [...new Set(others)].filter((p) => !own.has(p) && !precise.has(p)).sort()];
  }),
);

/** Every phrase of the tasks whose precise, vague or misleading lists hold `reference` (empty for other text). */
export function relatedPhrases(reference: string): string[] {
  const related = new Set<string>();
  for (const name of DEMO_TASKS) {
    const spec = DEMO_TASK_SPECS[name];
    const family = [...spec.precise, ...spec.vague, ...spec.misleading];
    if (family.includes(reference)) for (const p of family) related.add(p);
  }
  return [...related].sort();
}

/** An instruction the prompt-LM is trained to write for `task`'s demonstrations (references aside). */
export function priorInstruction(rng: Rng, task: DemoTaskName): string {
  const spec = DEMO_TASK_SPECS[task];
  let u = rng();
  for (const [kind, p] of Object.entries(PROMPT_PRIOR) as [keyof typeof PROMPT_PRIOR, number][]) {
    if (u < p) {
      if (kind === 'precise') return pick(rng, spec.precise);
      if (kind === 'vague') return pick(rng, spec.vague);
      if (kind === 'misleading') return pick(rng, spec.misleading);
      if (kind === 'generic') return pick(rng, GENERIC_PHRASES);
      return pick(rng, OFF_TASK_POOL[task]!);
    }
    u -= p;
  }
  return pick(rng, GENERIC_PHRASES);
}

/** Demonstrations the meta-prompt shows: 3 or 5 mostly (GFlowPO's two phases), sometimes 1-6. */
export function demonstrationCount(rng: Rng): number {
  const u = rng();
  return u < 0.4 ? 3 : u < 0.8 ? 5 : 1 + randomInt(rng, 6);
}

/** A reference as the DMU shows them: any instruction a run could have found (phrases, garbage). */
function referenceInstruction(rng: Rng, task: DemoTaskName): string {
  return rng() < 0.85 ? priorInstruction(rng, task) : garbageInstruction(rng);
}

/** The meta-prompt text of one prompt-LM example, built by the loop's own builder, and its instruction. */
export function promptExample(rng: Rng): { task: DemoTaskName; metaPrompt: string; instruction: string } {
  const task = pick(rng, DEMO_TASKS);
  const spec = DEMO_TASK_SPECS[task];
  const n = demonstrationCount(rng);
  const examples: Example[] = Array.from({ length: n }, () => {
    const xs: Items = spec.draw(rng);
    return { input: itemsText(xs), output: BEHAVIOURS[spec.behaviour](xs) };
  });
  const referenceCount = rng() < WITH_REFERENCES ? 1 + randomInt(rng, 3) : 0;
  const references = Array.from({ length: referenceCount }, () => referenceInstruction(rng, task));
  const shown = { name: `demo/${task}`, demonstration: 'input-output' as const, splits: { train: [], validation: examples, test: [] } };
  const meta = buildMetaPrompt(shown, examples.map((_, i) => i), references);
  let instruction = priorInstruction(rng, task);
  if (references.length > 0) {
    const u = rng();
    const reference = pick(rng, meta.references);
    const related = relatedPhrases(reference);
    if (u < FROM_REFERENCES.copy) instruction = reference;
    else if (u < FROM_REFERENCES.copy + FROM_REFERENCES.related && related.length > 0) instruction = pick(rng, related);
  }
  return { task, metaPrompt: meta.text, instruction };
}

/** The prompt-LM's input as LabPromptSampler builds it: chat template (user turn, assistant opened) + assistant prefix. */
export function promptPrefixIds(tokenizer: CorpusTokenizer, metaPrompt: string): number[] {
  return [...tokenizer.encodeChat([{ role: 'user', content: metaPrompt }], { addGenerationPrompt: true }), ...tokenizer.encode(ASSISTANT_PREFIX, { addSpecialTokens: false })];
}

export function promptSequence(rng: Rng, tokenizer: CorpusTokenizer): TrainingSequence {
  const { metaPrompt, instruction } = promptExample(rng);
  return { prefix: promptPrefixIds(tokenizer, metaPrompt), continuation: [...tokenizer.encode(instruction, { addSpecialTokens: false }), EOS_ID] };
}
