// HTTP client for an OpenAI-compatible server (vLLM's API): GET /v1/models, POST /v1/completions, POST /tokenize.
// Each request has a timeout and is retried with exponential backoff and full jitter on 408/429/5xx, dropped
// connections, timeouts and unparseable bodies (Retry-After honoured up to maxBackoffMs); a concurrency limit bounds
// requests in flight; a circuit stops every request at once (RemoteTargetUnavailableError) once one has used up its
// retries, until a cool-down passes. Only answered requests count in `usage` (retries are counted apart), so nothing is
// counted twice. The API key lives in a private field: it is sent as `Authorization: Bearer`, never put in a
// message (server messages are redacted), an id or JSON. It does not know tasks or prompts (remote-target.ts).

export class RemoteTargetError extends Error {
  override name = 'RemoteTargetError';
}

/** The base URL, model name or settings are not usable (fix the input). */
export class RemoteTargetConfigError extends RemoteTargetError {
  override name = 'RemoteTargetConfigError';
}

/** 401/403: no key was given where one is needed, or the server refused the key. */
export class RemoteTargetAuthError extends RemoteTargetError {
  override name = 'RemoteTargetAuthError';
}

/** The server is gone (retries used up, or the circuit is open): the run stops after its last completed step. */
export class RemoteTargetUnavailableError extends RemoteTargetError {
  override name = 'RemoteTargetUnavailableError';
}

/** The server answered with something that is not the documented shape (the field is named). */
export class RemoteTargetProtocolError extends RemoteTargetError {
  override name = 'RemoteTargetProtocolError';
}

/** The server refused the request itself (a 4xx other than 401/403/408/429), with its message. */
export class RemoteTargetRequestError extends RemoteTargetError {
  override name = 'RemoteTargetRequestError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface RemoteClientSettings {
  /** Requests in flight at once (default 4). */
  concurrency: number;
  /** One attempt's limit in ms, connection to last byte (default 120 000). */
  timeoutMs: number;
  /** Retries after the first attempt (default 5). */
  maxRetries: number;
  /** Backoff base and cap in ms: attempt k waits uniform(0, min(cap, base * 2^k)) (default 500, 20 000). */
  backoffMs: number;
  maxBackoffMs: number;
  /** How long the circuit stays open after a request used up its retries (default 30 000 ms). */
  circuitCooldownMs: number;
}

export const REMOTE_CLIENT_DEFAULTS: Readonly<RemoteClientSettings> = Object.freeze({
  concurrency: 4,
  timeoutMs: 120_000,
  maxRetries: 5,
  backoffMs: 500,
  maxBackoffMs: 20_000,
  circuitCooldownMs: 30_000,
});

/** What the client's requests cost, counting answered requests only (a retried attempt adds to `retries`). */
export interface RemoteUsage {
  /** Requests the server answered with a usable body. */
  requests: number;
  /** Attempts that failed and were tried again. */
  retries: number;
  /** usage.prompt_tokens and usage.completion_tokens summed over answered completions. */
  promptTokens: number;
  generatedTokens: number;
}

/** Test seams: the clock, sleeping and the random source of the jitter, and fetch itself. */
export interface RemoteClientHooks {
  fetch?: typeof fetch;
  random?: () => number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** A validated base URL: http(s), no credentials, no query or fragment, no trailing slash. */
export function normaliseBaseUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new RemoteTargetConfigError(`'${input}' is not a URL; give the server's base URL, e.g. http://localhost:8000/v1`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RemoteTargetConfigError(`the base URL must start with http:// or https://, got ${url.protocol}`);
  if (url.username || url.password) throw new RemoteTargetConfigError('the base URL holds credentials; remove them from the URL and give the API key separately (OPENAI_API_KEY on the command line)');
  if (url.search || url.hash) throw new RemoteTargetConfigError(`the base URL must have no query or fragment, got ${url.search}${url.hash}`);
  return url.toString().replace(/\/+$/, '');
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('aborted', 'AbortError');
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** A counting semaphore: at most `limit` holders; waiters leave the queue when their signal aborts. */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.active >= this.limit) {
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          this.waiting.splice(this.waiting.indexOf(go), 1);
          reject(abortError(signal!));
        };
        if (signal?.aborted) return reject(abortError(signal));
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(go);
      });
    } else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }
}

type Attempt = { ok: true; json: unknown } | { ok: false; retryable: boolean; why: string; retryAfterMs?: number; error?: RemoteTargetError };

export class OpenAIClient {
  readonly baseUrl: string;
  /** The server root (the base URL without its trailing /v1): vLLM serves /tokenize there. */
  readonly rootUrl: string;
  readonly settings: Readonly<RemoteClientSettings>;
  readonly #apiKey: string | undefined;
  readonly #hooks: Required<RemoteClientHooks>;
  #limiter: Limiter;
  #usage: RemoteUsage = { requests: 0, retries: 0, promptTokens: 0, generatedTokens: 0 };
  #circuitOpenUntil = 0;
  #circuitReason = '';

  constructor(baseUrl: string, apiKey: string | undefined, settings: Partial<RemoteClientSettings> = {}, hooks: RemoteClientHooks = {}) {
    this.baseUrl = normaliseBaseUrl(baseUrl);
    this.rootUrl = this.baseUrl.replace(/\/v1$/, '');
    const s = { ...REMOTE_CLIENT_DEFAULTS, ...settings };
    for (const [k, v] of Object.entries(s)) {
      if (!Number.isFinite(v) || v < 0 || (k === 'concurrency' && (!Number.isInteger(v) || v < 1)) || (k === 'maxRetries' && !Number.isInteger(v))) {
        throw new RemoteTargetConfigError(`remote target setting ${k} must be a non-negative number (concurrency an integer >= 1, maxRetries an integer), got ${String(v)}`);
      }
    }
    this.settings = Object.freeze(s);
    this.#apiKey = apiKey === undefined || apiKey === '' ? undefined : apiKey;
    this.#hooks = {
      fetch: hooks.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      random: hooks.random ?? Math.random,
      now: hooks.now ?? Date.now,
      sleep: hooks.sleep ?? defaultSleep,
    };
    this.#limiter = new Limiter(s.concurrency);
  }

  /** A copy of the counters. */
  get usage(): RemoteUsage {
    return { ...this.#usage };
  }

  get hasKey(): boolean {
    return this.#apiKey !== undefined;
  }

  /** Whether the circuit is open now (requests fail at once). */
  get circuitOpen(): boolean {
    return this.#hooks.now() < this.#circuitOpenUntil;
  }

  /** Closes the circuit (the user says the server is back): the next request goes out. */
  resetCircuit(): void {
    this.#circuitOpenUntil = 0;
  }

  /** Never the key: JSON of the client is its public settings. */
  toJSON(): { baseUrl: string; settings: RemoteClientSettings } {
    return { baseUrl: this.baseUrl, settings: { ...this.settings } };
  }

  /** Replaces every occurrence of the key in text from outside (server messages). */
  redact(text: string): string {
    return this.#apiKey ? text.split(this.#apiKey).join('[redacted]') : text;
  }

  /** GET {base}/models, read by `accept`. */
  models<T>(accept: (json: unknown) => T, signal?: AbortSignal): Promise<T> {
    return this.request('GET', `${this.baseUrl}/models`, undefined, accept, signal);
  }

  /**
   * POST {base}/completions, read by `accept` (which throws RemoteTargetProtocolError on a wrong shape); an accepted
   * answer counts one request and its usage.prompt_tokens and usage.completion_tokens.
   */
  completions<T>(body: Record<string, unknown>, accept: (json: unknown) => T, signal?: AbortSignal): Promise<T> {
    return this.request('POST', `${this.baseUrl}/completions`, body, accept, signal, (json) => {
      const usage = (json as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } } | null)?.usage;
      const count = (v: unknown) => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : 0);
      this.#usage.promptTokens += count(usage?.prompt_tokens);
      this.#usage.generatedTokens += count(usage?.completion_tokens);
    });
  }

  /** POST {root}/tokenize (vLLM), read by `accept`; null when the server does not offer it (404/405). */
  async tokenize<T>(model: string, prompt: string, addSpecialTokens: boolean, accept: (json: unknown) => T, signal?: AbortSignal): Promise<T | null> {
    try {
      return await this.request('POST', `${this.rootUrl}/tokenize`, { model, prompt, add_special_tokens: addSpecialTokens }, accept, signal);
    } catch (error) {
      if (error instanceof RemoteTargetRequestError && (error.status === 404 || error.status === 405)) return null;
      throw error;
    }
  }

  /**
   * One request with retries, under the concurrency limit and the circuit. `accept` reads the JSON answer (its
   * errors are not retried); only an accepted answer is counted (and `counted` adds its usage).
   */
  async request<T>(method: 'GET' | 'POST', url: string, body: unknown, accept: (json: unknown) => T, signal?: AbortSignal, counted?: (json: unknown) => void): Promise<T> {
    this.checkCircuit();
    const release = await this.#limiter.acquire(signal);
    try {
      for (let attempt = 0; ; attempt++) {
        this.checkCircuit();
        if (signal?.aborted) throw abortError(signal);
        const result = await this.attempt(method, url, body, signal);
        if (result.ok) {
          const value = accept(result.json);
          this.#usage.requests++;
          counted?.(result.json);
          return value;
        }
        if (!result.retryable) throw result.error ?? new RemoteTargetError(result.why);
        if (attempt >= this.settings.maxRetries) {
          this.#circuitOpenUntil = this.#hooks.now() + this.settings.circuitCooldownMs;
          this.#circuitReason = result.why;
          throw new RemoteTargetUnavailableError(
            `the server at ${this.baseUrl} did not answer after ${attempt + 1} attempt${attempt > 0 ? 's' : ''} (last: ${result.why}); the run stopped after its last completed step and resumes from there once the server is back`,
          );
        }
        this.#usage.retries++;
        const cap = Math.min(this.settings.maxBackoffMs, this.settings.backoffMs * 2 ** attempt);
        const wait = Math.max(result.retryAfterMs ?? 0, this.#hooks.random() * cap);
        await this.#hooks.sleep(Math.min(wait, this.settings.maxBackoffMs), signal);
      }
    } finally {
      release();
    }
  }

  private checkCircuit(): void {
    if (this.circuitOpen) {
      const seconds = Math.ceil((this.#circuitOpenUntil - this.#hooks.now()) / 1000);
      throw new RemoteTargetUnavailableError(`the server at ${this.baseUrl} is unavailable (last failure: ${this.#circuitReason}); requests stay stopped for ${seconds} s more, then one is tried again; the run resumes from its last completed step`);
    }
  }

  private async attempt(method: string, url: string, body: unknown, signal?: AbortSignal): Promise<Attempt> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.settings.timeoutMs);
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.#apiKey) headers['Authorization'] = `Bearer ${this.#apiKey}`;
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const response = await this.#hooks.fetch(url, { method, headers, signal: controller.signal, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      if (timedOut) return { ok: false, retryable: true, why: `no complete answer within ${this.settings.timeoutMs} ms` };
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { ok: false, retryable: true, why: `connection failed (${this.redact(cause?.code ?? cause?.message ?? (error as Error).message)})` };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    const where = `${method} ${url}`;
    if (status === 401 || status === 403) {
      const why = this.#apiKey
        ? `the server refused the API key (${status} on ${where}: ${this.serverMessage(text)}); check the key (OPENAI_API_KEY on the command line) or the server's --api-key`
        : `the server needs an API key (${status} on ${where}) and none was given; set OPENAI_API_KEY (command line) or enter the key in the lab`;
      return { ok: false, retryable: false, why, error: new RemoteTargetAuthError(why) };
    }
    if (status === 408 || status === 429 || status >= 500) {
      const seconds = retryAfter !== null ? Number(retryAfter) : NaN;
      return { ok: false, retryable: true, why: `HTTP ${status} from ${where}: ${this.serverMessage(text)}`, ...(Number.isFinite(seconds) && seconds >= 0 ? { retryAfterMs: seconds * 1000 } : {}) };
    }
    if (status < 200 || status >= 300) {
      const why = `HTTP ${status} from ${where}: ${this.serverMessage(text)}`;
      return { ok: false, retryable: false, why, error: new RemoteTargetRequestError(why, status) };
    }
    try {
      return { ok: true, json: JSON.parse(text) };
    } catch {
      return { ok: false, retryable: true, why: `the answer of ${where} is not JSON (${JSON.stringify(this.redact(text.slice(0, 80)))}…, ${text.length} characters)` };
    }
  }

  /** The server's error message (vLLM: {error: {message}}, older {message}), redacted and shortened. */
  private serverMessage(text: string): string {
    let message = text;
    try {
      const json = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
      const m = typeof json.error === 'object' ? json.error?.message : (json.error ?? json.message);
      if (typeof m === 'string') message = m;
    } catch {
      // not JSON: the text itself
    }
    message = this.redact(message.trim());
    return message.length > 300 ? `${message.slice(0, 300)}…` : message || '(empty body)';
  }
}
