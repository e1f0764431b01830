// The run store on Chromium's IndexedDB (no models: a recorded run of the loop's test doubles): export -> import
// round trips exactly; an existing run is refused, copied or replaced only when asked; damaged, truncated and
// invalid files are refused with their message and write nothing; a QuotaExceededError at any write of an import
// (forced: Chromium does not enforce a small CDP quota override on a database that already holds data) aborts the
// transaction, leaves the store unchanged and names what to delete; version-1 data survives the upgrade; Web Locks
// give a run one writer and the holder answers "where does it run"; the storage state is reported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunFileError, StoreQuotaError } from '../../src/store/errors';
import { RunLock, findHolder, isLocked, lockName } from '../../src/store/run-lock';
import { encodeRunFile } from '../../src/store/run-file';
import { RunStore } from '../../src/store/run-store';
import { type LabStore, openLabDB } from '../../src/store/schema';
import { requestPersistence, storageState } from '../../src/store/storage';
import { emptySnapshot } from '../../src/store/step-commit';
import { type RecordedRun, SHORT, recordRun, rejected } from '../store/recorded-run';

let a: RecordedRun;
let b: RecordedRun;
const names: string[] = [];
const dbName = (what: string) => {
  const name = `store-files-${what}-${Math.random().toString(36).slice(2)}`;
  names.push(name);
  return name;
};

beforeAll(async () => {
  a = await recordRun('run-a');
  b = await recordRun('run-b', { ...SHORT, seed: 9 }, 'second run');
});

afterAll(() => {
  for (const name of names) indexedDB.deleteDatabase(name);
});

async function dump(store: RunStore) {
  const runs = await store.listRuns();
  return Promise.all(runs.map(async (r) => [await store.loadSnapshot(r.id), await store.pending(r.id)]));
}

async function commitAll(store: RunStore, run: RecordedRun): Promise<void> {
  await store.create(emptySnapshot(run.snapshots[0]!.run));
  for (let k = 0; k < run.commits.length; k++) {
    const before = run.snapshots[k]!.run;
    await store.commit(run.commits[k]!, { step: before.step, events: before.counts.events });
  }
}

describe('run store in Chromium', () => {
  it('export -> import round trips exactly; existing runs are refused, copied or replaced only when asked', async () => {
    const source = await RunStore.open({ name: dbName('source') });
    await commitAll(source, a);
    const file = await source.exportRun('run-a');
    expect(await source.loadSnapshot('run-a')).toEqual(a.final);

    const target = await RunStore.open({ name: dbName('target'), newId: () => 'copy-1' });
    await target.importRun(file);
    expect(await target.loadSnapshot('run-a')).toEqual(a.final);
    expect(await target.exportRun('run-a')).toEqual(file);
    const before = await dump(target);
    await expect(target.importRun(file)).rejects.toThrow("this browser already has the run 'run run-a' (id run-a, step 8); import it as a copy or replace it explicitly");
    expect(await dump(target)).toEqual(before);
    const copy = await target.importRun(file, { mode: 'copy' });
    expect([copy.id, copy.name]).toEqual(['copy-1', 'run run-a (copy)']);
    expect((await target.listRuns()).map((r) => r.id).sort()).toEqual(['copy-1', 'run-a']);
    source.close();
    target.close();
  });

  it('refuses damaged, truncated and invalid files with their message and writes nothing', async () => {
    const store = await RunStore.open({ name: dbName('bad') });
    await commitAll(store, b);
    const before = await dump(store);
    const file = encodeRunFile(a.final);
    const damaged = file.slice();
    damaged[Math.floor(file.length / 2)]! ^= 0x40;
    const invalid = structuredClone(a.final);
    invalid.queue[0]!.entry.trainAccuracy = 7;
    const cases: [Uint8Array, string][] = [
      [damaged, 'the run file is damaged: its CRC-32 checksum does not match its contents; nothing was imported'],
      [file.subarray(0, 1000), `the run file is truncated: it has 1000 bytes of the ${file.length} its header announces; copy or download it again`],
      [new TextEncoder().encode('{"run":{}}'), 'this is not a GFlowPO run file (it is JSON: a run state from state() is not a run file; export the run instead): a run file starts with the bytes 89 47 46 50 4F 0D 0A 1A'],
      [encodeRunFile(invalid), 'run state queue: bad queue entry 0'],
    ];
    for (const [bytes, message] of cases) {
      const e = await rejected(store.importRun(bytes));
      expect(e).toBeInstanceOf(RunFileError);
      expect(e.message.startsWith(message), e.message).toBe(true);
      expect(await dump(store)).toEqual(before);
    }
    store.close();
  });

  it('a quota error at any write of an import into a store with runs leaves it unchanged and names the runs to delete', async () => {
    let quotaAt: number | null = null;
    const store = await RunStore.open({
      name: dbName('forced'),
      beforeWrite: (_s, i) => {
        if (i === quotaAt) throw new DOMException('forced by the test', 'QuotaExceededError');
      },
    });
    await commitAll(store, b);
    const before = await dump(store);
    for (const at of [0, 5, 40]) {
      quotaAt = at;
      const e = await rejected(store.importRun(encodeRunFile(a.final)));
      expect(e).toBeInstanceOf(StoreQuotaError);
      expect(e.message).toMatch(/the new run of run 'run run-a' was not saved and the store is as it was before it\. To continue, delete a run you no longer need \(export it first to keep it\): 'second run' \(\d+ kB, finished, step 8\/8\); then retry\.$/);
      expect(await dump(store)).toEqual(before);
    }
    store.close();
  });

  it('reads a version-1 database after the upgrade, and deleting a run leaves no record of it', async () => {
    const name = dbName('v1');
    const v1 = await openLabDB({ name, version: 1 });
    const stores = ['runs', 'evaluations', 'events', 'metaPrompts', 'buffer', 'queue', 'checkpoints'] as LabStore[];
    const tx = v1.transaction(stores, 'readwrite');
    const f = a.final;
    await Promise.all([
      tx.objectStore('runs').put(f.run),
      ...f.evaluations.map((r) => tx.objectStore('evaluations').put(r)),
      ...f.events.map((r) => tx.objectStore('events').put(r)),
      ...f.metaPrompts.map((r) => tx.objectStore('metaPrompts').put(r)),
      ...f.buffer.map((r) => tx.objectStore('buffer').put(r)),
      ...f.queue.map((r) => tx.objectStore('queue').put(r)),
      tx.objectStore('checkpoints').put(f.checkpoint!),
      tx.done,
    ]);
    v1.close();
    const store = await RunStore.open({ name });
    expect(await store.loadSnapshot('run-a')).toEqual(f);
    await store.putPending({ runId: 'run-a', key: 'k', step: 9, score: 1, perExample: null });
    await store.delete('run-a');
    store.close();
    const db = await openLabDB({ name });
    for (const s of db.objectStoreNames) expect(await db.count(s as LabStore), s).toBe(0);
    db.close();
  });

  it('one writer per run: the lock is refused while held, the holder says where it runs, release frees it', async () => {
    const first = await RunLock.acquire('lock-test', { label: 'tab opened at 10:00', step: 3 });
    expect(first).not.toBeNull();
    expect(await isLocked('lock-test')).toBe(true);
    expect(await RunLock.acquire('lock-test', { label: 'another', step: 0 })).toBeNull();
    const holder = await findHolder('lock-test');
    expect([holder?.label, holder?.step]).toEqual(['tab opened at 10:00', 3]);
    first!.committed(4, 20, 'running');
    expect((await findHolder('lock-test'))?.step).toBe(4);
    await first!.release();
    expect(await isLocked('lock-test')).toBe(false);
    expect(await findHolder('lock-test')).toBeNull();
    const again = await RunLock.acquire('lock-test', { label: 'another', step: 0 });
    expect(again).not.toBeNull();
    await again!.release();
  });

  it('waiting for a lock: a terminated worker\'s lock is taken once it lets go; a live holder\'s is not', async () => {
    // A worker takes the lock and never answers on the run's channel, then is terminated (a tab closed or reloaded).
    const source = `navigator.locks.request('${lockName('lock-wait')}', () => { postMessage('held'); return new Promise(() => {}); });`;
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
    await new Promise((resolve) => (worker.onmessage = resolve));
    expect(await RunLock.acquire('lock-wait', { label: 'new tab', step: 0 })).toBeNull();
    expect((await findHolder('lock-wait', 100))?.label).toBe('another tab or worker of this lab (it did not answer)');
    worker.terminate();
    const taken = await RunLock.acquire('lock-wait', { label: 'new tab', step: 0 }, { waitMs: 5000 });
    expect(taken).not.toBeNull();
    // While it is held, a wait ends empty-handed after its time, and the holder keeps the lock.
    const t0 = performance.now();
    expect(await RunLock.acquire('lock-wait', { label: 'third', step: 0 }, { waitMs: 300 })).toBeNull();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(await isLocked('lock-wait')).toBe(true);
    await taken!.release();
    expect(await isLocked('lock-wait')).toBe(false);
  });

  it('reports whether storage is persistent and how much is used; the page can ask for persistence', async () => {
    const state = await storageState();
    expect(typeof state.persisted).toBe('boolean');
    expect(state.usage).toBeGreaterThanOrEqual(0);
    expect(state.quota).toBeGreaterThan(0);
    const answer = await requestPersistence();
    expect(typeof answer).toBe('boolean');
    expect((await storageState()).persisted).toBe(answer);
  });
});
