// The GFlowNet sampler on an enumerable space, trained THROUGH GflowpoRun: prompts are 3 tokens from a 4-token
// vocabulary (the prompt-LM's allowed tokens), the prompt-LM is a tiny random Llama with LoRA (the real PromptLM
// engine: sampling with temperature/top-k/top-p, prior, accumulate per micro-batch, one AdamW update per step), and
// a synthetic target-LM gives every prompt a fixed accuracy. The run computes logR = logPrior + log(acc + 1e-8)
// (beta = gamma = 1) and trains with its schedule: buffer filling, logZ from the first micro-batch, replay. After
// training, the sampler's exact distribution (all 64 prompts scored) must be within total variation 0.05 of the
// target R / Z with R(z) = p_ref(z | meta) * (acc(z) + 1e-8), both computed exactly.
//
// What is not the product path, and why: the toy prompt-LM has no tokenizer and no chat template, and its prompt space
// is fixed-length 3-token sequences with no end-of-sequence token (which is what makes it enumerable), so
// LabPromptSampler (chat template, text <-> tokens, an EOS appended to every scored prompt) cannot drive it.
// ToyPromptSampler below is the same contract on the same PromptLM with two substitutions: every meta-prompt text
// becomes the one meta token (so demonstrations and DMU references, which are text, do not reach the toy model), and a
// prompt's text is its ids joined by commas. Everything else (GflowpoRun, PromptLM, the graphs) is the real code.
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
import type { ApplyResult, MicroBatchResult, MicroBatchUpdate, PromptCandidate, PromptEvaluation, PromptSampler, SampledPrompt, SamplingRequest, TargetLM } from '../../src/gflow/interfaces';
import { GflowpoRun } from '../../src/gflow/run';
import type { GflowpoSettingsInput } from '../../src/gflow/settings';
import { PromptLM } from '../../src/engines/prompt-lm';
import { parseLlamaConfig } from '../../src/models/llama/config';
import { randomLlamaWeights } from '../../src/models/llama/fixture';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { GENERATION_TEMPLATE, type Task, finishTask } from '../../src/tasks/task';

const config = parseLlamaConfig({
  model_type: 'llama', vocab_size: 5, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1,
  num_attention_heads: 2, num_key_value_heads: 1, bos_token_id: 4, eos_token_id: 4, max_position_embeddings: 16,
});
/**
 * The meta-prompt is token 4, outside the prompt vocabulary: in a RoPE-only decoder a run of one repeated
 * token gives every position the same state, so a prompt token equal to the prefix would tie p(z1 | z0) to p(z0).
 */
const META = 4;
const WORDS = [0, 1, 2, 3];
const ALL: number[][] = [];
for (const a of WORDS) for (const b of WORDS) for (const c of WORDS) ALL.push([a, b, c]);
const textOf = (ids: readonly number[]) => ids.join(',');
const idsOf = (text: string) => text.split(',').map(Number);

/** A fixed synthetic log-accuracy with structure across positions (acc spans a factor of about e^3), <= 0. */
function logAccuracy(z: readonly number[]): number {
  const [a, b, c] = z as [number, number, number];
  return 1.2 * (a === 0 ? 1 : 0) + 0.8 * (b === c ? 1 : 0) + 0.3 * a - 0.2 * c - 2.9;
}

/** The target-LM: a prompt's "accuracy" on every split is exp(logAccuracy), in (0, 1]. */
class ToyTarget implements TargetLM {
  readonly id = 'toy-accuracy';
  calls = 0;
  async evaluate(task: Task, prompt: string, split: 'train' | 'validation' | 'test'): Promise<PromptEvaluation> {
    this.calls++;
    return { task: task.name, split, score: Math.exp(logAccuracy(idsOf(prompt))), total: 1, predictions: [''] };
  }
}

/** The PromptSampler contract on PromptLM for the toy (see the header): one meta token, prompts as comma-joined ids. */
class ToyPromptSampler implements PromptSampler {
  constructor(private readonly lm: PromptLM) {}

  async sample(r: SamplingRequest): Promise<SampledPrompt[]> {
    const rows = r.seeds.map(() => [META]);
    const samples = await this.lm.sample(rows, { seeds: [...r.seeds], temperature: r.temperature, topK: r.topK, topP: r.topP, maxNewTokens: r.maxNewTokens, eosTokenIds: [] });
    return samples.map((s) => ({ text: textOf(s.tokens), tokenIds: s.tokens, tokens: s.tokens.length }));
  }

  logPrior(_metaPrompt: string, prompts: readonly PromptCandidate[]): Promise<number[]> {
    return this.lm.score(prompts.map(() => [META]), prompts.map((p) => [...(p.tokenIds ?? idsOf(p.text))]), { adapter: false });
  }

  accumulate(b: MicroBatchUpdate): Promise<MicroBatchResult> {
    const pairs = b.prompts.map((p, i) => ({ prefix: [META], prompt: p.tokenIds ?? idsOf(p.text), logReward: b.logRewards[i]! }));
    return this.lm.accumulate(pairs, { logZ: b.logZ, logZDecay: b.logZDecay, microBatches: b.microBatches, microBatch: b.microBatch });
  }

  applyUpdate(options: { lr: number }): Promise<ApplyResult> {
    return this.lm.applyUpdate(options);
  }

  async adapterState(): Promise<{ step: number; logZ: number | null }> {
    return this.lm.adapterState();
  }
}

const toyTask: Task = finishTask({
  name: 'builtin/toy-enumerable',
  family: 'generation',
  template: GENERATION_TEMPLATE,
  metric: 'exact_match',
  splits: { train: [{ input: 'x', output: 'y' }], validation: [{ input: 'x', output: 'y' }], test: [{ input: 'x', output: 'y' }] },
  description: 'enumerable toy space for the distribution test',
});

const STEPS = 300;
const WARMUP = 4;

function toySettings(seed: number, replay: boolean): GflowpoSettingsInput {
  return {
    mode: replay ? 'gflowpo' : 'no-replay',
    seed,
    steps: STEPS,
    warmupSteps: WARMUP,
    microBatches: 4,
    microBatchSize: 8, // 32 prompts per step: see the header (at 4 x 4 the gradient noise left TV up to 0.06)
    learningRate: 1e-2,
    lrWarmupUpdates: 1,
    lrDecayUpdates: STEPS - WARMUP + 1, // linear decay to ~0 at the last update
    weightDecay: 0,
    gradClip: 10,
    lora: { rank: 16, alpha: 32, dropout: 0, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] },
    topP: 1, // the whole distribution is the target
    maxNewTokens: 3,
    beta: 1,
    bufferSize: 16, // the best prompts by accuracy, as GFlowPO keeps its best 1000 of a far larger space
    demonstrationsFilling: 1,
    demonstrationsTraining: 1,
  };
}

interface ToyResult {
  tv: number;
  /** TV of the untrained sampler (the prior) from R/Z: how far training had to move it. */
  priorTv: number;
  updates: number;
  replayedFraction: number;
}

async function trainedTotalVariation(seed: number, replay: boolean): Promise<ToyResult> {
  const weights = randomLlamaWeights(config, seed);
  const head = weights.get('lm_head.weight')!.data;
  for (let i = 0; i < head.length; i++) head[i]! *= 5; // the fixture's 0.05 head can barely spread logits; LoRA cannot adapt it
  const settings = toySettings(seed, replay);
  const lm = new PromptLM(loadOrtNode);
  const run = new GflowpoRun(settings, toyTask, new ToyPromptSampler(lm), new ToyTarget());
  await lm.load({ kind: 'loaded', model: { config, weights } }, run.settings, { backend: 'wasm', allowedTokens: WORDS });
  let replayed = 0;
  let sampled = 0;
  await run.run((e) => {
    if (e.type === 'step' && e.phase === 'training') for (const s of e.samples) s.replayed ? replayed++ : sampled++;
  });
  const logPF = await lm.score(ALL.map(() => [META]), ALL, { adapter: true });
  const logPrior = await lm.score(ALL.map(() => [META]), ALL, { adapter: false });
  const updates = lm.adapterState().step;
  await lm.release();
  const p = logPF.map(Math.exp);
  const prior = logPrior.map(Math.exp);
  expect(p.reduce((a, b) => a + b)).toBeCloseTo(1, 4); // the 64 prompts are the whole space
  expect(prior.reduce((a, b) => a + b)).toBeCloseTo(1, 4);
  const r = ALL.map((z, i) => prior[i]! * (Math.exp(logAccuracy(z)) + 1e-8));
  const Z = r.reduce((a, b) => a + b);
  const tvFrom = (q: number[]) => 0.5 * q.reduce((sum, qi, i) => sum + Math.abs(qi - r[i]! / Z), 0);
  return { tv: tvFrom(p), priorTv: tvFrom(prior), updates, replayedFraction: replayed / (replayed + sampled) };
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
        expect(result.updates).toBe(STEPS - WARMUP);
        expect(result.priorTv).toBeGreaterThan(0.15); // the target is far from the prior: training has to do the work
        if (replay) expect(result.replayedFraction).toBeGreaterThan(0.3);
        else expect(result.replayedFraction).toBe(0);
        expect(result.tv).toBeLessThan(0.05);
      }
    }, 150_000 * SEEDS.length);
  }
});
