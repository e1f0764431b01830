// The one browser door to onnxruntime-web: loads the WebGPU build and points it at wasm files served from our own origin (never a CDN).
import * as ort from 'onnxruntime-web/webgpu';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import mjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';

let configured = false;

/**
 * Returns onnxruntime-web (WebGPU + wasm backends) with `env.wasm.wasmPaths` set to our bundled asyncify files.
 * Idempotent: later calls return the same module without touching `env` again, so callers may adjust
 * other `ort.env` settings (threads, log level) after the first call.
 */
export async function loadOrtWeb(): Promise<typeof import('onnxruntime-web')> {
  if (!configured) {
    // Absolute URLs: a worker started from a blob: URL (src/ui/shell/bound-worker.ts) has a blob: base, against
    // which the bundler's root-relative paths would not resolve; this module's own URL is on our origin.
    ort.env.wasm.wasmPaths = { wasm: new URL(wasmUrl, import.meta.url).href, mjs: new URL(mjsUrl, import.meta.url).href };
    configured = true;
  }
  return ort;
}
