// Lab worker: exposes the LabEngine (prompt-LM, target-LM, GFlowPO run, and the run library in IndexedDB) over
// comlink; events and progress come back through Comlink.proxy callbacks; models are cached in the Cache API.
// No logic lives here. The page's typed remote is Comlink.wrap<LabEngine>(worker); its API, in short:
//   createRun(setup, { name }, onProgress) / resumeRun(runId, { task, promptLM, targetLM }, onProgress) -> LabInfo
//   start(onEvent) / step() / stop() / release()       listRuns() / viewRun(id) / runEvents(id, from)
//   classroomStep() (one step and its per-token log-probs: classroom mode)
//   subscribe(id, from, onEvents) / unsubscribe(n)     deleteRun(id) / exportRun(id) / importRun(bytes, mode)
//   storage() (persisted, usage, quota, bytes per run) setLabel(text) (what other tabs are told)
//   watchStore(onNotice) (storage blocked by an older tab / closed for a newer lab / closed by the browser)
// Persistent storage is asked for on the page (src/store/storage.ts requestPersistence): workers cannot.
import * as Comlink from 'comlink';
import { LabEngine } from '../src/engines/lab-engine';
import { BrowserModelCache } from '../src/models/hub/model-cache';
import { loadOrtWeb } from '../src/runtime/ort-web';
import { RunStore } from '../src/store/run-store';

Comlink.expose(new LabEngine(loadOrtWeb, new BrowserModelCache(), { repository: (onNotice) => RunStore.open({ onNotice }) }));
