// `npm run bench:train`: train step vs forward-only on one tiny-transformer batch. WebGPU in headless
// Chromium when it gives an adapter (skipped with the reason otherwise), then wasm in Node; the wasm
// ratio is the last line. Prints figures; asserts nothing about time.
import { existsSync } from 'node:fs';
import { createServer } from 'vite';
import { BENCH_MODEL, BENCH_TASK, type TrainBench, benchTrainStep } from './bench/train-core';
import { loadOrtNode } from '../src/runtime/ort-node';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--no-sandbox'];

function line(r: TrainBench): string {
  return `${r.backend}: forward ${r.forwardMs.toFixed(2)} ms, train step ${r.trainMs.toFixed(2)} ms (median of ${r.runs}), ratio ${r.ratio.toFixed(2)}`;
}

async function webgpu(runs: number): Promise<string> {
  if (!existsSync(CHROMIUM)) return `webgpu: skipped (no ${CHROMIUM}; install Debian's chromium)`;
  const server = await createServer({ configFile: 'vite.config.ts', server: { port: 0, host: '127.0.0.1' }, logLevel: 'error' });
  await server.listen();
  const { chromium } = await import('playwright');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  try {
    const address = server.httpServer?.address();
    const port = typeof address === 'object' && address ? address.port : 5173;
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/scripts/bench/train-page.html?runs=${runs}`);
    await page.waitForFunction(() => window.__bench !== undefined, undefined, { timeout: 540_000 });
    const r = await page.evaluate(() => window.__bench!);
    return r.ok ? `${line(r.result)} (SwiftShader here is a CPU emulation: says nothing about a real GPU)` : `webgpu: skipped (${r.reason})`;
  } finally {
    await browser.close();
    await server.close();
  }
}

const runs = Number(process.env['BENCH_RUNS'] ?? 9);
console.log(`tiny transformer: vocab ${BENCH_MODEL.vocab}, width ${BENCH_MODEL.width}, heads ${BENCH_MODEL.heads}, ffn ${BENCH_MODEL.ffn}; batch ${BENCH_TASK.batch} x ${BENCH_TASK.sequence} tokens`);
console.log(await webgpu(Math.max(3, Math.round(runs / 3))));
const wasm = await benchTrainStep(await loadOrtNode(), 'wasm', runs);
console.log(`${line(wasm)} (Node, 1 thread)`);
console.log(`train-step/forward: ${wasm.ratio.toFixed(2)}`);
