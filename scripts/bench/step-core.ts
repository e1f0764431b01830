// The body of `npm run bench:step`, shared by Node (scripts/bench-step.ts) and the Chromium page (step-page.ts): one
// full default GFlowPO step at SmolLM2-135M's shapes (vocab 49152, hidden 576, 9 heads, 3 kv heads, tied; `layers`
// layers), random weights made in memory, token ids only (no tokenizer). The step as the loop runs it: 4 micro-batches
// of 4 prompts sampled from one 256-token meta-prompt (temperature per micro-batch, top-k 50, top-p 0.9, train-mode
// dropout, new tokens capped at 48 and no EOS stop so the workload is fixed), their logPrior, then accumulate x4 +
// applyUpdate, then the 16 prompts scored on 32 examples of ~40 tokens with 2 single-token labels (prefix reuse) by a
// target-LM of the same model (one copy of the weights, as the lab shares them).
// Prints each part's time, this backend's MatMul rate measured in the same run, the peak memory (as the caller can
// see it) and last the three ratios of issue 10. Model FLOPs are counted from shapes (matmuls and attention; LoRA and
// elementwise ops left out; the update counted as forward + input-gradient backward = 2 forwards). Asserts nothing;
// knows nothing of Node or the DOM: where it runs comes in through StepHost.
import { Graph } from '../../src/autodiff/ir';
import { matmul } from '../../src/autodiff/ops';
import { emitModel } from '../../src/onnx/emit';
import { GFLOWPO_DEFAULTS } from '../../src/gflow/settings';
import { PromptLM, type TrainingPair } from '../../src/engines/prompt-lm';
import { randomLlamaWeights } from '../../src/models/llama/fixture';
import { parseLlamaConfig } from '../../src/models/llama/config';
import type { LlamaConfig } from '../../src/models/llama/types';
import { parameterCount, toGraphLayout } from '../../src/models/llama/weights';
import { transformersJsFolderFiles } from '../../src/models/llama/transformersjs-export';
import { mulberry32, randomInt } from '../../src/random/mulberry32';
import { CausalLM, uploadLlamaWeights } from '../../src/runtime/causal-lm';
import type { Backend } from '../../src/runtime/device';
import type { Ort } from '../../src/runtime/host-tensor';
import { TransformersLM, type TransformersDevice } from '../../src/runtime/transformers-lm';
import { weightResidency } from '../../src/runtime/weight-residency';

export interface StepOptions {
  layers: number;
  newTokens: number;
  withTransformers: boolean;
  /** Default 256 and 32 (issue 10's step); smaller only to check that the step runs on a slow emulated GPU. */
  metaTokens?: number;
  examples?: number;
}

/** Where the step runs: Node or a page. Everything the core prints goes through `log` (results) and `progress`. */
export interface StepHost {
  ort: Ort;
  backend: Backend;
  /** The end of the first line, e.g. "wasm in Node v20.19.0, 1 thread(s); load average ...". */
  where(): Promise<string>;
  log(line: string): void;
  progress(line: string): void;
  /** Called after each timed part: the host samples its memory figure. */
  sampleMemory(): void;
  /** "resident 2.10 GiB (...)" right after loading. */
  memoryNow(): Promise<string>;
  /** The whole "peak memory: ..." line. */
  memoryPeakLine(): Promise<string>;
  /** transformers.js's device for the decode comparison, and how to name it in the output. */
  transformers: { device: TransformersDevice; label: string };
}

export const SMOLLM2_135M = {
  model_type: 'llama', vocab_size: 49152, hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 30,
  num_attention_heads: 9, num_key_value_heads: 3, tie_word_embeddings: true, max_position_embeddings: 8192,
  rope_theta: 100000, rms_norm_eps: 1e-5, bos_token_id: 1, eos_token_id: 2,
};
const EXAMPLE_TOKENS = [34, 46]; // "Input : <text> Output:" per example, ~40 tokens
const LABELS = [[101], [102]];
const { microBatches: MICRO_BATCHES, microBatchSize: MICRO_BATCH_SIZE } = GFLOWPO_DEFAULTS;
const PROMPTS = MICRO_BATCHES * MICRO_BATCH_SIZE;

/** FLOPs of `tokens` tokens through every layer's matmuls, attending to `context` positions on average. */
function bodyFlops(c: LlamaConfig, tokens: number, context: number): number {
  const h = c.hiddenSize;
  const kv = c.numKvHeads * c.headDim;
  const linear = 2 * (2 * h * h + 2 * h * kv + 3 * h * c.intermediateSize);
  const attention = 4 * context * c.numHeads * c.headDim;
  return tokens * c.numLayers * (linear + attention);
}
const headFlops = (c: LlamaConfig, positions: number): number => positions * 2 * c.hiddenSize * c.vocabSize;
const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** This backend's best MatMul rate: (M,K) @ (K,N) with the weight an initialiser, the fastest of 5 runs after a warm-up (a peak: on a shared machine the median measures the neighbours). */
async function matmulPeak(ort: Ort, backend: Backend, M: number, K: number, N: number): Promise<number> {
  const g = new Graph();
  const x = g.input('x', [M, K]);
  const rng = mulberry32(3);
  const w = g.constant(Float32Array.from({ length: K * N }, () => rng() - 0.5), [K, N], 'float32');
  const session = await ort.InferenceSession.create(emitModel(g, { y: matmul(x, w) }), { executionProviders: [backend], logSeverityLevel: 3 });
  const input = new ort.Tensor('float32', Float32Array.from({ length: M * K }, () => rng() - 0.5), [M, K]);
  const ms: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t = performance.now();
    const out = await session.run({ x: input });
    ms.push(performance.now() - t);
    out['y']!.dispose();
  }
  await session.release();
  const best = Math.min(...ms.slice(1));
  return (2 * M * K * N) / (best / 1000);
}

const randomIds = (rng: () => number, n: number, vocab: number): number[] => Array.from({ length: n }, () => 3 + randomInt(rng, vocab - 3));

export async function benchStep(host: StepHost, options: StepOptions): Promise<void> {
  const { ort, backend, log, progress } = host;
  const { layers: LAYERS, newTokens: NEW_TOKENS, metaTokens: META_TOKENS = 256, examples: EXAMPLES = 32 } = options;
  const modelJson = { ...SMOLLM2_135M, num_hidden_layers: LAYERS };
  const config = parseLlamaConfig(modelJson);
  async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
    const t = performance.now();
    const value = await run();
    host.sampleMemory();
    return { ms: performance.now() - t, value };
  }
  log(`bench:step: SmolLM2-135M shapes with ${LAYERS} layers (${(parameterCount(config) / 1e6).toFixed(1)}M parameters), random weights; ${await host.where()}`);

  let peak = await matmulPeak(ort, backend, 1024, 1024, 1024);
  log(`matmul peak (1024x1024 @ 1024x1024, weight an initialiser, ${backend}; best of 5): ${(peak / 1e9).toFixed(1)} GFLOP/s`);

  const made = await timed(async () => randomLlamaWeights(config, 1));
  const weights = made.value;
  const settings = { ...GFLOWPO_DEFAULTS, seed: 0 };
  const promptLM = new PromptLM(async () => ort);
  // One model in both roles, as the paper and the lab's default: the target-LM shares the prompt-LM's uploaded copy
  // (weight-residency, by content identity) and scores on its baked decoder (LlamaSessions.residentDecoder).
  const identity = `bench:step:${LAYERS}`;
  const load = await timed(() => promptLM.load({ kind: 'loaded', model: { config, weights }, identity }, settings, { backend }));
  const lease = await weightResidency.acquire(backend, identity, () => uploadLlamaWeights(ort, backend, config, weights));
  const target = await timed(async () => CausalLM.create(ort, config, lease.weights));
  log(`load: weights made in ${sec(made.ms)}; prompt-LM (weights, training graphs) ${sec(load.ms)}; target-LM ${sec(target.ms)} (the prompt-LM's copy of the weights: ${weightResidency.uploads} upload); ${await host.memoryNow()}`);

  const rng = mulberry32(11);
  const meta = [1, ...randomIds(rng, META_TOKENS - 1, config.vocabSize)];
  const temperatures = Array.from({ length: MICRO_BATCHES }, () => settings.temperatureMin + rng() * (settings.temperatureMax - settings.temperatureMin));
  let flops = 0;
  const rate = (f: number, ms: number): string => `${((f / (ms / 1000)) / 1e9).toFixed(1)} GFLOP/s`;

  // 1. Sampling: one call per micro-batch (its own temperature), prefix reuse over the meta-prompt.
  const sampling = await timed(async () => {
    const out: number[][] = [];
    for (let m = 0; m < MICRO_BATCHES; m++) {
      const seeds = Array.from({ length: MICRO_BATCH_SIZE }, (_, i) => m * MICRO_BATCH_SIZE + i);
      const s = await promptLM.sample(seeds.map(() => meta), { seeds, temperature: temperatures[m]!, topK: settings.topK, topP: settings.topP, maxNewTokens: NEW_TOKENS, adapter: true, dropout: true, sharedPrefix: true, eosTokenIds: [] });
      out.push(...s.map((x) => [...x.tokens, 2])); // the EOS the prompt is scored and trained with
      host.sampleMemory();
      progress(`  sampled micro-batch ${m + 1}/${MICRO_BATCHES}`);
    }
    return out;
  });
  const prompts = sampling.value;
  for (let m = 0; m < MICRO_BATCHES; m++) {
    flops += bodyFlops(config, META_TOKENS - 1, META_TOKENS / 2); // the shared prefix, once per micro-batch
    flops += bodyFlops(config, MICRO_BATCH_SIZE * NEW_TOKENS, META_TOKENS + NEW_TOKENS / 2) + headFlops(config, MICRO_BATCH_SIZE * NEW_TOKENS);
  }
  const samplingFlops = flops;
  log(`sampling ${PROMPTS} prompts (${MICRO_BATCHES} x ${MICRO_BATCH_SIZE}, ${META_TOKENS}-token meta-prompt, ${NEW_TOKENS} new tokens): ${sec(sampling.ms)} (${(sampling.ms / (MICRO_BATCHES * NEW_TOKENS)).toFixed(0)} ms per decode step of ${MICRO_BATCH_SIZE} rows; ${rate(samplingFlops, sampling.ms)})`);

  // 2. logPrior of each micro-batch's prompts (adapter off, prefix reuse).
  const prior = await timed(async () => {
    const out: number[] = [];
    for (let m = 0; m < MICRO_BATCHES; m++) {
      const batch = prompts.slice(m * MICRO_BATCH_SIZE, (m + 1) * MICRO_BATCH_SIZE);
      out.push(...(await promptLM.score(batch.map(() => meta), batch, { adapter: false, sharedPrefix: true })));
      host.sampleMemory();
    }
    return out;
  });
  const P = NEW_TOKENS + 1;
  const priorFlops = MICRO_BATCHES * (bodyFlops(config, META_TOKENS - 1, META_TOKENS / 2) + bodyFlops(config, MICRO_BATCH_SIZE * P, META_TOKENS + P / 2) + headFlops(config, MICRO_BATCH_SIZE * P));
  flops += priorFlops;
  log(`logPrior of ${PROMPTS} prompts (${MICRO_BATCHES} calls): ${sec(prior.ms)} (${rate(priorFlops, prior.ms)})`);

  // 3. The update (run before target scoring so its ratio prints early on a slow machine): accumulate x4 + applyUpdate; then a forward pass of micro-batch 0 for the ratio.
  const pairsOf = (m: number): TrainingPair[] => prompts.slice(m * MICRO_BATCH_SIZE, (m + 1) * MICRO_BATCH_SIZE).map((prompt, i) => ({ prefix: meta, prompt, logReward: prior.value[m * MICRO_BATCH_SIZE + i]! + Math.log(0.5) * EXAMPLES }));
  const accumulateMs: number[] = [];
  let logZ: number | null = null;
  const update = await timed(async () => {
    for (let m = 0; m < MICRO_BATCHES; m++) {
      const a = await timed(() => promptLM.accumulate(pairsOf(m), { logZ, logZDecay: logZ === null ? 0 : settings.logZDecay, microBatches: MICRO_BATCHES, microBatch: m }));
      logZ = a.value.logZ;
      accumulateMs.push(a.ms);
      progress(`  accumulated micro-batch ${m + 1}/${MICRO_BATCHES} in ${sec(a.ms)}`);
    }
    return promptLM.applyUpdate({ lr: settings.learningRate });
  });
  // The update runs the micro-batch's meta-prompt once (its last token stays in every row) and the rows after it.
  const updateFlops = MICRO_BATCHES * 2 * (bodyFlops(config, META_TOKENS - 1, META_TOKENS / 2) + bodyFlops(config, MICRO_BATCH_SIZE * P, META_TOKENS + P / 2) + headFlops(config, MICRO_BATCH_SIZE * P));
  flops += updateFlops;
  const forward = await timed(() => promptLM.forwardOnly(pairsOf(0), { logZ, logZDecay: settings.logZDecay, microBatch: 0 }));
  const forwardAgain = await timed(() => promptLM.forwardOnly(pairsOf(0), { logZ, logZDecay: settings.logZDecay, microBatch: 0 })); // warm
  const forwardMs = Math.min(forward.ms, forwardAgain.ms);
  const accumulateWarm = Math.min(...accumulateMs.slice(1));
  log(`update: accumulate x${MICRO_BATCHES} (${accumulateMs.map(sec).join(', ')}) + applyUpdate = ${sec(update.ms)} (${rate(updateFlops, update.ms)}; grad norm ${update.value.gradNorm.toFixed(3)}, finite ${update.value.finite})`);
  log(`forward of micro-batch 0 (the training graph's forward only): ${sec(forwardMs)}`);
  log(`lora-update/forward so far: ${(accumulateWarm / forwardMs).toFixed(2)}`);

  // 4. Target scoring: each prompt on 32 examples x 2 single-token labels, one call per prompt (prefix reuse).
  const exampleIds = Array.from({ length: EXAMPLES }, () => randomIds(rng, EXAMPLE_TOKENS[0]! + randomInt(rng, EXAMPLE_TOKENS[1]! - EXAMPLE_TOKENS[0]! + 1), config.vocabSize));
  const meanExample = exampleIds.reduce((n, x) => n + x.length, 0) / EXAMPLES;
  const scoring = await timed(async () => {
    for (const [i, p] of prompts.entries()) {
      const prefixes = exampleIds.flatMap((x) => LABELS.map(() => [...p, ...x]));
      await target.value.scoreSharedPrefix(prefixes, exampleIds.flatMap(() => LABELS), { adapter: false, padTokenId: 0 });
      host.sampleMemory();
      progress(`  scored prompt ${i + 1}/${PROMPTS}`);
    }
  });
  const scoringFlops = PROMPTS * (bodyFlops(config, P - 1, P / 2) + bodyFlops(config, EXAMPLES * meanExample, P + meanExample / 2) + headFlops(config, EXAMPLES));
  flops += scoringFlops;
  log(`target scoring: ${PROMPTS} prompts x ${EXAMPLES} examples (~${meanExample.toFixed(0)} tokens, ${LABELS.length} single-token labels): ${sec(scoring.ms)} (${rate(scoringFlops, scoring.ms)})`);

  const stepMs = sampling.ms + prior.ms + scoring.ms + update.ms;
  log(`step: ${sec(stepMs)}, ${(flops / 1e12).toFixed(3)} TFLOP counted (${rate(flops, stepMs)})`);

  // 5. Distinct-prompt decode vs transformers.js: 16 different prompts, greedy, NEW_TOKENS tokens, same weights. Our
  // models are released before transformers.js loads its copy: in a page both live in one wasm heap (at most 4 GiB).
  let decodeRatio = 'n/a (--no-transformers)';
  const distinct = Array.from({ length: PROMPTS }, () => [1, ...randomIds(rng, 31 + randomInt(rng, 33), config.vocabSize)]);
  const greedy = { temperature: 0, topP: 1, maxNewTokens: NEW_TOKENS, eosTokenIds: [], seeds: distinct.map(() => 0), adapter: false, padTokenId: 0 };
  // The prompt-LM goes first: it holds the worker's one baked decoder (it sampled first); the target-LM, which only
  // scored so far, then bakes its own on its first sample, as a lone model does.
  await promptLM.release();
  const ours = options.withTransformers ? await (async () => {
    await target.value.sample(distinct, { ...greedy, maxNewTokens: 2 }); // warm-up
    return timed(() => target.value.sample(distinct, greedy));
  })() : undefined;
  if (ours && backend === 'wasm' && !target.value.decodersBaked) log('  (our decoder fed its weights: it did not fit the wasm bake budget)');
  await target.value.release();
  lease.release();
  if (ours) {
    progress(`  our decode: ${sec(ours.ms)}; loading transformers.js (${host.transformers.device})`);
    const folder = transformersJsFolderFiles({ 'config.json': new TextEncoder().encode(JSON.stringify(modelJson)) }, config, toGraphLayout(config, weights));
    const theirs = await TransformersLM.fromFiles(folder, { device: host.transformers.device });
    const generate = { maxNewTokens: NEW_TOKENS, doSample: false, eosTokenIds: [], padTokenId: 0 };
    await theirs.generate(distinct, { ...generate, maxNewTokens: 2 });
    const t = await timed(() => theirs.generate(distinct, generate));
    const same = ours.value.filter((s, i) => s.tokens.every((x, j) => x === t.value[i]![j])).length;
    await theirs.release();
    log(`distinct-prompt decode (${PROMPTS} prompts of 32-64 tokens, ${NEW_TOKENS} greedy tokens): ours (${backend}) ${sec(ours.ms)}, transformers.js (${host.transformers.label}) ${sec(t.ms)}; same tokens in ${same}/${PROMPTS} rows`);
    decodeRatio = (t.ms / ours.ms).toFixed(2);
  }
  const peakAgain = await matmulPeak(ort, backend, 1024, 1024, 1024);
  log(`matmul peak measured again at the end: ${(peakAgain / 1e9).toFixed(1)} GFLOP/s (the higher of the two is used)`);
  peak = Math.max(peak, peakAgain);
  host.sampleMemory();
  log(await host.memoryPeakLine());
  log(`lora-update/forward at 135M: ${(accumulateWarm / forwardMs).toFixed(2)}`);
  log(`distinct-prompt decode vs transformers.js at 135M: ${decodeRatio}`);
  log(`step FLOP rate / matmul peak: ${((flops / (stepMs / 1000)) / peak).toFixed(2)}`);
}
