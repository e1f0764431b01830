// The first step of batched sampling (the prefill) without computing the left padding: rows of different
// lengths would run padded to the longest (16 prompts of 32-64 tokens: a quarter of the prefill's matmuls on
// padding). Here rows of one length run together with no padding, and their caches are laid out left-padded as
// one padded prefill lays them out, so the decode steps after it are unchanged. Pad slots hold zeros; the mask
// never lets a query attend them. Host-side only (wasm: presents are host tensors); on WebGPU the caller keeps
// the padded prefill, whose caches stay on the GPU. Does not choose tokens: llama-sampling.ts does.
import type * as ortTypes from 'onnxruntime-web';
import { maskAndPositions } from '../models/llama/attention-mask';
import { io } from '../models/llama/graphs';
import type { LlamaConfig } from '../models/llama/types';
import { type Ort, hostTensor, toOrt } from './host-tensor';

export interface UnpaddedPrefillInput {
  ort: Ort;
  config: LlamaConfig;
  session: ortTypes.InferenceSession;
  /** Model and dropout feeds for a subset of rows (dropout seeds are per row). */
  feedsFor(rows: readonly number[]): Record<string, ortTypes.Tensor>;
  /** The shared prefix's cache, or empty prefix tensors, or none: the same for every row. */
  prefix: Record<string, ortTypes.Tensor>;
  prompts: readonly (readonly number[])[];
  /** Positions start here (the shared prefix's length, else 0). */
  offset: number;
  /** False: only the logits are wanted (scoring); the caches are not laid out and `cache` comes back empty. */
  keepCache?: boolean;
}

export interface UnpaddedPrefill {
  /** (B, V) next-token logits after each row's last token. */
  logits: Float32Array;
  /** Per layer past keys/values (B, KV, width, D), row b's tokens in its last prompts[b].length slots. */
  cache: Map<string, ortTypes.Tensor>;
}

/** Whether rows differ in length (only then does a padded prefill compute padding). */
export function needsPadding(prompts: readonly (readonly number[])[]): boolean {
  return prompts.some((p) => p.length !== prompts[0]!.length);
}

export async function unpaddedPrefill(input: UnpaddedPrefillInput): Promise<UnpaddedPrefill> {
  const { ort, config, session, prompts } = input;
  const { numLayers: L, numKvHeads: KV, headDim: D, vocabSize: V } = config;
  const B = prompts.length;
  const width = Math.max(...prompts.map((p) => p.length));
  const byLength = new Map<number, number[]>();
  prompts.forEach((p, b) => byLength.set(p.length, [...(byLength.get(p.length) ?? []), b]));
  const logits = new Float32Array(B * V);
  const names = Array.from({ length: L }, (_, l) => [io.presentKey(l), io.presentValue(l)]).flat();
  const keep = input.keepCache ?? true;
  const laidOut = keep ? names.map(() => new Float32Array(B * KV * width * D)) : []; // (B, KV, width, D) per present
  for (const [T, rows] of byLength) {
    const n = rows.length;
    const { mask, positions } = maskAndPositions(new Array<number>(n).fill(0), 0, T);
    const empty: Record<string, ortTypes.Tensor> = {};
    for (let l = 0; l < L; l++) {
      empty[io.pastKey(l)] = toOrt(ort, hostTensor('float32', [n, KV, 0, D], new Float32Array(0)));
      empty[io.pastValue(l)] = toOrt(ort, hostTensor('float32', [n, KV, 0, D], new Float32Array(0)));
    }
    const out = await session.run({
      ...input.feedsFor(rows),
      ...input.prefix,
      ...empty,
      [io.ids]: toOrt(ort, hostTensor('int64', [n, T], BigInt64Array.from(rows.flatMap((b) => prompts[b]!.map(BigInt))))),
      [io.positions]: toOrt(ort, hostTensor('int64', [n, T], positions.map((p) => p + BigInt(input.offset)))),
      [io.mask]: toOrt(ort, hostTensor('bool', [n, T, T], mask)),
    });
    for (const t of Object.values(empty)) t.dispose();
    const rowLogits = out['logits']!.data as Float32Array; // (n, V)
    rows.forEach((b, i) => logits.set(rowLogits.subarray(i * V, (i + 1) * V), b * V));
    if (keep) names.forEach((name, k) => {
      const present = out[name]!.data as Float32Array; // (n, KV, T, D)
      const into = laidOut[k]!;
      rows.forEach((b, i) => {
        for (let h = 0; h < KV; h++) {
          const from = (i * KV + h) * T * D;
          into.set(present.subarray(from, from + T * D), ((b * KV + h) * width + width - T) * D);
        }
      });
    });
    for (const t of Object.values(out)) t.dispose();
  }
  const pastName = (k: number): string => (k % 2 === 0 ? io.pastKey(k >> 1) : io.pastValue(k >> 1));
  const cache = new Map(laidOut.map((data, k) => [pastName(k), toOrt(ort, hostTensor('float32', [B, KV, width, D], data))] as const));
  return { logits, cache };
}
