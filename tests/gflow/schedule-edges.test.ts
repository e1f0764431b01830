// Schedule edges found by mutation testing (docs/mutation.md): replay probability 0 turns replay off, and under
// decay 0 logZ is the batch mean whatever the previous value.
import { describe, expect, it } from 'vitest';
import { learningRateAt, nextLogZ, replayEnabled } from '../../src/gflow/schedule';
import { resolveSettings } from '../../src/gflow/settings';

describe('schedule edges', () => {
  it('replay probability 0 means no replay coin on training steps', () => {
    const s = resolveSettings({ replayProbability: 0 });
    expect(replayEnabled(s, s.warmupSteps + 1)).toBe(false);
    expect(replayEnabled(resolveSettings({ replayProbability: 0.25 }), s.warmupSteps + 1)).toBe(true);
  });

  it('at decay 0 logZ is the batch mean, even after a non-finite logZ', () => {
    expect(nextLogZ(Number.NaN, 1.5, 0)).toBe(1.5);
    expect(nextLogZ(Number.POSITIVE_INFINITY, -2, 0)).toBe(-2);
    expect(nextLogZ(4, 2, 0.75)).toBe(3.5);
  });
});
