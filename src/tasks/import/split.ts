// Deterministic train/validation/test splits: one seeded shuffle (mulberry32), sizes by largest remainder, and
// stratified by label when every example has one (each label's share of a split within one example of its share
// of the data). It does not map or validate rows (mapping.ts).
import { mulberry32 } from '../../random/mulberry32';
import type { ExampleSplits, SplitFractions } from './types';

export class SplitError extends Error {
  override name = 'SplitError';
}

const SPLITS = ['train', 'validation', 'test'] as const;

/**
 * Splits `examples` by `fractions` (each in [0, 1], summing to 1). The same examples, fractions and seed give the
 * same splits; each split is in shuffled order. Stratified on a string `label` (ImportedExample's raw label)
 * unless options.stratify is false or an example has none.
 */
export function splitExamples<T extends object>(
  examples: readonly T[],
  fractions: SplitFractions,
  seed: number,
  options: { stratify?: boolean } = {},
): ExampleSplits<T> {
  const weights = SPLITS.map((s) => fractions[s]);
  if (weights.some((w) => !Number.isFinite(w) || w < 0 || w > 1) || Math.abs(weights.reduce((a, b) => a + b, 0) - 1) > 1e-9) {
    throw new SplitError(`split fractions must each be in [0, 1] and sum to 1, got train ${fractions.train}, validation ${fractions.validation}, test ${fractions.test}`);
  }
  const n = examples.length;
  // One shuffle: rank[i] is example i's place in it. Groups keep shuffled order; splits are read out in it.
  const order = Array.from({ length: n }, (_, i) => i);
  const rng = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const labelOf = (e: T) => (e as { label?: unknown }).label;
  const stratify = options.stratify !== false && n > 0 && examples.every((e) => typeof labelOf(e) === 'string');
  const groups = new Map<string, number[]>(); // label -> example indexes in shuffled order
  for (const i of order) {
    const key = stratify ? (labelOf(examples[i]!) as string) : '';
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  }
  const members = [...groups.values()];
  const counts = allocate(members.map((g) => g.length), weights, largestRemainder(n, weights));
  const rank = new Array<number>(n);
  order.forEach((i, k) => (rank[i] = k));
  const out: number[][] = [[], [], []];
  members.forEach((group, g) => {
    let at = 0;
    for (let s = 0; s < 3; s++) {
      for (const i of group.slice(at, at + counts[g]![s]!)) out[s]!.push(i); // not push(...): a large group overflows the stack
      at += counts[g]![s]!;
    }
  });
  const pick = (s: number) => out[s]!.sort((a, b) => rank[a]! - rank[b]!).map((i) => examples[i]!);
  return { train: pick(0), validation: pick(1), test: pick(2) };
}

/** Integer parts of total * weights summing to total: floors, then the largest remainders (earlier first on ties). */
export function largestRemainder(total: number, weights: readonly number[]): number[] {
  const ideal = weights.map((w) => total * w);
  const counts = ideal.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = ideal.map((x, s) => ({ s, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.s - b.s);
  for (const { s } of byRemainder) {
    if (left <= 0) break;
    counts[s]!++;
    left--;
  }
  return counts;
}

/**
 * counts[g][s] for group sizes and split totals: each cell the floor or ceiling of size * weight where possible,
 * rows summing to the group sizes and columns to the totals (controlled rounding: greedy on remainders, then
 * augmenting paths for what the greedy pass leaves).
 */
function allocate(sizes: readonly number[], weights: readonly number[], totals: readonly number[]): number[][] {
  const counts = sizes.map((size) => weights.map((w) => Math.floor(size * w)));
  const rowLeft = sizes.map((size, g) => size - counts[g]!.reduce((a, b) => a + b, 0));
  const colLeft = totals.map((t, s) => t - counts.reduce((a, row) => a + row[s]!, 0));
  const cells = sizes
    .flatMap((size, g) => weights.map((w, s) => ({ g, s, r: size * w - Math.floor(size * w) })))
    .sort((a, b) => b.r - a.r || a.g - b.g || a.s - b.s);
  for (const { g, s, r } of cells) {
    if (rowLeft[g]! > 0 && colLeft[s]! > 0 && r > 0) {
      counts[g]![s]!++;
      rowLeft[g]!--;
      colLeft[s]!--;
    }
  }
  // A row still short takes a fractional cell of a full column by moving another row's rounded-up unit there to a
  // column with room (an augmenting path), so each cell stays the floor or ceiling of its share; the greedy pass
  // alone could leave a row only a cell already rounded up (3 examples at 0.2/0.2/0.6 went 0/0/3).
  const floorOf = (g: number, s: number) => Math.floor(sizes[g]! * weights[s]!);
  const augment = (g: number, seen: boolean[]): boolean => {
    for (let s = 0; s < weights.length; s++) {
      if (seen[s] || sizes[g]! * weights[s]! <= floorOf(g, s) || counts[g]![s]! > floorOf(g, s)) continue;
      seen[s] = true;
      if (colLeft[s]! > 0) colLeft[s]!--;
      else {
        const h = sizes.findIndex((_, h) => counts[h]![s]! > floorOf(h, s) && augment(h, seen));
        if (h < 0) continue;
        counts[h]![s]!--;
      }
      counts[g]![s]!++;
      return true;
    }
    return false;
  };
  for (let g = 0; g < sizes.length; g++) {
    while (rowLeft[g]! > 0 && augment(g, [])) rowLeft[g]!--;
  }
  // Anything still left (none in exact arithmetic; kept for rounding at the 1e-9 sum tolerance): any cell whose row
  // and column both lack examples.
  for (let g = 0; g < sizes.length; g++) {
    for (let s = 0; s < weights.length && rowLeft[g]! > 0; s++) {
      const k = Math.min(rowLeft[g]!, colLeft[s]!);
      counts[g]![s]! += k;
      rowLeft[g]! -= k;
      colLeft[s]! -= k;
    }
  }
  return counts;
}
