// The run file: round trip (exact, NaN and -0 included), refusal of newer versions with the version needed,
// of truncated and damaged files, of non-run files, and field-by-field validation naming the bad field.
import { beforeAll, describe, expect, it } from 'vitest';
import { crc32 } from '../../src/store/crc32';
import { RunFileError, RunFileVersionError } from '../../src/store/errors';
import { type RunSnapshot, runStateOf } from '../../src/store/records';
import { RUN_FILE_VERSION, decodeRunFile, encodeRunFile } from '../../src/store/run-file';
import { thrown } from '../support/thrown';
import { type RecordedRun, recordRun } from './recorded-run';

let recorded: RecordedRun;
beforeAll(async () => {
  recorded = await recordRun();
});

/** Re-encodes after `edit` changes a deep copy (so the checksum is right and only the field is wrong). */
function edited(edit: (s: RunSnapshot) => void): Uint8Array {
  const copy = structuredClone(recorded.final);
  edit(copy);
  return encodeRunFile(copy);
}

/** Rewrites the CRC-32 trailer after a byte edit. */
function resealed(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

describe('crc32', () => {
  it('gives the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
  });
});

describe('run file', () => {
  it('round-trips a finished run exactly, the checkpoint as bytes', () => {
    const bytes = encodeRunFile(recorded.final);
    const back = decodeRunFile(bytes);
    expect(back).toEqual(recorded.final);
    expect(back.checkpoint!.bytes).toBeInstanceOf(Uint8Array);
    expect([...back.checkpoint!.bytes]).toEqual([...recorded.final.checkpoint!.bytes]);
    expect(runStateOf(back)).toEqual(recorded.run.state());
    // The checkpoint travels as raw bytes, not as a JSON array of numbers.
    const text = new TextDecoder().decode(bytes);
    expect(text.includes(`[${[...recorded.final.checkpoint!.bytes.slice(0, 4)].join(',')}`)).toBe(false);
  });

  it('reads a file held at any offset of a larger buffer (a Node Buffer) into aligned checkpoint bytes', () => {
    const bytes = encodeRunFile(recorded.final);
    const pool = new Uint8Array(bytes.length + 3);
    pool.set(bytes, 3);
    const back = decodeRunFile(Buffer.from(pool.buffer, 3, bytes.length)); // Buffer#slice is a view, not a copy
    expect(back.checkpoint!.bytes.byteOffset).toBe(0);
    expect(back.checkpoint!.bytes.buffer.byteLength).toBe(back.checkpoint!.bytes.byteLength);
    expect(back).toEqual(recorded.final);
  });

  it('keeps NaN, infinities and -0 exactly', () => {
    const back = decodeRunFile(
      edited((s) => {
        const update = s.events.find((e) => e.event.type === 'update')!;
        if (update.event.type === 'update') {
          update.event.loss = Number.NaN;
          update.event.gradNorm = Number.POSITIVE_INFINITY;
          update.event.logZ = -0;
        }
      }),
    );
    const update = back.events.find((e) => e.event.type === 'update')!.event;
    expect(update.type === 'update' && Number.isNaN(update.loss)).toBe(true);
    expect(update.type === 'update' && update.gradNorm).toBe(Number.POSITIVE_INFINITY);
    expect(update.type === 'update' && Object.is(update.logZ, -0)).toBe(true);
  });

  it('refuses a newer format version, saying which version is needed', () => {
    const bytes = encodeRunFile(recorded.final).slice();
    new DataView(bytes.buffer).setUint32(8, RUN_FILE_VERSION + 1, true);
    const e = thrown(() => decodeRunFile(resealed(bytes)));
    expect(e).toBeInstanceOf(RunFileVersionError);
    expect(e.message).toBe(`this run file is format version ${RUN_FILE_VERSION + 1}; this build reads versions up to ${RUN_FILE_VERSION}: open it with a lab build that reads version ${RUN_FILE_VERSION + 1} or later`);
  });

  it('refuses a truncated file at any length, saying it is truncated', () => {
    const bytes = encodeRunFile(recorded.final);
    for (const length of [1, 7, 12, 19, 40, 300, Math.floor(bytes.length / 2), bytes.length - 100, bytes.length - 1]) {
      const e = thrown(() => decodeRunFile(bytes.subarray(0, length)));
      expect(e, `length ${length}`).toBeInstanceOf(RunFileError);
      expect(e.message, `length ${length}`).toMatch(/truncated/);
    }
  });

  it('refuses a damaged file (any flipped byte) by its checksum', () => {
    const bytes = encodeRunFile(recorded.final);
    for (const at of [9, 20, Math.floor(bytes.length / 3), bytes.length - 50, bytes.length - 2]) {
      const damaged = bytes.slice();
      damaged[at]! ^= 0x10;
      const e = thrown(() => decodeRunFile(damaged));
      expect(e, `byte ${at}`).toBeInstanceOf(RunFileError);
      expect(e.message, `byte ${at}`).toMatch(/damaged|truncated/);
    }
    const damaged = bytes.slice();
    damaged[bytes.length - 60]! ^= 1;
    expect(thrown(() => decodeRunFile(damaged)).message).toBe('the run file is damaged: its CRC-32 checksum does not match its contents; nothing was imported');
  });

  it('refuses what is not a run file', () => {
    expect(thrown(() => decodeRunFile(new TextEncoder().encode(JSON.stringify(recorded.run.state())))).message).toMatch(/not a GFlowPO run file \(it is JSON/);
    expect(thrown(() => decodeRunFile(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).message).toMatch(/not a GFlowPO run file: a run file starts with/);
    expect(thrown(() => decodeRunFile(new Uint8Array())).message).toMatch(/not a GFlowPO run file/);
  });

  const cases: [string, (s: RunSnapshot) => void, string][] = [
    ['run status', (s) => void ((s.run as { status: string }).status = 'sleeping'), 'run.status must be one of running, paused, finished, failed, got "sleeping"'],
    ['an evaluation score', (s) => void (s.evaluations[2]!.score = 1.5), 'evaluations[2].score must be a finite number in [0, 1], got 1.5'],
    ['an evaluation split', (s) => void ((s.evaluations[0] as { split: string }).split = 'dev'), 'evaluations[0].split must be one of train, validation, test, got "dev"'],
    ['per-example scores', (s) => void (s.evaluations[1]!.perExample = [1, 'yes' as unknown as number]), 'evaluations[1].perExample[1] must be a finite number in [0, 1], got "yes"'],
    ['a record of another run', (s) => void (s.events[3]!.runId = 'other'), 'events[3].runId is "other" but must equal "run-a"'],
    ['a missing event', (s) => void s.events.splice(4, 1), 'events[4].seq is 5 but must equal 4'],
    ['an event type', (s) => void ((s.events[0]!.event as { type: string }).type = 'party'), 'events[0].event.type must be one of step, update, buffer, queue, budget, initial, done, got "party"'],
    ['counts', (s) => void (s.run.counts.queue = 7), 'queue holds 3 records but run.counts says 7'],
    ['a random stream', (s) => void (s.run.core.rng.replay = -1), 'run state rng.replay: expected a 32-bit unsigned integer, got -1'],
    ['the state version', (s) => void ((s.run.core as { version: number }).version = 99), 'run state version: unsupported run-state version 99; this build reads version 2 (start a new run)'],
    ['a setting', (s) => void (s.run.core.settings.topP = 3), 'run state settings.topP: setting topP: must be a number in (0, 1], got 3'],
    ['the buffer heap order', (s) => {
      const [a, b] = [s.buffer[0]!, s.buffer[1]!];
      [a.entry, b.entry] = [b.entry, a.entry];
    }, 'run state buffer: replay-buffer state is not a min-heap'],
    ['a seed that disagrees', (s) => void (s.run.seed = 6), 'run.core.settings.seed is 5 but must equal 6'],
    ['a meta-prompt reference', (s) => void ((s.metaPrompts[6]!.entry.metaPrompts[1] as { references: unknown }).references = [3]), 'metaPrompts[6].entry.metaPrompts[1].references[0] must be a string, got 3'],
  ];
  for (const [what, edit, message] of cases) {
    it(`names the field when ${what} is wrong`, () => {
      const e = thrown(() => decodeRunFile(edited(edit)));
      expect(e).toBeInstanceOf(RunFileError);
      expect(e.message).toBe(message);
    });
  }

  it('round-trips a run without a checkpoint; refuses a checkpoint named without its section and vice versa', () => {
    const none = { ...recorded.final, checkpoint: null };
    expect(decodeRunFile(encodeRunFile(none))).toEqual(none);
    const json = (s: RunSnapshot) => new TextEncoder().encode(JSON.stringify({ ...s, checkpoint: s.checkpoint ? { runId: s.checkpoint.runId, step: s.checkpoint.step } : null }));
    const named = container([{ name: 'run', encoding: 'json', bytes: json(recorded.final) }]);
    expect(thrown(() => decodeRunFile(named)).message).toBe('the run file names a checkpoint but has no "checkpoint" section');
    const extra = container([{ name: 'run', encoding: 'json', bytes: json(none) }, { name: 'checkpoint', encoding: 'binary', bytes: new Uint8Array(8) }]);
    expect(thrown(() => decodeRunFile(extra)).message).toBe('the run file has a "checkpoint" section but its run names no checkpoint');
  });
});

/** A run file container written independently of encodeRunFile (the documented layout). */
function container(sections: { name: string; encoding: string; bytes: Uint8Array }[]): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify({ sections: sections.map((s) => ({ name: s.name, encoding: s.encoding, length: s.bytes.length })) }));
  const body = sections.reduce((n, s) => n + s.bytes.length, 0);
  const out = new Uint8Array(16 + header.length + body + 4);
  out.set([0x89, 0x47, 0x46, 0x50, 0x4f, 0x0d, 0x0a, 0x1a]);
  const view = new DataView(out.buffer);
  view.setUint32(8, 1, true);
  view.setUint32(12, header.length, true);
  out.set(header, 16);
  let at = 16 + header.length;
  for (const s of sections) {
    out.set(s.bytes, at);
    at += s.bytes.length;
  }
  view.setUint32(at, crc32(out.subarray(0, at)), true);
  return out;
}
