// The lab worker as tests/browser/store-*.test.ts run it: the same LabEngine on the same IndexedDB store as
// workers/lab.worker.ts, plus one test seam: a message on the 'store-worker-faults' channel makes every store write
// from the given index of a transaction throw a QuotaExceededError (Chromium does not enforce a small CDP quota
// override on a database that already holds data, so a full disk mid-run is forced here).
import * as Comlink from 'comlink';
import { LabEngine } from '../../src/engines/lab-engine';
import { BrowserModelCache } from '../../src/models/hub/model-cache';
import { loadOrtWeb } from '../../src/runtime/ort-web';
import { RunStore } from '../../src/store/run-store';

let quotaFromWrite: number | null = null;
new BroadcastChannel('store-worker-faults').onmessage = (e: MessageEvent<{ quotaFromWrite: number | null }>) => {
  quotaFromWrite = e.data.quotaFromWrite;
};

const beforeWrite = (_store: string, index: number) => {
  if (quotaFromWrite !== null && index >= quotaFromWrite) throw new DOMException('forced by the test: the quota has been exceeded', 'QuotaExceededError');
};

Comlink.expose(new LabEngine(loadOrtWeb, new BrowserModelCache(), { repository: (onNotice) => RunStore.open({ beforeWrite, onNotice }) }));
