// The Node door to onnxruntime-web (its wasm backend), for tests, benchmarks and the headless commands.
// Never imported by browser code: the browser entry is ort-web.ts.
import * as ort from 'onnxruntime-web';

import type { Ort } from './host-tensor';

export type { Ort };

let configured = false;

/** onnxruntime-web's Node build (wasm backend, single thread unless `threads` is given). */
export async function loadOrtNode(threads = 1): Promise<Ort> {
  if (!configured) {
    ort.env.wasm.numThreads = threads;
    ort.env.logLevel = 'error';
    configured = true;
  }
  return ort;
}
