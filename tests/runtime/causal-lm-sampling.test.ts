// CausalLM sampling checked on values against the float64 reference forward (tests/reference/llama-forward.ts)
// on the tiny fixture: greedy decoding is the reference argmax at every step (batched, left-padded rows) with
// the reference log-prob; and the first sampled token, over thousands of seeded rows, follows the reference
// softmax at temperature T after top-k and top-p, by a chi-square test whose bound comes from the sampling
// error (below). The sampler's own reproducibility and padding tests are in causal-lm.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { loadModelFiles } from '../../src/models/formats/load-model';
import { CausalLM, uploadLlamaWeights } from '../../src/runtime/causal-lm';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { llamaReferenceLogits } from '../reference/llama-forward';

const model = loadModelFiles(new Map(Object.entries(tinyLlamaFixtureFiles({ seed: 3 }))));
const { config } = model;
const V = config.vocabSize;
const PAD = 3;

async function open(): Promise<CausalLM> {
  const ort = await loadOrtNode();
  return CausalLM.create(ort, config, await uploadLlamaWeights(ort, 'wasm', config, model.weights));
}

/** Reference log-softmax rows (T,V) of one unpadded row, float64. */
function referenceLogSoftmax(ids: readonly number[]): number[][] {
  const logits = llamaReferenceLogits(config, model.weights, { ids: [ids], padding: [0] });
  return ids.map((_, t) => {
    const row = Array.from(logits.subarray(t * V, (t + 1) * V));
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
    return row.map((x) => x - lse);
  });
}

/** softmax(logp / T) restricted to the top-k, then the smallest top set reaching topP, renormalised (HF's order). */
function warped(logp: readonly number[], temperature: number, topK: number, topP: number): Map<number, number> {
  const order = logp.map((_, i) => i).sort((a, b) => logp[b]! - logp[a]! || a - b);
  const k = topK > 0 ? topK : logp.length;
  const top = order.slice(0, k);
  const w = top.map((i) => Math.exp(logp[i]! / temperature));
  const z = w.reduce((a, b) => a + b, 0);
  const kept: number[] = [];
  let mass = 0;
  for (let j = 0; j < top.length && (j === 0 || mass < topP); j++) {
    kept.push(top[j]!);
    mass += w[j]! / z;
  }
  const keptMass = kept.reduce((a, i) => a + w[top.indexOf(i)]! / z, 0);
  return new Map(kept.map((i) => [i, w[top.indexOf(i)]! / z / keptMass]));
}

/**
 * Pearson's chi-square of observed token counts against probabilities `p` (bins with expected count < 5 pooled
 * into one) and the bound it must stay under: the chi-square quantile at 1 - 1e-6 for its degrees of freedom
 * (Wilson-Hilferty). A correct sampler exceeds it with probability 1e-6; the seeds are fixed, so the test is
 * deterministic, and the bound says the agreement is not luck.
 */
function chiSquare(counts: Map<number, number>, p: Map<number, number>, n: number): { stat: number; bound: number; outside: number } {
  let stat = 0;
  let pooledObserved = 0;
  let pooledExpected = 0;
  let bins = 0;
  for (const [token, prob] of p) {
    const e = prob * n;
    const o = counts.get(token) ?? 0;
    if (e < 5) {
      pooledObserved += o;
      pooledExpected += e;
    } else {
      stat += (o - e) ** 2 / e;
      bins++;
    }
  }
  if (pooledExpected > 0) {
    stat += (pooledObserved - pooledExpected) ** 2 / pooledExpected;
    bins++;
  }
  const df = bins - 1;
  const z = 4.753; // standard normal quantile at 1 - 1e-6
  const bound = df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
  const outside = [...counts.entries()].filter(([t]) => !p.has(t)).reduce((a, [, c]) => a + c, 0);
  return { stat, bound, outside };
}

const N = 2000;
const PROMPT = [1, 10, 11];

/** N one-token samples of PROMPT with seeds 0..N-1; counts per token and the samples. */
async function firstTokens(lm: CausalLM, temperature: number, topK: number, topP: number) {
  const samples = await lm.sample(Array.from({ length: N }, () => PROMPT), {
    temperature, topK, topP, maxNewTokens: 1, eosTokenIds: [], seeds: Array.from({ length: N }, (_, i) => i), adapter: false, padTokenId: PAD,
  });
  const counts = new Map<number, number>();
  for (const s of samples) counts.set(s.tokens[0]!, (counts.get(s.tokens[0]!) ?? 0) + 1);
  return { counts, samples };
}

describe('CausalLM sampling against the reference forward', () => {
  let lm: CausalLM;
  beforeAll(async () => {
    lm = await open();
  });
  afterAll(async () => {
    await lm.release();
  });

  it('temperature 0 is the reference argmax at every step, with the reference log-prob, on left-padded batched rows', async () => {
    const prompts = [[1, 10, 11, 12, 13], [1, 20], [1, 30, 31]];
    const samples = await lm.sample(prompts, { temperature: 0, topP: 1, maxNewTokens: 10, eosTokenIds: config.eosTokenIds, seeds: [0, 0, 0], adapter: false, padTokenId: PAD });
    samples.forEach((s, b) => {
      const rows = referenceLogSoftmax([...prompts[b]!, ...s.tokens]);
      let logProb = 0;
      s.tokens.forEach((token, k) => {
        const row = rows[prompts[b]!.length + k - 1]!;
        expect(row[token]!).toBeGreaterThan(Math.max(...row) - 1e-5); // the argmax, up to float32 error
        logProb += row[token]!;
      });
      expect(s.logProb).toBeCloseTo(logProb, 4);
      const eosAt = s.tokens.findIndex((t) => config.eosTokenIds.includes(t));
      expect(s.finished).toBe(eosAt >= 0);
      expect(s.tokens.length).toBe(eosAt >= 0 ? eosAt + 1 : 10);
    });
  });

  it('first-token samples follow softmax(logits / T) for T = 1 and T = 0.5, and T = 0.5 samples reject T = 1', async () => {
    const logp = referenceLogSoftmax(PROMPT).at(-1)!;
    const t1 = await firstTokens(lm, 1, 0, 1);
    const c1 = chiSquare(t1.counts, warped(logp, 1, 0, 1), N);
    expect(c1.stat).toBeLessThan(c1.bound);
    // The reported log-prob is the untempered, untruncated model's.
    for (const s of t1.samples.slice(0, 50)) expect(s.logProb).toBeCloseTo(logp[s.tokens[0]!]!, 4);
    const half = await firstTokens(lm, 0.5, 0, 1);
    const c2 = chiSquare(half.counts, warped(logp, 0.5, 0, 1), N);
    expect(c2.stat).toBeLessThan(c2.bound);
    for (const s of half.samples.slice(0, 50)) expect(s.logProb).toBeCloseTo(logp[s.tokens[0]!]!, 4);
    // Power: the T = 0.5 sample is far outside what T = 1 allows.
    const wrong = chiSquare(half.counts, warped(logp, 1, 0, 1), N);
    expect(wrong.stat).toBeGreaterThan(wrong.bound);
  });

  it('top-p and top-k keep exactly the reference sets, each with its renormalised probability', async () => {
    const logp = referenceLogSoftmax(PROMPT).at(-1)!;
    for (const [temperature, topK, topP] of [[1, 0, 0.5], [0.7, 0, 0.8], [1, 5, 1], [1, 8, 0.6]] as const) {
      const want = warped(logp, temperature, topK, topP);
      // No kept-set boundary within float32 error of the cut (else the set would be a coin toss).
      const sorted = logp.map((_, i) => i).sort((a, b) => logp[b]! - logp[a]!);
      if (topK > 0) expect(logp[sorted[topK - 1]!]! - logp[sorted[topK]!]!).toBeGreaterThan(1e-4);
      if (topP < 1) {
        const all = warped(logp, temperature, topK, 1);
        const keptMass = [...want.keys()].reduce((a, t) => a + all.get(t)!, 0);
        const lastMass = all.get([...want.keys()].at(-1)!)!;
        expect(keptMass - topP).toBeGreaterThan(1e-4);
        expect(topP - (keptMass - lastMass)).toBeGreaterThan(1e-4);
      }
      const { counts } = await firstTokens(lm, temperature, topK, topP);
      const c = chiSquare(counts, want, N);
      expect(c.outside, `T ${temperature} top-k ${topK} top-p ${topP}: tokens outside the kept set`).toBe(0);
      expect([...counts.keys()].sort((a, b) => a - b)).toEqual([...want.keys()].filter((t) => want.get(t)! * N >= 5 || counts.has(t)).sort((a, b) => a - b));
      expect(c.stat, `T ${temperature} top-k ${topK} top-p ${topP}`).toBeLessThan(c.bound);
    }
  });
});
