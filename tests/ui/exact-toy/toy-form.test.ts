// The exact-toy page's pure helpers: typed seed and steps, the two TV histories as one chart with the goal line,
// the first step below the goal, the shared bar scale and percentages as the table writes them.
import { describe, expect, it } from 'vitest';
import { TV_GOAL, barScale, firstBelowGoal, parseWhole, percent, tvChart } from '../../../src/ui/exact-toy/toy-form';

describe('exact-toy form helpers', () => {
  it('reads whole numbers in range and says what to type otherwise', () => {
    expect(parseWhole(' 300 ', 10, 2000, 'Steps')).toEqual({ ok: true, value: 300 });
    expect(parseWhole('0', 0, 5, 'Seed')).toEqual({ ok: true, value: 0 });
    expect(parseWhole('5', 10, 2000, 'Steps')).toEqual({ ok: false, message: 'Steps: 5 is outside 10–2000; type one from 10 to 2000.' });
    for (const t of ['', 'x', '1.5', '-3', '1e3', '0x10']) expect(parseWhole(t, 0, 10, 'Seed')).toEqual({ ok: false, message: `Seed: '${t}' is not a whole number; type one from 0 to 10.` });
  });

  it('merges both histories on one x axis, null where a sampler has no point yet, with the goal dashed', () => {
    const chart = tvChart([{ step: 0, tv: 0.3 }, { step: 5, tv: 0.2 }, { step: 10, tv: 0.1 }], [{ step: 0, tv: 0.3 }, { step: 5, tv: 0.25 }]);
    expect(chart.xs).toEqual([0, 5, 10]);
    expect(chart.series.map((s) => [s.label, s.values])).toEqual([
      ['on-policy', [0.3, 0.2, 0.1]],
      ['with replay', [0.3, 0.25, null]],
      [`goal ${TV_GOAL}`, [0.05, 0.05, 0.05]],
    ]);
    expect(chart.series[2]!.dash).toBe(true);
    expect(tvChart([], []).xs).toEqual([]);
  });

  it('finds the first step strictly below the goal', () => {
    expect(firstBelowGoal([{ step: 0, tv: 0.3 }, { step: 5, tv: 0.05 }, { step: 10, tv: 0.049 }, { step: 15, tv: 0.06 }])).toBe(10);
    expect(firstBelowGoal([{ step: 0, tv: 0.3 }])).toBeNull();
  });

  it('scales bars to the largest probability shown and writes percentages', () => {
    expect(barScale([0.1, 0.4], null, [0.2, 0.3], undefined)).toBe(0.4);
    expect(barScale(null)).toBe(1e-9);
    expect([percent(0.1234), percent(0.01234), percent(0.000123), percent(0.0000009), percent(1)]).toEqual(['12.3%', '1.23%', '0.01%', '<0.01%', '100.0%']);
  });
});
