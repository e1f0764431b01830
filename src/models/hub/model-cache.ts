// Where downloaded model files are kept between visits: the browser's Cache API (windows and workers) or memory
// (Node, tests). A cache stores whole files by (model id, revision, file); it never fetches and never validates
// file contents (the hub loader does that before it calls `put`).

/** One cached model revision and its files. */
export interface CachedModel {
  modelId: string;
  revision: string;
  /** Sorted by file name. */
  files: { file: string; bytes: number }[];
  totalBytes: number;
}

export interface ModelCache {
  /** The stored bytes (a fresh copy), or undefined when the file is not cached. */
  get(modelId: string, revision: string, file: string): Promise<Uint8Array | undefined>;
  /** Stores a complete file (a copy of `bytes`), replacing any earlier one. */
  put(modelId: string, revision: string, file: string, bytes: Uint8Array): Promise<void>;
  /** Every cached model revision, sorted by model id then revision. */
  list(): Promise<CachedModel[]>;
  /** Removes one revision of a model, or every revision when `revision` is omitted. */
  delete(modelId: string, revision?: string): Promise<void>;
}

/** The cache could not be opened or written (no Cache API in this context, storage quota exceeded). */
export class ModelCacheError extends Error {
  override name = 'ModelCacheError';
}

export const MODEL_CACHE_NAME = 'gflowpo-models-v1';

/** Keys are synthetic URLs on a reserved domain (.invalid never resolves): nothing ever fetches them. */
const KEY_PREFIX = 'https://model-cache.gflowpo.invalid/v1/';
/** The byte count is stored next to the body so `list` needs no body reads and `get` can spot damaged entries. */
const SIZE_HEADER = 'x-gflowpo-bytes';

function cacheKey(modelId: string, revision: string, file: string): string {
  return KEY_PREFIX + [modelId, revision, file].map(encodeURIComponent).join('/');
}

function parseCacheKey(url: string): { modelId: string; revision: string; file: string } | undefined {
  if (!url.startsWith(KEY_PREFIX)) return undefined;
  const parts = url.slice(KEY_PREFIX.length).split('/');
  if (parts.length !== 3) return undefined;
  try {
    const [modelId, revision, file] = parts.map(decodeURIComponent) as [string, string, string];
    return { modelId, revision, file };
  } catch {
    return undefined; // malformed escape: not one of ours
  }
}

interface Entry {
  modelId: string;
  revision: string;
  file: string;
  bytes: number;
}

function groupEntries(entries: Iterable<Entry>): CachedModel[] {
  const models = new Map<string, CachedModel>();
  for (const e of entries) {
    const id = JSON.stringify([e.modelId, e.revision]);
    let model = models.get(id);
    if (!model) models.set(id, (model = { modelId: e.modelId, revision: e.revision, files: [], totalBytes: 0 }));
    model.files.push({ file: e.file, bytes: e.bytes });
    model.totalBytes += e.bytes;
  }
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  for (const m of models.values()) m.files.sort((a, b) => byName(a.file, b.file));
  return [...models.values()].sort((a, b) => byName(a.modelId, b.modelId) || byName(a.revision, b.revision));
}

/** In-memory cache for Node and tests; forgets everything with the process. */
export class MemoryModelCache implements ModelCache {
  private readonly entries = new Map<string, { modelId: string; revision: string; file: string; data: Uint8Array }>();

  async get(modelId: string, revision: string, file: string): Promise<Uint8Array | undefined> {
    return this.entries.get(cacheKey(modelId, revision, file))?.data.slice();
  }

  async put(modelId: string, revision: string, file: string, bytes: Uint8Array): Promise<void> {
    this.entries.set(cacheKey(modelId, revision, file), { modelId, revision, file, data: bytes.slice() });
  }

  async list(): Promise<CachedModel[]> {
    return groupEntries([...this.entries.values()].map((e) => ({ ...e, bytes: e.data.byteLength })));
  }

  async delete(modelId: string, revision?: string): Promise<void> {
    for (const [key, e] of this.entries) {
      if (e.modelId === modelId && (revision === undefined || e.revision === revision)) this.entries.delete(key);
    }
  }
}

/** Cache API storage (`caches.open(MODEL_CACHE_NAME)`); survives reloads and is shared by windows and workers of the origin. */
export class BrowserModelCache implements ModelCache {
  private opened: Promise<Cache> | undefined;

  constructor(readonly cacheName: string = MODEL_CACHE_NAME) {}

  private open(): Promise<Cache> {
    if (typeof globalThis.caches === 'undefined') {
      throw new ModelCacheError('the Cache API is not available here (it needs a secure context: https or localhost); use MemoryModelCache instead');
    }
    this.opened ??= globalThis.caches.open(this.cacheName).catch((error: unknown) => {
      this.opened = undefined; // let a later call try again
      throw new ModelCacheError(`could not open the model cache '${this.cacheName}': ${(error as Error).message}`, { cause: error });
    });
    return this.opened;
  }

  async get(modelId: string, revision: string, file: string): Promise<Uint8Array | undefined> {
    const cache = await this.open();
    const key = cacheKey(modelId, revision, file);
    const response = await cache.match(key);
    if (!response) return undefined;
    const data = new Uint8Array(await response.arrayBuffer());
    if (data.byteLength !== Number(response.headers.get(SIZE_HEADER))) {
      await cache.delete(key); // damaged entry: drop it so the file is downloaded again
      return undefined;
    }
    return data;
  }

  async put(modelId: string, revision: string, file: string, bytes: Uint8Array): Promise<void> {
    const cache = await this.open();
    const body = new Uint8Array(bytes); // a copy on a plain ArrayBuffer (the caller may pass a view of a shared one)
    const headers = { 'content-type': 'application/octet-stream', [SIZE_HEADER]: String(bytes.byteLength) };
    try {
      await cache.put(cacheKey(modelId, revision, file), new Response(body, { headers }));
    } catch (error) {
      const quota = (error as Error).name === 'QuotaExceededError';
      throw new ModelCacheError(
        quota
          ? `browser storage is full while caching ${modelId}@${revision}/${file} (${bytes.byteLength} bytes); delete cached models you no longer need and try again`
          : `could not cache ${modelId}@${revision}/${file}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  async list(): Promise<CachedModel[]> {
    const cache = await this.open();
    const entries: Entry[] = [];
    for (const request of await cache.keys()) {
      const key = parseCacheKey(request.url);
      const response = key && (await cache.match(request));
      if (key && response) entries.push({ ...key, bytes: Number(response.headers.get(SIZE_HEADER)) });
    }
    return groupEntries(entries);
  }

  async delete(modelId: string, revision?: string): Promise<void> {
    const cache = await this.open();
    for (const request of await cache.keys()) {
      const key = parseCacheKey(request.url);
      if (key && key.modelId === modelId && (revision === undefined || key.revision === revision)) await cache.delete(request);
    }
  }
}

/** The Cache API store where one exists (browsers, secure contexts), otherwise memory. */
export function detectModelCache(): ModelCache {
  return typeof globalThis.caches !== 'undefined' ? new BrowserModelCache() : new MemoryModelCache();
}
