// Pure helpers of the exact-toy page: the seed and step fields as typed (text -> whole number or a message), the
// total-variation history of the two samplers as chart data, and the bar scale. No DOM, no workers.
import type { ChartData } from '../charts/series';
import { PALETTE } from '../charts/series';

/** The page's goal line: a sampler within this total variation of R/Z counts as matched. */
export const TV_GOAL = 0.05;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** A whole number in [min, max] typed in a field called `what`; the message says what to type instead. */
export function parseWhole(text: string, min: number, max: number, what: string): Parsed<number> {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return { ok: false, message: `${what}: '${text}' is not a whole number; type one from ${min} to ${max}.` };
  const value = Number(t);
  if (value < min || value > max) return { ok: false, message: `${what}: ${t} is outside ${min}–${max}; type one from ${min} to ${max}.` };
  return { ok: true, value };
}

export interface TvPoint {
  step: number;
  tv: number;
}

/**
 * Both samplers' TV against the step as one chart (x: every step either has a point at, y: null where one has
 * none yet), with the goal as a dashed line.
 */
export function tvChart(onPolicy: readonly TvPoint[], replay: readonly TvPoint[]): ChartData {
  const xs = [...new Set([...onPolicy, ...replay].map((p) => p.step))].sort((a, b) => a - b);
  const column = (points: readonly TvPoint[]) => {
    const at = new Map(points.map((p) => [p.step, p.tv]));
    return xs.map((x) => at.get(x) ?? null);
  };
  return {
    xLabel: 'step',
    yLabel: 'total variation',
    xs,
    series: [
      { label: 'on-policy', color: PALETTE[0], values: column(onPolicy) },
      { label: 'with replay', color: PALETTE[1], values: column(replay) },
      { label: `goal ${TV_GOAL}`, color: PALETTE[6], values: xs.map(() => TV_GOAL), dash: true },
    ],
    digits: 4,
  };
}

/** The first step whose TV is below the goal, or null. */
export function firstBelowGoal(points: readonly TvPoint[]): number | null {
  return points.find((p) => p.tv < TV_GOAL)?.step ?? null;
}

/** One scale for every bar of the table: the largest probability shown (at least 1e-9, so an empty page divides safely). */
export function barScale(...distributions: readonly (readonly number[] | null | undefined)[]): number {
  let max = 1e-9;
  for (const d of distributions) if (d) for (const p of d) if (p > max) max = p;
  return max;
}

/** A probability as the table writes it: '12.3%', '0.42%', '<0.01%'. */
export function percent(p: number): string {
  const v = 100 * p;
  if (v >= 10) return `${v.toFixed(1)}%`;
  if (v >= 0.01) return `${v.toFixed(2)}%`;
  return '<0.01%';
}
