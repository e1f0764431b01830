// Prompt-prefix reuse: the longest token prefix a batch's rows share, and its key/value cache from one decoder
// prefill (batch 1), which every row then attends to as 'shared.<l>.key/value' inputs. Sampling (one
// meta-prompt, many prompts) and scoring (one prompt, many examples) both use it. Callers hold the device queue.
import type * as ortTypes from 'onnxruntime-web';
import { maskAndPositions } from '../models/llama/attention-mask';
import { io } from '../models/llama/graphs';
import { hostTensor, toOrt } from './host-tensor';
import type { LlamaSessions } from './llama-sessions';

export { commonPrefixLength } from '../models/llama/sequence-batch';

/**
 * Runs `tokens` as one row from an empty cache and returns the cache as shared.<l>.key/value feeds (the caller
 * disposes them). `dropout`: the row's sample seed and whether LoRA dropout is on (train-mode sampling). `claim`:
 * false for a scoring prefill (it does not take the worker's large-weight bake; see LlamaSessions.decoderFor).
 */
export async function prefill(
  lm: LlamaSessions,
  tokens: readonly number[],
  adapter: boolean,
  dropout: { seed: number; train: boolean },
  claim = true,
): Promise<Record<string, ortTypes.Tensor>> {
  const { numLayers: NL, numKvHeads: KV, headDim: D } = lm.config;
  const L = tokens.length;
  const { mask, positions } = maskAndPositions([0], 0, L);
  const decoder = await lm.decoderFor(undefined, claim);
  const feeds: Record<string, ortTypes.Tensor> = decoder.feeds(adapter, [dropout.seed], dropout.train);
  for (let l = 0; l < NL; l++) {
    feeds[io.pastKey(l)] = toOrt(lm.ort, hostTensor('float32', [1, KV, 0, D], new Float32Array(0)));
    feeds[io.pastValue(l)] = toOrt(lm.ort, hostTensor('float32', [1, KV, 0, D], new Float32Array(0)));
  }
  feeds[io.ids] = toOrt(lm.ort, hostTensor('int64', [1, L], BigInt64Array.from(tokens.map(BigInt))));
  feeds[io.positions] = toOrt(lm.ort, hostTensor('int64', [1, L], positions));
  feeds[io.mask] = toOrt(lm.ort, hostTensor('bool', [1, L, L], mask));
  let out: ortTypes.InferenceSession.OnnxValueMapType;
  try {
    out = await decoder.session.run({ ...feeds, ...decoder.prefix });
  } finally {
    decoder.done();
  }
  out['logits']!.dispose();
  const shared: Record<string, ortTypes.Tensor> = {};
  for (let l = 0; l < NL; l++) {
    shared[io.sharedKey(l)] = out[io.presentKey(l)]!;
    shared[io.sharedValue(l)] = out[io.presentValue(l)]!;
  }
  return shared;
}
