// The token sampler at GFlowPO's real vocabulary size (49152 tokens, top-k 50, top-p 0.9): the fast top-k
// selection equals a brute-force sort, and seeded draws never leave the 50 most likely tokens. The same code
// paths are checked on smaller vocabularies in token-sampling-topk.test.ts; this file is left out of mutation
// testing (scripts/stryker.vitest.config.ts), where instrumented loops over 49152 logits take minutes per mutant.
import { describe, expect, it } from 'vitest';
import { mulberry32, randn } from '../../src/random/mulberry32';
import { sampleToken, truncatedDistribution } from '../../src/runtime/token-sampling';
import { bruteForce } from './token-sampling-reference';

describe('token sampling over a 49152-token vocabulary', () => {
  it('equals a brute-force sort (k 50, p 0.9, temperatures 1, 2, 0.5)', () => {
    const rng = mulberry32(5);
    for (const t of [1, 2, 0.5]) {
      const logits = Array.from({ length: 49152 }, () => 3 * randn(rng));
      const d = truncatedDistribution(logits, { temperature: t, topK: 50, topP: 0.9 });
      const want = bruteForce(logits, t, 50, 0.9);
      expect(d.tokens).toEqual([...want.keys()]);
      d.tokens.forEach((tok, i) => expect(d.probs[i]).toBeCloseTo(want.get(tok)!, 12));
      expect(d.tokens.length).toBeLessThanOrEqual(50);
    }
  });

  it('GFlowPO sampling at temperature 2, top-k 50 then top-p 0.9 over a peaked vocabulary never draws past the 50th token', () => {
    const rng = mulberry32(3);
    const logits = Array.from({ length: 49152 }, (_, i) => -0.002 * i + 0.3 * randn(rng)); // a long flat tail
    const order = logits.map((_, i) => i).sort((a, b) => logits[b]! - logits[a]!);
    const top50 = new Set(order.slice(0, 50));
    const draw = mulberry32(4);
    for (let i = 0; i < 400; i++) expect(top50.has(sampleToken(logits, { temperature: 2, topK: 50, topP: 0.9 }, draw).token)).toBe(true);
  });
});
