// The exact toy engine: trains the GFlowNet sampler of one variant (on-policy or with replay) THROUGH GflowpoRun on
// the enumerable toy space (space.ts) with the real PromptLM (a tiny random Llama with LoRA, sampling, prior,
// accumulate, AdamW), and after every advance() scores all 64 prompts with the adapter on: the sampler's exact
// distribution and its total variation from the target R/Z (distribution.ts). One engine is one run; the page
// runs two engines in two workers (one per variant). It does not draw anything or keep a history (the UI does).
//
// Default schedule (schedule.ts: EXACT_TOY_STEPS, 4 x 8 prompts a step, lr 1e-2 after a linear warm-up, decaying
// linearly to ~0): see the figures in schedule.ts, and
// tests/gflow/toy-distribution.test.ts (300 steps, its own reward) and tests/e2e/exact-toy.test.ts (the page in Chromium).
import { GflowpoRun } from '../../gflow/run';
import type { GflowpoSettingsInput } from '../../gflow/settings';
import { randomLlamaWeights } from '../../models/llama/fixture';
import type { Ort } from '../../runtime/host-tensor';
import { GENERATION_TEMPLATE, type Task, finishTask } from '../../tasks/task';
import { PromptLM } from '../prompt-lm';
import { TOY_REWARD, checkAccuracies, targetDistribution, totalVariation } from './distribution';
import { EXACT_TOY_LR_WARMUP, EXACT_TOY_MAX_SEED, EXACT_TOY_MAX_STEPS, EXACT_TOY_MIN_STEPS, EXACT_TOY_STEPS, EXACT_TOY_WARMUP } from './schedule';
import { TOY_CONFIG, TOY_META, TOY_PROMPTS, TOY_WORDS } from './space';
import { ToyPromptSampler, ToyTarget } from './toy-sampler';

export class ExactToyError extends Error {
  override name = 'ExactToyError';
}

export interface ExactToyOptions {
  /** Seeds the random base model, the LoRA initialisation and every draw of the run; an integer in [0, 2^32). */
  seed: number;
  /** true: GFlowPO (half the training micro-batches replayed from the buffer); false: on-policy only (no-replay). */
  replay: boolean;
  /** One accuracy per prompt, TOY_PROMPTS order, each in [0, 1], not all 0. R = prior x (accuracy + 1e-8). */
  accuracies: readonly number[];
  /** Default EXACT_TOY_STEPS. */
  steps?: number;
  /** Updates over which the learning rate rises linearly to 1e-2; default defaultLrWarmup(steps) (schedule.ts says why). */
  lrWarmupUpdates?: number;
}

export interface ExactToyStart {
  /** log of `prior` as the model scored it (the page recomputes R/Z from it when the reward is edited). */
  logPrior: number[];
  /** The untrained sampler (the prompt-LM's prior reading the meta token), TOY_PROMPTS order. */
  prior: number[];
  /** R / Z, TOY_PROMPTS order. */
  target: number[];
  priorTv: number;
  steps: number;
  warmupSteps: number;
  promptsPerStep: number;
}

export interface ExactToySnapshot {
  /** Steps completed. */
  step: number;
  steps: number;
  /** Optimiser updates applied. */
  updates: number;
  /** The sampler's probability of each prompt (adapter on), TOY_PROMPTS order; sums to 1 up to float error. */
  distribution: number[];
  /** Total variation of `distribution` from R/Z. */
  tv: number;
  /** Loss of the last update (null before the first). */
  loss: number | null;
  logZ: number | null;
  /** Fraction of the training prompts so far that were replayed from the buffer. */
  replayedFraction: number;
  finished: boolean;
}

const TOY_TASK: Task = finishTask({
  name: 'builtin/toy-enumerable',
  family: 'generation',
  template: GENERATION_TEMPLATE,
  metric: 'exact_match',
  splits: { train: [{ input: 'x', output: 'y' }], validation: [{ input: 'x', output: 'y' }], test: [{ input: 'x', output: 'y' }] },
  description: 'enumerable toy space: 64 prompts of 3 tokens from a 4-token vocabulary',
});

/** EXACT_TOY_LR_WARMUP updates, or a quarter of the run's updates when it is short (at least 1). */
export function defaultLrWarmup(steps: number): number {
  return Math.max(1, Math.min(EXACT_TOY_LR_WARMUP, Math.floor((steps - EXACT_TOY_WARMUP) / 4)));
}

/** The run's settings for the toy (every other number is GFLOWPO_DEFAULTS'). */
export function exactToySettings(seed: number, replay: boolean, steps: number, lrWarmupUpdates = defaultLrWarmup(steps)): GflowpoSettingsInput {
  return {
    mode: replay ? 'gflowpo' : 'no-replay',
    seed,
    steps,
    warmupSteps: EXACT_TOY_WARMUP,
    microBatches: 4,
    microBatchSize: 8, // 32 prompts per step: at 4 x 4 the gradient noise left TV up to 0.06 (toy-distribution.test.ts)
    learningRate: 1e-2,
    lrWarmupUpdates,
    lrDecayUpdates: steps - EXACT_TOY_WARMUP + 1, // linear decay to ~0 at the last update
    weightDecay: 0,
    gradClip: 10,
    lora: { rank: 16, alpha: 32, dropout: 0, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] },
    topP: 1, // the whole distribution is the target
    maxNewTokens: 3,
    ...TOY_REWARD, // R = p_ref(z | meta) * (acc(z) + 1e-8): GFlowPO's reward with beta = gamma = 1
    bufferSize: 16, // the best prompts by accuracy, as GFlowPO keeps its best 1000 of a far larger space
    demonstrationsFilling: 1,
    demonstrationsTraining: 1,
  };
}

interface Running {
  lm: PromptLM;
  run: GflowpoRun;
  target: number[];
  steps: number;
  replayed: number;
  sampled: number;
  loss: number | null;
}

export class ExactToyEngine {
  #state: Running | null = null;
  #busy = false;

  constructor(private readonly loadOrt: () => Promise<Ort>) {}

  /** Builds the model and a fresh run (releasing any previous one); returns the prior and the target R/Z. */
  async start(options: ExactToyOptions): Promise<ExactToyStart> {
    return this.#exclusive(async () => {
      const accuracies = checkAccuracies(options.accuracies);
      const steps = options.steps ?? EXACT_TOY_STEPS;
      if (!Number.isInteger(steps) || steps < EXACT_TOY_MIN_STEPS || steps > EXACT_TOY_MAX_STEPS) {
        throw new ExactToyError(`steps must be a whole number from ${EXACT_TOY_MIN_STEPS} to ${EXACT_TOY_MAX_STEPS}, got ${String(steps)}`);
      }
      const lrWarmup = options.lrWarmupUpdates ?? defaultLrWarmup(steps);
      if (!Number.isInteger(lrWarmup) || lrWarmup < 1 || lrWarmup >= steps - EXACT_TOY_WARMUP) throw new ExactToyError(`lrWarmupUpdates must be a whole number from 1 to ${steps - EXACT_TOY_WARMUP - 1} (fewer than the run's updates), got ${String(lrWarmup)}`);
      if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > EXACT_TOY_MAX_SEED) throw new ExactToyError(`seed must be a whole number from 0 to ${EXACT_TOY_MAX_SEED}, got ${String(options.seed)}`);
      await this.#release();
      const weights = randomLlamaWeights(TOY_CONFIG, options.seed);
      const head = weights.get('lm_head.weight')!.data;
      for (let i = 0; i < head.length; i++) head[i]! *= 5; // the fixture's 0.05 head can barely spread logits; LoRA cannot adapt it
      const lm = new PromptLM(this.loadOrt);
      const run = new GflowpoRun(exactToySettings(options.seed, options.replay, steps, lrWarmup), TOY_TASK, new ToyPromptSampler(lm), new ToyTarget(accuracies));
      let logPrior: number[];
      try {
        await lm.load({ kind: 'loaded', model: { config: TOY_CONFIG, weights } }, run.settings, { backend: 'wasm', allowedTokens: TOY_WORDS });
        logPrior = await this.#score(lm, false);
      } catch (error) {
        await lm.release().catch(() => undefined); // what loaded before the failure; the error below is the one to show
        throw error;
      }
      const prior = logPrior.map(Math.exp);
      const s = run.settings;
      const target = targetDistribution(logPrior, accuracies, { gamma: s.gamma, beta: run.beta, epsilon: s.rewardEpsilon });
      this.#state = { lm, run, target, steps, replayed: 0, sampled: 0, loss: null };
      return { logPrior, prior, target, priorTv: totalVariation(prior, target), steps, warmupSteps: s.warmupSteps, promptsPerStep: s.microBatches * s.microBatchSize };
    });
  }

  /** Runs up to `maxSteps` more steps (fewer at the end of the schedule), then the exact distribution. */
  async advance(maxSteps: number): Promise<ExactToySnapshot> {
    return this.#exclusive(async () => {
      const state = this.#state;
      if (!state) throw new ExactToyError('no toy run: call start() first');
      if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new ExactToyError(`advance() takes a whole number of steps, 1 or more, got ${String(maxSteps)}`);
      for (let i = 0; i < maxSteps && !state.run.finished; i++) {
        for (const event of await state.run.step()) {
          if (event.type === 'step' && event.phase === 'training') for (const sample of event.samples) sample.replayed ? state.replayed++ : state.sampled++;
          if (event.type === 'update' && event.finite) state.loss = event.loss;
        }
      }
      const distribution = (await this.#score(state.lm, true)).map(Math.exp);
      const seen = state.replayed + state.sampled;
      return {
        step: state.run.completedSteps,
        steps: state.steps,
        updates: state.lm.adapterState().step,
        distribution,
        tv: totalVariation(distribution, state.target),
        loss: state.loss,
        logZ: state.run.currentLogZ,
        replayedFraction: seen === 0 ? 0 : state.replayed / seen,
        finished: state.run.finished,
      };
    });
  }

  /** Frees the model's sessions; start() may be called again after. */
  async release(): Promise<void> {
    await this.#exclusive(() => this.#release());
  }

  async #release(): Promise<void> {
    const state = this.#state;
    this.#state = null;
    await state?.lm.release();
  }

  /** log p of every prompt of the space, adapter on (the trained sampler) or off (the prior). */
  #score(lm: PromptLM, adapter: boolean): Promise<number[]> {
    return lm.score(TOY_PROMPTS.map(() => [TOY_META]), TOY_PROMPTS.map((p) => [...p]), { adapter });
  }

  async #exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.#busy) throw new ExactToyError('the toy engine is busy with another call: await it first');
    this.#busy = true;
    try {
      return await work();
    } finally {
      this.#busy = false;
    }
  }
}
