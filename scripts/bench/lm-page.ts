// Browser side of `npm run bench:lm`: one random Llama, batched greedy sampling (16 prompts x 32 new tokens, no EOS
// stop) timed with our CausalLM and with transformers.js generate() on WebGPU (when an adapter exists) and then wasm.
// Leaves the figures (or why there are none) on window.__lmBench for the Node script to print; asserts nothing.
import { mulberry32 } from '../../src/random/mulberry32';
import { randomLlamaWeights } from '../../src/models/llama/fixture';
import { parseLlamaConfig } from '../../src/models/llama/config';
import type { LlamaConfig, LlamaWeights } from '../../src/models/llama/types';
import { parameterCount, toGraphLayout } from '../../src/models/llama/weights';
import { transformersJsFolderFiles } from '../../src/models/llama/transformersjs-export';
import { CausalLM, uploadLlamaWeights } from '../../src/runtime/causal-lm';
import { chooseBackend } from '../../src/runtime/device';
import { loadOrtWeb } from '../../src/runtime/ort-web';
import { TransformersLM } from '../../src/runtime/transformers-lm';

/** The bench model: bigger than the test fixture so per-token work dominates per-run overhead. */
const LM_BENCH_CONFIG = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  vocab_size: 2048,
  hidden_size: 256,
  intermediate_size: 768,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 512,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  tie_word_embeddings: false,
  bos_token_id: 1,
  eos_token_id: 2,
} as const;

const LM_BENCH_TASK = { prompts: 16, minPrompt: 8, maxPrompt: 23, newTokens: 32, padTokenId: 0 } as const;

export interface SideTiming {
  medianMs: number;
  runs: number;
  tokensPerSecond: number;
}

export interface BackendTiming {
  backend: 'webgpu' | 'wasm';
  detail: string;
  ours: SideTiming;
  transformers: SideTiming;
  /** Rows whose 32 tokens are identical on both sides (greedy on the same weights). */
  sameRows: number;
  /** GFlowPO's case: the 16 rows continue one shared meta-prompt (ours reuses its cache; transformers.js gets 16 copies). */
  shared?: { ours: SideTiming; transformers: SideTiming; sameRows: number; promptTokens: number };
}

export type LmBenchReport =
  | { ok: true; model: string; task: string; webgpu: BackendTiming | { skipped: string }; wasm: BackendTiming }
  | { ok: false; reason: string };

declare global {
  interface Window {
    __lmBench?: LmBenchReport;
  }
}

function prompts(vocab: number, seed: number): number[][] {
  const rng = mulberry32(seed);
  const { prompts: n, minPrompt, maxPrompt } = LM_BENCH_TASK;
  return Array.from({ length: n }, (_, b) => {
    const length = minPrompt + Math.round((b * (maxPrompt - minPrompt)) / (n - 1));
    return [1, ...Array.from({ length: length - 1 }, () => 3 + Math.floor(rng() * (vocab - 3)))];
  });
}

/** One fixed meta-prompt (the same ids every call): GFlowPO samples a step's 16 prompts from one. */
function metaPrompt(vocab: number): number[] {
  const rng = mulberry32(99);
  return [1, ...Array.from({ length: META_PROMPT_TOKENS - 1 }, () => 3 + Math.floor(rng() * (vocab - 3)))];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** One untimed short warm-up (session and shader compilation), then `runs` timed full runs. */
async function time(run: (newTokens: number) => Promise<number[][]>, runs: number): Promise<{ timing: SideTiming; tokens: number[][] }> {
  await run(2);
  const ms: number[] = [];
  let tokens: number[][] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    tokens = await run(LM_BENCH_TASK.newTokens);
    ms.push(performance.now() - start);
  }
  const generated = LM_BENCH_TASK.prompts * LM_BENCH_TASK.newTokens;
  if (tokens.some((row) => row.length !== LM_BENCH_TASK.newTokens)) throw new Error('a row stopped early; both sides must produce exactly 32 tokens');
  const medianMs = median(ms);
  return { timing: { medianMs, runs, tokensPerSecond: generated / (medianMs / 1000) }, tokens };
}

const META_PROMPT_TOKENS = 160;

async function benchBackend(backend: 'webgpu' | 'wasm', detail: string, config: LlamaConfig, weights: LlamaWeights, folder: Record<string, Uint8Array>, runs: number, withShared: boolean): Promise<BackendTiming> {
  const ort = await loadOrtWeb();
  const batch = prompts(config.vocabSize, 7);
  const { padTokenId } = LM_BENCH_TASK;
  const deviceWeights = await uploadLlamaWeights(ort, backend, config, weights);
  const ours = await CausalLM.create(ort, config, deviceWeights);
  const seeds = batch.map((_, b) => b);
  const greedy = { temperature: 0, topP: 1, eosTokenIds: [], seeds, adapter: false, padTokenId };
  const a = await time(async (maxNewTokens) => (await ours.sample(batch, { ...greedy, maxNewTokens })).map((s) => s.tokens), runs);
  const meta = prompts(config.vocabSize, 11).map(() => metaPrompt(config.vocabSize));
  const sharedOurs = withShared ? await time(async (maxNewTokens) => (await ours.sampleSharedPrefix(meta, { ...greedy, maxNewTokens })).map((s) => s.tokens), runs) : undefined;
  await ours.release();
  deviceWeights.release();
  const theirs = await TransformersLM.fromFiles(folder, { device: backend });
  const b = await time((maxNewTokens) => theirs.generate(batch, { maxNewTokens, doSample: false, eosTokenIds: [], padTokenId }), runs);
  const sharedTheirs = withShared ? await time((maxNewTokens) => theirs.generate(meta, { maxNewTokens, doSample: false, eosTokenIds: [], padTokenId }), runs) : undefined;
  await theirs.release();
  const same = (x: number[][], y: number[][]): number => x.filter((row, i) => row.every((t, j) => t === y[i]![j])).length;
  const result: BackendTiming = { backend, detail, ours: a.timing, transformers: b.timing, sameRows: same(a.tokens, b.tokens) };
  if (sharedOurs && sharedTheirs) {
    result.shared = { ours: sharedOurs.timing, transformers: sharedTheirs.timing, sameRows: same(sharedOurs.tokens, sharedTheirs.tokens), promptTokens: META_PROMPT_TOKENS };
  }
  return result;
}

async function main(): Promise<void> {
  const out = document.getElementById('out')!;
  try {
    const params = new URLSearchParams(location.search);
    const runs = Number(params.get('runs') ?? 5);
    const gpuRuns = Number(params.get('gpuRuns') ?? 3);
    const config = parseLlamaConfig(LM_BENCH_CONFIG);
    const weights = randomLlamaWeights(config, 1);
    const configBytes = new TextEncoder().encode(JSON.stringify(LM_BENCH_CONFIG));
    const folder = transformersJsFolderFiles({ 'config.json': configBytes }, config, toGraphLayout(config, weights));
    const ort = await loadOrtWeb();
    const model = `llama, vocab ${config.vocabSize}, hidden ${config.hiddenSize}, intermediate ${config.intermediateSize}, ${config.numLayers} layers, ${config.numHeads} heads (${config.numKvHeads} kv), ${(parameterCount(config) / 1e6).toFixed(2)}M parameters`;
    const info = await chooseBackend('auto');
    const webgpu = info.backend === 'webgpu' ? await benchBackend('webgpu', info.reason, config, weights, folder, gpuRuns, false) : { skipped: info.reason };
    const wasm = await benchBackend('wasm', '', config, weights, folder, runs, true);
    wasm.detail = `wasm threads: ${ort.env.wasm.numThreads ?? 'default'}, crossOriginIsolated ${String(self.crossOriginIsolated)}`; // known once a session ran
    const { prompts: n, minPrompt, maxPrompt, newTokens } = LM_BENCH_TASK;
    const task = `${n} prompts (${minPrompt}-${maxPrompt} tokens, left-padded) x ${newTokens} new tokens, greedy, no EOS stop`;
    window.__lmBench = { ok: true, model, task, webgpu, wasm };
  } catch (error) {
    window.__lmBench = { ok: false, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  out.textContent = JSON.stringify(window.__lmBench, null, 2);
}

void main();
