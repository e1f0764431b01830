// `npm run bench:lm`: batched greedy sampling (16 prompts x 32 new tokens) with our CausalLM vs transformers.js
// generate() on the same random Llama, in one headless Chromium page: WebGPU first when an adapter exists, then wasm.
// Then the device memory a SmolLM2-135M run needs, from shapes. The last line is the wasm speedup on GFlowPO's
// sampling step (16 rows from one meta-prompt); the distinct-prompt figure is printed above it. Asserts nothing.
import { parseLlamaConfig } from '../src/models/llama/config';
import { parameterCount } from '../src/models/llama/weights';
import { loraFromSettings, loraParamSpecs } from '../src/models/llama/lora';
import { GFLOWPO_DEFAULTS } from '../src/gflow/settings';
import { CHROMIUM, runBenchPage } from './bench/browser';
import type { BackendTiming, LmBenchReport, SideTiming } from './bench/lm-page';

/** SmolLM2-135M's config.json, the fields that fix its shapes. */
const SMOLLM2_135M = {
  model_type: 'llama',
  vocab_size: 49152,
  hidden_size: 576,
  intermediate_size: 1536,
  num_hidden_layers: 30,
  num_attention_heads: 9,
  num_key_value_heads: 3,
  tie_word_embeddings: true,
  max_position_embeddings: 8192,
  rope_theta: 100000,
  rms_norm_eps: 1e-5,
};
const KV_BATCH = 16;
const KV_TOKENS = 512;
const FLOAT_BYTES = 4;

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function side(name: string, t: SideTiming): string {
  return `${name} ${t.tokensPerSecond.toFixed(1)} tokens/s (median ${t.medianMs.toFixed(1)} ms of ${t.runs})`;
}

function line(r: BackendTiming): string {
  const speedup = r.transformers.medianMs / r.ours.medianMs;
  return `${r.backend} (${r.detail}): ${side('CausalLM', r.ours)}, ${side('transformers.js', r.transformers)}; same greedy tokens in ${r.sameRows}/16 rows; speedup ${speedup.toFixed(2)}`;
}

async function runPage(runs: number, gpuRuns: number): Promise<LmBenchReport> {
  const report = await runBenchPage<LmBenchReport>('lm-page.html', `runs=${runs}&gpuRuns=${gpuRuns}`, '__lmBench', 900_000);
  return report ?? { ok: false, reason: `no ${CHROMIUM}; install Debian's chromium` };
}

function memoryLines(): string[] {
  const config = parseLlamaConfig(SMOLLM2_135M);
  const params = parameterCount(config);
  const weights = params * FLOAT_BYTES;
  const lora0 = loraFromSettings(GFLOWPO_DEFAULTS.lora);
  const loraParams = loraParamSpecs(config, lora0).reduce((n, s) => n + s.shape[0]! * s.shape[1]!, 0);
  const lora = 4 * loraParams * FLOAT_BYTES; // parameters, gradients, AdamW m and v
  const kv = 2 * config.numLayers * KV_BATCH * config.numKvHeads * KV_TOKENS * config.headDim * FLOAT_BYTES; // keys and values
  return [
    `SmolLM2-135M (vocab ${config.vocabSize}, hidden ${config.hiddenSize}, intermediate ${config.intermediateSize}, ${config.numLayers} layers, ${config.numHeads} heads, ${config.numKvHeads} kv heads, tied): ${(params / 1e6).toFixed(1)}M parameters`,
    `  weights fp32: ${mib(weights)}`,
    `  LoRA r${lora0.rank} on ${lora0.targets.join(', ')}: ${(loraParams / 1e6).toFixed(3)}M parameters; with gradients and AdamW m, v: ${mib(lora)}`,
    `  KV cache fp32, batch ${KV_BATCH} x ${KV_TOKENS} tokens: ${mib(kv)} (twice that at the peak of a decode step, while its past and present are both alive)`,
    `  total: ${mib(weights + lora + kv)} (${mib(weights + lora + 2 * kv)} at that peak; activations not counted)`,
  ];
}

const runs = Number(process.env['BENCH_RUNS'] ?? 5);
const report = await runPage(runs, Number(process.env['BENCH_GPU_RUNS'] ?? 1));
let speedup = 'n/a';
if (report.ok) {
  console.log(`bench model: ${report.model}; ${report.task}`);
  console.log('skipped' in report.webgpu ? `webgpu: skipped (${report.webgpu.skipped})` : `${line(report.webgpu)} (SwiftShader here is a CPU emulation: says nothing about a real GPU)`);
  console.log(line(report.wasm));
  const sh = report.wasm.shared;
  if (sh) {
    console.log(`wasm, 16 rows continuing one ${sh.promptTokens}-token meta-prompt (GFlowPO's sampling step; ours reuses the prefix cache): ${side('CausalLM', sh.ours)}, ${side('transformers.js', sh.transformers)}; same greedy tokens in ${sh.sameRows}/16 rows; speedup ${(sh.transformers.medianMs / sh.ours.medianMs).toFixed(2)}`);
  }
  // Headline: GFlowPO's sampling step (16 prompts from one meta-prompt) when measured, else distinct prompts.
  speedup = ((sh ?? report.wasm).transformers.medianMs / (sh ?? report.wasm).ours.medianMs).toFixed(2);
} else {
  console.log(`bench: no figures (${report.reason})`);
}
for (const l of memoryLines()) console.log(l);
console.log(`sampling speedup vs transformers.js: ${speedup}`); // wasm, 16 rows sharing one meta-prompt
