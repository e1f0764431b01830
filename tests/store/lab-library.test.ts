// The run library as the lab's views use it through LabEngine (fake-indexeddb; no models are loaded): list with
// where each run is open and whether it was interrupted, a read-only view, export and import (refuse, copy,
// replace), delete, following a run's commits, storage figures, and the store's connection notices.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { openDB } from 'idb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LabEngine } from '../../src/engines/lab-engine';
import { loadOrtNode } from '../../src/runtime/ort-node';
import type { EventRecord } from '../../src/store/records';
import { RunFileRepository } from '../../src/store/repository';
import { encodeRunFile } from '../../src/store/run-file';
import { RunLock } from '../../src/store/run-lock';
import { RunStore } from '../../src/store/run-store';
import { type LabDB, MIGRATIONS, type StoreNotice } from '../../src/store/schema';
import { emptySnapshot } from '../../src/store/step-commit';
import { type RecordedRun, SHORT, recordRun, rejected } from './recorded-run';

let a: RecordedRun;
let b: RecordedRun;
beforeAll(async () => {
  a = await recordRun('run-a');
  b = await recordRun('run-b', { ...SHORT, seed: 9 }, 'second run');
});

let store: RunStore;
let engine: LabEngine;
beforeEach(async () => {
  globalThis.indexedDB = new IDBFactory();
  store = await RunStore.open();
  engine = new LabEngine(loadOrtNode, undefined, { repository: async () => store, newId: () => 'copy-id' });
});

async function commitUpTo(run: RecordedRun, k: number): Promise<void> {
  await store.create(emptySnapshot(run.snapshots[0]!.run));
  for (let i = 0; i < k; i++) await store.commit(run.commits[i]!, { step: run.snapshots[i]!.run.step, events: run.snapshots[i]!.run.counts.events });
}

describe('LabEngine run library', () => {
  it('lists runs with where they are open and whether a tab closed mid-run; views one read-only', async () => {
    await commitUpTo(a, a.commits.length);
    await commitUpTo(b, 4); // status 'running', nobody has it open: interrupted
    const list = await engine.listRuns();
    expect(list.map((r) => [r.id, r.status, r.step, r.open, r.interrupted])).toEqual([
      ['run-a', 'finished', 8, null, false], // its last commit is the most recent
      ['run-b', 'running', 3, null, true],
    ]);
    const view = await engine.viewRun('run-a');
    expect(view.summary.id).toBe('run-a');
    expect(view.holder).toBeNull();
    expect(view.events).toEqual(a.final.events);
    expect(view.evaluations).toEqual(a.final.evaluations);
    expect(view.metaPrompts).toEqual(a.final.metaPrompts);
    expect(view.checkpointBytes).toBe(a.final.checkpoint!.bytes.byteLength);
    expect(view.settings).toEqual(a.final.run.core.settings);
    expect(await engine.runEvents('run-a', 30)).toEqual(a.final.events.slice(30));
  });

  it('exports, imports (refusing, copying or replacing only when asked) and deletes', async () => {
    await commitUpTo(a, a.commits.length);
    const file = await engine.exportRun('run-a');
    expect(file).toEqual(encodeRunFile(a.final));
    await expect(engine.importRun(file)).rejects.toThrow("this browser already has the run 'run run-a'");
    const copy = await engine.importRun(file, 'copy');
    expect([copy.id, copy.name, copy.open]).toEqual(['copy-id', 'run run-a (copy)', null]);
    await engine.importRun(file, 'replace');
    expect(await store.loadSnapshot('run-a')).toEqual(a.final);
    await engine.deleteRun('run-a');
    expect((await engine.listRuns()).map((r) => r.id)).toEqual(['copy-id']);
    const storage = await engine.storage();
    expect(storage.runs).toEqual([{ id: 'copy-id', name: 'run run-a (copy)', bytes: (await engine.listRuns())[0]!.bytes }]);
    expect(storage.persisted).toBeNull(); // Node has no Storage API
  });

  it('follows a run: each commit announced on its channel delivers the new events, in order, once', async () => {
    await commitUpTo(a, 3);
    const got: EventRecord[][] = [];
    const from = a.snapshots[3]!.run.counts.events;
    const id = await engine.subscribe('run-a', from, (events) => void got.push(events));
    const lock = (await RunLock.acquire('run-a', { label: 'test', step: 2 }))!;
    for (let k = 3; k < 6; k++) {
      await store.commit(a.commits[k]!, { step: a.snapshots[k]!.run.step, events: a.snapshots[k]!.run.counts.events });
      lock.committed(a.snapshots[k + 1]!.run.step, a.snapshots[k + 1]!.run.counts.events, 'running');
      await new Promise((r) => setTimeout(r, 20));
    }
    engine.unsubscribe(id);
    await store.commit(a.commits[6]!, { step: a.snapshots[6]!.run.step, events: a.snapshots[6]!.run.counts.events });
    lock.committed(a.snapshots[7]!.run.step, 0, 'running');
    await new Promise((r) => setTimeout(r, 20));
    await lock.release();
    expect(got.flat()).toEqual(a.snapshots[6]!.events.slice(from));
    expect(got.map((events) => [...new Set(events.map((e) => e.step))])).toEqual([[3], [4], [5]]);
  });

  it("forwards the store's notices: blocked by an older connection that stays open", async () => {
    const notices: StoreNotice[] = [];
    const watched = new LabEngine(loadOrtNode, undefined, { repository: (onNotice) => RunStore.open({ name: 'held', onNotice }) });
    watched.watchStore((n) => void notices.push(n));
    // A version-1 database held by a connection that ignores version changes (an old tab that does not close).
    const old = await openDB<LabDB>('held', 1, { upgrade: (db, _old, _new, tx) => MIGRATIONS[0]!(db, tx) });
    const listing = watched.listRuns();
    await new Promise((r) => setTimeout(r, 50));
    expect(notices.map((n) => n.kind)).toEqual(['blocked']);
    old.close();
    expect(await listing).toEqual([]);
    expect(notices.map((n) => n.kind)).toEqual(['blocked', 'unblocked']);
  });

  it('says what is missing when there is no library', async () => {
    const none = new LabEngine(loadOrtNode);
    expect((await rejected(none.listRuns())).message).toBe('this lab engine keeps no runs (it was made without a repository): runs live in memory only');
    const file = new LabEngine(loadOrtNode, undefined, { repository: async () => new RunFileRepository(() => undefined) });
    expect((await rejected(file.exportRun('x'))).message).toBe('this lab engine keeps one run in a state file, not a run library');
    expect((await rejected(engine.viewRun('nope'))).message).toMatch(/^there is no run with id nope/);
  });
});
