// Target-LM worker: exposes the TargetEngine over comlink (progress via Comlink.proxy); models are cached in
// the Cache API. No logic lives here.
import * as Comlink from 'comlink';
import { BrowserModelCache } from '../src/models/hub/model-cache';
import { loadOrtWeb } from '../src/runtime/ort-web';
import { TargetEngine } from '../src/engines/target-engine';

Comlink.expose(new TargetEngine(loadOrtWeb, new BrowserModelCache()));
