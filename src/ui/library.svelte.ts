// The run library as the views see it: every stored run (IndexedDB, through a lab worker that never loads a
// model), the site's storage, and the library's operations (view, follow, delete, export, import). The page's
// running runs are LabRun's; this class only reads and manages what the store holds. No DOM.
import * as Comlink from 'comlink';
import type { Remote } from 'comlink';
import type { LabEngine, LabRunSummary, LabRunView } from '../engines/lab-engine';
import type { ImportMode } from '../store/run-store';
import type { EventRecord } from '../store/records';
import { requestPersistence } from '../store/storage';
import { type ShownError, toShownError } from './common/errors';
import { deleteSpec } from './run/spec-store';
import labWorkerUrl from '../../workers/lab.worker.ts?worker&url';
import { boundWorker } from './shell/bound-worker';

export type StorageInfo = Awaited<ReturnType<LabEngine['storage']>>;

export class Library {
  runs = $state.raw<LabRunSummary[]>([]);
  storage = $state.raw<StorageInfo | null>(null);
  /** The browser's answer to the request for persistent storage (null: not asked yet or no API). */
  persistence = $state<boolean | null>(null);
  error = $state<ShownError | null>(null);
  loaded = $state(false);

  #worker: Worker | undefined;
  #engine: Remote<LabEngine> | undefined;

  #lab(): Remote<LabEngine> {
    if (!this.#engine) {
      this.#worker = boundWorker(labWorkerUrl);
      this.#engine = Comlink.wrap<LabEngine>(this.#worker);
    }
    return this.#engine;
  }

  /** Re-reads the list of stored runs and the storage use; a failure is shown, the last list kept. */
  async refresh(): Promise<void> {
    try {
      const lab = this.#lab();
      this.runs = await lab.listRuns();
      this.storage = await lab.storage();
      this.error = null;
    } catch (error) {
      this.error = toShownError(error);
    } finally {
      this.loaded = true;
    }
  }

  /** Asks the browser to keep the lab's data (on the page, after a user action such as Start). */
  async persist(): Promise<void> {
    try {
      this.persistence = await requestPersistence();
    } catch {
      this.persistence = null;
    }
  }

  view(runId: string): Promise<LabRunView> {
    return this.#lab().viewRun(runId);
  }

  /** Calls `onEvents` with the events of each step committed after event `from`; returns the unsubscribe. */
  async follow(runId: string, from: number, onEvents: (events: EventRecord[]) => void): Promise<() => void> {
    const lab = this.#lab();
    const id = await lab.subscribe(runId, from, Comlink.proxy(onEvents));
    return () => void lab.unsubscribe(id);
  }

  async deleteRun(runId: string): Promise<void> {
    await this.#lab().deleteRun(runId);
    await deleteSpec(runId);
    await this.refresh();
  }

  exportRun(runId: string): Promise<Uint8Array> {
    return this.#lab().exportRun(runId);
  }

  async importRun(bytes: Uint8Array, mode: ImportMode): Promise<LabRunSummary> {
    const summary = await this.#lab().importRun(Comlink.transfer(bytes, [bytes.buffer]), mode);
    await this.refresh();
    return summary;
  }

  dispose(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#engine = undefined;
  }
}
