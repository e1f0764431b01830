// `npm run bench:quant`: quantised frozen base weights (MatMulNBits, blocks of 32: 'q8', 'q4') against float32 at
// SmolLM2-135M's shapes (vocab 49152, hidden 576, intermediate 1536, 9 heads, 3 kv heads, tied; random weights made
// in memory; BENCH_QUANT_LAYERS layers, default 30 = full depth) on onnxruntime-web's wasm in Node (1 thread). Per
// precision: the frozen weight bytes, the quantisation time, logits of every position of fixed prompts against
// float32 (max |error|, argmax agreement), greedy continuations against float32 (identical rows, tokens before the
// first divergence), and decode time per token (batch 1; weights baked in as initialisers, one session at a time).
// Prints figures, asserts nothing; the last line is the headline.
import { maskAndPositions } from '../src/models/llama/attention-mask';
import { parseLlamaConfig } from '../src/models/llama/config';
import { randomLlamaWeights } from '../src/models/llama/fixture';
import { decoderGraph } from '../src/models/llama/graphs';
import { type QuantFormat, frozenByteLength, frozenHostWeights, frozenWeightSpecs, quantFormat } from '../src/models/llama/quantised-weights';
import { mulberry32, randomInt } from '../src/random/mulberry32';
import { CausalLM, uploadLlamaWeights } from '../src/runtime/causal-lm';
import { hostTensor } from '../src/runtime/host-tensor';
import { loadOrtNode } from '../src/runtime/ort-node';
import { runGraph } from '../src/runtime/run-graph';

const LAYERS = Number(process.env['BENCH_QUANT_LAYERS'] ?? 30);
const config = parseLlamaConfig({
  model_type: 'llama', vocab_size: 49152, hidden_size: 576, intermediate_size: 1536, num_hidden_layers: LAYERS, num_attention_heads: 9,
  num_key_value_heads: 3, max_position_embeddings: 8192, rms_norm_eps: 1e-5, rope_theta: 100000, tie_word_embeddings: true,
});
const V = config.vocabSize;
const PROMPTS = 4;
const PROMPT_TOKENS = 16;
const NEW_TOKENS = 16;
const rng = mulberry32(11);
const prompts = Array.from({ length: PROMPTS }, () => [1, ...Array.from({ length: PROMPT_TOKENS - 1 }, () => 3 + randomInt(rng, V - 3))]);

const ort = await loadOrtNode();
const weights = randomLlamaWeights(config, 1);

/** Logits (PROMPTS, PROMPT_TOKENS, V) of every prompt position. */
async function allLogits(quant: QuantFormat | undefined): Promise<Float32Array> {
  const bytes = decoderGraph(config, { weights: { kind: 'initialisers', weights: frozenHostWeights(config, weights, quant), ...(quant ? { quant } : {}) }, cache: false, logits: 'all' });
  const { mask, positions } = maskAndPositions(new Array(PROMPTS).fill(0), 0, PROMPT_TOKENS);
  const out = await runGraph(ort, bytes, {
    input_ids: hostTensor('int64', [PROMPTS, PROMPT_TOKENS], BigInt64Array.from(prompts.flat(), BigInt)),
    position_ids: hostTensor('int64', [PROMPTS, PROMPT_TOKENS], positions),
    attn_mask: hostTensor('bool', [PROMPTS, PROMPT_TOKENS, PROMPT_TOKENS], mask),
  });
  return out['logits']!.data as Float32Array;
}

/**
 * Greedy continuations of every prompt, and decode ms per step: batch 1 (1 vs NEW_TOKENS + 1 new tokens) and batch 16
 * (1 vs 5 new tokens; GFlowPO samples 16 rows at once, and MatMulNBits' per-call cost is shared by the rows).
 */
async function decode(quant: QuantFormat | undefined): Promise<{ tokens: number[][]; msPerToken: number; msPerStep16: number; loadMs: number }> {
  const t0 = performance.now();
  const device = await uploadLlamaWeights(ort, 'wasm', config, weights, quant);
  const lm = await CausalLM.create(ort, config, device, { placement: 'initialisers', ...(quant ? { quant } : {}) });
  const opts = (n: number) => ({ temperature: 0, topP: 1, maxNewTokens: n, eosTokenIds: [], seeds: [0], adapter: false, padTokenId: 0 });
  await lm.sample([prompts[0]!], opts(1)); // opens the session
  const loadMs = performance.now() - t0;
  const timed = async (n: number, rows = 1) => {
    const t = performance.now();
    await lm.sample(Array.from({ length: rows }, (_, i) => prompts[i % PROMPTS]!), { ...opts(n), seeds: new Array<number>(rows).fill(0) });
    return performance.now() - t;
  };
  const short = await timed(1);
  const long = await timed(NEW_TOKENS + 1);
  const msPerStep16 = ((await timed(5, 16)) - (await timed(1, 16))) / 4;
  const tokens = (await lm.sample(prompts, { ...opts(NEW_TOKENS), seeds: prompts.map(() => 0) })).map((s) => s.tokens);
  await lm.release();
  device.release();
  return { tokens, msPerToken: (long - short) / NEW_TOKENS, msPerStep16, loadMs };
}

const argmax = (a: Float32Array, at: number): number => {
  let best = 0;
  for (let v = 1; v < V; v++) if (a[at * V + v]! > a[at * V + best]!) best = v;
  return best;
};

console.log(`SmolLM2-135M shapes: vocab ${V}, hidden 576, intermediate 1536, 9 heads, 3 kv heads, tied, ${LAYERS} layers${LAYERS < 30 ? ' (full depth is 30)' : ''}; random weights; wasm in Node, 1 thread; blocks of 32, embedding and tied head quantised too`);
const variants: { label: string; quant: QuantFormat | undefined }[] = [
  { label: 'f32', quant: undefined },
  { label: 'q8', quant: quantFormat('q8') },
  { label: 'q4', quant: quantFormat('q4') },
  { label: 'q4, embedding/head f32', quant: quantFormat('q4', { embedding: false }) },
];
const bytes: Record<string, number> = {};
let reference: { logits: Float32Array; tokens: number[][] } | undefined;
for (const { label, quant } of variants) {
  bytes[label] = frozenByteLength(frozenWeightSpecs(config, quant));
  const tq = performance.now();
  frozenHostWeights(config, weights, quant);
  const quantiseMs = performance.now() - tq;
  const logits = await allLogits(quant);
  const { tokens, msPerToken, msPerStep16, loadMs } = await decode(quant);
  let line = `${label}: weights ${(bytes[label]! / 2 ** 20).toFixed(1)} MiB (${(bytes[label]! / bytes['f32']!).toFixed(3)} of f32), host layout/quantise ${(quantiseMs / 1000).toFixed(1)} s, load+open ${(loadMs / 1000).toFixed(1)} s, decode ${msPerToken.toFixed(1)} ms/token (batch 1), ${msPerStep16.toFixed(1)} ms/step (batch 16)`;
  if (!reference) reference = { logits, tokens };
  else {
    let maxErr = 0;
    let maxLogit = 0;
    for (let i = 0; i < logits.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(logits[i]! - reference.logits[i]!));
      maxLogit = Math.max(maxLogit, Math.abs(reference.logits[i]!));
    }
    const positions = PROMPTS * PROMPT_TOKENS;
    let same = 0;
    for (let p = 0; p < positions; p++) if (argmax(logits, p) === argmax(reference.logits, p)) same++;
    const rows = tokens.filter((r, i) => r.join() === reference!.tokens[i]!.join()).length;
    let prefix = 0;
    tokens.forEach((r, i) => {
      const j = r.findIndex((t, k) => t !== reference!.tokens[i]![k]);
      prefix += j < 0 ? r.length : j;
    });
    line += `; vs f32: max |d logit| ${maxErr.toFixed(4)} (max |logit| ${maxLogit.toFixed(3)}), argmax ${same}/${positions} prompt positions, greedy rows identical ${rows}/${PROMPTS} (${prefix}/${PROMPTS * NEW_TOKENS} tokens before the first divergence)`;
  }
  console.log(line);
}
console.log(`q4 weight bytes / f32 at 135M: ${(bytes['q4']! / bytes['f32']!).toFixed(3)}`);
