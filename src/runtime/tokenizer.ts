// PromptTokenizer: a model's tokenizer and chat template built by transformers.js from in-memory tokenizer.json and
// tokenizer_config.json (parsed objects or bytes), the same in Node and the browser. It never reads files or the hub.
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { loadTransformers, type Transformers } from './transformers';

/** One chat turn as chat templates expect it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface EncodeOptions {
  /** Add what tokenizer.json's post-processor adds around a single text (for Llama: BOS in front). */
  addSpecialTokens: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens (BOS, EOS, pad, ...) from the text. Default false. */
  skipSpecialTokens?: boolean;
}

export interface ChatTemplateOptions {
  /** End with the opening of an assistant turn, so the model's continuation is the reply. */
  addGenerationPrompt: boolean;
}

export interface PromptTokenizerOptions {
  /**
   * A chat template to use instead of tokenizer_config.json's `chat_template`; newer repositories ship it as a
   * separate chat_template.jinja file.
   */
  chatTemplate?: string;
}

/** Thrown when tokenizer files are unusable or a chat template cannot be rendered; the message says what to do. */
export class TokenizerError extends Error {
  override name = 'TokenizerError';
}

const CHAT_ROLES: readonly string[] = ['system', 'user', 'assistant'];

/** Encode, decode and chat-format text for one model. Build it with `PromptTokenizer.fromJson`. */
export class PromptTokenizer {
  /** Id of the beginning-of-sequence token named by tokenizer_config.json's `bos_token`; null when there is none. */
  readonly bosTokenId: number | null;
  /**
   * Ids that end a sequence: tokenizer_config.json's `eos_token`. generation_config.json may list more
   * (`eos_token_id` as a list, e.g. Llama 3's <|eot_id|>); callers merge those in.
   */
  readonly eosTokenIds: readonly number[];
  /** `pad_token`'s id, falling back to the first EOS id; null when the model names neither. */
  readonly padTokenId: number | null;
  /** One more than the largest token id (vocabulary plus added tokens); every valid id is below it. */
  readonly vocabSize: number;
  /** The transformers.js class that was built, chosen from tokenizer_config.json's `tokenizer_class`. */
  readonly tokenizerClass: string;

  private constructor(private readonly tokenizer: PreTrainedTokenizer) {
    this.tokenizerClass = tokenizer.constructor.name;
    this.bosTokenId = tokenId(tokenizer.bos_token_id);
    const eos = tokenId(tokenizer.eos_token_id);
    this.eosTokenIds = Object.freeze(eos === null ? [] : [eos]);
    this.padTokenId = tokenId(tokenizer.pad_token_id) ?? eos;
    let maxId = -1;
    for (const id of tokenizer.get_vocab().values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
  }

  /**
   * Builds the tokenizer from the contents of tokenizer.json and tokenizer_config.json, each as a parsed object,
   * JSON text, or the file's bytes. A missing tokenizer_config (null/undefined) means an empty one.
   */
  static async fromJson(
    tokenizerJson: unknown,
    tokenizerConfig: unknown,
    options: PromptTokenizerOptions = {},
  ): Promise<PromptTokenizer> {
    const json = parseJsonObject(tokenizerJson, 'tokenizer.json');
    const model = json['model'];
    if (model === null || typeof model !== 'object' || Array.isArray(model)) {
      throw new TokenizerError(
        'tokenizer.json has no "model" section, so it is not a Hugging Face tokenizers file: use the tokenizer.json ' +
          "from the model's repository (a repository with only a slow tokenizer, e.g. tokenizer.model, needs " +
          "converting with transformers' AutoTokenizer.from_pretrained(...).save_pretrained(...)).",
      );
    }
    checkVocabulary(model as Record<string, unknown>, json['added_tokens']);
    const config =
      tokenizerConfig === null || tokenizerConfig === undefined
        ? {}
        : { ...parseJsonObject(tokenizerConfig, 'tokenizer_config.json') };
    if (options.chatTemplate !== undefined) config['chat_template'] = options.chatTemplate;

    const transformers = await loadTransformers();
    const TokenizerClass = chooseTokenizerClass(transformers, config['tokenizer_class']);
    try {
      return new PromptTokenizer(new TokenizerClass(json, config));
    } catch (error) {
      const modelType = (model as Record<string, unknown>)['type'];
      throw new TokenizerError(
        `transformers.js could not build a tokenizer from tokenizer.json (model type ${JSON.stringify(modelType)}): ` +
          `${errorMessage(error)}. Check that tokenizer.json is complete and matches tokenizer_config.json.`,
      );
    }
  }

  /** Token ids of `text`. */
  encode(text: string, { addSpecialTokens }: EncodeOptions): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: addSpecialTokens });
  }

  /** Text of `ids`; every id must be an integer below `vocabSize`. */
  decode(ids: readonly number[], { skipSpecialTokens = false }: DecodeOptions = {}): string {
    ids.forEach((id, position) => {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new TokenizerError(
          `token id ${id} at position ${position} is not in this tokenizer's vocabulary [0, ${this.vocabSize}): ` +
            'mask logits beyond vocabSize before sampling, or decode with the tokenizer of the model that made the ids.',
        );
      }
    });
    if (ids.length === 0) return '';
    return this.tokenizer.decode([...ids], { skip_special_tokens: skipSpecialTokens });
  }

  /** Whether tokenizer_config.json (or the chatTemplate option) gave a chat template. */
  get hasChatTemplate(): boolean {
    const template: unknown = this.tokenizer.chat_template;
    if (typeof template === 'string') return template.length > 0;
    return template !== null && typeof template === 'object' && Object.keys(template).length > 0;
  }

  /** The chat rendered by the model's template, as text (special tokens appear as their strings). */
  applyChatTemplate(messages: readonly ChatMessage[], { addGenerationPrompt }: ChatTemplateOptions): string {
    if (!this.hasChatTemplate) {
      throw new TokenizerError(
        'this model has no chat template (tokenizer_config.json has no "chat_template"): format the prompt as ' +
          'plain text and use encode(), or pass a template through the chatTemplate option of fromJson.',
      );
    }
    checkMessages(messages);
    try {
      return this.tokenizer.apply_chat_template(
        messages.map(({ role, content }) => ({ role, content })),
        { tokenize: false, add_generation_prompt: addGenerationPrompt },
      );
    } catch (error) {
      throw new TokenizerError(
        `the chat template failed to render: ${errorMessage(error)}. Check the messages against what the template ` +
          'expects (roles, their order, a system message), or fix chat_template in tokenizer_config.json.',
      );
    }
  }

  /** Ids of the rendered chat. The template writes its own special tokens, so none are added on top. */
  encodeChat(messages: readonly ChatMessage[], options: ChatTemplateOptions): number[] {
    return this.encode(this.applyChatTemplate(messages, options), { addSpecialTokens: false });
  }
}

/** AutoTokenizer's rule: tokenizer_class without "Fast" names an exported class; anything else gets the base class. */
function chooseTokenizerClass(transformers: Transformers, tokenizerClass: unknown): typeof PreTrainedTokenizer {
  const base = transformers.PreTrainedTokenizer;
  if (typeof tokenizerClass !== 'string') return base;
  const candidate: unknown = (transformers as Record<string, unknown>)[tokenizerClass.replace(/Fast$/, '')];
  if (typeof candidate === 'function' && candidate.prototype instanceof base) {
    return candidate as typeof PreTrainedTokenizer;
  }
  return base;
}

/** A JSON object from a parsed value, JSON text, or UTF-8 bytes. */
function parseJsonObject(input: unknown, file: string): Record<string, unknown> {
  let value = input;
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input) || typeof input === 'string') {
    let text: string;
    if (typeof input === 'string') {
      text = input;
    } else {
      const bytes =
        input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw new TokenizerError(`${file} is not UTF-8 text: pass the bytes of the file itself, not a compressed or binary file.`);
      }
    }
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new TokenizerError(
        `${file} is not valid JSON (${errorMessage(error)}): the file is truncated or is not ${file}; ` +
          "download it again from the model's repository.",
      );
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new TokenizerError(`${file} must be a JSON object, got ${got}: pass the parsed file, its text or its bytes.`);
  }
  return value as Record<string, unknown>;
}

function checkMessages(messages: readonly ChatMessage[]): void {
  messages.forEach((message, index) => {
    if (!CHAT_ROLES.includes(message.role) || typeof message.content !== 'string') {
      throw new TokenizerError(
        `chat message ${index} must have role "system", "user" or "assistant" and string content, got ` +
          `${JSON.stringify(message)}.`,
      );
    }
  });
}

/** transformers.js leaves ids undefined for tokens the vocabulary lacks. */
function tokenId(id: number | null | undefined): number | null {
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 ? id : null;
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : `a${typeof value === 'object' ? 'n' : ''} ${typeof value}`;
}

function isTokenId(id: unknown): boolean {
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0;
}

/**
 * tokenizer.json's vocabulary and added tokens as transformers.js reads them, checked first: it builds a tokenizer
 * from a vocabulary given as a string (every id undefined) or with negative or fractional ids without a word.
 */
function checkVocabulary(model: Record<string, unknown>, addedTokens: unknown): void {
  const vocab = model['vocab'];
  if (model['type'] === 'Unigram') {
    if (!Array.isArray(vocab)) throw new TokenizerError(`tokenizer.json model.vocab of a Unigram model must be a list of [piece, score] pairs, got ${kindOf(vocab)}`);
    vocab.forEach((entry: unknown, i) => {
      if (!Array.isArray(entry) || entry.length < 2 || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') {
        throw new TokenizerError(`tokenizer.json model.vocab[${i}] must be a [piece, score] pair (a string and a number), got ${JSON.stringify(entry)?.slice(0, 60)}`);
      }
    });
  } else if (vocab !== undefined) {
    if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab)) {
      throw new TokenizerError(`tokenizer.json model.vocab of a ${String(model['type'])} model must be an object of token -> id, got ${kindOf(vocab)}`);
    }
    const entries = Object.entries(vocab);
    if (entries.length === 0) throw new TokenizerError(`tokenizer.json model.vocab of a ${String(model['type'])} model is empty`);
    for (const [token, id] of entries) {
      if (!isTokenId(id)) throw new TokenizerError(`tokenizer.json model.vocab[${JSON.stringify(token)}] must be a non-negative integer token id, got ${JSON.stringify(id)}`);
    }
    const unk = model['unk_token'];
    if (typeof unk === 'string' && !Object.hasOwn(vocab, unk)) {
      throw new TokenizerError(`tokenizer.json model.unk_token ${JSON.stringify(unk)} is not in model.vocab: words outside the vocabulary would get no id`);
    }
  }
  const added = addedTokens ?? [];
  if (!Array.isArray(added)) throw new TokenizerError(`tokenizer.json added_tokens must be a list of {id, content} objects, got ${kindOf(added)}`);
  added.forEach((t: unknown, i) => {
    const token = (typeof t === 'object' && t !== null ? t : {}) as Record<string, unknown>;
    if (!isTokenId(token['id'])) throw new TokenizerError(`tokenizer.json added_tokens[${i}].id must be a non-negative integer token id, got ${JSON.stringify(token['id'])}`);
    if (typeof token['content'] !== 'string') throw new TokenizerError(`tokenizer.json added_tokens[${i}].content must be a string, got ${JSON.stringify(token['content'])}`);
  });
  // transformers.js builds tables indexed by id: one id of 2^31 in a small vocabulary allocates gigabytes. Ids are
  // dense in real tokenizers (the vocabulary, then the added tokens); allow gaps up to as many ids again.
  const entries = Array.isArray(vocab) ? vocab.length : typeof vocab === 'object' && vocab !== null ? Object.keys(vocab).length : 0;
  const ids = [...(Array.isArray(vocab) || typeof vocab !== 'object' || vocab === null ? [] : Object.values(vocab)), ...added.map((t) => (t as { id: number }).id)] as number[];
  const limit = 2 * (entries + added.length) + 256;
  const largest = ids.reduce((m, id) => Math.max(m, id), -1);
  if (largest >= limit) {
    throw new TokenizerError(`tokenizer.json uses token id ${largest}, but its ${entries} vocabulary entries and ${added.length} added tokens need ids below ${entries + added.length} (at most ${limit} with gaps); the file is damaged`);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
