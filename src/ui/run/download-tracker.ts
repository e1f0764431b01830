// Turns the hub loader's per-file progress callbacks into what the page shows for each file: bytes, speed and
// time left (from the bytes received since the file's first callback). Pure; the clock is passed in.
import type { DownloadProgress } from '../../models/hub/hub';

export interface DownloadRow {
  /** The model being loaded ('prompt-LM', 'target-LM'). */
  model: string;
  file: string;
  loaded: number;
  total: number | null;
  fromCache: boolean;
  /** Bytes per second since the first callback; null until there is a measurable interval. */
  speed: number | null;
  /** Seconds left at that speed; null when total or speed is unknown. */
  secondsLeft: number | null;
  done: boolean;
}

export class DownloadTracker {
  private readonly rows: (DownloadRow & { startedAt: number })[] = [];

  /**
   * `models` names the models in load order: LabEngine.setup loads them one after the other, each file once, so
   * the n-th download of a file name belongs to models[n] (a file seen again after it finished is the next model's).
   */
  constructor(private readonly models: readonly string[] = ['model']) {}

  /** Records one callback; returns the rows, in first-seen order. */
  update(p: DownloadProgress, now: number): DownloadRow[] {
    const same = this.rows.filter((r) => r.file === p.file);
    let row = same.find((r) => !r.done);
    // Bytes going down: a new download of that name (the next model's file whose size the server did not send).
    if (row && p.loaded < row.loaded) {
      row.done = true;
      row = undefined;
    }
    if (!row) {
      const model = this.models[Math.min(same.length, this.models.length - 1)] ?? 'model';
      row = { model, file: p.file, loaded: 0, total: p.total, fromCache: p.fromCache, speed: null, secondsLeft: null, done: false, startedAt: now };
      this.rows.push(row);
    }
    row.loaded = p.loaded;
    row.total = p.total;
    row.fromCache = p.fromCache;
    const elapsed = (now - row.startedAt) / 1000;
    row.speed = elapsed > 0.05 && !p.fromCache ? p.loaded / elapsed : null;
    row.secondsLeft = row.speed && row.total !== null ? Math.max(0, (row.total - row.loaded) / row.speed) : null;
    row.done = p.fromCache || (row.total !== null && row.loaded >= row.total);
    return this.list();
  }

  /** Marks every row finished (the load completed: files without a Content-Length end here). */
  finish(): DownloadRow[] {
    for (const r of this.rows) r.done = true;
    return this.list();
  }

  list(): DownloadRow[] {
    return this.rows.map(({ startedAt: _, ...row }) => row);
  }
}

/** 1536 -> "1.5 kB" (powers of 1000, as download sizes are usually shown). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** 75 -> "1 min 15 s"; 3 -> "3 s"; 5400 -> "1 h 30 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}
