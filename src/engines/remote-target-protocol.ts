// The response shapes the remote target relies on, checked field by field (RemoteTargetProtocolError names the
// field): vLLM's /v1/models ModelList, /v1/completions CompletionResponse (echo logprobs, prompt_logprobs, text,
// usage) and /tokenize TokenizeResponse. Source of the shapes: vLLM's OpenAI-compatible server
// (https://docs.vllm.ai/en/stable/serving/openai_compatible_server/, protocol classes CompletionResponse,
// CompletionLogProbs, ModelCard, TokenizeResponse in vllm/entrypoints/openai). Pure functions, no I/O.
import { RemoteTargetProtocolError } from './remote-target-client';

/** One /v1/models entry (vLLM ModelCard; `created` and `permission` are per-request and not kept). */
export interface ModelCard {
  id: string;
  owned_by?: string;
  root?: string | null;
  parent?: string | null;
  max_model_len?: number | null;
}

/** A prompt as the server tokenised it: its tokens (vLLM: "token_id:<id>" strings) and each one's log-prob. */
export interface PromptEcho {
  tokens: string[];
  /** logProbs[j] = log p(token j | tokens before it); logProbs[0] = 0 (the first token has none). */
  logProbs: number[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(where: string, path: string, what: string, value: unknown): never {
  let shown: string;
  try {
    shown = JSON.stringify(value)?.slice(0, 120) ?? String(value);
  } catch {
    shown = String(value);
  }
  throw new RemoteTargetProtocolError(`the answer of ${where} is not what an OpenAI-compatible (vLLM) server sends: ${path} should be ${what}, got ${shown}`);
}

export function parseModelList(json: unknown, where: string): ModelCard[] {
  if (!isObject(json) || !Array.isArray(json['data'])) fail(where, 'the body', 'an object with a data array (a ModelList)', json);
  return (json['data'] as unknown[]).map((entry, i) => {
    const path = `data[${i}]`;
    if (!isObject(entry) || typeof entry['id'] !== 'string') fail(where, path, 'a model card with a string id', entry);
    const card: ModelCard = { id: entry['id'] as string };
    for (const key of ['owned_by', 'root', 'parent'] as const) {
      const v = entry[key];
      if (v === undefined) continue;
      if (v !== null && typeof v !== 'string') fail(where, `${path}.${key}`, 'a string or null', v);
      if (key === 'owned_by') {
        if (typeof v === 'string') card.owned_by = v;
      } else card[key] = v as string | null;
    }
    const len = entry['max_model_len'];
    if (len !== undefined) {
      if (len !== null && !(Number.isInteger(len) && (len as number) > 0)) fail(where, `${path}.max_model_len`, 'a positive integer or null', len);
      card.max_model_len = len as number | null;
    }
    return card;
  });
}

/** The choices of a completion for `n` prompts, in prompt order (by their index field). */
function choicesOf(json: unknown, n: number, where: string): Record<string, unknown>[] {
  if (!isObject(json) || !Array.isArray(json['choices'])) fail(where, 'the body', 'an object with a choices array (a CompletionResponse)', json);
  const usage = json['usage'];
  if (!isObject(usage) || !Number.isInteger(usage['prompt_tokens']) || !(usage['completion_tokens'] === null || Number.isInteger(usage['completion_tokens']))) {
    fail(where, 'usage', 'an object with integer prompt_tokens and completion_tokens', usage);
  }
  const choices = json['choices'] as unknown[];
  if (choices.length !== n) fail(where, 'choices', `${n} choices, one per prompt (n = 1)`, `${choices.length} choices`);
  const out: Record<string, unknown>[] = new Array(n);
  choices.forEach((c, i) => {
    if (!isObject(c)) fail(where, `choices[${i}]`, 'an object', c);
    const index = c['index'];
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= n || out[index as number]) fail(where, `choices[${i}].index`, `a distinct integer in 0..${n - 1}`, index);
    out[index as number] = c;
  });
  return out;
}

/** Generated texts of a completion without echo, in prompt order. */
export function parseGenerations(json: unknown, n: number, where: string): string[] {
  return choicesOf(json, n, where).map((c, i) => {
    if (typeof c['text'] !== 'string') fail(where, `choices[${i}].text`, 'a string', c['text']);
    return c['text'] as string;
  });
}

/**
 * Prompt tokens and log-probs of an echo completion (echo, logprobs 0, prompt_logprobs 0, max_tokens 0): the prompt
 * has as many tokens as prompt_logprobs has entries (its first entry null); logprobs.tokens and token_logprobs hold
 * those tokens (and any generated ones after them). Each token's log-prob must be finite and <= 0 and, where the token is given
 * as "token_id:<id>", equal its prompt_logprobs entry.
 */
export function parseEchoes(json: unknown, n: number, where: string): PromptEcho[] {
  return choicesOf(json, n, where).map((c, i) => {
    const path = `choices[${i}]`;
    const prompt = c['prompt_logprobs'];
    if (!Array.isArray(prompt) || prompt.length === 0) fail(where, `${path}.prompt_logprobs`, "a non-empty array (vLLM's prompt_logprobs extra parameter; this target needs a server that implements it)", prompt);
    const m = prompt.length;
    const logprobs = c['logprobs'];
    if (!isObject(logprobs)) fail(where, `${path}.logprobs`, 'an object (echo with logprobs)', logprobs);
    const tokens = logprobs['tokens'];
    const values = logprobs['token_logprobs'];
    if (!Array.isArray(tokens) || tokens.length < m || !tokens.every((t) => typeof t === 'string')) fail(where, `${path}.logprobs.tokens`, `an array of at least ${m} strings (the echoed prompt)`, tokens);
    if (!Array.isArray(values) || values.length !== tokens.length) fail(where, `${path}.logprobs.token_logprobs`, `an array as long as logprobs.tokens (${(tokens as unknown[]).length})`, values);
    const echo: PromptEcho = { tokens: (tokens as string[]).slice(0, m), logProbs: [0] };
    for (let j = 1; j < m; j++) {
      const v = (values as unknown[])[j];
      if (typeof v !== 'number' || !Number.isFinite(v) || v > 1e-6) fail(where, `${path}.logprobs.token_logprobs[${j}]`, 'a finite log-probability <= 0', v);
      const entry = prompt[j];
      if (!isObject(entry)) fail(where, `${path}.prompt_logprobs[${j}]`, 'an object of token id -> {logprob}', entry);
      const id = /^token_id:(\d+)$/.exec(echo.tokens[j]!)?.[1];
      if (id !== undefined) {
        const own = entry[id];
        const lp = isObject(own) ? own['logprob'] : undefined;
        if (typeof lp !== 'number' || Math.abs(lp - v) > 1e-6 * Math.max(1, Math.abs(v))) fail(where, `${path}.prompt_logprobs[${j}]['${id}'].logprob`, `the echoed token's log-prob ${v}`, own);
      }
      echo.logProbs.push(v);
    }
    return echo;
  });
}

/** Token ids of a /tokenize answer. */
export function parseTokenize(json: unknown, where: string): number[] {
  const tokens = isObject(json) ? json['tokens'] : undefined;
  if (!Array.isArray(tokens) || !tokens.every((t) => Number.isInteger(t) && t >= 0)) fail(where, 'tokens', 'an array of token ids', tokens);
  return tokens as number[];
}
