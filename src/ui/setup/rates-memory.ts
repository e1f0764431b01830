// The step-part rates last measured for each (prompt-LM, target-LM, backend, weight precision) (a run's
// calibration when its models load, then its own steps), kept in localStorage so the setup view can estimate a
// run's time before it starts. Values are validated on read; a bad or missing entry is "unknown".
import type { PartRates } from '../../gflow/estimate';

const KEY = 'gflowpo-lab.rates.v1';
const MAX_ENTRIES = 50;
const PARTS: readonly (keyof PartRates)[] = ['sampleMs', 'priorMs', 'targetMsPerExample', 'accumulateMs', 'applyMs'];

interface Entry {
  rates: PartRates;
  at: number;
}

function readAll(): Record<string, Entry> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, Entry>) : {};
  } catch {
    return {};
  }
}

/** Quantised weights run at other rates than float32 ones: a precision other than 'f32' is part of the key. */
export function ratesKey(promptModel: string, targetModel: string, backend: string, weightPrecision = 'f32'): string {
  return JSON.stringify(weightPrecision === 'f32' ? [promptModel, targetModel, backend] : [promptModel, targetModel, backend, weightPrecision]);
}

export function recallRates(key: string): PartRates | null {
  const e = readAll()[key];
  const ok = e && typeof e === 'object' && e.rates && PARTS.every((p) => typeof e.rates[p] === 'number' && Number.isFinite(e.rates[p]) && e.rates[p] >= 0);
  return ok ? e.rates : null;
}

export function rememberRates(key: string, rates: PartRates, at = Date.now()): void {
  try {
    const all = readAll();
    all[key] = { rates, at };
    const newest = Object.entries(all).sort(([, a], [, b]) => (b?.at ?? 0) - (a?.at ?? 0)).slice(0, MAX_ENTRIES);
    localStorage.setItem(KEY, JSON.stringify(Object.fromEntries(newest)));
  } catch {
    // Storage full or blocked: the estimate stays unknown, nothing else depends on it.
  }
}
