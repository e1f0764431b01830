// What a chart draws, as plain data: x values, named y series with colours, and the same numbers as table rows
// (each chart's text equivalent). Pure: the uPlot wrapper and the table both read this.

export interface SeriesSpec {
  label: string;
  /** A colour of PALETTE (Okabe–Ito: distinguishable with the common colour-vision deficiencies). */
  color: string;
  values: readonly (number | null)[];
  dash?: boolean;
  /** Draw as steps (best-so-far curves). */
  stepped?: boolean;
}

export interface ChartData {
  xLabel: string;
  yLabel: string;
  xs: readonly number[];
  series: readonly SeriesSpec[];
  /** Fixed y range (accuracies: [0, 1]); auto when absent. */
  yRange?: readonly [number, number];
  /** Digits after the point in the table. */
  digits?: number;
}

export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'] as const;

/**
 * Axis tick labels with as many decimals as the tick spacing needs (ticks 0.0002 apart near -589.46 read
 * -589.4618, -589.4620, …), integers without a point, very large or small magnitudes in exponent form.
 */
export function tickLabels(ticks: readonly number[], spacing: number): string[] {
  const step = Math.abs(spacing);
  // The fewest decimals that write the spacing itself exactly (0.25 -> 2, 0.0002 -> 4, 5 -> 0).
  let decimals = 0;
  if (step > 0 && Number.isFinite(step)) while (decimals < 10 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6 * step * 10 ** decimals) decimals++;
  return ticks.map((t) => {
    if (t === 0) return '0';
    const a = Math.abs(t);
    if (a >= 1e6 || (a < 1e-4 && decimals > 6)) return t.toExponential(2);
    return t.toFixed(decimals);
  });
}

/** The table equivalent: one row per x, one column per series ('' where a series has no value). */
export function chartTable(data: ChartData): { header: string[]; rows: string[][] } {
  const digits = data.digits ?? 3;
  const fmt = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(digits));
  return {
    header: [data.xLabel, ...data.series.map((s) => s.label)],
    rows: data.xs.map((x, i) => [String(x), ...data.series.map((s) => fmt(s.values[i]))]),
  };
}

/**
 * Several (x, y) curves on one x axis, as uPlot's aligned form needs: the union of the x values, each curve null
 * where it has no point (the chart spans the gaps). Each curve's xs must be ascending.
 */
export function alignCurves(curves: readonly { xs: readonly number[]; ys: readonly number[] }[]): { xs: number[]; ys: (number | null)[][] } {
  const xs = [...new Set(curves.flatMap((c) => c.xs))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = curves.map((c) => {
    const column = new Array<number | null>(xs.length).fill(null);
    c.xs.forEach((x, i) => (column[index.get(x)!] = c.ys[i]!));
    return column;
  });
  return { xs, ys };
}
