// The GFlowNet sampler on an enumerable space, trained THROUGH GflowpoRun: prompts are 3 tokens from a 4-token
// vocabulary (the prompt-LM's allowed tokens), the prompt-LM is a tiny random Llama with LoRA (the real PromptLM
// engine: sampling with temperature/top-k/top-p, prior, accumulate per micro-batch, one AdamW update per step), and
// a synthetic target-LM gives every prompt a fixed accuracy. The run computes logR = logPrior + log(acc + 1e-8)
// (beta = gamma = 1) and trains with its schedule: buffer filling, logZ from the first micro-batch, replay. After
// training, the sampler's exact distribution (all 64 prompts scored) must be within total variation 0.05 of the
// target R / Z with R(z) = p_ref(z | meta) * (acc(z) + 1e-8), both computed exactly.
//
// What is not the product path, and why: the toy prompt-LM has no tokenizer, no chat template and no end-of-sequence
// token in its fixed-length 3-token prompts (which is what makes the space enumerable), so LabPromptSampler cannot
// drive it; src/engines/exact-toy/toy-sampler.ts (ToyPromptSampler, ToyTarget) is the same contract on the same
// PromptLM, with the meta-prompt reduced to one token. Everything else (GflowpoRun, PromptLM, the graphs) is the real
// code, run here through ExactToyEngine (src/engines/exact-toy/engine.ts: the model, the run's settings, the exact
// distributions and TV), the engine the lab's exact-toy page runs in its workers.
//
// Why the check holds for any seed (the bound's reasoning). The distribution is computed exactly (all 64 prompts
// scored), so there is no evaluation sampling error: the only randomness is training's (which prompts are sampled
// and replayed, the LoRA initialisation and the random base model, all from the seed). The fixed point logPF =
// logR - logZ has TV 0 and LoRA on every module of the 1-layer model gets close to it (TVs down to 0.001 measured);
// what is left at the end is the fluctuation of the stochastic gradient around it, which shrinks with the step size
// and with the batch. So the learning rate decays linearly to
// ~0 over the run (lrDecayUpdates) and each step takes 4 x 8 prompts. Measured (TOY_SEEDS=1-40, both variants):
//   4 x 8 prompts per step (this file): no-replay mean 0.0037, sd 0.0016, max 0.0077; with replay mean 0.0061,
//   sd 0.0036, max 0.0195 (seeds 1-10: no-replay 0.0016-0.0063, replay 0.0023-0.0123).
//   4 x 4 prompts per step (the paper's micro-batch, same 300 steps): mean 0.012, max 0.028 over seeds 1-30, and
//   seed 25 (no-replay) run for 600 steps ended at 0.060: the residual is gradient noise, and halving it is what makes the test
//   hold for any seed, not a lucky seed.
// A log-normal fitted to the 40 TVs of each variant puts P(TV > 0.05) at about 1e-10 (no-replay) and 3e-6 (replay)
// per run; the untrained sampler (the prior) is at TV 0.15-0.30, which the test also checks so it cannot pass without
// training. CI runs one seed for both variants, drawn at random and printed (TOY_SEEDS=7, 1,4,7 or 1-10 pins them),
// so over many CI runs the seeds keep being checked; about 25 s of CPU for both.
import { describe, expect, it } from 'vitest';
import { ExactToyEngine } from '../../src/engines/exact-toy/engine';
import { EXACT_TOY_WARMUP } from '../../src/engines/exact-toy/schedule';
import { TOY_PROMPTS } from '../../src/engines/exact-toy/space';
import { loadOrtNode } from '../../src/runtime/ort-node';

/** A fixed synthetic log-accuracy with structure across positions (acc spans a factor of about e^3), <= 0. */
function logAccuracy(z: readonly number[]): number {
  const [a, b, c] = z as [number, number, number];
  return 1.2 * (a === 0 ? 1 : 0) + 0.8 * (b === c ? 1 : 0) + 0.3 * a - 0.2 * c - 2.9;
}

const STEPS = 300;

interface ToyResult {
  tv: number;
  /** TV of the untrained sampler (the prior) from R/Z: how far training had to move it. */
  priorTv: number;
  updates: number;
  replayedFraction: number;
}

async function trainedTotalVariation(seed: number, replay: boolean): Promise<ToyResult> {
  const engine = new ExactToyEngine(loadOrtNode);
  // The engine's reward: R = p_ref(z | meta) * (acc(z) + 1e-8), GFlowPO's with beta = gamma = 1.
  // lrWarmupUpdates 1: the schedule the figures in the header were measured with (the page's default warms up over 20).
  const start = await engine.start({ seed, replay, accuracies: TOY_PROMPTS.map((z) => Math.exp(logAccuracy(z))), steps: STEPS, lrWarmupUpdates: 1 });
  const end = await engine.advance(STEPS);
  await engine.release();
  expect(end.finished).toBe(true);
  expect(end.distribution.reduce((a, b) => a + b)).toBeCloseTo(1, 4); // the 64 prompts are the whole space
  expect(start.prior.reduce((a, b) => a + b)).toBeCloseTo(1, 4);
  expect(start.target.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
  return { tv: end.tv, priorTv: start.priorTv, updates: end.updates, replayedFraction: end.replayedFraction };
}

/** TOY_SEEDS: "3", "1,4,7" or "1-10"; default one seed drawn at random (printed, so a failure can be rerun). */
function seeds(): number[] {
  const spec = process.env['TOY_SEEDS'];
  if (!spec) return [1 + Math.floor(Math.random() * 1000)];
  return spec.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

const SEEDS = seeds();

describe('GFlowNet sampler on an enumerable toy space, trained through GflowpoRun', () => {
  for (const replay of [false, true]) {
    const variant = replay ? 'gflowpo (with replay)' : 'no-replay';
    it(`${variant}: the trained distribution is within TV 0.05 of R/Z`, async () => {
      for (const seed of SEEDS) {
        const result = await trainedTotalVariation(seed, replay);
        console.log(`toy-distribution ${variant} seed ${seed}: TV ${result.tv.toFixed(4)} (untrained ${result.priorTv.toFixed(3)}), ${result.updates} updates, replayed ${(100 * result.replayedFraction).toFixed(0)}% of training prompts`);
        expect(result.updates).toBe(STEPS - EXACT_TOY_WARMUP);
        expect(result.priorTv).toBeGreaterThan(0.15); // the target is far from the prior: training has to do the work
        if (replay) expect(result.replayedFraction).toBeGreaterThan(0.3);
        else expect(result.replayedFraction).toBe(0);
        expect(result.tv).toBeLessThan(0.05);
      }
    }, 150_000 * SEEDS.length);
  }
});
