// Page state of the exact toy: the reward table as typed (text kept as typed; the last good numbers in force), the
// seed and step fields, and two variant runs, each owning an exact-toy worker (on-policy and with replay), driven
// step chunk by step chunk so the bars and the TV curve update while they train. No DOM.
import * as Comlink from 'comlink';
import type { Remote } from 'comlink';
import { TOY_REWARD_PARAMETERS, type RewardProblem, accuraciesFromRewards, parseRewards, targetDistribution } from '../../engines/exact-toy/distribution';
import type { ExactToyEngine, ExactToyOptions, ExactToySnapshot, ExactToyStart } from '../../engines/exact-toy/engine';
import { EXACT_TOY_MAX_SEED, EXACT_TOY_MAX_STEPS, EXACT_TOY_MIN_STEPS, EXACT_TOY_STEPS } from '../../engines/exact-toy/schedule';
import { DEFAULT_REWARD_PRESET, REWARD_PRESETS, type RewardPreset } from '../../engines/exact-toy/rewards';
import { type ShownError, toShownError } from '../common/errors';
import { boundWorker } from '../shell/bound-worker';
import exactToyWorkerUrl from '../../../workers/exact-toy.worker.ts?worker&url';
import { type TvPoint, firstBelowGoal, parseWhole } from './toy-form';

/** Steps between two exact evaluations (one score of all 64 prompts): the resolution of the TV curve. */
export const EVALUATE_EVERY = 5;

export type VariantPhase = 'loading' | 'ready' | 'training' | 'done' | 'stopped' | 'failed';

/** One sampler's run in its own worker. */
export class VariantRun {
  phase = $state<VariantPhase>('loading');
  start = $state.raw<ExactToyStart | null>(null);
  snapshot = $state.raw<ExactToySnapshot | null>(null);
  /** TV from R/Z at step 0 (the prior) and after every EVALUATE_EVERY steps; replaced, never mutated. */
  history = $state.raw<readonly TvPoint[]>([]);
  error = $state<ShownError | null>(null);
  /** Seconds from pressing Train to the last snapshot (model build included). */
  seconds = $state<number | null>(null);
  belowGoalAt = $derived(firstBelowGoal(this.history));

  #worker: Worker;
  #engine: Remote<ExactToyEngine>;
  #stop = false;
  #loop: Promise<void> = Promise.resolve();

  constructor(
    readonly replay: boolean,
    readonly name: string,
  ) {
    this.#worker = boundWorker(exactToyWorkerUrl);
    // A worker that fails to load never answers comlink calls; surface it instead of waiting forever.
    this.#worker.addEventListener('error', (event) => this.#fail({ name: 'WorkerError', message: event.message || 'the exact-toy worker failed to load or threw at top level' }));
    this.#engine = Comlink.wrap<ExactToyEngine>(this.#worker);
  }

  /** Builds a fresh model and run; with `train`, runs it to the end (or until stop()). Waits for a previous loop first. */
  async begin(options: Omit<ExactToyOptions, 'replay'>, train: boolean): Promise<void> {
    this.#stop = true;
    await this.#loop;
    this.#stop = false;
    this.#loop = this.#run({ ...options, replay: this.replay }, train);
    return this.#loop;
  }

  stop(): void {
    this.#stop = true;
  }

  dispose(): void {
    this.#stop = true;
    this.#engine[Comlink.releaseProxy]();
    this.#worker.terminate();
  }

  async #run(options: ExactToyOptions, train: boolean): Promise<void> {
    const t0 = performance.now();
    try {
      this.error = null;
      this.phase = 'loading';
      this.snapshot = null;
      this.seconds = null;
      const start = await this.#engine.start(options);
      this.start = start;
      this.history = [{ step: 0, tv: start.priorTv }];
      if (!train) {
        this.phase = 'ready';
        return;
      }
      this.phase = 'training';
      while (!this.#stop) {
        const snapshot = await this.#engine.advance(EVALUATE_EVERY);
        this.snapshot = snapshot;
        this.history = [...this.history, { step: snapshot.step, tv: snapshot.tv }];
        this.seconds = (performance.now() - t0) / 1000;
        if (snapshot.finished) {
          this.phase = 'done';
          return;
        }
      }
      this.phase = 'stopped';
    } catch (error) {
      this.#fail(toShownError(error));
    }
  }

  #fail(error: ShownError): void {
    this.error = error;
    this.phase = 'failed';
  }
}

export class ExactToyState {
  /** The reward of each prompt as typed (TOY_PROMPTS order): never rewritten by the page, so nothing typed is lost. */
  rewardTexts = $state<string[]>(DEFAULT_REWARD_PRESET.rewards.map(String));
  /** The last table whose every row was a good number: what R/Z shows and what Train uses. */
  rewards = $state.raw<readonly number[]>(DEFAULT_REWARD_PRESET.rewards);
  presetId = $state<string>(DEFAULT_REWARD_PRESET.id);
  seedText = $state('1');
  stepsText = $state(String(EXACT_TOY_STEPS));
  /** The seed the workers' models were last built from (null until the first build starts). */
  builtSeed = $state<number | null>(null);
  /** What the current runs were trained on (null before the first Train). */
  trained = $state.raw<{ rewards: readonly number[]; seed: number; steps: number } | null>(null);

  readonly variants: readonly [VariantRun, VariantRun] = [new VariantRun(false, 'on-policy'), new VariantRun(true, 'with replay')];

  problems = $derived.by((): RewardProblem[] => {
    const parsed = parseRewards(this.rewardTexts);
    return parsed.ok ? [] : parsed.problems;
  });
  seed = $derived(parseWhole(this.seedText, 0, EXACT_TOY_MAX_SEED, 'Seed'));
  steps = $derived(parseWhole(this.stepsText, EXACT_TOY_MIN_STEPS, EXACT_TOY_MAX_STEPS, 'Steps'));
  /** Every message a bad field gives, in page order. */
  messages = $derived([...this.problems.map((p) => p.message), ...(this.seed.ok ? [] : [this.seed.message]), ...(this.steps.ok ? [] : [this.steps.message])]);
  /** log prior of the loaded model (both workers build the same one from the seed). */
  logPrior = $derived(this.variants[0].start?.logPrior ?? null);
  /** R/Z of the rewards in force, under the loaded model's prior. */
  target = $derived(this.logPrior ? targetDistribution(this.logPrior, accuraciesFromRewards(this.rewards), TOY_REWARD_PARAMETERS) : null);
  busy = $derived(this.variants.some((v) => v.phase === 'loading' || v.phase === 'training'));
  training = $derived(this.variants.some((v) => v.phase === 'training'));
  /** The bars of the samplers were trained on other rewards than R/Z shows now. */
  stale = $derived(this.trained !== null && (this.trained.rewards.length !== this.rewards.length || this.trained.rewards.some((r, i) => r !== this.rewards[i])));
  presets: readonly RewardPreset[] = REWARD_PRESETS;

  /**
   * Builds both models for the default seed, so the prior and R/Z show before anything is trained. One worker after
   * the other: two workers compiling onnxruntime's wasm at the same moment made Chromium abort one streaming compile
   * (it fell back to a second download); once compiled, a worker keeps it for every later run.
   */
  async prepare(): Promise<void> {
    const options = { accuracies: accuraciesFromRewards(this.rewards), seed: this.seed.ok ? this.seed.value : 1, steps: this.steps.ok ? this.steps.value : EXACT_TOY_STEPS };
    this.builtSeed = options.seed;
    for (const v of this.variants) await v.begin(options, false);
  }

  setReward(index: number, text: string): void {
    this.rewardTexts[index] = text;
    this.presetId = '';
    const parsed = parseRewards(this.rewardTexts);
    if (parsed.ok) this.rewards = parsed.rewards;
  }

  applyPreset(id: string): void {
    const preset = REWARD_PRESETS.find((p) => p.id === id);
    if (!preset) return;
    this.presetId = id;
    this.rewardTexts = preset.rewards.map(String);
    this.rewards = preset.rewards;
  }

  /** Trains both samplers from scratch on the rewards, seed and steps in the fields; refuses (changing nothing) while a field is bad. */
  async train(): Promise<boolean> {
    if (this.messages.length > 0 || !this.seed.ok || !this.steps.ok) return false;
    const options = { accuracies: accuraciesFromRewards(this.rewards), seed: this.seed.value, steps: this.steps.value };
    this.trained = { rewards: this.rewards, seed: options.seed, steps: options.steps };
    await this.#begin(options, true);
    return true;
  }

  stop(): void {
    for (const v of this.variants) v.stop();
  }

  dispose(): void {
    for (const v of this.variants) v.dispose();
  }

  async #begin(options: Omit<ExactToyOptions, 'replay'>, train: boolean): Promise<void> {
    this.builtSeed = options.seed;
    await Promise.all(this.variants.map((v) => v.begin(options, train)));
  }
}
