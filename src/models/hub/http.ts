// One HTTP door for Hugging Face-style hosts, shared by the model hub client (hub.ts) and the datasets-server client
// (src/tasks/hub-datasets.ts): repo ids and host URLs, what a network failure or an HTTP status means, and response
// bodies read into a buffer that grows with the bytes actually received, never past a cap per file type. It knows
// no file formats and throws HttpBodyError only; each client turns these answers into its own named errors.

/** One part of a repo id: 'owner' or 'name' (letters, digits, '-', '_', '.'; at most 96 characters; no '..'). */
const REPO_ID_PART = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,95}$/;

/** 'owner/name' or 'name', as the hub spells model and dataset ids. */
export function isRepoId(id: unknown): id is string {
  if (typeof id !== 'string') return false;
  const parts = id.split('/');
  return parts.length <= 2 && parts.every((p) => REPO_ID_PART.test(p) && !p.includes('..'));
}

/** The host without trailing slashes when it is an http(s) URL without query or fragment (a path prefix is kept); else undefined. */
export function httpOrigin(host: unknown): string | undefined {
  if (typeof host !== 'string') return undefined;
  const trimmed = host.replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) return undefined;
  return trimmed;
}

/** What a non-2xx status means for the request. */
export type HttpFailure = 'not-found' | 'unauthorized' | 'rate-limited' | 'server' | 'refused';

export function httpFailure(status: number): HttpFailure {
  if (status === 404) return 'not-found';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'server';
  return 'refused';
}

/** The advice that goes with a failure, for messages. */
export function failureAdvice(failure: HttpFailure): string {
  switch (failure) {
    case 'not-found':
      return 'check the id (and revision, config or split)';
    case 'unauthorized':
      return 'it is private or gated, and this app sends no access token';
    case 'rate-limited':
      return 'the server is rate limiting: wait and retry';
    case 'server':
      return 'the server failed: retry later';
    case 'refused':
      return 'the request was refused';
  }
}

/**
 * A fetch that threw: rethrows the signal's reason when it was an abort (so aborts surface as AbortError, never as a
 * download error), else returns the failure's message for the caller's own error.
 */
export function networkFailure(error: unknown, signal: AbortSignal | undefined): string {
  if (signal?.aborted) throw signal.reason;
  return error instanceof Error ? error.message : String(error);
}

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/**
 * The most bytes a download may have, by file type. Safetensors and ONNX files live in one ArrayBuffer: 4 GiB, the
 * most one browser buffer takes (larger checkpoints must come in shards, as save_pretrained writes them). tokenizer.json
 * can be tens of MB (Gemma's 33 MB); every other JSON file (configs, shard indexes, datasets-server pages) is small.
 */
export const DOWNLOAD_CAPS = Object.freeze({ binary: 4 * GiB, tokenizerJson: 64 * MiB, json: 16 * MiB, datasetsPage: 32 * MiB });

export function downloadCap(file: string): number {
  const base = file.split('/').pop() ?? file;
  if (base === 'tokenizer.json') return DOWNLOAD_CAPS.tokenizerJson;
  if (base.endsWith('.json') || base.endsWith('.jinja') || base.endsWith('.txt')) return DOWNLOAD_CAPS.json;
  return DOWNLOAD_CAPS.binary;
}

export type HttpBodyProblem = 'too-large' | 'short' | 'broken';

/** A response body that could not be read whole: over the cap, shorter than its Content-Length, or cut off. */
export class HttpBodyError extends Error {
  override name = 'HttpBodyError';
  constructor(
    readonly problem: HttpBodyProblem,
    message: string,
    /** Content-Length when it could be checked, else null. */
    readonly expectedBytes: number | null,
    readonly receivedBytes: number,
    readonly cap: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** First buffer when the server sends no usable Content-Length; doubled as bytes arrive. */
const INITIAL_CAPACITY = 64 * 1024;

/**
 * The buffer size to grow to when `needed` bytes must fit: double the current one, never past the cap, and never past
 * a declared length the data has not exceeded (so an honest Content-Length ends in a buffer of exactly that size,
 * and a lying one costs at most twice the bytes actually received).
 */
export function nextCapacity(current: number, needed: number, declared: number | null, cap: number): number {
  let next = Math.max(needed, 2 * current);
  if (declared !== null && needed <= declared) next = Math.min(next, declared);
  return Math.min(next, Math.max(needed, cap));
}

export interface ReadBodyOptions {
  /** Most bytes accepted (downloadCap(file), or DOWNLOAD_CAPS.datasetsPage). */
  cap: number;
  signal?: AbortSignal;
  /** After each chunk: bytes so far, and the Content-Length when it can be checked (null for a compressed body). */
  onProgress?: (loaded: number, total: number | null) => void;
}

/** Usable Content-Length: present, a safe integer, and not of a compressed body (which arrives decoded). */
export function declaredLength(response: Response): number | null {
  const encoding = response.headers.get('content-encoding');
  const header = response.headers.get('content-length');
  const declared = header === null ? NaN : Number(header);
  return (encoding === null || encoding === 'identity') && Number.isSafeInteger(declared) && declared >= 0 ? declared : null;
}

/**
 * Reads a response body whole. The buffer starts small and grows with the bytes received (nextCapacity): a
 * Content-Length is trusted only as an upper bound for growth, never allocated up front. A declared length over the
 * cap is refused before a byte is read; a body that passes the cap is refused as soon as it does. Aborts surface as the
 * signal's reason.
 */
export async function readBody(response: Response, options: ReadBodyOptions): Promise<Uint8Array> {
  const { cap, signal } = options;
  let total = declaredLength(response);
  const expected = total;
  const mib = (n: number) => `${(n / MiB).toFixed(n < MiB ? 3 : 1)} MiB`;
  if (total !== null && total > cap) {
    await response.body?.cancel().catch(() => {});
    throw new HttpBodyError('too-large', `the server announces ${total} bytes (${mib(total)}), more than the ${mib(cap)} accepted for this file`, total, 0, cap);
  }
  let buffer = new Uint8Array(Math.min(total ?? INITIAL_CAPACITY, INITIAL_CAPACITY));
  let loaded = 0;
  options.onProgress?.(0, total);
  const reader = response.body?.getReader();
  try {
    for (;;) {
      const chunk = reader ? await reader.read() : ({ done: true } as const);
      if (chunk.done) break;
      const needed = loaded + chunk.value.byteLength;
      if (needed > cap) {
        await reader?.cancel().catch(() => {});
        throw new HttpBodyError('too-large', `the body passed ${mib(cap)}, the most accepted for this file, after ${needed} bytes`, expected, needed, cap);
      }
      if (needed > buffer.byteLength) {
        const grown = new Uint8Array(nextCapacity(buffer.byteLength, needed, total, cap));
        grown.set(buffer.subarray(0, loaded));
        buffer = grown;
      }
      buffer.set(chunk.value, loaded);
      loaded = needed;
      if (total !== null && loaded > total) total = null; // decoded by the browser behind a hidden Content-Encoding
      options.onProgress?.(loaded, total);
    }
  } catch (error) {
    if (error instanceof HttpBodyError) throw error;
    if (signal?.aborted) throw signal.reason;
    throw new HttpBodyError('broken', `the connection broke off: ${(error as Error).message}`, expected, loaded, cap, { cause: error });
  }
  if (total !== null && loaded < total) throw new HttpBodyError('short', 'the body ended early', expected, loaded, cap);
  return loaded === buffer.byteLength ? buffer : buffer.slice(0, loaded);
}
