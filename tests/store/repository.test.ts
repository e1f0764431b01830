// RunFileRepository, the headless command's store: every change written whole as a run file (the in-memory copy
// moves on only when the write succeeded), stale or foreign commits refused, and the journal of the step in
// progress appended line by line, read back without a line a kill cut short, and cleared by the step's commit.
import { describe, expect, it } from 'vitest';
import { RunStoreError } from '../../src/store/errors';
import { type JournalFile, RunFileRepository } from '../../src/store/repository';
import { decodeRunFile } from '../../src/store/run-file';
import { emptySnapshot } from '../../src/store/step-commit';
import { recordRun, rejected } from './recorded-run';

class MemoryJournal implements JournalFile {
  text = '';
  append(line: string): void {
    this.text += line;
  }
  read(): string {
    return this.text;
  }
  clear(): void {
    this.text = '';
  }
}

describe('RunFileRepository', () => {
  it('writes the whole run after every commit; a failed write leaves it at the last written step', async () => {
    const run = await recordRun('file-run');
    const files: Uint8Array[] = [];
    let failNext = false;
    const repo = new RunFileRepository((bytes) => {
      if (failNext) throw new Error('disk full');
      files.push(bytes);
    });
    await repo.create(emptySnapshot(run.snapshots[0]!.run));
    for (let k = 0; k < 4; k++) await repo.commit(run.commits[k]!, { step: run.snapshots[k]!.run.step, events: run.snapshots[k]!.run.counts.events });
    expect(decodeRunFile(files.at(-1)!)).toEqual(run.snapshots[4]);
    failNext = true;
    await expect(repo.commit(run.commits[4]!, { step: run.snapshots[4]!.run.step, events: run.snapshots[4]!.run.counts.events })).rejects.toThrow('disk full');
    expect(repo.current()).toEqual(run.snapshots[4]);
    failNext = false;
    await expect(repo.commit(run.commits[5]!, { step: 4, events: 0 })).rejects.toThrow('the state file moved on (step 3) while this run followed step 4');
    await repo.commit(run.commits[4]!, { step: run.snapshots[4]!.run.step, events: run.snapshots[4]!.run.counts.events });
    expect(decodeRunFile(files.at(-1)!)).toEqual(run.snapshots[5]);
    expect((await rejected(repo.create(run.snapshots[0]!))).message).toBe('this state file already holds run file-run; resume it, or write the new run to another file');
    expect(await rejected(repo.loadSnapshot('other'))).toBeInstanceOf(RunStoreError);
  });

  it('journals answers until the commit; a line cut by a kill and foreign lines are skipped', async () => {
    const run = await recordRun('file-run');
    const journal = new MemoryJournal();
    const repo = new RunFileRepository(() => undefined, run.snapshots[2]!, journal);
    const answer = { runId: 'file-run', key: '["a"]', step: 2, score: 0.25, perExample: [0, 1, 0, 0] };
    await repo.putPending(answer);
    await repo.putPending({ ...answer, key: '["b"]', perExample: null });
    journal.text += '{"runId":"other","key":"x","step":2,"score":1,"perExample":null}\n{"runId":"file-run","key":"["c"]","ste';
    expect(await repo.pending('file-run')).toEqual([answer, { ...answer, key: '["b"]', perExample: null }]);
    await repo.commit(run.commits[2]!, { step: run.snapshots[2]!.run.step, events: run.snapshots[2]!.run.counts.events });
    expect(journal.text).toBe('');
    expect(await repo.pending('file-run')).toEqual([]);
    await expect(repo.putPending({ ...answer, runId: 'other' })).rejects.toThrow('this state file holds run file-run, not run other');
  });
});
