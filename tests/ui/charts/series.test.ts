// Chart data helpers: tick labels with the decimals the spacing needs, the table equivalent, curves aligned on one
// x axis; the compare chart's best-so-far against calls.
import { describe, expect, it } from 'vitest';
import { alignCurves, chartTable, tickLabels } from '../../../src/ui/charts/series';
import { compareChart } from '../../../src/ui/runs/compare';

describe('tickLabels', () => {
  it('writes as many decimals as the spacing needs', () => {
    expect(tickLabels([0, 0.25, 0.5, 0.75, 1], 0.25)).toEqual(['0', '0.25', '0.50', '0.75', '1.00']);
    expect(tickLabels([-589.4622, -589.462, -589.4618], 0.0002)).toEqual(['-589.4622', '-589.4620', '-589.4618']);
    expect(tickLabels([0, 5, 10], 5)).toEqual(['0', '5', '10']);
    expect(tickLabels([2e6, 4e6], 2e6)).toEqual(['2.00e+6', '4.00e+6']);
  });
});

describe('chartTable', () => {
  it('has one row per x and a dash where a series has no value', () => {
    const table = chartTable({ xLabel: 'step', yLabel: 'y', xs: [1, 2], digits: 2, series: [{ label: 'a', color: '#000', values: [0.5, null] }, { label: 'b', color: '#000', values: [3, Number.NaN] }] });
    expect(table).toEqual({ header: ['step', 'a', 'b'], rows: [['1', '0.50', '3'], ['2', '—', '—']] });
  });
});

describe('alignCurves', () => {
  it('puts every curve on the union of the x values with nulls between its points', () => {
    expect(alignCurves([{ xs: [0, 2], ys: [1, 2] }, { xs: [1, 2, 3], ys: [5, 6, 7] }])).toEqual({ xs: [0, 1, 2, 3], ys: [[1, null, 2, null], [null, 5, 6, 7]] });
  });
});

describe('compareChart', () => {
  it('draws best-so-far against calls, one stepped curve per run from (0, 0), the last value at repeated calls', () => {
    const data = compareChart([
      { label: 'GFlowPO', steps: [{ targetCalls: 4, bestSoFar: 0.25 }, { targetCalls: 4, bestSoFar: 0.5 }, { targetCalls: 8, bestSoFar: 0.75 }] },
      { label: 'prior-only', steps: [{ targetCalls: 6, bestSoFar: 0.5 }] },
    ]);
    expect(data.xs).toEqual([0, 4, 6, 8]);
    expect(data.series.map((s) => [s.label, s.values, s.stepped])).toEqual([
      ['GFlowPO', [0, 0.5, null, 0.75], true],
      ['prior-only', [0, null, 0.5, null], true],
    ]);
    expect(data.yRange).toEqual([0, 1]);
  });
});
