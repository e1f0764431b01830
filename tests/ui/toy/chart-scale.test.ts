// Loss-chart geometry: exact pixel positions, log axis, dropped non-finite points, thinning of long series.
import { describe, expect, it } from 'vitest';
import { chartGeometry, type Box } from '../../../src/ui/toy/chart-scale';

// Plot area 100 x 100 px starting at (10, 5).
const box: Box = { width: 120, height: 120, left: 10, right: 10, top: 5, bottom: 15 };

const parse = (points: string) => points.split(' ').map((p) => p.split(',').map(Number) as [number, number]);

describe('chartGeometry', () => {
  it('maps first and last step to the plot edges and the loss range (padded 4%) to its height', () => {
    const g = chartGeometry([3, 2, 1], box, false);
    const pts = parse(g.points);
    // y range [1, 3] padded by 0.08 each side -> [0.92, 3.08]; loss 3 sits 0.08/2.16 of 100 px below the top.
    expect(pts).toEqual([
      [10, 8.7],
      [60, 55],
      [110, 101.3],
    ]);
    expect(g.xTicks.map((t) => t.label)).toEqual(['1', '2', '3']);
    expect(g.yTicks.map((t) => t.label)).toEqual(['0.920', '1.46', '2.00', '2.54', '3.08']);
  });

  it('puts a decade per equal step on the log axis and labels ticks in loss units', () => {
    const pts = parse(chartGeometry([100, 10, 1], box, true).points);
    expect(pts[1]?.[1]).toBeCloseTo(55, 1); // 10 is half-way between 1 and 100 on a log axis
    expect(chartGeometry([100, 10, 1], box, true).yTicks[2]?.label).toBe('10.0');
  });

  it('leaves out non-finite losses, and losses <= 0 on a log axis', () => {
    expect(parse(chartGeometry([1, Number.NaN, Infinity, 0.5], box, false).points)).toHaveLength(2);
    expect(parse(chartGeometry([1, 0, -1, 0.5], box, true).points)).toHaveLength(2);
    expect(chartGeometry([Number.NaN], box, false)).toEqual({ points: '', xTicks: [], yTicks: [] });
  });

  it('thins long series to at most 1200 points and keeps the last step', () => {
    const losses = Array.from({ length: 10_000 }, (_, i) => 1 / (i + 1));
    const pts = parse(chartGeometry(losses, box, false).points);
    expect(pts.length).toBeLessThanOrEqual(1201);
    expect(pts.at(-1)?.[0]).toBe(110);
  });

  it('gives a flat series a visible range instead of dividing by zero', () => {
    const pts = parse(chartGeometry([2, 2], box, false).points);
    expect(pts.map(([, y]) => y)).toEqual([55, 55]);
  });
});
