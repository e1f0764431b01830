// Model download from a Hugging Face-compatible hub (`${host}/${modelId}/resolve/${revision}/${file}`): streamed
// with byte progress into a buffer that grows with the bytes received and is capped per file type (http.ts, shared
// with the datasets-server client), checked (length, JSON, safetensors header) before anything is cached, then served
// from a ModelCache. Safetensors weights (one file or an index and its shards); a repo without them (or a request for
// one ONNX variant, HubSettings.onnx) gets one transformers.js ONNX export (onnx/model*.onnx and its external data),
// chosen from the hub API's file list by onnx-files.ts's preference. It does not parse configs or build models;
// files the user picks from disk are in local-files.ts.
import { parseSafetensorsHeader } from '../../onnx/safetensors';
import { ONNX_MODEL_FILES } from '../formats/onnx-files';
import { DOWNLOAD_CAPS, HttpBodyError, downloadCap, httpFailure, httpOrigin, isRepoId, networkFailure, readBody } from './http';
import { type OnnxVariant, SHARD_INDEX, SINGLE_WEIGHTS, chooseWeightFiles } from './hub-weights';
import { CorruptFileError, DownloadError, FileNotFoundError, FileTooLargeError, HubRequestError, InvalidModelIdError, ModelNotFoundError } from './hub-errors';
import type { ModelCache } from './model-cache';

export { type OnnxVariant, UnsupportedModelFilesError } from './hub-weights';
export { CorruptFileError, DownloadError, type DownloadErrorDetails, FileNotFoundError, FileTooLargeError, HubRequestError, InvalidModelIdError, ModelNotFoundError } from './hub-errors';

export interface HubSettings {
  /** Hub origin, optionally with a path prefix (a mirror); default 'https://huggingface.co'. */
  host: string;
  /** Branch, tag or commit; default 'main'. The cache keys on this string: pin a commit to freeze a model. */
  revision?: string;
  /**
   * Download this ONNX export (onnx/<name> and its external data) instead of the safetensors weights. Unset: the
   * safetensors weights, or when the repo has none, the first of ONNX_MODEL_FILES it has.
   */
  onnx?: OnnxVariant;
}

export const DEFAULT_HUB_SETTINGS: Readonly<Required<Omit<HubSettings, 'onnx'>>> = Object.freeze({ host: 'https://huggingface.co', revision: 'main' });

export interface DownloadProgress {
  file: string;
  loaded: number;
  /** From Content-Length; null when the server sends none (or a compressed body whose length cannot be checked). */
  total: number | null;
  fromCache: boolean;
}

export interface FetchModelOptions {
  settings?: Partial<HubSettings>;
  cache: ModelCache;
  onProgress?: (event: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
}

export interface FetchFilesOptions extends FetchModelOptions {
  /** Files that may be missing on the hub: a 404 leaves them out of the result instead of throwing. */
  optional?: readonly string[];
}

const CONFIG = 'config.json';
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json'];
const OPTIONAL_FILES = ['generation_config.json'];
/** Written next to a model's files once all of them are cached, so a later load (even offline) needs no request. */
export const MANIFEST_FILE = '.gflowpo-manifest.json';
/** The manifest of a download of one ONNX variant (HubSettings.onnx): the default one may name other weights. */
export const onnxManifestFile = (variant: OnnxVariant): string => `.gflowpo-manifest.${variant}.json`;

export function validateModelId(modelId: string): void {
  if (!isRepoId(modelId)) {
    throw new InvalidModelIdError(
      `${JSON.stringify(modelId)} is not a model id: use 'owner/name' (e.g. 'HuggingFaceTB/SmolLM2-135M-Instruct') or 'name', with letters, digits, '-', '_' and '.'`,
    );
  }
}

function validateFileName(file: string): void {
  const parts = typeof file === 'string' ? file.split('/') : [''];
  if (file.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new HubRequestError(`${JSON.stringify(file)} is not a file path inside a model repo (no leading '/', empty, '.' or '..' parts)`);
  }
}

function resolveSettings(settings: Partial<HubSettings> = {}): { host: string; revision: string; onnx: OnnxVariant | undefined } {
  const host = httpOrigin(settings.host ?? DEFAULT_HUB_SETTINGS.host);
  if (host === undefined) {
    throw new HubRequestError(`hub host ${JSON.stringify(settings.host)} is not an http(s) URL; use e.g. ${DEFAULT_HUB_SETTINGS.host}`);
  }
  const revision = settings.revision ?? DEFAULT_HUB_SETTINGS.revision;
  if (typeof revision !== 'string' || revision === '') throw new HubRequestError(`hub revision must be a branch, tag or commit, got ${JSON.stringify(revision)}`);
  const onnx = settings.onnx;
  if (onnx !== undefined && !(ONNX_MODEL_FILES as readonly string[]).includes(onnx)) {
    throw new HubRequestError(`ONNX variant ${JSON.stringify(onnx)} is not one this app reads; use one of ${ONNX_MODEL_FILES.join(', ')} (the file name under onnx/)`);
  }
  return { host, revision, onnx };
}

const segments = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/** `${host}/${modelId}/resolve/${revision}/${file}`, each path segment percent-encoded (a revision like 'refs/pr/1' is one segment). */
export function hubFileUrl(modelId: string, file: string, settings: Partial<HubSettings> = {}): string {
  validateModelId(modelId);
  validateFileName(file);
  const { host, revision } = resolveSettings(settings);
  return `${host}/${segments(modelId)}/resolve/${encodeURIComponent(revision)}/${segments(file)}`;
}

/** The hub API's description of a model revision, whose `siblings` list its files: `${host}/api/models/${modelId}/revision/${revision}`. */
export function hubFileListUrl(modelId: string, settings: Partial<HubSettings> = {}): string {
  validateModelId(modelId);
  const { host, revision } = resolveSettings(settings);
  return `${host}/api/models/${segments(modelId)}/revision/${encodeURIComponent(revision)}`;
}

interface Context {
  modelId: string;
  host: string;
  revision: string;
  onnx: OnnxVariant | undefined;
  settings: Partial<HubSettings>;
  cache: ModelCache;
  fetch: typeof globalThis.fetch;
  signal: AbortSignal | undefined;
  onProgress: (event: DownloadProgress) => void;
}

function context(modelId: string, options: FetchModelOptions): Context {
  validateModelId(modelId);
  const settings = options.settings ?? {};
  return {
    modelId,
    ...resolveSettings(settings),
    settings,
    cache: options.cache,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    signal: options.signal,
    onProgress: options.onProgress ?? (() => {}),
  };
}

/** Aborts surface as the signal's own reason (an AbortError), never as a DownloadError. */
function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}

/** Downloads `files` in order (cache first), checking each before it is cached. Returns file -> bytes. */
export async function fetchModelFiles(modelId: string, files: readonly string[], options: FetchFilesOptions): Promise<Map<string, Uint8Array>> {
  const ctx = context(modelId, options);
  const optional = new Set(options.optional ?? []);
  const out = new Map<string, Uint8Array>();
  for (const file of new Set(files)) {
    validateFileName(file);
    throwIfAborted(ctx.signal);
    const cached = await ctx.cache.get(modelId, ctx.revision, file);
    if (cached) {
      ctx.onProgress({ file, loaded: cached.byteLength, total: cached.byteLength, fromCache: true });
      out.set(file, cached);
      continue;
    }
    let bytes: Uint8Array;
    try {
      bytes = await downloadFile(ctx, file, optional.has(file));
    } catch (error) {
      if (optional.has(file) && error instanceof FileNotFoundError && !(error instanceof ModelNotFoundError)) continue;
      throw error;
    }
    await ctx.cache.put(modelId, ctx.revision, file, bytes);
    out.set(file, bytes);
  }
  return out;
}

async function downloadFile(ctx: Context, file: string, optional: boolean): Promise<Uint8Array> {
  const url = hubFileUrl(ctx.modelId, file, ctx.settings);
  const details = { modelId: ctx.modelId, file, url };
  let response: Response;
  try {
    response = await ctx.fetch(url, { signal: ctx.signal });
  } catch (error) {
    const reason = networkFailure(error, ctx.signal);
    throw new DownloadError(
      `could not reach ${ctx.host} for ${file} of ${ctx.modelId} (${url}): ${reason}. You may be offline, or the hub host ` +
        `setting is wrong, unreachable or does not allow requests from this page; models already cached still load offline.`,
      { ...details, cause: error },
    );
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw httpError(ctx, file, url, response, optional);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readBody(response, {
      cap: downloadCap(file),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onProgress: (loaded, total) => ctx.onProgress({ file, loaded, total, fromCache: false }),
    });
  } catch (error) {
    if (!(error instanceof HttpBodyError)) throw error;
    const counts = { ...details, expectedBytes: error.expectedBytes, receivedBytes: error.receivedBytes, cause: error };
    if (error.problem === 'too-large') {
      throw new FileTooLargeError(
        `${file} of ${ctx.modelId} (${url}) is too large: ${error.message}. A browser holds at most ${error.cap} bytes in one file of this kind; ` +
          `use a checkpoint saved in smaller shards (save_pretrained(max_shard_size="2GB")). Nothing was cached.`,
        counts,
      );
    }
    const why = error.problem === 'short' ? 'the body ended early' : error.message;
    throw new DownloadError(
      `download of ${file} of ${ctx.modelId} (${url}) is incomplete: expected ${error.expectedBytes ?? 'an unknown number of'} bytes, received ${error.receivedBytes} (${why}). ` +
        `Nothing was cached; check the connection and try again.`,
      counts,
    );
  }
  checkContents(ctx, file, url, bytes);
  return bytes;
}

function httpError(ctx: Context, file: string, url: string, response: Response, optional: boolean): DownloadError {
  const { status } = response;
  const details = { modelId: ctx.modelId, file, url, status };
  const code = response.headers.get('x-error-code'); // the Hugging Face hub says which part is missing
  const check = 'Check the model id, the revision and the hub host setting.';
  if (code === 'RepoNotFound' || code === 'RevisionNotFound') {
    const what = code === 'RevisionNotFound' ? `has no revision '${ctx.revision}'` : 'does not exist (or is private)';
    return new ModelNotFoundError(`model ${ctx.modelId} ${what} on ${ctx.host}: ${url} answered ${status}. ${check}`, details);
  }
  const failure = httpFailure(status);
  if (failure === 'not-found' && file === CONFIG && !optional) {
    return new ModelNotFoundError(
      `model ${ctx.modelId} has no ${CONFIG} at revision '${ctx.revision}' on ${ctx.host} (${url} answered 404): the model is missing or is not a transformers model. ${check}`,
      details,
    );
  }
  if (failure === 'not-found') {
    // Asked for only when the hub's file list could not be read (else the list would have chosen an ONNX export).
    const onnx = file === SINGLE_WEIGHTS ? ` If the repo holds an ONNX export instead, ask for it by name (HubSettings.onnx, --onnx: ${ONNX_MODEL_FILES.join(', ')}).` : '';
    return new FileNotFoundError(`model ${ctx.modelId} has no file ${file} at revision '${ctx.revision}' (${url} answered 404). ${check}${onnx}`, details);
  }
  if (failure === 'unauthorized') {
    return new DownloadError(
      `${url} answered ${status}: ${ctx.modelId} is gated or private, and this app sends no access token. Use a public model, or download its files and load them from disk.`,
      details,
    );
  }
  const advice = failure === 'rate-limited' ? 'the hub is rate limiting: wait and try again' : 'the hub may be busy or down, try again later';
  return new DownloadError(`${url} answered HTTP ${status} ${response.statusText} for ${file} of ${ctx.modelId}; ${advice}.`, details);
}

function corrupt(ctx: Context, file: string, url: string, cause: Error): CorruptFileError {
  return new CorruptFileError(
    `${file} of ${ctx.modelId} is corrupt: ${cause.message}. It was not cached; try again, and check the hub host setting if this repeats.`,
    { modelId: ctx.modelId, file, url, cause },
  );
}

/** Safetensors: a valid header whose tensors fill the file exactly. JSON: parses. Other files pass unchecked. */
function checkContents(ctx: Context, file: string, url: string, bytes: Uint8Array): void {
  try {
    if (file.endsWith('.safetensors')) {
      const { entries, dataStart } = parseSafetensorsHeader(bytes);
      const dataEnd = dataStart + (entries.at(-1)?.end ?? 0);
      if (dataEnd !== bytes.byteLength) throw new Error(`its header describes ${dataEnd} bytes but the file has ${bytes.byteLength}`);
    } else if (file.endsWith('.json')) {
      parseJson(bytes);
    }
  } catch (error) {
    throw corrupt(ctx, file, url, error as Error);
  }
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new Error(`not valid UTF-8 JSON (${(error as Error).message}); the host may have answered with an error page`);
  }
}

/** Which files make up the model, as decided so far. */
export interface ModelFilePlan {
  /** Files that must exist: config.json, the tokenizer files, the shard index if any, the weights. */
  required: string[];
  /** Files that may be absent (a 404 for them is not an error). */
  optional: string[];
  /** Files already downloaded (or read from the cache) while planning, so they are not fetched twice. */
  fetched: Map<string, Uint8Array>;
  /** 'cache' when a manifest of an earlier complete download decided the list (no request made). */
  source: 'cache' | 'hub';
}

/**
 * Decides the files of a model: config.json (its 404 is ModelNotFoundError), then the shards listed by
 * model.safetensors.index.json if the hub has one; else the hub API's file list decides between model.safetensors
 * and one ONNX export (the first of ONNX_MODEL_FILES under onnx/, or settings.onnx when given, with its external data
 * file); the tokenizer files; generation_config.json if present. Without the file list (a host without the API, or
 * it failed) the plan is model.safetensors, or onnx/<settings.onnx> and whichever data file name answers. A manifest
 * from an earlier complete download answers without any request.
 */
export async function resolveModelFiles(modelId: string, options: FetchModelOptions): Promise<ModelFilePlan> {
  const ctx = context(modelId, options);
  const manifest = await readManifest(ctx);
  if (manifest) return { required: manifest, optional: [], fetched: new Map(), source: 'cache' };
  const fetched = await fetchModelFiles(modelId, [CONFIG], options);
  if (ctx.onnx === undefined) {
    const index = (await fetchModelFiles(modelId, [SHARD_INDEX], { ...options, optional: [SHARD_INDEX] })).get(SHARD_INDEX);
    if (index) {
      fetched.set(SHARD_INDEX, index);
      return { required: [CONFIG, ...TOKENIZER_FILES, SHARD_INDEX, ...Object.keys(shardMap(ctx, index))], optional: [...OPTIONAL_FILES], fetched, source: 'hub' };
    }
  }
  const weights = chooseWeightFiles(ctx, await listRepoFiles(ctx));
  return { required: [CONFIG, ...TOKENIZER_FILES, ...weights.required], optional: [...OPTIONAL_FILES, ...weights.optional], fetched, source: 'hub' };
}

/**
 * The repo's files at the revision from the hub API (its `siblings`), no progress reported and nothing cached; undefined
 * when they cannot be had (a plain mirror without the API, an error status, rate limiting, a request the page's
 * policy blocks, a body that is not the API's JSON): the caller then plans as it did before the list existed, so a
 * safetensors model loads whenever its files do. Aborts surface as the signal's reason.
 */
async function listRepoFiles(ctx: Context): Promise<string[] | undefined> {
  const url = hubFileListUrl(ctx.modelId, ctx.settings);
  throwIfAborted(ctx.signal);
  let bytes: Uint8Array;
  try {
    const response = await ctx.fetch(url, { signal: ctx.signal });
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      return undefined;
    }
    bytes = await readBody(response, { cap: DOWNLOAD_CAPS.json, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  } catch {
    throwIfAborted(ctx.signal);
    return undefined; // a network failure or blocked request, or a body cut off or over the JSON cap
  }
  let siblings: unknown;
  try {
    siblings = (parseJson(bytes) as { siblings?: unknown } | null)?.siblings;
  } catch {
    return undefined;
  }
  if (!Array.isArray(siblings)) return undefined;
  return siblings.map((s) => (s as { rfilename?: unknown } | null)?.rfilename).filter((f): f is string => typeof f === 'string' && f !== '' && !f.includes('\\') && !f.split('/').some((p) => p === '' || p === '.' || p === '..'));
}

/** resolveModelFiles, then every file it names (from the cache where possible); records a manifest once all are cached. */
export async function fetchModel(modelId: string, options: FetchModelOptions): Promise<Map<string, Uint8Array>> {
  const ctx = context(modelId, options);
  const plan = await resolveModelFiles(modelId, options);
  const remaining = [...plan.required, ...plan.optional].filter((f) => !plan.fetched.has(f));
  const files = new Map([...plan.fetched, ...(await fetchModelFiles(modelId, remaining, { ...options, optional: plan.optional }))]);
  const index = files.get(SHARD_INDEX);
  if (index) checkShards(ctx, shardMap(ctx, index), files);
  if (plan.source === 'hub') {
    const manifest = new TextEncoder().encode(JSON.stringify({ files: [...files.keys()] }));
    await ctx.cache.put(modelId, ctx.revision, manifestFile(ctx), manifest);
  }
  return files;
}

const manifestFile = (ctx: Context) => (ctx.onnx === undefined ? MANIFEST_FILE : onnxManifestFile(ctx.onnx));

async function readManifest(ctx: Context): Promise<string[] | undefined> {
  const bytes = await ctx.cache.get(ctx.modelId, ctx.revision, manifestFile(ctx));
  if (!bytes) return undefined;
  try {
    const files = (parseJson(bytes) as { files?: unknown }).files;
    if (!Array.isArray(files) || !files.includes(CONFIG)) return undefined;
    for (const f of files) validateFileName(f as string);
    return files as string[];
  } catch {
    return undefined; // unreadable manifest: resolve from the hub again
  }
}

/** shard file -> the tensor names the index assigns to it (shards sorted by name). */
function shardMap(ctx: Context, index: Uint8Array): Record<string, string[]> {
  const url = hubFileUrl(ctx.modelId, SHARD_INDEX, ctx.settings);
  const fail = (why: string) => corrupt(ctx, SHARD_INDEX, url, new Error(why));
  let parsed: unknown;
  try {
    parsed = parseJson(index);
  } catch (error) {
    throw corrupt(ctx, SHARD_INDEX, url, error as Error);
  }
  const weightMap = (parsed as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap) || Object.keys(weightMap).length === 0) {
    throw fail("it has no 'weight_map' object of tensor name -> shard file");
  }
  const shards: Record<string, string[]> = {};
  for (const [tensor, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    if (typeof shard !== 'string' || !shard.endsWith('.safetensors') || shard.split('/').some((p) => p === '' || p === '.' || p === '..')) {
      throw fail(`tensor '${tensor}' maps to ${JSON.stringify(shard)}, not a .safetensors file in the repo`);
    }
    (shards[shard] ??= []).push(tensor);
  }
  return Object.fromEntries(Object.entries(shards).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Every tensor the index places in a shard is in that shard's header. */
function checkShards(ctx: Context, shards: Record<string, string[]>, files: Map<string, Uint8Array>): void {
  for (const [shard, tensors] of Object.entries(shards)) {
    const names = new Set(parseSafetensorsHeader(files.get(shard)!).entries.map((e) => e.name));
    const missing = tensors.filter((t) => !names.has(t));
    if (missing.length > 0) {
      const url = hubFileUrl(ctx.modelId, shard, ctx.settings);
      throw corrupt(ctx, shard, url, new Error(`${SHARD_INDEX} places ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''} in it, but its header lacks them`));
    }
  }
}
