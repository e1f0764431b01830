// `npm run bench:score`: one prompt on 32 classification examples (2 single-token label words) scored on the
// target LM on one backend (wasm in Node): one call per example (plain, and with the single-token label path),
// one batch without reuse, and one batch reusing the prompt prefix's cache. Medians; the last line is the
// headline: prefix reuse against per-example calls that score labels the same way.
import { mulberry32, randomInt } from '../src/random/mulberry32';
import { randomLlamaWeights } from '../src/models/llama/fixture';
import { parseLlamaConfig } from '../src/models/llama/config';
import { CausalLM, uploadLlamaWeights } from '../src/runtime/causal-lm';
import { loadOrtNode } from '../src/runtime/ort-node';

const config = parseLlamaConfig({
  model_type: 'llama', vocab_size: 2048, hidden_size: 256, intermediate_size: 768, num_hidden_layers: 4,
  num_attention_heads: 8, num_key_value_heads: 4, max_position_embeddings: 1024, rms_norm_eps: 1e-6, rope_theta: 10000,
});
const EXAMPLES = 32;
const PROMPT_TOKENS = 96; // an instruction of a few sentences
const EXAMPLE_TOKENS = [12, 28]; // "Input : <text> Output:" per example
const LABELS = [[101], [102]];
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);

const rng = mulberry32(7);
const prompt = [1, ...Array.from({ length: PROMPT_TOKENS - 1 }, () => 3 + randomInt(rng, 2000))];
const examples = Array.from({ length: EXAMPLES }, () => Array.from({ length: EXAMPLE_TOKENS[0]! + randomInt(rng, EXAMPLE_TOKENS[1]! - EXAMPLE_TOKENS[0]!) }, () => 3 + randomInt(rng, 2000)));
const prefixes = examples.flatMap((x) => LABELS.map(() => [...prompt, ...x]));
const continuations = examples.flatMap(() => LABELS);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function time(run: () => Promise<unknown>): Promise<number> {
  await run(); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await run();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

const ort = await loadOrtNode();
const lm = await CausalLM.create(ort, config, await uploadLlamaWeights(ort, 'wasm', config, randomLlamaWeights(config, 1)));
const opts = { adapter: false, padTokenId: 0 };
const perExample = await time(async () => {
  for (let i = 0; i < EXAMPLES; i++) await lm.score(prefixes.slice(2 * i, 2 * i + 2), continuations.slice(2 * i, 2 * i + 2), opts);
});
// The same per-example calls with the single-token path (one row per example, labels read off its next-token
// distribution): what is left of the headline is then prefix reuse across examples and batching alone.
const perExampleSingle = await time(async () => {
  for (let i = 0; i < EXAMPLES; i++) await lm.scoreSharedPrefix(prefixes.slice(2 * i, 2 * i + 2), continuations.slice(2 * i, 2 * i + 2), opts);
});
const batched = await time(() => lm.score(prefixes, continuations, opts));
const reused = await time(() => lm.scoreSharedPrefix(prefixes, continuations, opts));
const [a, b] = [await lm.score(prefixes, continuations, opts), await lm.scoreSharedPrefix(prefixes, continuations, opts)];
const maxDiff = Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
await lm.release();

console.log(`target LM: ${config.numLayers} layers, width ${config.hiddenSize}, vocab ${config.vocabSize}; prompt ${PROMPT_TOKENS} tokens, ${EXAMPLES} examples of ${EXAMPLE_TOKENS[0]}-${EXAMPLE_TOKENS[1]} tokens, ${LABELS.length} label words (wasm, Node, 1 thread)`);
console.log(`one call per example: ${perExample.toFixed(1)} ms`);
console.log(`one call per example, single-token label path: ${perExampleSingle.toFixed(1)} ms`);
console.log(`one batch, no reuse:  ${batched.toFixed(1)} ms`);
console.log(`one batch, prefix reuse: ${reused.toFixed(1)} ms (max |log-prob difference| ${maxDiff.toExponential(1)})`);
console.log(`prefix reuse vs one batch without reuse: ${(batched / reused).toFixed(2)}`);
console.log(`prefix reuse vs one plain call per example: ${(perExample / reused).toFixed(2)}`);
// Headline: against per-example calls that use the same single-token scoring, so only prefix reuse differs.
console.log(`prefix-reuse speedup: ${(perExampleSingle / reused).toFixed(2)}`);
