// The exact toy's pure parts: the space (64 prompts, indices, names), the reward presets, R/Z from log-priors and
// accuracies against hand-computed values, total variation, and the checks on a typed reward table (each bad row
// named with what is wrong; an all-zero table refused as a whole).
import { describe, expect, it } from 'vitest';
import { TOY_REWARD_PARAMETERS, ToyRewardError, accuraciesFromRewards, checkAccuracies, logSumExp, parseReward, parseRewards, targetDistribution, totalVariation } from '../../../src/engines/exact-toy/distribution';
import { DEFAULT_REWARD_PRESET, REWARD_PRESETS } from '../../../src/engines/exact-toy/rewards';
import { TOY_LABELS, TOY_PROMPTS, TOY_SPACE_SIZE, ToySpaceError, toyIds, toyIndex, toyLabel, toyText } from '../../../src/engines/exact-toy/space';

describe('the toy space', () => {
  it('lists every 3-token prompt over 4 words once, at index a * 16 + b * 4 + c', () => {
    expect(TOY_SPACE_SIZE).toBe(64);
    expect(new Set(TOY_PROMPTS.map(toyText)).size).toBe(64);
    TOY_PROMPTS.forEach((ids, i) => {
      expect(toyIndex(ids)).toBe(i);
      expect(toyIds(toyText(ids))).toEqual([...ids]);
    });
    expect(TOY_PROMPTS[0]).toEqual([0, 0, 0]);
    expect(TOY_PROMPTS[27]).toEqual([1, 2, 3]);
    expect(toyLabel([1, 2, 3])).toBe('BCD');
    expect(TOY_LABELS[63]).toBe('DDD');
  });

  it('refuses text and ids that are not prompts of the space', () => {
    for (const text of ['0,1', '0,1,2,3', '0,1,4', 'a,b,c', '']) expect(() => toyIds(text)).toThrow(ToySpaceError);
    expect(() => toyIndex([0, 1])).toThrow(/not a prompt of the toy space/);
  });
});

describe('reward presets', () => {
  it('give 64 rewards of 0 or more each, not all 0, and the default follows its rule', () => {
    for (const p of REWARD_PRESETS) {
      expect(p.rewards).toHaveLength(64);
      expect(p.rewards.every((r) => r >= 0) && p.rewards.some((r) => r > 0)).toBe(true);
      expect(parseRewards(p.rewards.map(String))).toEqual({ ok: true, rewards: [...p.rewards] });
    }
    const r = (label: string) => DEFAULT_REWARD_PRESET.rewards[TOY_LABELS.indexOf(label)];
    expect([r('AAA'), r('ABC'), r('BCC'), r('DAB'), r('ADD')]).toEqual([12, 4, 3, 1, 12]);
    expect(DEFAULT_REWARD_PRESET.rewards.reduce((a, b) => a + b)).toBe(16 * 4 * 1.5 + 48 * 1.5);
  });
});

describe('R/Z and total variation', () => {
  it('computes R/Z = prior^(1/gamma) (acc + eps)^(1/beta) / Z exactly as the run rewards', () => {
    const logPrior = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
    const acc = [0.2, 1, 0];
    // R = 0.5 * (0.2 + 1e-8), 0.3 * (1 + 1e-8), 0.2 * 1e-8
    const r = [0.5 * (0.2 + 1e-8), 0.3 * (1 + 1e-8), 0.2 * 1e-8];
    const z = r[0]! + r[1]! + r[2]!;
    const target = targetDistribution(logPrior, acc, TOY_REWARD_PARAMETERS);
    target.forEach((t, i) => expect(t).toBeCloseTo(r[i]! / z, 14));
    // gamma = 2, beta = 0.5: R = sqrt(prior) * (acc + eps)^2
    const other = targetDistribution(logPrior, acc, { gamma: 2, beta: 0.5, epsilon: 1e-8 });
    const r2 = logPrior.map((lp, i) => Math.sqrt(Math.exp(lp)) * (acc[i]! + 1e-8) ** 2);
    other.forEach((t, i) => expect(t).toBeCloseTo(r2[i]! / (r2[0]! + r2[1]! + r2[2]!), 14));
  });

  it('normalises without overflow and refuses what cannot be normalised', () => {
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.log(2), 10);
    expect(logSumExp([-Infinity, -Infinity])).toBe(-Infinity);
    expect(targetDistribution([-2000, -2000 + Math.log(3)], [1, 1], TOY_REWARD_PARAMETERS)).toEqual([expect.closeTo(0.25, 12), expect.closeTo(0.75, 12)]);
    expect(() => targetDistribution([0], [1, 1], TOY_REWARD_PARAMETERS)).toThrow(ToyRewardError);
    expect(() => targetDistribution([-Infinity], [1], TOY_REWARD_PARAMETERS)).toThrow(/cannot be normalised/);
  });

  it('total variation is half the L1 distance', () => {
    expect(totalVariation([0.5, 0.5, 0], [0.25, 0.25, 0.5])).toBeCloseTo(0.5, 15);
    expect(totalVariation([0.1, 0.9], [0.1, 0.9])).toBe(0);
    expect(totalVariation([1, 0], [0, 1])).toBe(1);
    expect(() => totalVariation([1], [0.5, 0.5])).toThrow(/different sizes/);
  });
});

describe('typed rewards', () => {
  it('reads plain decimal numbers of 0 or more', () => {
    for (const [text, value] of [['3', 3], [' 2.5 ', 2.5], ['.5', 0.5], ['1e-3', 0.001], ['0', 0], ['-0', 0], ['+4', 4], ['7.', 7]] as const) {
      expect(parseReward(text)).toEqual({ ok: true, value });
    }
  });

  it('says what is wrong with anything else', () => {
    const message = (text: string) => {
      const r = parseReward(text);
      return r.ok ? null : r.message;
    };
    expect(message('')).toMatch(/^is empty/);
    expect(message('  ')).toMatch(/^is empty/);
    expect(message('abc')).toBe('is not a number: type a number such as 1 or 0.5');
    expect(message('1,5')).toMatch(/use a point for decimals/);
    for (const t of ['0x10', 'Infinity', 'NaN', '1 000', '2/3', '1e']) expect(message(t)).toMatch(/^is not a number/);
    expect(message('-1')).toBe('is negative: a reward is 0 or more');
    expect(message('1e400')).toMatch(/^is too large/);
  });

  it('names every bad row, and refuses an all-zero table as a whole', () => {
    const texts = Array.from({ length: 64 }, () => '1');
    texts[0] = 'x';
    texts[63] = '-3';
    const parsed = parseRewards(texts);
    expect(parsed).toEqual({
      ok: false,
      problems: [
        { index: 0, message: "AAA: 'x' is not a number: type a number such as 1 or 0.5" },
        { index: 63, message: "DDD: '-3' is negative: a reward is 0 or more" },
      ],
    });
    expect(parseRewards(Array.from({ length: 64 }, () => '0'))).toEqual({ ok: false, problems: [{ index: null, message: expect.stringMatching(/^Every reward is 0/) }] });
    expect(() => parseRewards(['1'])).toThrow(/has 1 rows; the toy space has 64/);
  });

  it('turns rewards into accuracies r / max(r) and checks an accuracy table', () => {
    expect(accuraciesFromRewards([2, 8, 0, 4])).toEqual([0.25, 1, 0, 0.5]);
    expect(() => accuraciesFromRewards([0, 0])).toThrow(ToyRewardError);
    expect(() => accuraciesFromRewards([1, -1])).toThrow(ToyRewardError);
    const good = accuraciesFromRewards(DEFAULT_REWARD_PRESET.rewards);
    expect(checkAccuracies(good)).toEqual(good);
    expect(() => checkAccuracies(good.slice(1))).toThrow(/one accuracy per prompt \(64\), got 63/);
    const bad = [...good];
    bad[5] = 1.5;
    expect(() => checkAccuracies(bad)).toThrow(/accuracy of ABB is 1.5/);
    bad[5] = Number.NaN;
    expect(() => checkAccuracies(bad)).toThrow(/accuracy of ABB is NaN/);
    expect(() => checkAccuracies(Array.from({ length: 64 }, () => 0))).toThrow(/every accuracy is 0/);
  });
});
