// One micro-batch of a GFlowPO step, in the authors' order (their e_step, then the queue update of
// get_batch_metrics): references drawn from the queue as it stands now, the meta-prompt, fresh samples or a replay
// draw, logPrior under that meta-prompt, train accuracy through the reward cache, logR, then either the GFlowNet
// gradient (accumulate, training steps) or the logZ update computed here (buffer filling, where the adapter is zero
// so logPF = logPrior), and finally the buffer (fresh samples) and the queue (the micro-batch's best).
// It works on the step's copies (StepWork); run.ts keeps them only when the whole step completes.
import type { Task } from '../tasks/task';
import { chooseReferences } from './dmu';
import type { SampleRecord } from './events';
import type { PromptCandidate, PromptSampler, TargetLM } from './interfaces';
import { type MetaPrompt, buildMetaPrompt } from './meta-prompt';
import type { PromptQueue } from './priority-queue';
import type { ReplayBuffer } from './replay-buffer';
import { logReward } from './reward';
import type { RewardCache } from './reward-cache';
import type { RngPurpose, RngStream } from './rng';
import { feedsQueue, logZDecayOf, nextLogZ, referencesEnabled, replayEnabled } from './schedule';
import type { GflowpoSettings } from './settings';

/** A misuse of a run (step after the end, concurrent steps) or a sampler answer of the wrong shape. */
export class GflowpoRunError extends Error {
  override name = 'GflowpoRunError';
}

/** What a step changes, as copies: kept by the run only when every micro-batch and the update succeeded. */
export interface StepWork {
  buffer: ReplayBuffer;
  queue: PromptQueue;
  condition: string[] | null;
  logZ: number | null;
}

/** What a micro-batch needs from its run. */
export interface MicroBatchContext {
  settings: Readonly<GflowpoSettings>;
  beta: number;
  task: Task;
  sampler: PromptSampler;
  target: TargetLM;
  cache: RewardCache;
  rng: Record<RngPurpose, RngStream>;
}

export interface MicroBatchOutcome {
  metaPrompt: MetaPrompt;
  samples: SampleRecord[];
  /** The micro-batch's loss from accumulate; null in steps without an update. */
  loss: number | null;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

function finiteList(what: string, values: unknown, length: number): number[] {
  if (!Array.isArray(values) || values.length !== length) throw new GflowpoRunError(`the sampler returned ${Array.isArray(values) ? values.length : 'no list of'} ${what} for ${length} prompts`);
  const i = values.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
  if (i >= 0) throw new GflowpoRunError(`the sampler returned ${what} ${String(values[i])} for prompt ${i}; every value must be a finite number (is a prompt token outside the allowed vocabulary?)`);
  return values as number[];
}

export async function runMicroBatch(ctx: MicroBatchContext, work: StepWork, step: number, index: number, demonstrations: readonly number[], training: boolean): Promise<MicroBatchOutcome> {
  const s = ctx.settings;
  const { rng } = ctx;

  const references = referencesEnabled(s, step)
    ? // Stryker disable next-line ArrayDeclaration: unreachable fallback: references start at referencesFromStep >= conditionFreezeStep (resolveSettings), and from that step run.ts has frozen the condition buffer (never null)
      chooseReferences(work.queue.texts(), work.condition ?? [], { fromQueue: s.referencesFromQueue, fromCondition: s.referencesFromCondition }, rng.references.next)
    : [];
  const metaPrompt = buildMetaPrompt(ctx.task, demonstrations, references);

  // Replay (the coin, training steps only) or fresh samples with the current adapter.
  const coin = replayEnabled(s, step) ? rng.replay.next() : 1;
  const replayed = coin < s.replayProbability && work.buffer.size > 0;
  let candidates: PromptCandidate[];
  let temperature: number | null = null;
  if (replayed) {
    candidates = work.buffer.draw(s.microBatchSize, rng.replay.next).map((e) => ({ text: e.text }));
  } else {
    temperature = s.temperatureMin + (s.temperatureMax - s.temperatureMin) * rng.temperature.next();
    const seeds = Array.from({ length: s.microBatchSize }, () => rng.sampling.uint32());
    const sampled = await ctx.sampler.sample({ metaPrompt: metaPrompt.text, count: s.microBatchSize, temperature, topK: s.topK, topP: s.topP, maxNewTokens: s.maxNewTokens, seeds });
    if (!Array.isArray(sampled) || sampled.length !== s.microBatchSize) throw new GflowpoRunError(`the sampler returned ${Array.isArray(sampled) ? sampled.length : 'no list of'} prompts for a request of ${s.microBatchSize}`);
    candidates = sampled.map((p, i) => {
      if (typeof p?.text !== 'string' || !Array.isArray(p.tokenIds)) throw new GflowpoRunError(`the sampler's prompt ${i} has no text or no tokenIds`);
      return { text: p.text, tokenIds: [...p.tokenIds] };
    });
  }

  // Rewards under this micro-batch's meta-prompt.
  const logPriors = finiteList('log-priors', await ctx.sampler.logPrior(metaPrompt.text, candidates), candidates.length);
  const accuracies: number[] = [];
  for (const c of candidates) accuracies.push(await ctx.cache.score(ctx.target, ctx.task, c.text, 'train'));
  const reward = { gamma: s.gamma, beta: ctx.beta, epsilon: s.rewardEpsilon };
  const logRewards = candidates.map((_, i) => logReward(logPriors[i]!, accuracies[i]!, reward));

  // logZ: the sampler's EMA with the gradient (training), or the same EMA here with logPF = logPrior (filling).
  const decay = work.logZ === null ? 0 : logZDecayOf(s);
  let logPF: number[] | null = null;
  let loss: number | null = null;
  if (training) {
    const r = await ctx.sampler.accumulate({ metaPrompt: metaPrompt.text, prompts: candidates, logRewards, logZ: work.logZ, logZDecay: decay, microBatches: s.microBatches, microBatch: index });
    logPF = finiteList('logPF values', r.logPF, candidates.length);
    if (typeof r.logZ !== 'number' || !Number.isFinite(r.logZ)) throw new GflowpoRunError(`the sampler's logZ after micro-batch ${index} of step ${step} is ${String(r.logZ)}; it must be a finite number`);
    work.logZ = r.logZ;
    loss = r.loss;
  } else {
    work.logZ = nextLogZ(work.logZ, mean(logRewards.map((r, i) => r - logPriors[i]!)), decay);
  }

  const samples: SampleRecord[] = candidates.map((c, i) => ({
    text: c.text,
    microBatch: index,
    replayed,
    tokens: c.tokenIds ? c.tokenIds.length : null,
    temperature,
    logPrior: logPriors[i]!,
    trainAccuracy: accuracies[i]!,
    logReward: logRewards[i]!,
    logPF: logPF ? logPF[i]! : null,
  }));
  if (!replayed) for (const x of samples) work.buffer.add({ text: x.text, trainAccuracy: x.trainAccuracy, step });
  if (feedsQueue(s, step)) {
    // The first maximum, as torch's argmax.
    const best = samples.reduce((a, x) => (x.trainAccuracy > a.trainAccuracy ? x : a));
    work.queue.add(best.text, best.trainAccuracy, step);
  }
  return { metaPrompt, samples, loss };
}
