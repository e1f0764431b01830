// Ready-made reward tables for the exact toy (what a class starts from before typing its own): each is a rule in
// words and the 64 rewards it gives, in TOY_PROMPTS order. Pure data and small functions; nothing is trained here.
import { TOY_PROMPTS } from './space';

export interface RewardPreset {
  id: string;
  name: string;
  /** The rule in one sentence a class reads. */
  rule: string;
  rewards: readonly number[];
}

const from = (rule: (a: number, b: number, c: number) => number): readonly number[] => Object.freeze(TOY_PROMPTS.map(([a, b, c]) => rule(a!, b!, c!)));

export const REWARD_PRESETS: readonly RewardPreset[] = Object.freeze([
  {
    id: 'letters',
    name: 'Starts with A, ends in a pair',
    rule: 'Every prompt earns 1; starting with A multiplies it by 4, and ending in two equal letters multiplies it by 3.',
    rewards: from((a, b, c) => (a === 0 ? 4 : 1) * (b === c ? 3 : 1)),
  },
  {
    id: 'uniform',
    name: 'All equal',
    rule: 'Every prompt earns 1, so R/Z is the prior itself: the untrained sampler is already right (TV 0), and training should keep it there.',
    rewards: from(() => 1),
  },
  {
    id: 'favourite',
    name: 'One favourite',
    rule: 'CAB earns 20, every other prompt 1: the sampler should write CAB 20 times as often, relative to the others, as the prior does.',
    rewards: from((a, b, c) => (a === 2 && b === 0 && c === 1 ? 20 : 1)),
  },
  {
    id: 'b-first',
    name: 'B first',
    rule: 'Prompts starting with B earn 10, all others 1.',
    rewards: from((a) => (a === 1 ? 10 : 1)),
  },
]);

/** The page's starting table (the one the browser test trains to TV < 0.05). */
export const DEFAULT_REWARD_PRESET: RewardPreset = REWARD_PRESETS[0]!;
