// Exact-toy worker: exposes one ExactToyEngine (one variant's run) over comlink; no logic lives here. One wasm
// thread: the toy's 16-wide matrices gain nothing from more, and the page runs two of these workers side by side.
import * as Comlink from 'comlink';
import { ExactToyEngine } from '../src/engines/exact-toy/engine';
import { loadOrtWeb } from '../src/runtime/ort-web';

Comlink.expose(
  new ExactToyEngine(async () => {
    const ort = await loadOrtWeb();
    ort.env.wasm.numThreads = 1;
    return ort;
  }),
);
