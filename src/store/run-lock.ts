// One run, one writer: a Web Lock per run (navigator.locks, held while a tab or worker has the run open for
// writing and released when it closes, crashes or is terminated), and a BroadcastChannel per run on which the
// holder says where the run is open and announces each committed step, so other tabs show it read-only and
// follow it. Where there are no Web Locks (Node: the headless command, one process per state file) acquiring
// always succeeds. No IndexedDB here.

/** How long acquireUnlessAnswered waits for a silent holder (a tab just closed or reloaded) to let go. */
const SILENT_HOLDER_WAIT_MS = 3000;

/** Where a run is open for writing, as the holder describes itself. */
export interface LockHolder {
  /** E.g. 'lab tab opened 10:32' (set by the page), or 'headless command'. */
  label: string;
  /** Milliseconds since the epoch when it took the lock. */
  since: number;
  /** Its committed steps when it answered. */
  step: number;
}

export type RunMessage =
  | { type: 'who' }
  | { type: 'holder'; holder: LockHolder }
  | { type: 'committed'; step: number; events: number; status: string }
  | { type: 'released' };

export function lockName(runId: string): string {
  return `gflowpo-run:${runId}`;
}

function locks(): LockManager | undefined {
  return (globalThis.navigator as Navigator | undefined)?.locks;
}

function channel(runId: string): BroadcastChannel | undefined {
  return typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(lockName(runId));
}

/** A held run lock: answers "who has it?" and announces commits until released. */
export class RunLock {
  private released = false;

  private constructor(
    readonly runId: string,
    private holder: LockHolder,
    private readonly release$: () => void,
    private readonly channel: BroadcastChannel | undefined,
    /** Settles once the lock manager has let go of the lock. */
    private readonly gone: Promise<unknown> = Promise.resolve(),
  ) {
    if (channel) {
      channel.onmessage = (e: MessageEvent<RunMessage>) => {
        if (e.data?.type === 'who' && !this.released) channel.postMessage({ type: 'holder', holder: this.holder } satisfies RunMessage);
      };
    }
  }

  /**
   * The lock of a run, or null when another tab or worker holds it (then see `findHolder`). With `waitMs`, waits up
   * to that long for the holder to let go: a context that has just been closed, reloaded or terminated releases its
   * locks shortly after, not at once.
   */
  static async acquire(runId: string, holder: Omit<LockHolder, 'since'>, options: { waitMs?: number } = {}): Promise<RunLock | null> {
    const manager = locks();
    const me: LockHolder = { ...holder, since: Date.now() };
    if (!manager) return new RunLock(runId, me, () => undefined, channel(runId));
    const how: LockOptions = options.waitMs ? { signal: AbortSignal.timeout(options.waitMs) } : { ifAvailable: true };
    return new Promise<RunLock | null>((resolve, reject) => {
      const request: Promise<unknown> = manager.request(lockName(runId), how, (lock) => {
        if (!lock) {
          resolve(null);
          return undefined;
        }
        // Held until release() resolves this promise (or the context ends); `request` settles after that.
        return new Promise<void>((release) => resolve(new RunLock(runId, me, release, channel(runId), request)));
      });
      request.catch((error: unknown) => (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError') ? resolve(null) : reject(error)));
    });
  }

  /**
   * The lock for writing a run, or null when a live tab or worker holds it (one that answers on the run's channel).
   * A holder that does not answer may be a context just closed, reloaded or terminated whose lock is about to go:
   * waits up to `waitMs` for it before giving up.
   */
  static async acquireUnlessAnswered(runId: string, holder: Omit<LockHolder, 'since'>, waitMs = SILENT_HOLDER_WAIT_MS): Promise<RunLock | null> {
    const lock = await RunLock.acquire(runId, holder);
    if (lock) return lock;
    const other = await findHolder(runId);
    if (other && other.step >= 0) return null;
    return RunLock.acquire(runId, holder, { waitMs });
  }

  /** Updates what the holder reports (its step) and tells other tabs that a step committed. */
  committed(step: number, events: number, status: string): void {
    this.holder = { ...this.holder, step };
    this.channel?.postMessage({ type: 'committed', step, events, status } satisfies RunMessage);
  }

  /** Lets go of the lock; resolves once other contexts can take it. */
  async release(): Promise<void> {
    if (!this.released) {
      this.released = true;
      this.channel?.postMessage({ type: 'released' } satisfies RunMessage);
      this.channel?.close();
      this.release$();
    }
    await this.gone.catch(() => undefined);
  }
}

/** Whether some context holds the run's lock (false where there are no Web Locks). */
export async function isLocked(runId: string): Promise<boolean> {
  const manager = locks();
  if (!manager) return false;
  const state = await manager.query();
  return (state.held ?? []).some((l) => l.name === lockName(runId));
}

/**
 * Who holds a run open, asked on its channel: the holder's answer, a placeholder when the lock is held but nobody
 * answered within `timeoutMs` (a tab busy or of an older build), or null when nobody holds it.
 */
export async function findHolder(runId: string, timeoutMs = 400): Promise<LockHolder | null> {
  if (!(await isLocked(runId))) return null;
  const ch = channel(runId);
  if (!ch) return { label: 'another tab or worker of this lab', since: 0, step: -1 };
  try {
    return await new Promise<LockHolder>((resolve) => {
      const timer = setTimeout(() => resolve({ label: 'another tab or worker of this lab (it did not answer)', since: 0, step: -1 }), timeoutMs);
      ch.onmessage = (e: MessageEvent<RunMessage>) => {
        if (e.data?.type === 'holder') {
          clearTimeout(timer);
          resolve(e.data.holder);
        }
      };
      ch.postMessage({ type: 'who' } satisfies RunMessage);
    });
  } finally {
    ch.close();
  }
}

/** Calls `onMessage` for every commit or release announced for a run; returns a function that stops it. */
export function watchRun(runId: string, onMessage: (message: RunMessage) => void): () => void {
  const ch = channel(runId);
  if (!ch) return () => undefined;
  ch.onmessage = (e: MessageEvent<RunMessage>) => {
    if (e.data?.type === 'committed' || e.data?.type === 'released') onMessage(e.data);
  };
  return () => ch.close();
}
