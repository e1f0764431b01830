// The classroom's token tree on a hand-made step: prompts merged on shared token prefixes (duplicates and replayed
// copies on one leaf), single-continuation chains as one branch whose probability is the product of its tokens',
// one tree per distinct meta-prompt, children ordered by the updated sampler, exact sums along each path, the
// event's values on the leaves; mismatched steps refused by name; the percent and "moved" texts.
import { describe, expect, it } from 'vitest';
import type { ClassroomPrompt, ClassroomStep } from '../../../src/engines/classroom';
import type { SampleRecord } from '../../../src/gflow/events';
import { TokenTreeError, buildTokenTrees, leafPaths, moved, percent } from '../../../src/ui/classroom/token-tree';

const L = Math.log;
const VOCAB: Record<string, number> = { sort: 1, the: 2, numbers: 3, reverse: 4, '': 9 };

/** A prompt from words with per-token probabilities [prior, before, after]. */
function prompt(microBatch: number, words: string[], probs: [number, number, number][], replayed = false): ClassroomPrompt {
  return {
    microBatch,
    text: words.filter((w) => w !== '').join(' '),
    replayed,
    tokens: words.map((w, k) => ({ id: VOCAB[w]!, text: w === '' ? '' : k === 0 ? w : ` ${w}`, end: w === '' })),
    logPrior: probs.map((p) => L(p[0])),
    logBefore: probs.map((p) => L(p[1])),
    logAfter: probs.map((p) => L(p[2])),
    logPFUpdate: null,
  };
}

const PROMPTS = [
  prompt(0, ['sort', 'the', ''], [[0.5, 0.5, 0.6], [0.25, 0.2, 0.4], [0.8, 0.8, 0.9]]),
  prompt(0, ['sort', 'numbers', ''], [[0.5, 0.5, 0.6], [0.125, 0.1, 0.05], [0.5, 0.5, 0.5]]),
  prompt(0, ['sort', 'the', ''], [[0.5, 0.5, 0.6], [0.25, 0.2, 0.4], [0.8, 0.8, 0.9]], true),
  prompt(1, ['reverse', ''], [[0.25, 0.25, 0.2], [0.5, 0.5, 0.5]]),
  prompt(2, ['sort', ''], [[0.5, 0.4, 0.3], [0.1, 0.1, 0.2]]),
];
const STEP: ClassroomStep = { step: 7, updated: true, dropout: 0.05, metaPrompts: ['M', 'M', 'N'], prompts: PROMPTS };
const SAMPLES: SampleRecord[] = PROMPTS.map((p, i) => ({
  text: p.text,
  microBatch: p.microBatch,
  replayed: p.replayed,
  tokens: p.replayed ? null : p.tokens.length,
  temperature: p.replayed ? null : 1.2,
  logPrior: p.logPrior.reduce((a, b) => a + b, 0),
  trainAccuracy: [0.5, 0.25, 0.5, 0, 1][i]!,
  logReward: [-3, -5, -3, -600, -2][i]!,
  logPF: p.logBefore.reduce((a, b) => a + b, 0),
}));

const words = (tokens: { text: string; end: boolean }[]) => tokens.map((t) => (t.end ? '⏹' : t.text.trim())).join(' ');

describe('buildTokenTrees', () => {
  const trees = buildTokenTrees(STEP, SAMPLES);

  it('makes one tree per distinct meta-prompt, with the micro-batches that share it', () => {
    expect(trees.map((t) => [t.metaPrompt, t.microBatches, t.samples])).toEqual([['M', [0, 1], 4], ['N', [2], 1]]);
  });

  it('merges shared prefixes, compresses single-continuation chains and orders children by the updated sampler', () => {
    const [m] = trees;
    expect(m!.roots.map((r) => [words(r.tokens), r.count])).toEqual([['sort', 3], ['reverse ⏹', 1]]);
    const sort = m!.roots[0]!;
    expect(sort.leaves).toEqual([]);
    expect(sort.children.map((c) => [words(c.tokens), c.count])).toEqual([['the ⏹', 2], ['numbers ⏹', 1]]);
    expect(trees[1]!.roots.map((r) => words(r.tokens))).toEqual(['sort ⏹']);
  });

  it('gives each branch the product of its tokens’ probabilities under the prior and the sampler before and after', () => {
    const sort = trees[0]!.roots[0]!;
    expect([Math.exp(sort.logPrior), Math.exp(sort.logBefore), Math.exp(sort.logAfter)].map((x) => +x.toFixed(12))).toEqual([0.5, 0.5, 0.6]);
    const the = sort.children[0]!;
    expect([Math.exp(the.logPrior), Math.exp(the.logBefore), Math.exp(the.logAfter)].map((x) => +x.toFixed(12))).toEqual([0.2, 0.16, 0.36]);
    const reverse = trees[0]!.roots[1]!;
    expect([Math.exp(reverse.logPrior), Math.exp(reverse.logBefore), Math.exp(reverse.logAfter)].map((x) => +x.toFixed(12))).toEqual([0.125, 0.125, 0.1]);
    expect(the.tokens.map((t) => [t.text, t.end, +Math.exp(t.logAfter).toFixed(12)])).toEqual([[' the', false, 0.4], ['', true, 0.9]]);
  });

  it('puts a duplicate and its replayed copy on one leaf, with the event’s values and exact path sums', () => {
    const paths = leafPaths(trees[0]!);
    expect(paths.map((p) => p.leaf.text)).toEqual(['sort the', 'sort numbers', 'reverse']);
    const [theLeaf] = paths;
    expect(theLeaf!.leaf.samples).toEqual([{ index: 0, microBatch: 0, replayed: false }, { index: 2, microBatch: 0, replayed: true }]);
    expect([theLeaf!.leaf.trainAccuracy, theLeaf!.leaf.logReward]).toEqual([0.5, -3]);
    expect(Math.exp(theLeaf!.leaf.pathLogAfter)).toBeCloseTo(0.6 * 0.4 * 0.9, 14);
    expect(Math.exp(theLeaf!.leaf.pathLogPrior)).toBeCloseTo(0.1, 14);
    for (const { leaf, path } of paths) {
      expect(leaf.pathLogPrior).toBeCloseTo(leaf.logPrior, 12);
      expect(leaf.pathLogBefore).toBeCloseTo(leaf.logPF!, 12);
      expect(path.reduce((a, b) => a + b.logAfter, 0)).toBeCloseTo(leaf.pathLogAfter, 12);
    }
  });

  it('refuses values and events of different steps, and prompts without tokens', () => {
    expect(() => buildTokenTrees(STEP, SAMPLES.slice(1))).toThrow(TokenTreeError);
    expect(() => buildTokenTrees(STEP, SAMPLES.map((s, i) => (i === 1 ? { ...s, text: 'other' } : s)))).toThrow(/sample 1 is "other" in the event but "sort numbers"/);
    expect(() => buildTokenTrees({ ...STEP, metaPrompts: ['M'] }, SAMPLES)).toThrow(/micro-batch 1, which has no meta-prompt/);
    const empty = { ...PROMPTS[0]!, tokens: [], logPrior: [], logBefore: [], logAfter: [] };
    expect(() => buildTokenTrees({ ...STEP, prompts: [empty, ...PROMPTS.slice(1)] }, SAMPLES)).toThrow(/prompt 0 has no tokens/);
  });
});

describe('percent and moved', () => {
  it('writes probabilities and factors for people', () => {
    expect([L(0.5), L(0.0312), L(0.00012), L(1e-3 / 100), L(1e-9)].map(percent)).toEqual(['50.0%', '3.12%', '0.012%', '0.0010%', '< 0.0001%']);
    expect(moved(L(0.2), L(0.25))).toEqual({ factor: expect.closeTo(1.25, 12), text: '×1.250', direction: 'up' });
    expect(moved(L(0.5), L(0.4)).text).toBe('×0.800');
    expect(moved(L(0.5), L(0.5 * 1.0004)).text).toBe('unchanged');
    expect(moved(L(0.01), L(0.5)).text).toBe('×50.0');
  });
});
