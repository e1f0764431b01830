// What the lab engine writes into a stored run besides the run's own state: each evaluation's per-example scores
// (for the prompt explorer's correctness view) and where the prompt-LM came from (what to load to continue it).
import type { PerExample } from '../store/run-recorder';
import { scoreOutput } from '../tasks/metrics';
import type { ModelSource } from './prompt-lm';

/** Each example's metric score of an evaluation in split order (null when predictions are missing or disagree). */
export const perExampleScores: PerExample = (task, split, evaluation) => {
  const examples = task.splits[split];
  if (evaluation.predictions.length !== examples.length || examples.length === 0) return null;
  const scores = evaluation.predictions.map((p, i) => scoreOutput(task.metric, p, examples[i]!));
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  return Math.abs(mean - evaluation.score) <= 1e-9 ? scores : null;
};

/** What to load to continue a run, as the library shows it (never the files themselves). */
export function describeSource(source: ModelSource): string {
  switch (source.kind) {
    case 'hub':
      return `hub:${source.modelId}`;
    case 'files':
      return `files:${[...source.files.keys()].sort().join(',')}`;
    case 'llama2c':
      return `llama2.c checkpoint (${source.bytes.byteLength} bytes)`;
    case 'loaded':
      return 'a model in memory';
  }
}
