// The last measured pace of each (prompt-LM, target-LM, backend) triple, kept in localStorage so the setup view can
// estimate a run's time before it starts. Values are validated on read; a bad or missing entry is "unknown".
import type { Pace } from './estimate';

const KEY = 'gflowpo-lab.pace.v1';
const MAX_ENTRIES = 50;

function readAll(): Record<string, Pace> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, Pace>) : {};
  } catch {
    return {};
  }
}

const okMs = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v) && v > 0);

export function paceKey(promptModel: string, targetModel: string, backend: string): string {
  return JSON.stringify([promptModel, targetModel, backend]);
}

export function recallPace(key: string): Pace | null {
  const p = readAll()[key];
  return p && okMs(p.fillingMs) && okMs(p.trainingMs) && typeof p.at === 'number' ? p : null;
}

export function rememberPace(key: string, pace: Pace): void {
  try {
    const all = readAll();
    const old = all[key];
    // A run without training steps keeps the training pace measured before (and the other way round).
    all[key] = { fillingMs: pace.fillingMs ?? old?.fillingMs ?? null, trainingMs: pace.trainingMs ?? old?.trainingMs ?? null, at: pace.at };
    const newest = Object.entries(all).sort(([, a], [, b]) => b.at - a.at).slice(0, MAX_ENTRIES);
    localStorage.setItem(KEY, JSON.stringify(Object.fromEntries(newest)));
  } catch {
    // Storage full or blocked: the estimate stays unknown, nothing else depends on it.
  }
}
