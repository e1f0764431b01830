// A target-LM on an OpenAI-compatible server (vLLM's API, https://docs.vllm.ai/en/stable/serving/openai_compatible_server/),
// at the text level: no local tokenizer. Classification: each label word's log-probability after the rendered input,
// exact, from /v1/completions with echo and prompt_logprobs over "input" and "input + word" (the word's tokens are
// what follows the input's tokens; when the tokenizer merges across that boundary, the server's /tokenize gives the
// ids the local target would score). Generation: greedy completion (temperature 0) of up to 50 tokens, then the
// task's metric. Requests carry lists of prompts (batchSize per request) through OpenAIClient (limits, retries,
// circuit). An evaluation either completes or throws: a failed one leaves nothing behind but the answers it already
// got, kept to be reused when the step is retried (so no prompt is sent or counted twice). The id names the base URL,
// the model and what /v1/models says about it. Response shapes: remote-target-protocol.ts.
import type { PromptEvaluation, SplitName, TargetLM } from '../tasks/evaluate';
import { MAX_GENERATED_TOKENS } from '../tasks/evaluate';
import { scoreOutput } from '../tasks/metrics';
import { DEFAULT_LABEL_SPACE, type Example, type LabelSpace, type Task, TaskError, renderInput } from '../tasks/task';
import {
  type RemoteClientHooks,
  type RemoteClientSettings,
  type RemoteUsage,
  OpenAIClient,
  RemoteTargetConfigError,
  RemoteTargetError,
  RemoteTargetProtocolError,
} from './remote-target-client';
import { type ModelCard, type PromptEcho, parseEchoes, parseGenerations, parseModelList, parseTokenize } from './remote-target-protocol';
import { sha256, toHex } from './target-identity';

export { RemoteTargetAuthError, RemoteTargetConfigError, RemoteTargetError, RemoteTargetProtocolError, RemoteTargetRequestError, RemoteTargetUnavailableError } from './remote-target-client';
export type { RemoteClientSettings, RemoteUsage } from './remote-target-client';
export type { ModelCard } from './remote-target-protocol';
export { type ConnectionFailure, RemoteConnectionError, browserReachHelp, testConnection } from './remote-connection';

export interface RemoteTargetSettings extends RemoteClientSettings {
  /** Prompts per /v1/completions request (default 32). */
  batchSize: number;
}

export interface RemoteTargetConfig {
  /** e.g. http://localhost:8000/v1 */
  baseUrl: string;
  /** A model id the server lists at /v1/models (vLLM: --served-model-name, else the model path). */
  model: string;
  /** Held in memory only (sent as a Bearer token); absent for servers without --api-key. */
  apiKey?: string;
  settings?: Partial<RemoteTargetSettings>;
}

/** What the lab shows and the id hashes: the server's /v1/models entry (without `created`: vLLM stamps it per request). */
export interface RemoteTargetInfo {
  baseUrl: string;
  model: string;
  card: ModelCard;
}

/** Answers (read) of requests a failed evaluation got, kept for its retry (bounded). */
const MAX_KEPT_ANSWERS = 1024;

/**
 * The id: `<model>@openai/<base URL>#sha256:<16 hex>` over the base URL, the model and the server's model card
 * (id, root, parent, max_model_len, owned_by; `created` is left out because vLLM's ModelCard stamps the time of each
 * /v1/models request). A redeployment with another root path or context length gets another id.
 */
export async function remoteTargetId(baseUrl: string, model: string, card: ModelCard): Promise<string> {
  const identity = JSON.stringify({ v: 1, baseUrl, model, id: card.id, root: card.root ?? null, parent: card.parent ?? null, max_model_len: card.max_model_len ?? null, owned_by: card.owned_by ?? null });
  const digest = await sha256(new TextEncoder().encode(identity));
  return `${model}@openai/${baseUrl}#sha256:${toHex(digest).slice(0, 16)}`;
}

export class RemoteTargetLM implements TargetLM {
  /** Completed evaluations. */
  calls = 0;
  private readonly kept = new Map<string, unknown>();

  private constructor(
    readonly id: string,
    readonly info: RemoteTargetInfo,
    private readonly client: OpenAIClient,
    private readonly batchSize: number,
  ) {}

  /** Reads /v1/models, checks the model is served, and builds the target (its id from the model card). */
  static async connect(config: RemoteTargetConfig, hooks: RemoteClientHooks = {}): Promise<RemoteTargetLM> {
    const { batchSize = 32, ...clientSettings } = config.settings ?? {};
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RemoteTargetConfigError(`batchSize must be an integer >= 1, got ${String(batchSize)}`);
    if (typeof config.model !== 'string' || config.model.trim() === '') throw new RemoteTargetConfigError('give the model name the server serves (listed at /v1/models)');
    const client = new OpenAIClient(config.baseUrl, config.apiKey, clientSettings, hooks);
    const cards = await client.models((json) => parseModelList(json, `${client.baseUrl}/models`));
    const card = cards.find((c) => c.id === config.model);
    if (!card) throw new RemoteTargetConfigError(`the server at ${client.baseUrl} does not serve '${config.model}'; it serves: ${cards.map((c) => c.id).join(', ') || 'nothing'}`);
    const id = await remoteTargetId(client.baseUrl, config.model, card);
    return new RemoteTargetLM(id, { baseUrl: client.baseUrl, model: config.model, card }, client, batchSize);
  }

  /** Requests, retries and tokens so far (answered requests only; see RemoteUsage), plus completed evaluations. */
  get usage(): RemoteUsage & { calls: number } {
    return { ...this.client.usage, calls: this.calls };
  }

  get circuitOpen(): boolean {
    return this.client.circuitOpen;
  }

  /** After the server is back: the next request goes out at once instead of after the cool-down. */
  resetCircuit(): void {
    this.client.resetCircuit();
  }

  /** Never the key. */
  toJSON(): { id: string; info: RemoteTargetInfo } {
    return { id: this.id, info: this.info };
  }

  async evaluate(task: Task, prompt: string, split: SplitName, examples: readonly Example[] = task.splits[split]): Promise<PromptEvaluation> {
    if (examples.length === 0) return { task: task.name, split, score: 0, total: 0, predictions: [] };
    const texts = examples.map((x) => renderInput(task, prompt, x));
    const run = new Evaluation(this.client, this.info.model, this.batchSize, this.kept);
    let predictions: string[];
    let labelLogProbs: number[][] | undefined;
    try {
      if (task.family === 'generation') {
        predictions = (await run.greedy(texts, MAX_GENERATED_TOKENS)).map((t) => t.trim());
      } else {
        const words = task.labelWords;
        if (!words || words.length < 2) throw new TaskError(`task ${task.name} is ${task.family} but has fewer than two label words`);
        labelLogProbs = await run.labelLogProbs(texts, words, task.labelSpace ?? DEFAULT_LABEL_SPACE);
        predictions = labelLogProbs.map((row) => {
          let best = 0;
          for (let k = 1; k < words.length; k++) if (row[k]! > row[best]!) best = k;
          return words[best]!;
        });
      }
    } catch (error) {
      run.keepAnswers();
      throw error;
    }
    const score = predictions.reduce((sum, p, i) => sum + scoreOutput(task.metric, p, examples[i]!), 0) / examples.length;
    this.calls++;
    return { task: task.name, split, score, total: examples.length, predictions, ...(labelLogProbs ? { labelLogProbs } : {}) };
  }
}

/** One evaluate() call's requests: all or nothing; the first failure aborts the others. */
class Evaluation {
  private readonly abort = new AbortController();
  private readonly answers = new Map<string, unknown>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly client: OpenAIClient,
    private readonly model: string,
    private readonly batchSize: number,
    private readonly kept: Map<string, unknown>,
  ) {}

  /** Moves this evaluation's answers to the target's store, for a retry of the same work. */
  keepAnswers(): void {
    for (const [k, v] of this.answers) {
      this.kept.delete(k);
      this.kept.set(k, v);
    }
    while (this.kept.size > MAX_KEPT_ANSWERS) this.kept.delete(this.kept.keys().next().value!);
  }

  /** One request body, answered from what a failed evaluation kept or by the server (then read by `accept`). */
  private async complete<T>(body: Record<string, unknown>, accept: (json: unknown) => T): Promise<T> {
    const key = JSON.stringify(body);
    if (this.kept.has(key)) {
      const value = this.kept.get(key) as T;
      this.kept.delete(key);
      this.answers.set(key, value);
      return value;
    }
    const value = await this.client.completions(body, accept, this.abort.signal);
    this.answers.set(key, value);
    return value;
  }

  /** Runs the batches in parallel (the client limits concurrency); on the first failure aborts the rest, waits for them, rethrows. */
  private async all<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
    const promises = jobs.map((job) => job());
    try {
      return await Promise.all(promises);
    } catch (error) {
      this.abort.abort(new RemoteTargetError('aborted: another request of this evaluation failed'));
      await Promise.allSettled(promises);
      throw error;
    }
  }

  private batches<T>(items: readonly T[]): T[][] {
    const out: T[][] = [];
    for (let i = 0; i < items.length; i += this.batchSize) out.push(items.slice(i, i + this.batchSize));
    return out;
  }

  async greedy(texts: readonly string[], maxTokens: number): Promise<string[]> {
    const parts = await this.all(
      this.batches(texts).map((prompts) => async () => {
        const body = { model: this.model, prompt: prompts, max_tokens: maxTokens, temperature: 0, top_p: 1, n: 1, stream: false, repetition_penalty: 1, presence_penalty: 0, frequency_penalty: 0 };
        return this.complete(body, (json) => parseGenerations(json, prompts.length, `${this.client.baseUrl}/completions`));
      }),
    );
    return parts.flat();
  }

  /** Prompt tokens and their log-probs (vLLM: echo with max_tokens 0, which generates nothing, + prompt_logprobs). */
  private async echoes(prompts: readonly (string | number[])[]): Promise<PromptEcho[]> {
    const parts = await this.all(
      this.batches(prompts).map((batch) => async () => {
        const body = { model: this.model, prompt: batch, max_tokens: 0, temperature: 0, n: 1, stream: false, echo: true, logprobs: 0, prompt_logprobs: 0, return_tokens_as_token_ids: true };
        return this.complete(body, (json) => parseEchoes(json, batch.length, `${this.client.baseUrl}/completions`));
      }),
    );
    return parts.flat();
  }

  /** log p(word | text) per text and word, in word order: the local target's labelContinuation rule, at the text level. */
  async labelLogProbs(texts: readonly string[], words: readonly string[], labelSpace: LabelSpace): Promise<number[][]> {
    const spaced = (w: string) => (labelSpace === 'leading-space' ? ` ${w}` : w);
    const unique = [...new Set([...texts, ...texts.flatMap((t) => words.map((w) => `${t}${spaced(w)}`))])];
    const echoes = new Map<string, PromptEcho>();
    (await this.echoes(unique)).forEach((e, i) => echoes.set(unique[i]!, e));
    const merged: { i: number; k: number }[] = [];
    const out = texts.map((text, i) =>
      words.map((w, k) => {
        const base = echoes.get(text)!;
        const full = echoes.get(`${text}${spaced(w)}`)!;
        const consistent = full.tokens.length > base.tokens.length && base.tokens.every((t, j) => full.tokens[j] === t);
        if (!consistent) {
          merged.push({ i, k });
          return NaN;
        }
        return sum(full.logProbs.slice(base.tokens.length));
      }),
    );
    if (merged.length > 0) await this.mergedLabels(texts, words, spaced, merged, out);
    return out;
  }

  /**
   * Label words the tokenizer merges with the end of the text: score the text's ids followed by the word's own ids
   * (as the local target does), which needs the server's /tokenize.
   */
  private async mergedLabels(texts: readonly string[], words: readonly string[], spaced: (w: string) => string, merged: { i: number; k: number }[], out: number[][]): Promise<void> {
    const tokenize = async (text: string, special: boolean): Promise<number[]> => {
      const ids = await this.client.tokenize(this.model, text, special, (json) => parseTokenize(json, `${this.client.rootUrl}/tokenize`), this.abort.signal);
      if (ids === null) {
        throw new RemoteTargetError(
          `label word '${words[merged[0]!.k]}' merges with the end of the input in this model's tokenizer; scoring it exactly needs the server's /tokenize endpoint, which ${this.client.rootUrl} does not offer (vLLM offers it)`,
        );
      }
      return ids;
    };
    const rows: number[][] = [];
    const tails: number[] = [];
    for (const { i, k } of merged) {
      const textIds = await tokenize(texts[i]!, true);
      const wordIds = await tokenize(spaced(words[k]!), false);
      if (wordIds.length === 0) throw new TaskError(`label word '${words[k]}' encodes to no tokens; choose a non-empty label word`);
      rows.push([...textIds, ...wordIds]);
      tails.push(wordIds.length);
    }
    const echoes = await this.echoes(rows);
    echoes.forEach((e, r) => {
      if (e.tokens.length !== rows[r]!.length) throw new RemoteTargetProtocolError(`the server echoed ${e.tokens.length} tokens for a prompt of ${rows[r]!.length} token ids; it must score token-id prompts as given`);
    });
    merged.forEach(({ i, k }, r) => {
      out[i]![k] = sum(echoes[r]!.logProbs.slice(rows[r]!.length - tails[r]!));
    });
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
