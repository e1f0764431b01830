// The headless command's state file (Node only): the run file written whole after every step, to FILE.tmp then
// fsynced and renamed over FILE, so a kill at any moment leaves the last completed step whole; and its journal,
// FILE.journal, one fsynced JSON line per target-LM answer of the step in progress (removed when the step's file is
// written), so a step killed mid-way is redone without calling the target-LM again for those answers.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { RunSnapshot } from '../src/store/records';
import { type JournalFile, RunFileRepository } from '../src/store/repository';

function writeAll(fd: number, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
  fsyncSync(fd);
}

/** Replaces `file` by `bytes` so that a kill at any moment leaves either the old file or the new one, whole. */
export function writeAtomically(file: string, bytes: Uint8Array): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, bytes);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** FILE.journal: appended and fsynced line by line, read whole, removed when cleared. */
export function journalFile(stateFile: string): JournalFile {
  const path = `${stateFile}.journal`;
  return {
    append(line: string) {
      const fd = openSync(path, 'a');
      try {
        writeAll(fd, new TextEncoder().encode(line));
      } finally {
        closeSync(fd);
      }
    },
    read: () => (existsSync(path) ? readFileSync(path, 'utf8') : ''),
    clear: () => rmSync(path, { force: true }),
  };
}

/** The repository of one state file (`saved`: the run it holds when resuming). */
export function stateRepository(stateFile: string, saved: RunSnapshot | null): RunFileRepository {
  return new RunFileRepository((bytes) => writeAtomically(stateFile, bytes), saved, journalFile(stateFile));
}
