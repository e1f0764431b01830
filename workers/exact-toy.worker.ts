// Exact-toy worker: exposes one ExactToyEngine (one variant's run) over comlink; no logic lives here.
import * as Comlink from 'comlink';
import { ExactToyEngine } from '../src/engines/exact-toy/engine';
import { loadOrtWeb } from '../src/runtime/ort-web';

Comlink.expose(new ExactToyEngine(loadOrtWeb));
