// Scoring continuations with a Llama-family model: summed log-probabilities of each continuation after its prefix
// (adapter on or off, eval mode), plainly (right-padded rows) or with prompt-prefix reuse (the rows' common prefix
// runs once), and the single-token path that reads every label off one next-token distribution per row (on another
// model's baked decoder over the same weights when there is one). Callers hold the device queue (CausalLM does).
import type * as ortTypes from 'onnxruntime-web';
import { maskAndPositions } from '../models/llama/attention-mask';
import { io } from '../models/llama/graphs';
import { packSequences } from '../models/llama/sequence-batch';
import { type HostTensor, fromOrt, hostTensor, toOrt } from './host-tensor';
import type { LlamaSessions, ResidentDecoder } from './llama-sessions';
import { commonPrefixLength, prefill } from './shared-prefix';
import { unpaddedPrefill } from './unpadded-prefill';

export interface ScoringOptions {
  adapter: boolean;
  padTokenId: number;
}

/** Summed log-probabilities of each continuation after its prefix; rows right-padded into one batch. */
export async function score(lm: LlamaSessions, prefixes: readonly (readonly number[])[], continuations: readonly (readonly number[])[], options: ScoringOptions): Promise<number[]> {
  if (prefixes.length === 0 && continuations.length === 0) return [];
  const { B, T, ids, targets, targetMask, mask, positions } = packSequences(prefixes, continuations, options.padTokenId);
  const feeds: Record<string, HostTensor> = {
    [io.ids]: hostTensor('int64', [B, T], ids),
    [io.positions]: hostTensor('int64', [B, T], positions),
    [io.mask]: hostTensor('bool', [B, T, T], mask),
    targets: hostTensor('int64', [B, T], targets),
    target_mask: hostTensor('float32', [B, T], targetMask),
  };
  const out = await (await lm.session('scorer')).run({ ...lm.modelFeeds(options.adapter, lm.scorersBaked), ...Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toOrt(lm.ort, v)])) });
  const logprob = Array.from((await fromOrt(out['logprob']!)).data as Float32Array);
  out['logprob']!.dispose();
  return logprob;
}

/**
 * The numbers of score(), with prompt-prefix reuse: the longest common token prefix of all rows runs once
 * (batch 1) and every row attends to its cache. Falls back to score() when rows share nothing.
 */
export async function scoreSharedPrefix(lm: LlamaSessions, prefixes: readonly (readonly number[])[], continuations: readonly (readonly number[])[], options: ScoringOptions): Promise<number[]> {
  const L = Math.min(commonPrefixLength(prefixes), Math.min(...prefixes.map((p) => p.length)) - 1);
  if (prefixes.length === 0 || L < 1) return score(lm, prefixes, continuations, options);
  const model = lm.modelFeeds(options.adapter, lm.scorersBaked);
  const shared = await prefill(lm, prefixes[0]!.slice(0, L), options.adapter, { seed: 0, train: false }, false); // scoring does not take the bake
  try {
    if (continuations.every((c) => c.length === 1)) {
      const rows = prefixes.map((p) => p.slice(L));
      const tokens = continuations.map((c) => c[0]!);
      const resident = lm.lora ? undefined : await lm.residentDecoder();
      if (resident) return await residentSingleTokenScores(lm, resident, rows, tokens, L, shared);
      return await singleTokenScores(lm, rows, tokens, L, model, shared, options.padTokenId);
    }
    const batch = packSequences(prefixes.map((p) => p.slice(L)), continuations, options.padTokenId);
    const { B, T } = batch;
    const out = await (await lm.session('sharedScorer')).run({
      ...model,
      ...shared,
      [io.ids]: toOrt(lm.ort, hostTensor('int64', [B, T], batch.ids)),
      [io.positions]: toOrt(lm.ort, hostTensor('int64', [B, T], batch.positions.map((p) => p + BigInt(L)))),
      [io.mask]: toOrt(lm.ort, hostTensor('bool', [B, T, T], batch.mask)),
      targets: toOrt(lm.ort, hostTensor('int64', [B, T], batch.targets)),
      target_mask: toOrt(lm.ort, hostTensor('float32', [B, T], batch.targetMask)),
    });
    const logprob = Array.from((await fromOrt(out['logprob']!)).data as Float32Array);
    out['logprob']!.dispose();
    return logprob;
  } finally {
    for (const t of Object.values(shared)) t.dispose();
  }
}

/**
 * singleTokenScores on another model's decoder that holds these weights baked (LlamaSessions.residentDecoder): rows
 * of one length run together without padding (unpadded-prefill.ts), each row's next-token logits come back and the
 * log-softmax is taken here (in float64), so no run copies the frozen weights.
 */
async function residentSingleTokenScores(
  lm: LlamaSessions,
  resident: ResidentDecoder,
  rows: readonly (readonly number[])[],
  tokens: readonly number[],
  offset: number,
  shared: Record<string, ortTypes.Tensor>,
): Promise<number[]> {
  const keys = rows.map((r) => r.join(','));
  const unique = [...new Set(keys)];
  const distinct = unique.map((k) => rows[keys.indexOf(k)]!);
  const { logits, cache } = await unpaddedPrefill({ ort: lm.ort, config: lm.config, session: resident.session, feedsFor: (r) => resident.feeds(r.length), prefix: shared, prompts: distinct, offset, keepCache: false });
  for (const t of cache.values()) t.dispose();
  const V = lm.config.vocabSize;
  const logNorm = distinct.map((_, b) => logSumExp(logits.subarray(b * V, (b + 1) * V)));
  return keys.map((k, i) => {
    const b = unique.indexOf(k);
    return logits[b * V + tokens[i]!]! - logNorm[b]!;
  });
}

/** log Σ exp(x), shifted by the maximum. */
function logSumExp(x: Float32Array): number {
  let max = -Infinity;
  for (const v of x) if (v > max) max = v;
  let sum = 0;
  for (const v of x) sum += Math.exp(v - max);
  return max + Math.log(sum);
}

/**
 * Single-token continuations (label words of one token): each distinct row runs once and every continuation
 * reads its log-prob off that row's next-token distribution, so K labels cost one row, not K.
 */
async function singleTokenScores(
  lm: LlamaSessions,
  rows: readonly (readonly number[])[],
  tokens: readonly number[],
  offset: number,
  model: Record<string, ortTypes.Tensor>,
  shared: Record<string, ortTypes.Tensor>,
  padTokenId: number,
): Promise<number[]> {
  const keys = rows.map((r) => r.join(','));
  const unique = [...new Set(keys)];
  const distinct = unique.map((k) => rows[keys.indexOf(k)]!);
  const B = distinct.length;
  const T = Math.max(...distinct.map((r) => r.length));
  const ids = new BigInt64Array(B * T).fill(BigInt(padTokenId));
  distinct.forEach((r, b) => r.forEach((t, i) => (ids[b * T + i] = BigInt(t))));
  const { mask, positions } = maskAndPositions(new Array<number>(B).fill(0), 0, T);
  const out = await (await lm.session('sharedNext')).run({
    ...model,
    ...shared,
    [io.ids]: toOrt(lm.ort, hostTensor('int64', [B, T], ids)),
    [io.positions]: toOrt(lm.ort, hostTensor('int64', [B, T], positions.map((p) => p + BigInt(offset)))),
    [io.mask]: toOrt(lm.ort, hostTensor('bool', [B, T, T], mask)),
    last_index: toOrt(lm.ort, hostTensor('int64', [B], BigInt64Array.from(distinct.map((r) => BigInt(r.length - 1))))),
  });
  const logp = (await fromOrt(out['next_logprob']!)).data as Float32Array; // (B, V)
  out['next_logprob']!.dispose();
  const V = lm.config.vocabSize;
  return keys.map((k, i) => logp[unique.indexOf(k) * V + tokens[i]!]!);
}
