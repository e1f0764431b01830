// Runs on the same task side by side: each run's best-so-far training accuracy against the target-LM calls it had
// made (one curve per run on one chart), and a summary row per run. Pure.
import { type ChartData, PALETTE, alignCurves } from '../charts/series';
import type { StepPoint } from '../run/run-log';

export interface CompareInput {
  label: string;
  steps: readonly Pick<StepPoint, 'targetCalls' | 'bestSoFar'>[];
}

/** Best-so-far accuracy against calls; a run's curve starts at (0 calls, 0) so every curve has a left end. */
export function compareChart(runs: readonly CompareInput[]): ChartData {
  const curves = runs.map((r) => {
    // Steps that made no new call share an x: keep the last value there.
    const byCalls = new Map<number, number>([[0, 0]]);
    for (const p of r.steps) byCalls.set(p.targetCalls, p.bestSoFar);
    const xs = [...byCalls.keys()].sort((a, b) => a - b);
    return { xs, ys: xs.map((x) => byCalls.get(x)!) };
  });
  const { xs, ys } = alignCurves(curves);
  return {
    xLabel: 'target-LM calls',
    yLabel: 'best train accuracy',
    xs,
    yRange: [0, 1],
    series: runs.map((r, i) => ({ label: r.label, color: PALETTE[i % PALETTE.length]!, values: ys[i]!, stepped: true })),
  };
}
