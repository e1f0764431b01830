// `npm run bench:train`: train step vs forward-only on one tiny-transformer batch. WebGPU in headless
// Chromium when it gives an adapter (skipped with the reason otherwise), then wasm in Node; the wasm
// ratio is the last line. Prints figures; asserts nothing about time.
import { BENCH_MODEL, BENCH_TASK, type TrainBench, benchTrainStep } from './bench/train-core';
import { loadOrtNode } from '../src/runtime/ort-node';
import { CHROMIUM, runBenchPage } from './bench/browser';

function line(r: TrainBench): string {
  return `${r.backend}: forward ${r.forwardMs.toFixed(2)} ms, train step ${r.trainMs.toFixed(2)} ms (median of ${r.runs}), ratio ${r.ratio.toFixed(2)}`;
}

async function webgpu(runs: number): Promise<string> {
  type PageResult = NonNullable<Window['__bench']>;
  const r = await runBenchPage<PageResult>('train-page.html', `runs=${runs}`, '__bench', 540_000);
  if (!r) return `webgpu: skipped (no ${CHROMIUM}; install Debian's chromium)`;
  return r.ok ? `${line(r.result)} (SwiftShader here is a CPU emulation: says nothing about a real GPU)` : `webgpu: skipped (${r.reason})`;
}

const runs = Number(process.env['BENCH_RUNS'] ?? 9);
console.log(`tiny transformer: vocab ${BENCH_MODEL.vocab}, width ${BENCH_MODEL.width}, heads ${BENCH_MODEL.heads}, ffn ${BENCH_MODEL.ffn}; batch ${BENCH_TASK.batch} x ${BENCH_TASK.sequence} tokens`);
console.log(await webgpu(Math.max(3, Math.round(runs / 3))));
const wasm = await benchTrainStep(await loadOrtNode(), 'wasm', runs);
console.log(`${line(wasm)} (Node, 1 thread)`);
console.log(`train-step/forward: ${wasm.ratio.toFixed(2)}`);
