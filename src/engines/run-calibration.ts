// A short calibration before a run starts, for its time estimate (src/gflow/estimate.ts): one micro-batch sampled
// with the run's settings from a meta-prompt of the task, its logPrior, one target-LM evaluation on train, and a
// forward pass of the training graph on that micro-batch. It touches no random stream, adapter, logZ or optimiser
// state of the run (the forward pass computes no gradient), so a calibrated run stays exactly reproducible; the one
// target-LM call per pass does count in the target's own call counter (not in the run's). The work is done twice and
// the second pass timed: the first includes first-use graph compilation and warm-up, which made a quick run on the
// demo models look 15x longer than it took (3-4 min estimated, 12 s run); the run's own measurements replace these.
import type { PartRates } from '../gflow/estimate';
import { buildMetaPrompt } from '../gflow/meta-prompt';
import type { GflowpoSettings } from '../gflow/settings';
import type { Task } from '../tasks/task';
import type { PromptEvaluation } from '../tasks/evaluate';
import type { PromptLM } from './prompt-lm';
import type { LabPromptSampler } from './prompt-sampler';

/**
 * accumulate (forward + backward of one micro-batch) against a forward pass of the same micro-batch, used until the
 * run measures its first update: bench:step measured 2.07 at SmolLM2-135M's width with 2 layers (wasm, Node).
 */
export const UPDATE_PER_FORWARD = 2.1;

export interface CalibrationParts {
  sampler: LabPromptSampler;
  promptLM: PromptLM;
  target: { evaluate(task: Task, prompt: string, split: 'train'): Promise<PromptEvaluation> };
  clock?: () => number;
}

/**
 * Rates for estimateRun from one micro-batch of real work, measured on the second of `passes` (default 2; the first
 * warms up). applyMs is 0 until an update is measured (LoRA-only AdamW).
 */
export async function calibrateRates(parts: CalibrationParts, task: Task, settings: Readonly<GflowpoSettings>, passes = 2): Promise<PartRates> {
  let rates = await measureOnce(parts, task, settings);
  for (let p = 1; p < passes; p++) rates = await measureOnce(parts, task, settings);
  return rates;
}

async function measureOnce(parts: CalibrationParts, task: Task, settings: Readonly<GflowpoSettings>): Promise<PartRates> {
  const clock = parts.clock ?? (() => performance.now());
  const validation = task.splits.validation.length;
  const demonstrations = validation === 0 ? [] : Array.from({ length: settings.demonstrationsTraining }, (_, i) => i % validation);
  const metaPrompt = buildMetaPrompt(task, demonstrations).text;
  const n = settings.microBatchSize;
  let t = clock();
  const samples = await parts.sampler.sample({
    metaPrompt, count: n, temperature: (settings.temperatureMin + settings.temperatureMax) / 2, topK: settings.topK, topP: settings.topP,
    maxNewTokens: settings.maxNewTokens, seeds: Array.from({ length: n }, (_, i) => i),
  });
  const sampleMs = clock() - t;
  t = clock();
  await parts.sampler.logPrior(metaPrompt, samples);
  const priorMs = clock() - t;
  t = clock();
  await parts.target.evaluate(task, samples[0]?.text ?? '', 'train');
  const targetMsPerExample = (clock() - t) / Math.max(1, task.splits.train.length);
  const prefix = parts.sampler.prefixIds(metaPrompt);
  const pairs = samples.map((s) => ({ prefix, prompt: parts.sampler.promptIds(s), logReward: 0 }));
  t = clock();
  await parts.promptLM.forwardOnly(pairs, { logZ: 0, logZDecay: 0, microBatch: 0 });
  const accumulateMs = UPDATE_PER_FORWARD * (clock() - t);
  return { sampleMs, priorMs, targetMsPerExample, accumulateMs, applyMs: 0 };
}
