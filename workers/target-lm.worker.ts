// Target-LM worker: exposes the TargetEngine over comlink (progress via Comlink.proxy); models are cached in
// the Cache API. No logic lives here.
import * as Comlink from 'comlink';
import { BrowserModelCache } from '../src/models/model-cache';
import { loadOrtWeb } from '../src/runtime/ort-web';
import { TargetEngine } from '../src/runtime/target-engine';

Comlink.expose(new TargetEngine(loadOrtWeb, new BrowserModelCache()));
