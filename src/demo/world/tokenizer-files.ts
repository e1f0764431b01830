// The demo models' tokenizer, written by the project in the Hugging Face format: tokenizer.json (Lowercase
// normaliser, Whitespace pre-tokenizer, WordLevel model, TemplateProcessing that puts <s> in front) and
// tokenizer_config.json (specials and a chat template). The vocabulary is every word of the instruction language,
// the digits and answers, the task templates and the meta-prompts the GFlowPO loop builds for the demo tasks
// (header, demonstrations, references, assistant prefix), so the prompt-LM reads its meta-prompt with no <unk>.
// Pure TS: files as objects; PromptTokenizer (src/runtime) builds the tokenizer from them like any model's.
import { ASSISTANT_PREFIX, REFERENCES_HEADER, buildMetaPrompt, metaPromptHeader } from '../../gflow/meta-prompt';
import { CLASSIFICATION_TEMPLATE, GENERATION_TEMPLATE } from '../../tasks/task';
import { BEHAVIOURS, PHRASE_TEXTS } from './language';
import { DEMO_TASKS, demoTask } from './tasks';

/** Special tokens, ids 0..6: unknown, begin and end of sequence, padding, and the three chat roles. */
export const DEMO_SPECIAL_TOKENS = ['<unk>', '<s>', '</s>', '<pad>', '<|system|>', '<|user|>', '<|assistant|>'] as const;

/** Each turn is "<|role|> content </s>"; the generation prompt opens the assistant turn. */
export const DEMO_CHAT_TEMPLATE =
  "<s>{% for message in messages %}<|{{ message['role'] }}|> {{ message['content'] }} </s> {% endfor %}{% if add_generation_prompt %}<|assistant|> {% endif %}";

/** Hugging Face's Whitespace pre-tokenizer after the Lowercase normaliser: runs of word characters or of other non-space characters. */
export function preTokenize(text: string): string[] {
  return text.toLowerCase().match(/\w+|[^\w\s]+/g) ?? [];
}

/** The texts whose words the vocabulary must hold. */
function vocabularyCorpus(): string[] {
  const texts: string[] = [...PHRASE_TEXTS, 'yes no', Array.from({ length: 11 }, (_, i) => String(i)).join(' ')];
  texts.push(CLASSIFICATION_TEMPLATE, GENERATION_TEMPLATE, REFERENCES_HEADER, ASSISTANT_PREFIX);
  for (let n = 0; n <= 20; n++) texts.push(metaPromptHeader(n));
  for (const name of DEMO_TASKS) {
    const task = demoTask(name, { sizes: { train: 1, validation: 8, test: 1 } });
    const meta = buildMetaPrompt(task, [0, 1, 2, 3, 4], PHRASE_TEXTS.slice(0, 9));
    texts.push(meta.text, ...task.splits.validation.map((x) => `${x.input} ${x.output}`));
  }
  return texts;
}

/** Special tokens, then every word of the corpus in code-point order. Same code, same vocabulary. */
export function demoVocabulary(): string[] {
  const words = new Set<string>();
  for (const text of vocabularyCorpus()) for (const w of preTokenize(text)) words.add(w);
  for (const xs of [[1, 2, 3]]) for (const b of Object.values(BEHAVIOURS)) for (const w of preTokenize(b(xs))) words.add(w);
  const sorted = [...words].filter((w) => !(DEMO_SPECIAL_TOKENS as readonly string[]).includes(w)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [...DEMO_SPECIAL_TOKENS, ...sorted];
}

export function demoTokenizerJson(vocabulary: readonly string[] = demoVocabulary()): Record<string, unknown> {
  const addedTokens = DEMO_SPECIAL_TOKENS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: null,
    model: { type: 'WordLevel', vocab: Object.fromEntries(vocabulary.map((w, i) => [w, i])), unk_token: '<unk>' },
  };
}

export function demoTokenizerConfigJson(): Record<string, unknown> {
  const decoder = Object.fromEntries(DEMO_SPECIAL_TOKENS.map((content, id) => [String(id), { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true }]));
  return {
    add_bos_token: true,
    add_eos_token: false,
    added_tokens_decoder: decoder,
    additional_special_tokens: ['<|system|>', '<|user|>', '<|assistant|>'],
    bos_token: '<s>',
    eos_token: '</s>',
    pad_token: '<pad>',
    unk_token: '<unk>',
    chat_template: DEMO_CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    model_max_length: 256,
    tokenizer_class: 'PreTrainedTokenizerFast',
  };
}

/** Ids of the special tokens, by role. */
export const DEMO_TOKEN_IDS = { unk: 0, bos: 1, eos: 2, pad: 3 } as const;
