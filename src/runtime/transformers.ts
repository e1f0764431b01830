// The one door to transformers.js (@huggingface/transformers), like ort-web.ts for onnxruntime-web: it imports the
// library once and sets its global `env` once, the same way for every user (tokenizer.ts, transformers-lm.ts):
// no hub downloads, model files only from in-memory folders registered here, and in the browser onnxruntime-web
// pointed at our own wasm files. It does not build tokenizers or models.
type Transformers = typeof import('@huggingface/transformers');

export type { Transformers };

/** In-memory folders by model id, served to transformers.js while a caller holds them open (serveFolder). */
const folders = new Map<string, Readonly<Record<string, Uint8Array>>>();
let nextFolder = 0;

/**
 * transformers.js asks its cache for '<localModelPath>/<id>/<file>' and then '<remoteHost>/<id>/resolve/<rev>/<file>';
 * both contain '<id>/'. Anything that is not one of our folders misses (undefined), as an empty cache would.
 */
const inMemoryCache = {
  async match(request: string): Promise<Response | undefined> {
    for (const [id, files] of folders) {
      const at = request.indexOf(`${id}/`);
      if (at < 0) continue;
      const file = request.slice(at + id.length + 1).replace(/^resolve\/[^/]+\//, '');
      const bytes = files[file];
      return bytes ? new Response(bytes.slice()) : undefined;
    }
    return undefined;
  },
  async put(): Promise<void> {
    // Read-only: our files are already in memory.
  },
};

/**
 * Registers files (paths relative to the folder, e.g. 'config.json', 'onnx/model.onnx') under a fresh model id that
 * from_pretrained can open; `close()` unregisters them. Nothing else is ever served.
 */
export function serveFolder(files: Readonly<Record<string, Uint8Array>>): { id: string; close(): void } {
  const id = `in-memory/folder-${nextFolder++}`;
  folders.set(id, files);
  return { id, close: () => void folders.delete(id) };
}

export function isNode(): boolean {
  return typeof process !== 'undefined' && process.release?.name === 'node';
}

let transformersPromise: Promise<Transformers> | undefined;

/**
 * transformers.js with its env set once: allowRemoteModels off; allowLocalModels on (it refuses to load anything with
 * both off) but every file it reads is answered by the in-memory cache first, so the local lookup (a path in Node,
 * '/models/...' on our origin in browsers) is never reached; in the browser, onnxruntime-web (shared with ort-web.ts)
 * gets our own wasm paths first and transformers' env the same paths object with no wasm pre-caching, so ORT fetches
 * exactly those URLs and never transformers.js's import-time default (a public CDN).
 */
export function loadTransformers(): Promise<Transformers> {
  transformersPromise ??= (async () => {
    let wasmPaths: unknown;
    if (!isNode()) {
      const { loadOrtWeb } = await import('./ort-web');
      wasmPaths = (await loadOrtWeb()).env.wasm.wasmPaths;
    }
    const transformers = await import('@huggingface/transformers');
    const env = transformers.env;
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.useCustomCache = true;
    env.customCache = inMemoryCache;
    if (wasmPaths !== undefined && env.backends.onnx.wasm) {
      env.backends.onnx.wasm.wasmPaths = wasmPaths as typeof env.backends.onnx.wasm.wasmPaths;
      env.useWasmCache = false;
    }
    return transformers;
  })();
  return transformersPromise;
}
