// PromptTokenizer in headless Chromium: the hand-written WordLevel tokenizer, fetched as bytes the way the app reads
// cached files, gives the same ids and chat text as in Node, and loading transformers.js leaves ORT's wasm on our origin.
// Read-only look at the ORT module that transformers.js and src/runtime/ort-web.ts share; going through loadOrtWeb()
// here would set the paths itself and hide a CDN default.
import { env as ortEnv } from 'onnxruntime-web/webgpu';
import { describe, expect, it } from 'vitest';
import { PromptTokenizer, TokenizerError, type ChatMessage } from '../../src/runtime/tokenizer';

async function fixtureBytes(name: string): Promise<ArrayBuffer> {
  const response = await fetch(new URL(`./fixtures/${name}`, import.meta.url));
  if (!response.ok) throw new Error(`fixture ${name}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

async function wordLevel(): Promise<PromptTokenizer> {
  const [json, config] = await Promise.all([
    fixtureBytes('word-level-tokenizer.json'),
    fixtureBytes('word-level-tokenizer_config.json'),
  ]);
  return PromptTokenizer.fromJson(json, config);
}

const chat: ChatMessage[] = [
  { role: 'system', content: 'be brief' },
  { role: 'user', content: 'hello world!' },
];

describe('PromptTokenizer in the browser', () => {
  it('encodes, decodes and reads special ids from fetched bytes', async () => {
    const tokenizer = await wordLevel();
    expect(tokenizer.encode('the prompt is good.', { addSpecialTokens: true })).toEqual([1, 6, 7, 8, 9, 16]);
    expect(tokenizer.encode('hello zebra world', { addSpecialTokens: false })).toEqual([4, 0, 5]);
    expect(tokenizer.decode([1, 4, 17, 5, 18], { skipSpecialTokens: true })).toBe('hello, world!');
    expect([tokenizer.bosTokenId, tokenizer.eosTokenIds, tokenizer.padTokenId, tokenizer.vocabSize]).toEqual([1, [2], 3, 20]);
  });

  it('renders and encodes the chat template', async () => {
    const tokenizer = await wordLevel();
    expect(tokenizer.applyChatTemplate(chat, { addGenerationPrompt: true })).toBe(
      '<s>system : be brief </s><s>user : hello world! </s><s>assistant : ',
    );
    expect(tokenizer.encodeChat(chat, { addGenerationPrompt: false })).toEqual([1, 12, 15, 13, 14, 2, 1, 10, 15, 4, 5, 18, 2]);
  });

  it('throws named TokenizerErrors', async () => {
    await expect(PromptTokenizer.fromJson(new TextEncoder().encode('{"model": '), {})).rejects.toThrow(/not valid JSON/);
    const tokenizer = await PromptTokenizer.fromJson(await fixtureBytes('word-level-tokenizer.json'), {});
    expect(() => tokenizer.applyChatTemplate(chat, { addGenerationPrompt: false })).toThrow(TokenizerError);
  });

  it('leaves onnxruntime-web pointed at wasm served from our origin, not a CDN', async () => {
    await wordLevel();
    const paths = ortEnv.wasm.wasmPaths;
    expect(paths).toBeTypeOf('object');
    for (const url of Object.values(paths as Record<string, string>)) {
      expect(new URL(url, location.href).origin).toBe(location.origin);
    }
  });
});
