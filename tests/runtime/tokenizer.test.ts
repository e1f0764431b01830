// PromptTokenizer in Node: exact ids, decode round trips and chat rendering for a hand-written WordLevel tokenizer and
// the real Llama-2 SentencePiece-BPE tokenizer, plus every TokenizerError case.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PromptTokenizer, TokenizerError, type ChatMessage } from '../../src/runtime/tokenizer';

const fixtures = new URL('../browser/fixtures/', import.meta.url);
const wordLevelJson = JSON.parse(readFileSync(new URL('word-level-tokenizer.json', fixtures), 'utf8')) as Record<string, unknown>;
const wordLevelConfig = JSON.parse(
  readFileSync(new URL('word-level-tokenizer_config.json', fixtures), 'utf8'),
) as Record<string, unknown>;

const llamaDir = new URL('../../../shared/models/tiny-random-llama-onnx-fp16/', import.meta.url);
const llamaJsonBytes = readFileSync(new URL('tokenizer.json', llamaDir));
const llamaConfigBytes = readFileSync(new URL('tokenizer_config.json', llamaDir));

// Ids of the hand-written vocabulary (tests/browser/fixtures/word-level-tokenizer.json).
const UNK = 0, BOS = 1, EOS = 2, PAD = 3, HELLO = 4, WORLD = 5, THE = 6, PROMPT = 7, IS = 8, GOOD = 9;
const USER = 10, ASSISTANT = 11, SYSTEM = 12, BE = 13, BRIEF = 14, COLON = 15, DOT = 16, BANG = 18;

const chat: ChatMessage[] = [
  { role: 'system', content: 'be brief' },
  { role: 'user', content: 'hello world!' },
];

function wordLevel(config: Record<string, unknown> = wordLevelConfig): Promise<PromptTokenizer> {
  return PromptTokenizer.fromJson(wordLevelJson, config);
}

function withoutKeys(config: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([key]) => !keys.includes(key)));
}

describe('PromptTokenizer: hand-written WordLevel tokenizer', () => {
  it('encodes with and without the post-processor BOS', async () => {
    const tokenizer = await wordLevel();
    expect(tokenizer.encode('the prompt is good.', { addSpecialTokens: true })).toEqual([BOS, THE, PROMPT, IS, GOOD, DOT]);
    expect(tokenizer.encode('the prompt is good.', { addSpecialTokens: false })).toEqual([THE, PROMPT, IS, GOOD, DOT]);
    expect(tokenizer.encode('', { addSpecialTokens: false })).toEqual([]);
  });

  it('maps unknown words to <unk>', async () => {
    const tokenizer = await wordLevel();
    expect(tokenizer.encode('hello zebra world', { addSpecialTokens: false })).toEqual([HELLO, UNK, WORLD]);
    expect(tokenizer.encode('Hello world', { addSpecialTokens: false })).toEqual([UNK, WORLD]); // no lowercasing normaliser
  });

  it('decodes back to the text, keeping or skipping special tokens', async () => {
    const tokenizer = await wordLevel();
    const text = 'hello, the world is good!';
    const ids = tokenizer.encode(text, { addSpecialTokens: true });
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe(text);
    expect(tokenizer.decode(ids)).toBe(`<s> ${text}`);
    expect(tokenizer.decode([])).toBe('');
    expect(tokenizer.decode([HELLO, UNK, WORLD])).toBe('hello <unk> world');
  });

  it('reads special ids and the vocabulary size from the files', async () => {
    const tokenizer = await wordLevel();
    expect(tokenizer.bosTokenId).toBe(BOS);
    expect(tokenizer.eosTokenIds).toEqual([EOS]);
    expect(tokenizer.padTokenId).toBe(PAD);
    expect(tokenizer.vocabSize).toBe(20);
    expect(tokenizer.tokenizerClass).toBe('PreTrainedTokenizer');
  });

  it('falls back to EOS for padding, and to null when the config names neither', async () => {
    expect((await wordLevel(withoutKeys(wordLevelConfig, 'pad_token'))).padTokenId).toBe(EOS);
    const bare = await PromptTokenizer.fromJson(wordLevelJson, null);
    expect(bare.bosTokenId).toBeNull();
    expect(bare.eosTokenIds).toEqual([]);
    expect(bare.padTokenId).toBeNull();
    expect(bare.hasChatTemplate).toBe(false);
    expect(bare.encode('hello', { addSpecialTokens: true })).toEqual([BOS, HELLO]); // the post-processor still adds <s>
  });

  it('renders the chat template exactly, with and without the generation prompt', async () => {
    const tokenizer = await wordLevel();
    expect(tokenizer.hasChatTemplate).toBe(true);
    const conversation = '<s>system : be brief </s><s>user : hello world! </s>';
    expect(tokenizer.applyChatTemplate(chat, { addGenerationPrompt: false })).toBe(conversation);
    expect(tokenizer.applyChatTemplate(chat, { addGenerationPrompt: true })).toBe(`${conversation}<s>assistant : `);
  });

  it('encodes the rendered chat without adding a second BOS', async () => {
    const tokenizer = await wordLevel();
    const conversation = [BOS, SYSTEM, COLON, BE, BRIEF, EOS, BOS, USER, COLON, HELLO, WORLD, BANG, EOS];
    expect(tokenizer.encodeChat(chat, { addGenerationPrompt: false })).toEqual(conversation);
    expect(tokenizer.encodeChat(chat, { addGenerationPrompt: true })).toEqual([...conversation, BOS, ASSISTANT, COLON]);
  });

  it('takes the chat template from the chatTemplate option, leaving the caller config untouched', async () => {
    const config = withoutKeys(wordLevelConfig, 'chat_template');
    const tokenizer = await PromptTokenizer.fromJson(wordLevelJson, config, {
      chatTemplate: "{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}",
    });
    expect(tokenizer.applyChatTemplate(chat, { addGenerationPrompt: false })).toBe('[system] be brief\n[user] hello world!\n');
    expect(config).not.toHaveProperty('chat_template');
  });

  it('accepts the files as bytes or JSON text', async () => {
    const encoder = new TextEncoder();
    const fromBytes = await PromptTokenizer.fromJson(
      encoder.encode(JSON.stringify(wordLevelJson)),
      encoder.encode(JSON.stringify(wordLevelConfig)).buffer,
    );
    const fromText = await PromptTokenizer.fromJson(JSON.stringify(wordLevelJson), JSON.stringify(wordLevelConfig));
    for (const tokenizer of [fromBytes, fromText]) {
      expect(tokenizer.encode('hello world.', { addSpecialTokens: true })).toEqual([BOS, HELLO, WORLD, DOT]);
      expect(tokenizer.hasChatTemplate).toBe(true);
    }
  });
});

describe('PromptTokenizer: errors', () => {
  async function rejection(promise: Promise<unknown>): Promise<TokenizerError> {
    const error: unknown = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TokenizerError);
    expect((error as Error).name).toBe('TokenizerError');
    return error as TokenizerError;
  }

  it('rejects invalid JSON and says to download the file again', async () => {
    const truncated = new TextEncoder().encode('{"model": {"type": "WordLevel"');
    expect((await rejection(PromptTokenizer.fromJson(truncated, wordLevelConfig))).message).toMatch(
      /^tokenizer\.json is not valid JSON .*download it again/,
    );
    expect((await rejection(PromptTokenizer.fromJson(wordLevelJson, '{"bos_token": '))).message).toMatch(
      /^tokenizer_config\.json is not valid JSON/,
    );
    expect((await rejection(PromptTokenizer.fromJson(new Uint8Array([0xff, 0xfe, 0x00]), {}))).message).toMatch(
      /^tokenizer\.json is not UTF-8 text/,
    );
  });

  it('rejects JSON that is not an object', async () => {
    expect((await rejection(PromptTokenizer.fromJson([1, 2], {}))).message).toMatch(
      /^tokenizer\.json must be a JSON object, got an array/,
    );
    expect((await rejection(PromptTokenizer.fromJson(wordLevelJson, 42))).message).toMatch(
      /^tokenizer_config\.json must be a JSON object, got number/,
    );
  });

  it('rejects a tokenizer.json without a model section', async () => {
    const { model: _model, ...noModel } = wordLevelJson;
    expect((await rejection(PromptTokenizer.fromJson(noModel, wordLevelConfig))).message).toMatch(
      /^tokenizer\.json has no "model" section.*save_pretrained/,
    );
  });

  it('rejects a vocabulary given as a string, a list or with non-integer ids, naming the field (ids came out undefined)', async () => {
    const withModel = (model: Record<string, unknown>) => ({ ...wordLevelJson, model: { ...(wordLevelJson['model'] as object), ...model } });
    const vocab = (wordLevelJson['model'] as { vocab: Record<string, number> }).vocab;
    const cases: [Record<string, unknown>, string][] = [
      [{ vocab: 'hello world' }, 'tokenizer.json model.vocab of a WordLevel model must be an object of token -> id, got a string'],
      [{ vocab: [['hello', 0]] }, 'tokenizer.json model.vocab of a WordLevel model must be an object of token -> id, got an array'],
      [{ vocab: { ...vocab, hello: 'x' } }, 'tokenizer.json model.vocab["hello"] must be a non-negative integer token id, got "x"'],
      [{ vocab: { ...vocab, '</s>': -1 } }, 'tokenizer.json model.vocab["</s>"] must be a non-negative integer token id, got -1'],
      [{ vocab: { ...vocab, '</s>': 2.5 } }, 'tokenizer.json model.vocab["</s>"] must be a non-negative integer token id, got 2.5'],
      [{ type: 'Unigram', vocab: { a: 0 } }, 'tokenizer.json model.vocab of a Unigram model must be a list of [piece, score] pairs, got an object'],
      [{ type: 'Unigram', vocab: [['a', 0], ['b']] }, 'tokenizer.json model.vocab[1] must be a [piece, score] pair (a string and a number), got ["b"]'],
    ];
    for (const [model, message] of cases) {
      expect((await rejection(PromptTokenizer.fromJson(withModel(model), wordLevelConfig))).message, message).toBe(message);
    }
  });

  it('rejects negative or fractional added-token ids, so no such id becomes an end-of-sequence id', async () => {
    const added = (wordLevelJson['added_tokens'] as { id: number; content: string }[]).map((t) => (t.content === '</s>' ? { ...t, id: -1 } : t));
    expect((await rejection(PromptTokenizer.fromJson({ ...wordLevelJson, added_tokens: added }, wordLevelConfig))).message).toBe(
      'tokenizer.json added_tokens[2].id must be a non-negative integer token id, got -1',
    );
    const fractional = (wordLevelJson['added_tokens'] as { id: number; content: string }[]).map((t) => (t.content === '</s>' ? { ...t, id: 2.5 } : t));
    expect((await rejection(PromptTokenizer.fromJson({ ...wordLevelJson, added_tokens: fractional }, wordLevelConfig))).message).toBe(
      'tokenizer.json added_tokens[2].id must be a non-negative integer token id, got 2.5',
    );
    expect((await rejection(PromptTokenizer.fromJson({ ...wordLevelJson, added_tokens: { id: 1 } }, wordLevelConfig))).message).toBe(
      'tokenizer.json added_tokens must be a list of {id, content} objects, got an object',
    );
  });

  it('rejects an empty vocabulary and an unk_token it lacks (found by the fuzz suite: unknown words got undefined ids)', async () => {
    const model = wordLevelJson['model'] as Record<string, unknown>;
    expect((await rejection(PromptTokenizer.fromJson({ ...wordLevelJson, model: { ...model, vocab: {} } }, wordLevelConfig))).message).toBe('tokenizer.json model.vocab of a WordLevel model is empty');
    expect((await rejection(PromptTokenizer.fromJson({ ...wordLevelJson, model: { ...model, unk_token: '[UNK]' } }, wordLevelConfig))).message).toBe(
      'tokenizer.json model.unk_token "[UNK]" is not in model.vocab: words outside the vocabulary would get no id',
    );
  });

  it('rejects ids far beyond the vocabulary (found by the fuzz suite: id 2^31 - 1 made transformers.js build a table that size)', async () => {
    const vocab = (wordLevelJson['model'] as { vocab: Record<string, number> }).vocab;
    const model = { ...(wordLevelJson['model'] as object), vocab: { ...vocab, hello: 2 ** 31 - 1 } };
    expect((await rejection(PromptTokenizer.fromJson({ ...wordLevelJson, model }, wordLevelConfig))).message).toBe(
      'tokenizer.json uses token id 2147483647, but its 20 vocabulary entries and 4 added tokens need ids below 24 (at most 304 with gaps); the file is damaged',
    );
  });

  it('wraps what transformers.js says when it cannot build the model', async () => {
    const bogus = { ...wordLevelJson, model: { type: 'Bogus' } };
    expect((await rejection(PromptTokenizer.fromJson(bogus, wordLevelConfig))).message).toMatch(
      /model type "Bogus".*Unknown TokenizerModel type: Bogus/,
    );
  });

  it('says the model has no chat template', async () => {
    const tokenizer = await wordLevel(withoutKeys(wordLevelConfig, 'chat_template'));
    expect(tokenizer.hasChatTemplate).toBe(false);
    expect(() => tokenizer.applyChatTemplate(chat, { addGenerationPrompt: true })).toThrow(TokenizerError);
    expect(() => tokenizer.encodeChat(chat, { addGenerationPrompt: true })).toThrow(/has no chat template/);
  });

  it('includes the template error when a chat template fails to render', async () => {
    const raising = await PromptTokenizer.fromJson(wordLevelJson, wordLevelConfig, {
      chatTemplate: "{% if messages[0]['role'] != 'user' %}{{ raise_exception('first message must be from the user') }}{% endif %}",
    });
    expect(() => raising.applyChatTemplate(chat, { addGenerationPrompt: false })).toThrow(
      /^the chat template failed to render: first message must be from the user\./,
    );
    const broken = await PromptTokenizer.fromJson(wordLevelJson, wordLevelConfig, { chatTemplate: '{% for %}' });
    expect(() => broken.applyChatTemplate(chat, { addGenerationPrompt: false })).toThrow(
      /^the chat template failed to render: Unexpected token/,
    );
  });

  it('rejects ids outside the vocabulary and malformed messages', async () => {
    const tokenizer = await wordLevel();
    expect(() => tokenizer.decode([HELLO, 20])).toThrow(/token id 20 at position 1 is not in this tokenizer's vocabulary \[0, 20\)/);
    expect(() => tokenizer.decode([1.5])).toThrow(TokenizerError);
    const badRole = [{ role: 'tool', content: 'x' }] as unknown as ChatMessage[];
    expect(() => tokenizer.applyChatTemplate(badRole, { addGenerationPrompt: false })).toThrow(/chat message 0 must have role/);
  });
});

describe('PromptTokenizer: Llama-2 SentencePiece-BPE tokenizer (tiny-random-llama-onnx-fp16)', () => {
  const llama = () => PromptTokenizer.fromJson(llamaJsonBytes, llamaConfigBytes);

  it('gives the well-known Llama-2 ids for "Hello world" and decodes them back', async () => {
    const tokenizer = await llama();
    expect(tokenizer.tokenizerClass).toBe('LlamaTokenizer');
    const ids = tokenizer.encode('Hello world', { addSpecialTokens: true });
    expect(ids).toEqual([1, 15043, 3186]);
    expect(tokenizer.encode('Hello world', { addSpecialTokens: false })).toEqual([15043, 3186]);
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe('Hello world');
    expect(tokenizer.decode(ids)).toBe('<s> Hello world');
  });

  it('reads Llama-2 special ids: BOS 1, EOS 2, pad <unk> 0, 32000 tokens', async () => {
    const tokenizer = await llama();
    expect(tokenizer.bosTokenId).toBe(1);
    expect(tokenizer.eosTokenIds).toEqual([2]);
    expect(tokenizer.padTokenId).toBe(0);
    expect(tokenizer.vocabSize).toBe(32000);
  });

  it('renders the Llama-2 chat template and encodes [INST] to its known ids', async () => {
    const tokenizer = await llama();
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello world' },
    ];
    expect(tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true })).toBe(
      '<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHello world [/INST]',
    );
    const turn: ChatMessage[] = [
      { role: 'user', content: 'Hello world' },
      { role: 'assistant', content: 'Hi.' },
    ];
    // <s> "[INST]" Hello world "[/INST]" Hi. ▁ </s>
    expect(tokenizer.encodeChat(turn, { addGenerationPrompt: false })).toEqual([
      1, 518, 25580, 29962, 15043, 3186, 518, 29914, 25580, 29962, 6324, 29889, 29871, 2,
    ]);
  });

  it("surfaces the template's own error for roles out of order", async () => {
    const tokenizer = await llama();
    expect(() => tokenizer.applyChatTemplate([{ role: 'assistant', content: 'Hi.' }], { addGenerationPrompt: false })).toThrow(
      /failed to render: Conversation roles must alternate user\/assistant/,
    );
  });
});
