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
    ort.env.wasm.wasmPaths = { wasm: wasmUrl, mjs: mjsUrl };
    configured = true;
  }
  return ort;
}
