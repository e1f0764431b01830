// Lab worker: exposes the LabEngine (prompt-LM, target-LM, GFlowPO run) over comlink; events and progress
// come back through Comlink.proxy callbacks; models are cached in the Cache API. No logic lives here.
import * as Comlink from 'comlink';
import { BrowserModelCache } from '../src/models/hub/model-cache';
import { LabEngine } from '../src/engines/lab-engine';
import { loadOrtWeb } from '../src/runtime/ort-web';

Comlink.expose(new LabEngine(loadOrtWeb, new BrowserModelCache()));
