// The database schema on fake-indexeddb: an empty database upgrades to the current version with every store and
// index; an older connection in another "tab" closes itself when a newer version opens (blocking) and the newer
// one waits for it (blocked) with a notice; a database newer than this build is refused with a message; data
// written at every earlier version reads back unchanged after the upgrade.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { openDB } from 'idb';
import { beforeEach, describe, expect, it } from 'vitest';
import { StoreVersionError } from '../../src/store/errors';
import { RunStore } from '../../src/store/run-store';
import { DB_VERSION, type LabStore, type StoreNotice, openLabDB } from '../../src/store/schema';
import { recordRun, rejected } from './recorded-run';

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
});

const V1_STORES = ['buffer', 'checkpoints', 'evaluations', 'events', 'metaPrompts', 'queue', 'runs'];

describe('lab database schema', () => {
  it('creates every store and index from an empty database', async () => {
    const db = await openLabDB({ name: 'empty' });
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(expect.arrayContaining(V1_STORES));
    const tx = db.transaction(['runs', 'evaluations', 'events'], 'readonly');
    expect(tx.objectStore('runs').keyPath).toBe('id');
    expect([...tx.objectStore('runs').indexNames]).toEqual(['by-updated']);
    expect(tx.objectStore('evaluations').keyPath).toEqual(['runId', 'seq']);
    expect([...tx.objectStore('evaluations').indexNames]).toEqual(['by-prompt']);
    expect(tx.objectStore('events').keyPath).toEqual(['runId', 'seq']);
    db.close();
  });

  it('an older connection closes itself for a newer version, which reports being blocked until then', async () => {
    if (DB_VERSION < 2) return; // needs two versions
    const oldNotices: StoreNotice[] = [];
    const newNotices: StoreNotice[] = [];
    let closed = 0;
    const old = await openLabDB({ name: 'tabs', version: DB_VERSION - 1, onNotice: (n) => oldNotices.push(n), onClose: () => closed++ });
    const fresh = await openLabDB({ name: 'tabs', onNotice: (n) => newNotices.push(n) });
    expect(fresh.version).toBe(DB_VERSION);
    expect(closed).toBe(1);
    expect(oldNotices.map((n) => n.kind)).toEqual(['version-change']);
    expect(oldNotices[0]!.message).toBe(`a newer version of the lab (storage version ${DB_VERSION}) opened in another tab; this tab closed its storage: reload it`);
    expect(newNotices).toEqual([]);
    expect(() => old.transaction('runs')).toThrow();
    fresh.close();
  });

  it('reports blocked while an older connection that does not close holds the database', async () => {
    if (DB_VERSION < 2) return;
    const raw = await openDB('held', DB_VERSION - 1, { upgrade: (db) => void db.createObjectStore('runs', { keyPath: 'id' }) });
    const notices: StoreNotice[] = [];
    const opening = openLabDB({ name: 'held', onNotice: (n) => notices.push(n) });
    await new Promise((r) => setTimeout(r, 50));
    expect(notices.map((n) => n.kind)).toEqual(['blocked']);
    expect(notices[0]!.message).toBe(`another tab has the lab's storage open at version ${DB_VERSION - 1}; close or reload the other lab tabs to continue (this tab needs version ${DB_VERSION})`);
    raw.close();
    const db = await opening;
    expect(notices.map((n) => n.kind)).toEqual(['blocked', 'unblocked']);
    db.close();
  });

  it('refuses a database newer than this build, and versions it does not know', async () => {
    const newer = await openDB('newer', DB_VERSION + 1);
    newer.close();
    const e = await rejected(openLabDB({ name: 'newer' }));
    expect(e).toBeInstanceOf(StoreVersionError);
    expect(e.message).toBe(`the lab's storage is at a newer version than this build reads (it asked for ${DB_VERSION}): reload the page to get the newer lab`);
    await expect(openLabDB({ name: 'x', version: DB_VERSION + 1 })).rejects.toThrow(`database version ${DB_VERSION + 1} is not one this build knows (1..${DB_VERSION})`);
  });

  it('upgrades a version 1 database holding a run: every record reads back, the journal store is new and empty', async () => {
    const { final } = await recordRun('old-run');
    const v1 = await openLabDB({ name: 'lab', version: 1 });
    expect([...v1.objectStoreNames].sort()).toEqual(V1_STORES);
    const tx = v1.transaction(V1_STORES as LabStore[], 'readwrite');
    await Promise.all([
      tx.objectStore('runs').put(final.run),
      ...final.evaluations.map((r) => tx.objectStore('evaluations').put(r)),
      ...final.events.map((r) => tx.objectStore('events').put(r)),
      ...final.metaPrompts.map((r) => tx.objectStore('metaPrompts').put(r)),
      ...final.buffer.map((r) => tx.objectStore('buffer').put(r)),
      ...final.queue.map((r) => tx.objectStore('queue').put(r)),
      tx.objectStore('checkpoints').put(final.checkpoint!),
      tx.done,
    ]);
    v1.close();
    const store = await RunStore.open({ name: 'lab' });
    expect(await store.loadSnapshot('old-run')).toEqual(final);
    expect(await store.pending('old-run')).toEqual([]);
    expect((await store.listRuns()).map((r) => r.id)).toEqual(['old-run']);
    store.close();
  });
});
