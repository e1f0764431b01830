// Exact distributions on the toy space, pure: the target R/Z from each prompt's log-prior and accuracy (the run's
// own reward formula, gflow/reward.ts), total variation between two distributions, and the checks on a reward
// table a person typed (text -> numbers, with a message per bad row). No model runs here; engine.ts scores prompts.
import { type RewardParameters, logReward } from '../../gflow/reward';
import { TOY_LABELS, TOY_SPACE_SIZE } from './space';

/**
 * The toy run's reward: logR = logPrior / gamma + log(acc + epsilon) / beta with gamma = beta = 1, i.e. GFlowPO's
 * R = p_ref(z | meta) * (acc(z) + 1e-8) (beta = 1 / |train| with the toy's one training example). The engine's run
 * and the page's R/Z both use these numbers.
 */
export const TOY_REWARD = Object.freeze({ gamma: 1, beta: 1, rewardEpsilon: 1e-8 });

/** TOY_REWARD as targetDistribution takes it. */
export const TOY_REWARD_PARAMETERS: RewardParameters = Object.freeze({ gamma: TOY_REWARD.gamma, beta: TOY_REWARD.beta, epsilon: TOY_REWARD.rewardEpsilon });

export class ToyRewardError extends Error {
  override name = 'ToyRewardError';
}

/** log(sum(exp(xs))) without overflow; -Infinity for an empty list or all -Infinity. */
export function logSumExp(xs: readonly number[]): number {
  const max = Math.max(...xs);
  if (max === -Infinity) return -Infinity;
  return max + Math.log(xs.reduce((sum, x) => sum + Math.exp(x - max), 0));
}

/**
 * R(z) / Z over the whole space: R(z) = exp(logPrior(z) / gamma + log(acc(z) + epsilon) / beta), exactly the
 * run's logR, normalised by Z = sum over every prompt. `logPrior[i]` and `accuracies[i]` are prompt i's.
 */
export function targetDistribution(logPrior: readonly number[], accuracies: readonly number[], reward: RewardParameters): number[] {
  if (logPrior.length !== accuracies.length) throw new ToyRewardError(`${logPrior.length} log-priors for ${accuracies.length} accuracies: give one of each per prompt`);
  const logR = logPrior.map((lp, i) => logReward(lp, accuracies[i]!, reward));
  const logZ = logSumExp(logR);
  if (!Number.isFinite(logZ)) throw new ToyRewardError(`log Z is ${logZ}: the rewards cannot be normalised (check the priors and accuracies are finite)`);
  return logR.map((x) => Math.exp(x - logZ));
}

/** Total variation 0.5 * sum |p - q| (both over the same prompts, in the same order). */
export function totalVariation(p: readonly number[], q: readonly number[]): number {
  if (p.length !== q.length) throw new ToyRewardError(`total variation of distributions of different sizes (${p.length} and ${q.length})`);
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += Math.abs(p[i]! - q[i]!);
  return 0.5 * sum;
}

/** Checks the engine's accuracy table: one per prompt, each finite in [0, 1], not all 0. Returns a frozen copy. */
export function checkAccuracies(accuracies: readonly number[]): readonly number[] {
  if (!Array.isArray(accuracies) || accuracies.length !== TOY_SPACE_SIZE) {
    throw new ToyRewardError(`the toy needs one accuracy per prompt (${TOY_SPACE_SIZE}), got ${Array.isArray(accuracies) ? accuracies.length : typeof accuracies}`);
  }
  accuracies.forEach((a, i) => {
    if (typeof a !== 'number' || !Number.isFinite(a) || a < 0 || a > 1) throw new ToyRewardError(`accuracy of ${TOY_LABELS[i]} is ${String(a)}: each must be a number in [0, 1]`);
  });
  if (accuracies.every((a) => a === 0)) throw new ToyRewardError('every accuracy is 0: at least one prompt needs a positive reward');
  return Object.freeze([...accuracies]);
}

/** A reward table as a person typed it: the numbers when every row is good, else one message per bad row. */
export type ParsedRewards = { ok: true; rewards: number[] } | { ok: false; problems: RewardProblem[] };

export interface RewardProblem {
  /** Prompt index, or null for a problem of the whole table (all zero). */
  index: number | null;
  message: string;
}

/** A plain decimal number: 3, 0.5, .5, 2e-3 (no hex, no 'Infinity', no thousands separators). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** One typed reward: a finite number >= 0, or what is wrong with it, in words a class reads. */
export function parseReward(text: string): { ok: true; value: number } | { ok: false; message: string } {
  const t = text.trim();
  if (t === '') return { ok: false, message: 'is empty: type a number such as 1 or 0.5' };
  if (!DECIMAL.test(t)) {
    const hint = /^\d+,\d+$/.test(t) ? ' (use a point for decimals: 1.5)' : '';
    return { ok: false, message: `is not a number${hint}: type a number such as 1 or 0.5` };
  }
  const value = Number(t);
  if (!Number.isFinite(value)) return { ok: false, message: 'is too large: type a number below 1e300' };
  if (value < 0) return { ok: false, message: 'is negative: a reward is 0 or more' };
  return { ok: true, value: value === 0 ? 0 : value }; // -0 -> 0
}

/** Every row parsed; an all-zero table is refused as a whole (R/Z divides by the sum of the rewards). */
export function parseRewards(texts: readonly string[]): ParsedRewards {
  if (texts.length !== TOY_SPACE_SIZE) throw new ToyRewardError(`the reward table has ${texts.length} rows; the toy space has ${TOY_SPACE_SIZE} prompts`);
  const problems: RewardProblem[] = [];
  const rewards: number[] = [];
  texts.forEach((text, index) => {
    const parsed = parseReward(text);
    if (parsed.ok) rewards.push(parsed.value);
    else problems.push({ index, message: `${TOY_LABELS[index]}: '${text}' ${parsed.message}` });
  });
  if (problems.length > 0) return { ok: false, problems };
  if (rewards.every((r) => r === 0)) return { ok: false, problems: [{ index: null, message: 'Every reward is 0: give at least one prompt a positive reward (R/Z divides by the sum of the rewards).' }] };
  return { ok: true, rewards };
}

/**
 * The target-LM's accuracies for typed rewards: r / max(r), in [0, 1] as an accuracy is. Only ratios matter to
 * R/Z (up to the run's epsilon of 1e-8 added to every accuracy), so scaling every reward alike changes nothing shown.
 */
export function accuraciesFromRewards(rewards: readonly number[]): number[] {
  const max = Math.max(...rewards);
  if (!(max > 0) || rewards.some((r) => !(r >= 0) || !Number.isFinite(r))) throw new ToyRewardError('rewards must be finite, 0 or more, and not all 0');
  return rewards.map((r) => r / max);
}
