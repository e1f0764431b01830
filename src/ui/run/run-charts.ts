// The run view's six charts, each built from the run's step points (run-log.ts): training accuracy, reward, loss,
// logZ, target-LM calls against cache hits, and prompt diversity. Pure; a chart's numbers are its table.
import { type ChartData, PALETTE } from '../charts/series';
import type { StepPoint } from './run-log';

export interface RunChart {
  id: 'accuracy' | 'reward' | 'loss' | 'logz' | 'calls' | 'diversity';
  title: string;
  /** One sentence: what the lines are. */
  caption: string;
  data: ChartData;
}

export function runCharts(points: readonly StepPoint[]): RunChart[] {
  const xs = points.map((p) => p.step);
  const col = (f: (p: StepPoint) => number | null) => points.map(f);
  return [
    {
      id: 'accuracy',
      title: 'Training accuracy',
      caption: 'Mean and best training accuracy of the prompts sampled fresh in each step (replayed prompts left out).',
      data: { xLabel: 'step', yLabel: 'accuracy', xs, yRange: [0, 1], series: [
        { label: 'mean', color: PALETTE[0], values: col((p) => p.meanAccuracy) },
        { label: 'best', color: PALETTE[1], values: col((p) => p.bestAccuracy) },
      ] },
    },
    {
      id: 'reward',
      title: 'Log-reward',
      caption: 'Mean and best log R = log p_ref(z | M) / γ + log(acc + ε) / β over each step\'s prompts.',
      data: { xLabel: 'step', yLabel: 'log R', xs, digits: 2, series: [
        { label: 'mean log R', color: PALETTE[0], values: col((p) => p.meanLogReward) },
        { label: 'best log R', color: PALETTE[1], values: col((p) => p.bestLogReward) },
      ] },
    },
    {
      id: 'loss',
      title: 'Loss',
      caption: 'The GFlowNet loss mean((logZ + log P_F − log R)²) of each training step (none while the buffer fills).',
      data: { xLabel: 'step', yLabel: 'loss', xs, digits: 4, series: [{ label: 'loss', color: PALETTE[0], values: col((p) => p.loss) }] },
    },
    {
      id: 'logz',
      title: 'log Z',
      caption: 'The running estimate of the log-partition function after each step (tracked from step 1, while the buffer fills too).',
      data: { xLabel: 'step', yLabel: 'log Z', xs, digits: 2, series: [{ label: 'log Z', color: PALETTE[2], values: col((p) => p.logZ) }] },
    },
    {
      id: 'calls',
      title: 'Target-LM calls and cache hits',
      caption: 'Cumulative calls to the target LM, and scores answered from the reward cache instead (replays and repeats cost no call).',
      data: { xLabel: 'step', yLabel: 'count', xs, series: [
        { label: 'target-LM calls', color: PALETTE[0], values: col((p) => p.targetCalls) },
        { label: 'cache hits', color: PALETTE[4], values: col((p) => p.cacheHits), dash: true },
      ] },
    },
    {
      id: 'diversity',
      title: 'Prompt diversity',
      caption: 'Among each step\'s fresh samples: distinct prompts / prompts, and distinct word pairs / word pairs (distinct-2).',
      data: { xLabel: 'step', yLabel: 'fraction', xs, yRange: [0, 1], series: [
        { label: 'distinct prompts', color: PALETTE[3], values: col((p) => p.uniqueFraction) },
        { label: 'distinct-2', color: PALETTE[5], values: col((p) => p.distinctBigrams), dash: true },
      ] },
    },
  ];
}
