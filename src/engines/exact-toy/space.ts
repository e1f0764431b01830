// The exact toy's prompt space: every prompt is 3 tokens from a 4-token vocabulary (64 prompts in all, so a
// sampler's distribution can be computed exactly by scoring each one), the tiny Llama that writes them, and how a
// prompt is named (letters A-D for a class, comma-joined ids for the run's text). Pure data; no model is built here.
import { parseLlamaConfig } from '../../models/llama/config';
import type { LlamaConfig } from '../../models/llama/types';

/** A 1-layer random Llama: tokens 0-3 are the prompt vocabulary, token 4 the meta-prompt (and BOS/EOS, never sampled). */
export const TOY_CONFIG: LlamaConfig = parseLlamaConfig({
  model_type: 'llama', vocab_size: 5, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1,
  num_attention_heads: 2, num_key_value_heads: 1, bos_token_id: 4, eos_token_id: 4, max_position_embeddings: 16,
});

/**
 * The meta-prompt is token 4, outside the prompt vocabulary: in a RoPE-only decoder a run of one repeated
 * token gives every position the same state, so a prompt token equal to the prefix would tie p(z1 | z0) to p(z0).
 */
export const TOY_META = 4;
/** The tokens prompts may contain (the prompt-LM's allowed tokens). */
export const TOY_WORDS: readonly number[] = [0, 1, 2, 3];
/** What a class sees for each word. */
export const TOY_LETTERS: readonly string[] = ['A', 'B', 'C', 'D'];
export const TOY_PROMPT_LENGTH = 3;

/** Every prompt of the space in a fixed order: index a * 16 + b * 4 + c for the ids [a, b, c]. */
export const TOY_PROMPTS: readonly (readonly number[])[] = Object.freeze(
  TOY_WORDS.flatMap((a) => TOY_WORDS.flatMap((b) => TOY_WORDS.map((c) => Object.freeze([a, b, c])))),
);

/** 64. */
export const TOY_SPACE_SIZE = TOY_PROMPTS.length;

export class ToySpaceError extends Error {
  override name = 'ToySpaceError';
}

/** The run's text of a prompt: its ids joined by commas ('0,2,3'). */
export const toyText = (ids: readonly number[]): string => ids.join(',');

/** The ids of a prompt's run text; refuses anything that is not a prompt of the space. */
export function toyIds(text: string): number[] {
  const ids = text.split(',').map(Number);
  if (ids.length !== TOY_PROMPT_LENGTH || !ids.every((id) => TOY_WORDS.includes(id))) {
    throw new ToySpaceError(`'${text}' is not a prompt of the toy space (${TOY_PROMPT_LENGTH} ids from ${TOY_WORDS.join(', ')}, comma-separated)`);
  }
  return ids;
}

/** Index of a prompt in TOY_PROMPTS. */
export function toyIndex(ids: readonly number[]): number {
  if (ids.length !== TOY_PROMPT_LENGTH || !ids.every((id) => TOY_WORDS.includes(id))) throw new ToySpaceError(`[${ids.join(', ')}] is not a prompt of the toy space`);
  return ids.reduce((index, id) => index * TOY_WORDS.length + id, 0);
}

/** The name a class reads: 'ACD'. */
export const toyLabel = (ids: readonly number[]): string => ids.map((id) => TOY_LETTERS[id]).join('');

/** Labels of every prompt, in TOY_PROMPTS order. */
export const TOY_LABELS: readonly string[] = Object.freeze(TOY_PROMPTS.map(toyLabel));
