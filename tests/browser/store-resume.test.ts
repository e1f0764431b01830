// Runs that survive, in real Chromium: a seeded GFlowPO run on the tiny fixture models in the lab worker, closed
// at random moments (the worker terminated mid-step, as a closed or reloaded tab) and reopened in a new worker at
// least five times, ends equal to an uninterrupted run (state, events, evaluations, checkpoint bytes: bit for bit on
// wasm), with the store valid after every interruption; a second "tab" finds the run locked, is told where it
// runs, reads it and follows its commits; a quota error at a step's commit fails the step with a message naming
// what to delete, the store as before the step, and the run continues once there is room.
import * as Comlink from 'comlink';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabEngine, LabResume, LabSetup } from '../../src/engines/lab-engine';
import type { StepEvent } from '../../src/gflow/events';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { mulberry32 } from '../../src/random/mulberry32';
import { type EventRecord, type RunSnapshot, runStateOf } from '../../src/store/records';
import { decodeRunFile, encodeRunFile } from '../../src/store/run-file';
import { RunStore } from '../../src/store/run-store';
import { rejected } from '../store/recorded-run';
import { tinyClassificationTask } from '../store/tiny-task';

const files = (seed: number) => new Map(Object.entries(tinyLlamaFixtureFiles({ seed })));
const SETTINGS = { steps: 5, warmupSteps: 1, conditionFreezeStep: 2, referencesFromStep: 3, microBatches: 2, microBatchSize: 1, maxNewTokens: 4, lrWarmupUpdates: 2, seed: 11 };
const models = (): LabResume => ({ task: tinyClassificationTask(), promptLM: { kind: 'files', files: files(1) }, targetLM: { kind: 'files', files: files(2) }, backend: 'wasm' });
const setup = (): LabSetup => ({ ...models(), settings: SETTINGS });

interface Tab {
  worker: Worker;
  lab: Comlink.Remote<LabEngine>;
}

const tabs: Tab[] = [];
function openTab(label: string): Tab {
  const worker = new Worker(new URL('./store-worker.ts', import.meta.url), { type: 'module' });
  const lab = Comlink.wrap<LabEngine>(worker);
  lab.setLabel(label).catch(() => undefined); // a tab closed before it answered
  const tab = { worker, lab };
  tabs.push(tab);
  return tab;
}

afterAll(async () => {
  for (const t of tabs) t.worker.terminate();
});

/** A run's records without what differs between two runs of one seed (ids, names, clocks). */
function comparable(s: RunSnapshot) {
  const strip = <T extends { runId: string }>(xs: T[]) => xs.map(({ runId: _r, ...rest }) => rest);
  return {
    state: runStateOf(s),
    counts: s.run.counts,
    status: s.run.status,
    evaluations: strip(s.evaluations),
    events: strip(s.events),
    metaPrompts: strip(s.metaPrompts),
    buffer: strip(s.buffer),
    queue: strip(s.queue),
    checkpoint: [...s.checkpoint!.bytes],
  };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runs that survive (lab worker, IndexedDB)', () => {
  it('closed mid-step at random moments and reopened, a run ends equal to an uninterrupted one', async () => {
    const t0 = performance.now();
    const store = await RunStore.open();

    // The uninterrupted run; its step times set the range of the random interruption moments.
    let label = 'tab 1';
    let tab = openTab(label);
    const ref = await tab.lab.createRun(setup(), { name: 'reference' });
    const t1 = performance.now();
    const stepMs: number[] = [];
    let last = t1;
    await tab.lab.start(Comlink.proxy((e: StepEvent) => {
      if (e.type !== 'budget' || e.step <= stepMs.length) return; // one per step (the final selection's is not)
      stepMs.push(performance.now() - last);
      last = performance.now();
    }));
    const runTime = performance.now() - t1;
    const expected = comparable(await store.loadSnapshot(ref.runId!));
    const t2 = performance.now();

    // The interrupted run (same worker to start with: the models are loaded), then closed at random moments and
    // reopened in a fresh worker each time; once, the storage quota is exceeded instead. A moment is drawn within
    // about 1.5 steps, or within 0.8 of the fastest step once the steps left are as few as the interruptions still
    // to make. A redone step answered from the journal can be faster than any step of the reference, so should a run
    // still end before its fifth interruption, another run of the same seed takes the remaining ones.
    const random = mulberry32(7);
    const interruptions: { afterMs: number; step: number; journalled: number }[] = [];
    const runs: string[] = [];
    let quotaTried = false;
    let following: { runId: string; from: number; seqs: number[] } | null = null;
    while (interruptions.length < 5) {
      const name = `interrupted ${runs.length + 1}`;
      const runId = (await tab.lab.createRun(setup(), { name })).runId!;
      runs.push(runId);
      for (;;) {
        const left = SETTINGS.steps - (await store.getRun(runId))!.step;
        const wanted = interruptions.length < 5;
        // The next "tab" opens while this one runs (its worker loads its code meanwhile, as a new tab would).
        const next = wanted ? openTab(`tab ${interruptions.length + 2}`) : null;
        const going = tab.lab.start(Comlink.proxy(() => undefined));
        if (!wanted) {
          expect(await going).toBe(true);
          break;
        }
        const range = left <= 5 - interruptions.length ? 0.8 * Math.min(...stepMs) : (1.5 * runTime) / stepMs.length;
        const afterMs = Math.floor(random() * range);
        const outcome = await Promise.race([going, wait(afterMs).then(() => 'closed' as const)]);
        if (outcome === true) {
          next!.worker.terminate();
          break;
        }
        tab.worker.terminate();
        // The store is consistent: a committed step (a whole, valid run file), and a journal only for the next step.
        const stored = await store.loadSnapshot(runId);
        expect(decodeRunFile(encodeRunFile(stored))).toEqual(stored);
        const pending = await store.pending(runId);
        expect(pending.every((p) => p.step === stored.run.step + 1)).toBe(true);
        interruptions.push({ afterMs, step: stored.run.step, journalled: pending.length });

        label = `tab ${interruptions.length + 1}`;
        tab = next!;
        expect((await tab.lab.resumeRun(runId, models())).step).toBe(stored.run.step);

        if (interruptions.length === 1) {
          // A second "tab" while the run is open: refused, told where it runs; it reads the run and follows its
          // commits to the end, whichever worker makes them.
          const other = openTab('second tab');
          const e = await rejected(other.lab.resumeRun(runId, models()));
          expect(e.name).toBe('RunLockedError');
          expect(e.message).toBe(`this run is open in ${label} (step ${stored.run.step}): it is shown read-only here; close it there to continue it here`);
          const view = await other.lab.viewRun(runId);
          expect([view.summary.open, view.holder?.label, view.events.length]).toEqual(['elsewhere', label, stored.events.length]);
          await expect(other.lab.deleteRun(runId)).rejects.toThrow(`this run is open in ${label}; close it there before deleting it`);
          following = { runId, from: stored.run.counts.events, seqs: [] };
          const seqs = following.seqs;
          await other.lab.subscribe(runId, following.from, Comlink.proxy((events: EventRecord[]) => void seqs.push(...events.map((x) => x.seq))));
        }
        if (interruptions.length === 3 && !quotaTried) {
          // A full disk at the step's commit: the step fails with a message naming what to delete, and the store is
          // exactly as before the step (the journal of its answers too); the run then continues once there is room.
          quotaTried = true;
          const before = await store.loadSnapshot(runId);
          const faults = new BroadcastChannel('store-worker-faults');
          faults.postMessage({ quotaFromWrite: 1 });
          await wait(50);
          const e = await rejected(tab.lab.step());
          faults.postMessage({ quotaFromWrite: null });
          await wait(50);
          faults.close();
          expect(e.name).toBe('StoreQuotaError');
          expect(e.message.startsWith(`the browser's storage for this site is full (`)).toBe(true);
          expect(e.message).toContain(` used): step ${before.run.step + 1} of run '${name}' was not saved and the store is as it was before it. To continue, delete a run you no longer need (export it first to keep it): '`);
          expect(e.message).toMatch(/'reference' \(\d+ kB, finished, step \d+\/\d+\).*; then retry\.$/);
          expect(await store.loadSnapshot(runId)).toEqual(before);
          expect(await store.pending(runId)).toEqual([]);
        }
      }
    }
    const t3 = performance.now();
    expect(interruptions.length).toBe(5);
    expect(quotaTried).toBe(true);
    // Every interrupted run ended equal to the uninterrupted one.
    for (const runId of runs) expect(comparable(await store.loadSnapshot(runId))).toEqual(expected);
    // The second tab followed every commit after it subscribed, in order, each event once.
    const total = (await store.getRun(following!.runId))!.counts.events;
    for (let i = 0; i < 50 && following!.seqs.length < total - following!.from; i++) await wait(100);
    expect(following!.seqs).toEqual(Array.from({ length: total - following!.from }, (_, i) => following!.from + i));
    console.log(
      `interruptions (ms after start -> committed step, journalled answers): ${interruptions.map((i) => `${i.afterMs}->${i.step},${i.journalled}`).join('; ')} in ${runs.length} run(s); ` +
        `models loaded in ${Math.round(t1 - t0)} ms, uninterrupted run ${Math.round(runTime)} ms (steps ${stepMs.map(Math.round).join(', ')}), interrupted run(s) ${Math.round(t3 - t2)} ms`,
    );
    store.close();
  }, 400_000);
});
