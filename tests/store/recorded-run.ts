// A real GflowpoRun on the loop's test doubles (scripted sampler, fixed target, toy task), stepped to the end with
// each step turned into a StepCommit: the data the store tests write, commit, export and import. The checkpoint
// bytes hold the scripted sampler's adapter state (updates, logZ) as two float64s: the store treats them as opaque
// bytes, and resumeRecorded restores a sampler from them as the engine restores the prompt-LM.
import { GflowpoRun } from '../../src/gflow/run';
import type { GflowpoSettingsInput } from '../../src/gflow/settings';
import { type RunSnapshot, type StepCommit, runStateOf } from '../../src/store/records';
import { type CommittedHead, applyCommit, emptySnapshot, headAfter, newRunRecord, stepCommit } from '../../src/store/step-commit';
import { FixedTarget, ScriptedSampler, promptPool, toyTask } from '../gflow/doubles';

/** A short schedule with every phase: filling, freeze, references, training with replay, a buffer that evicts. */
export const SHORT: GflowpoSettingsInput = {
  steps: 8,
  warmupSteps: 3,
  conditionFreezeStep: 4,
  referencesFromStep: 6,
  microBatches: 2,
  microBatchSize: 2,
  bufferSize: 6,
  queueSize: 3,
  seed: 5,
};

export function checkpointBytes(adapter: { step: number; logZ: number | null }): Uint8Array {
  return new Uint8Array(Float64Array.from([adapter.step, adapter.logZ ?? Number.NaN]).buffer);
}

export function adapterOf(bytes: Uint8Array): { step: number; logZ: number | null } {
  const [step, logZ] = new Float64Array(bytes.slice().buffer);
  return { step: step!, logZ: Number.isNaN(logZ) ? null : logZ! };
}

export function newSampler(): ScriptedSampler {
  return new ScriptedSampler(promptPool(40));
}

/** The run a snapshot holds, continued on a fresh sampler restored from its checkpoint. */
export function resumeRecorded(snapshot: RunSnapshot): Promise<GflowpoRun> {
  const sampler = newSampler().restored(adapterOf(snapshot.checkpoint!.bytes));
  return GflowpoRun.fromState(runStateOf(snapshot), toyTask(), sampler, new FixedTarget());
}

export interface RecordedRun {
  commits: StepCommit[];
  /** snapshots[k]: the store after commits 0..k-1 (snapshots[0] is the empty run). */
  snapshots: RunSnapshot[];
  final: RunSnapshot;
  run: GflowpoRun;
}

export async function recordRun(id = 'run-a', settings: GflowpoSettingsInput = SHORT, name = `run ${id}`): Promise<RecordedRun> {
  const sampler = newSampler();
  const run = new GflowpoRun(settings, toyTask(), sampler, new FixedTarget());
  let head: CommittedHead = { run: newRunRecord({ id, name, promptLM: 'scripted sampler', createdAt: 1000 }, run.state()), heap: [] };
  let snapshot = emptySnapshot(head.run);
  const snapshots = [snapshot];
  const commits: StepCommit[] = [];
  let now = 2000;
  // The creation commit (step 0: settings, streams, the initial checkpoint), then one per step.
  const commitOf = async (events: Awaited<ReturnType<GflowpoRun['step']>>) => {
    const state = run.state();
    const adapter = await sampler.adapterState();
    const commit = stepCommit(head, {
      state,
      events,
      checkpoint: checkpointBytes(adapter),
      status: run.finished ? 'finished' : 'running',
      now: now++,
      perExample: (key) => (key.length % 2 ? [1, 0, 1] : null),
    });
    commits.push(commit);
    head = headAfter(head, commit);
    snapshot = applyCommit(snapshot, commit);
    snapshots.push(snapshot);
  };
  await commitOf([]);
  while (!run.finished) await commitOf(await run.step());
  return { commits, snapshots, final: snapshot, run };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejected(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}
