// RunStore on fake-indexeddb: a recorded run committed step by step equals the in-memory model of its commits
// and continues exactly; every write of a step's transaction, made to fail in turn, leaves the store unchanged;
// a quota error says what to delete and changes nothing; stale writers are refused; delete removes every record;
// export -> import round trips, existing runs are never overwritten silently, and bad files write nothing.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RunFileError, RunStoreError, StoreQuotaError } from '../../src/store/errors';
import { type RunSnapshot, runStateOf } from '../../src/store/records';
import { encodeRunFile } from '../../src/store/run-file';
import { RunStore, type RunStoreOptions } from '../../src/store/run-store';
import type { LabStore } from '../../src/store/schema';
import { emptySnapshot } from '../../src/store/step-commit';
import { type RecordedRun, SHORT, recordRun, rejected, resumeRecorded } from './recorded-run';

let a: RecordedRun;
let b: RecordedRun;
beforeAll(async () => {
  a = await recordRun('run-a');
  b = await recordRun('run-b', { ...SHORT, seed: 9 }, 'second run');
});

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
});

/** Every record of every store, for "unchanged" comparisons. */
async function dump(store: RunStore): Promise<Record<string, unknown[]>> {
  const runs = await store.listRuns();
  const out: Record<string, unknown[]> = { runs: runs.map((r) => r.id).sort() };
  for (const r of runs) out[r.id] = [await store.loadSnapshot(r.id)];
  return out;
}

/** The snapshot as a fresh store holds it after an import (read back, not the in-memory object). */
async function storeCopy(snapshot: RunSnapshot): Promise<RunSnapshot> {
  const store = await RunStore.open({ name: `copy-${Math.random()}` });
  await store.importRun(encodeRunFile(snapshot));
  const back = await store.loadSnapshot(snapshot.run.id);
  store.close();
  return back;
}

async function commitAll(store: RunStore, run: RecordedRun, upTo = run.commits.length): Promise<void> {
  await store.create(emptySnapshot(run.snapshots[0]!.run));
  for (let k = 0; k < upTo; k++) {
    const before = run.snapshots[k]!.run;
    await store.commit(run.commits[k]!, { step: before.step, events: before.counts.events });
  }
}

describe('RunStore', () => {
  it('holds exactly the committed records after every step, and the run continues from them exactly', async () => {
    const store = await RunStore.open();
    await store.create(emptySnapshot(a.snapshots[0]!.run));
    for (let k = 0; k < a.commits.length; k++) {
      const before = a.snapshots[k]!.run;
      await store.commit(a.commits[k]!, { step: before.step, events: before.counts.events });
      expect(await store.loadSnapshot('run-a')).toEqual(a.snapshots[k + 1]);
    }
    expect(runStateOf(await store.loadSnapshot('run-a'))).toEqual(a.run.state());
    // Resume from the state after step 4 and finish: the same end as the uninterrupted run.
    expect(a.snapshots[5]!.run.step).toBe(4);
    const resumed = await resumeRecorded(await storeCopy(a.snapshots[5]!));
    await resumed.run();
    expect(resumed.state()).toEqual(a.run.state());
    const evaluations = (await store.loadSnapshot('run-a')).evaluations;
    expect(evaluations.length).toBe(a.run.state().cache.entries.length);
    expect(evaluations.every((e) => e.promptId.length === 16)).toBe(true);
  });

  it('lists runs newest first with their size; deleting one removes all its records and nothing else', async () => {
    const store = await RunStore.open();
    await commitAll(store, a);
    await commitAll(store, b);
    const list = await store.listRuns();
    expect(list.map((r) => [r.id, r.name, r.status, r.step, r.steps])).toEqual([
      ['run-b', 'second run', 'finished', 8, 8],
      ['run-a', 'run run-a', 'finished', 8, 8],
    ]);
    expect(list[1]!.bytes).toBeGreaterThan(a.final.checkpoint!.bytes.byteLength);
    const keptB = await store.loadSnapshot('run-b');
    await store.delete('run-a');
    expect((await store.listRuns()).map((r) => r.id)).toEqual(['run-b']);
    await expect(store.loadSnapshot('run-a')).rejects.toThrow('there is no run with id run-a');
    expect(await store.loadSnapshot('run-b')).toEqual(keptB);
    // No record of run-a is left in any store.
    const raw = await new Promise<number>((resolve) => {
      const open = indexedDB.open('gflowpo-lab');
      open.onsuccess = () => {
        const db = open.result;
        const names = [...db.objectStoreNames];
        const tx = db.transaction(names, 'readonly');
        let left = 0;
        let pending = names.length;
        for (const name of names) {
          const req = tx.objectStore(name).getAll();
          req.onsuccess = () => {
            left += (req.result as { id?: string; runId?: string }[]).filter((r) => r.runId === 'run-a' || r.id === 'run-a').length;
            if (--pending === 0) resolve(left);
          };
        }
      };
    });
    expect(raw).toBe(0);
  });

  it('a failure at any write of a step leaves the store exactly as before the step', async () => {
    let fail: { at: number } | null = null;
    let writes = 0;
    const options: RunStoreOptions = {
      beforeWrite: (_store: LabStore, index: number) => {
        writes = Math.max(writes, index + 1);
        if (fail && index === fail.at) throw new Error(`injected failure at write ${index}`);
      },
    };
    const store = await RunStore.open(options);
    await commitAll(store, a, 6); // through step 5: training, replay, references
    await commitAll(store, b, 3);
    const k = 6; // commit 6 = step 6
    const before = await dump(store);
    const expected = { step: a.snapshots[k]!.run.step, events: a.snapshots[k]!.run.counts.events };
    // Count the step's writes with a dry run into a copy of the database state.
    writes = 0;
    fail = { at: Number.MAX_SAFE_INTEGER };
    await store.commit(a.commits[k]!, expected);
    const n = writes;
    expect(n).toBeGreaterThan(8);
    await store.delete('run-a');
    await commitAll(store, a, 6);
    expect(await dump(store)).toEqual(before);
    for (let at = 0; at < n; at++) {
      fail = { at };
      await expect(store.commit(a.commits[k]!, expected)).rejects.toThrow(`injected failure at write ${at}`);
      expect(await dump(store), `failure at write ${at} of ${n}`).toEqual(before);
    }
    fail = null;
    await store.commit(a.commits[k]!, expected);
    expect(await store.loadSnapshot('run-a')).toEqual(a.snapshots[k + 1]);
  });

  it('a quota error names the runs to delete, largest first, and leaves the store as it was', async () => {
    let quota = false;
    const store = await RunStore.open({
      beforeWrite: (_s, index) => {
        if (quota && index === 3) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      },
    });
    await commitAll(store, a, 4);
    await commitAll(store, b);
    const before = await dump(store);
    quota = true;
    const k = 4;
    const e = await rejected(store.commit(a.commits[k]!, { step: a.snapshots[k]!.run.step, events: a.snapshots[k]!.run.counts.events }));
    expect(e).toBeInstanceOf(StoreQuotaError);
    const [big, small] = (await store.listRuns()).sort((x, y) => y.bytes - x.bytes);
    expect(e.message).toBe(
      `the browser's storage for this site is full: step 4 of run 'run run-a' was not saved and the store is as it was before it. To continue, delete a run you no longer need (export it first to keep it): ` +
        `'${big!.name}' (${Math.max(1, Math.round(big!.bytes / 1e3))} kB, ${big!.status}, step ${big!.step}/8), '${small!.name}' (${Math.max(1, Math.round(small!.bytes / 1e3))} kB, ${small!.status}, step ${small!.step}/8); then retry.`,
    );
    expect(await dump(store)).toEqual(before);
  });

  it('refuses a commit that does not follow the stored run (a second writer or a stale one)', async () => {
    const store = await RunStore.open();
    await commitAll(store, a, 3);
    const before = await dump(store);
    await expect(store.commit(a.commits[3]!, { step: 1, events: a.snapshots[2]!.run.counts.events })).rejects.toThrow(
      `run 'run run-a' changed under this tab (stored: step 2, ${a.snapshots[3]!.run.counts.events} events; this tab follows step 1, ${a.snapshots[2]!.run.counts.events} events): reopen it`,
    );
    expect(await dump(store)).toEqual(before);
  });

  it('export -> import round trips exactly; an existing run is refused, copied or replaced only when asked', async () => {
    const source = await RunStore.open();
    await commitAll(source, a);
    const file = await source.exportRun('run-a');
    expect(file).toEqual(encodeRunFile(a.final));

    globalThis.indexedDB = new IDBFactory();
    let ids = 0;
    const target = await RunStore.open({ newId: () => `copy-${++ids}` });
    const imported = await target.importRun(file);
    expect(imported.id).toBe('run-a');
    expect(await target.loadSnapshot('run-a')).toEqual(a.final);

    const before = await dump(target);
    await expect(target.importRun(file)).rejects.toThrow("this browser already has the run 'run run-a' (id run-a, step 8); import it as a copy or replace it explicitly");
    expect(await dump(target)).toEqual(before);

    const copy = await target.importRun(file, { mode: 'copy' });
    expect([copy.id, copy.name]).toEqual(['copy-1', 'run run-a (copy)']);
    const copied = await target.loadSnapshot('copy-1');
    expect(runStateOf(copied)).toEqual(runStateOf(a.final));
    expect(copied.events.every((e) => e.runId === 'copy-1')).toBe(true);

    const other: RunSnapshot = structuredClone(b.final);
    other.run.id = 'run-a';
    for (const part of [other.evaluations, other.events, other.metaPrompts, other.buffer, other.queue]) for (const r of part) r.runId = 'run-a';
    other.checkpoint!.runId = 'run-a';
    await target.importRun(encodeRunFile(other), { mode: 'replace' });
    expect(await target.loadSnapshot('run-a')).toEqual(other);
  });

  it('a damaged, truncated or invalid file is refused and writes nothing', async () => {
    const store = await RunStore.open();
    await commitAll(store, b);
    const before = await dump(store);
    const file = encodeRunFile(a.final);
    const damaged = file.slice();
    damaged[200]! ^= 4;
    const bad = structuredClone(a.final);
    bad.evaluations[5]!.score = -1;
    for (const [bytes, message] of [
      [damaged, /damaged/],
      [file.subarray(0, file.length - 10), /truncated/],
      [encodeRunFile(bad), /evaluations\[5\]\.score must be a finite number in \[0, 1\], got -1/],
    ] as const) {
      const e = await rejected(store.importRun(bytes));
      expect(e).toBeInstanceOf(RunFileError);
      expect(e.message).toMatch(message);
      expect(await dump(store)).toEqual(before);
    }
  });

  it('imports a run that was running elsewhere as paused; status changes touch only the record', async () => {
    const store = await RunStore.open();
    const running = structuredClone(a.snapshots[4]!);
    expect(running.run.status).toBe('running');
    await store.importRun(encodeRunFile(running));
    expect((await store.getRun('run-a'))!.status).toBe('paused');
    await store.setStatus('run-a', 'failed', 'device lost');
    const after = await store.loadSnapshot('run-a');
    expect([after.run.status, after.run.error]).toEqual(['failed', 'device lost']);
    expect(after.events).toEqual(running.events);
    await expect(store.setStatus('nope', 'paused')).rejects.toBeInstanceOf(RunStoreError);
  });

  it('journals a step\'s target answers until its commit clears them; deleting a run clears them too', async () => {
    const store = await RunStore.open();
    await commitAll(store, a, 2);
    const answer = { runId: 'run-a', key: '["p","t","train","x","y"]', step: 2, score: 0.5, perExample: [1, 0] };
    await store.putPending(answer);
    await store.putPending({ ...answer, key: 'k2', score: 1 });
    expect(await store.pending('run-a')).toEqual([{ ...answer }, { ...answer, key: 'k2', score: 1 }].sort((x, y) => (x.key < y.key ? -1 : 1)));
    await store.commit(a.commits[2]!, { step: 1, events: a.snapshots[2]!.run.counts.events });
    expect(await store.pending('run-a')).toEqual([]);
    await store.putPending(answer);
    await store.clearPending('run-a');
    expect(await store.pending('run-a')).toEqual([]);
    await store.putPending(answer);
    await store.delete('run-a');
    expect(await store.pending('run-a')).toEqual([]);
    await expect(store.putPending(answer)).rejects.toThrow('there is no run with id run-a');
  });
});
