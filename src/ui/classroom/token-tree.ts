// The classroom's token tree of one GFlowNet step: the step's prompts (engine values: src/engines/classroom.ts) merged
// on shared token prefixes, one tree per distinct meta-prompt (micro-batches with the same meta-prompt condition
// their tokens alike, so their prompts share a tree; with references each micro-batch has its own). Chains of
// tokens with one continuation and no prompt ending inside are one branch, whose probability is the product of its
// tokens' (the chance to write that run of tokens next, given the branch above it). Leaves carry the step event's
// reward, accuracy, logPrior and logPF of the prompt, and which samples were replayed. Pure data, no DOM.
import type { ClassroomStep, ClassroomToken } from '../../engines/classroom';
import type { SampleRecord } from '../../gflow/events';

export class TokenTreeError extends Error {
  override name = 'TokenTreeError';
}

/** One token of a branch with its log-probabilities (natural log, temperature 1). */
export interface BranchToken extends ClassroomToken {
  logPrior: number;
  logBefore: number;
  logAfter: number;
}

/** A sample of the step that ends at a leaf. */
export interface LeafSample {
  /** Index in the step event's samples. */
  index: number;
  microBatch: number;
  replayed: boolean;
}

export interface TreeLeaf {
  text: string;
  samples: LeafSample[];
  trainAccuracy: number;
  logReward: number;
  /** The step event's values (logPF: under the adapter before the update as the update computed it; null without one). */
  logPrior: number;
  logPF: number | null;
  /** Sums along the path from the root (the tree's own values). */
  pathLogPrior: number;
  pathLogBefore: number;
  pathLogAfter: number;
}

export interface TreeBranch {
  tokens: BranchToken[];
  /** Sums over the branch's tokens: the log-probability of writing them next. */
  logPrior: number;
  logBefore: number;
  logAfter: number;
  /** Samples whose prompt runs through this branch. */
  count: number;
  children: TreeBranch[];
  /** Prompts that end exactly here. */
  leaves: TreeLeaf[];
}

export interface TokenTree {
  metaPrompt: string;
  microBatches: number[];
  roots: TreeBranch[];
  samples: number;
}

interface TrieNode {
  token: BranchToken;
  children: Map<number, TrieNode>;
  leaves: TreeLeaf[];
  count: number;
}

const add = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

function leafOf(sample: SampleRecord, index: number, tokens: readonly BranchToken[]): TreeLeaf {
  return {
    text: sample.text,
    samples: [{ index, microBatch: sample.microBatch, replayed: sample.replayed }],
    trainAccuracy: sample.trainAccuracy,
    logReward: sample.logReward,
    logPrior: sample.logPrior,
    logPF: sample.logPF,
    pathLogPrior: add(tokens.map((t) => t.logPrior)),
    pathLogBefore: add(tokens.map((t) => t.logBefore)),
    pathLogAfter: add(tokens.map((t) => t.logAfter)),
  };
}

/** Children in a fixed order: most likely under the updated sampler first, then by token text and id. */
function ordered(branches: TreeBranch[]): TreeBranch[] {
  return branches.sort((a, b) => b.logAfter - a.logAfter || a.tokens.map((t) => t.text).join('').localeCompare(b.tokens.map((t) => t.text).join('')) || a.tokens[0]!.id - b.tokens[0]!.id);
}

/** A trie node and its single-continuation chain below it as one branch. */
function compress(node: TrieNode): TreeBranch {
  const tokens = [node.token];
  let at = node;
  while (at.children.size === 1 && at.leaves.length === 0) {
    at = [...at.children.values()][0]!;
    tokens.push(at.token);
  }
  return {
    tokens,
    logPrior: add(tokens.map((t) => t.logPrior)),
    logBefore: add(tokens.map((t) => t.logBefore)),
    logAfter: add(tokens.map((t) => t.logAfter)),
    count: node.count,
    children: ordered([...at.children.values()].map(compress)),
    leaves: at.leaves,
  };
}

/** The step's token trees (one per distinct meta-prompt, in micro-batch order) from the engine's values and the step event's samples. */
export function buildTokenTrees(step: ClassroomStep, samples: readonly SampleRecord[]): TokenTree[] {
  if (samples.length !== step.prompts.length) throw new TokenTreeError(`the step event has ${samples.length} samples, the classroom values ${step.prompts.length} prompts: they must be the same step`);
  const groups = new Map<string, { microBatches: number[]; roots: Map<number, TrieNode>; samples: number }>();
  step.prompts.forEach((p, index) => {
    const sample = samples[index]!;
    if (sample.text !== p.text || sample.microBatch !== p.microBatch) throw new TokenTreeError(`sample ${index} is ${JSON.stringify(sample.text)} in the event but ${JSON.stringify(p.text)} in the classroom values: they must be the same step`);
    if (p.tokens.length === 0) throw new TokenTreeError(`prompt ${index} has no tokens`);
    const lengths = [p.logPrior.length, p.logBefore.length, p.logAfter.length];
    if (lengths.some((n) => n !== p.tokens.length)) throw new TokenTreeError(`prompt ${index} has ${p.tokens.length} tokens but ${lengths.join('/')} log-probabilities`);
    const metaPrompt = step.metaPrompts[p.microBatch];
    if (metaPrompt === undefined) throw new TokenTreeError(`prompt ${index} names micro-batch ${p.microBatch}, which has no meta-prompt`);
    let group = groups.get(metaPrompt);
    if (!group) groups.set(metaPrompt, (group = { microBatches: [], roots: new Map(), samples: 0 }));
    if (!group.microBatches.includes(p.microBatch)) group.microBatches.push(p.microBatch);
    group.samples++;
    const tokens: BranchToken[] = p.tokens.map((t, k) => ({ ...t, logPrior: p.logPrior[k]!, logBefore: p.logBefore[k]!, logAfter: p.logAfter[k]! }));
    let level = group.roots;
    let node: TrieNode | undefined;
    for (const token of tokens) {
      node = level.get(token.id);
      // A shared prefix keeps the values of the first prompt through it (the same context gives the same values).
      if (!node) level.set(token.id, (node = { token, children: new Map(), leaves: [], count: 0 }));
      node.count++;
      level = node.children;
    }
    const same = node!.leaves.find((l) => l.text === sample.text);
    if (same) same.samples.push({ index, microBatch: sample.microBatch, replayed: sample.replayed });
    else node!.leaves.push(leafOf(sample, index, tokens));
  });
  return [...groups.entries()].map(([metaPrompt, g]) => ({ metaPrompt, microBatches: g.microBatches, roots: ordered([...g.roots.values()].map(compress)), samples: g.samples }));
}

/** Every leaf of a tree with the branches on its path, root first (for the leaf's numbers and for tests). */
export function leafPaths(tree: TokenTree): { leaf: TreeLeaf; path: TreeBranch[] }[] {
  const out: { leaf: TreeLeaf; path: TreeBranch[] }[] = [];
  const walk = (branch: TreeBranch, path: TreeBranch[]): void => {
    const here = [...path, branch];
    for (const leaf of branch.leaves) out.push({ leaf, path: here });
    for (const child of branch.children) walk(child, here);
  };
  for (const root of tree.roots) walk(root, []);
  return out;
}

/** A probability for people: percent with enough digits to see small ones ("12.3%", "0.041%", "< 0.0001%"). */
export function percent(logProbability: number): string {
  const p = Math.exp(logProbability) * 100;
  if (p >= 10) return `${p.toFixed(1)}%`;
  if (p >= 1) return `${p.toFixed(2)}%`;
  if (p >= 1e-4) return `${p.toPrecision(2)}%`;
  return '< 0.0001%';
}

/** How an update moved a probability, as a factor ("×1.25", "×0.80", "unchanged" when within 0.05%). */
export function moved(logBefore: number, logAfter: number): { factor: number; text: string; direction: 'up' | 'down' | 'same' } {
  const factor = Math.exp(logAfter - logBefore);
  if (Math.abs(factor - 1) < 5e-4) return { factor, text: 'unchanged', direction: 'same' };
  return { factor, text: `×${factor >= 10 ? factor.toFixed(1) : factor.toFixed(3)}`, direction: factor > 1 ? 'up' : 'down' };
}
