// `npm run bench:step [-- --layers N --threads T --new-tokens K --no-transformers] [--browser | --webgpu]`: one full
// default GFlowPO step at SmolLM2-135M's shapes (30 layers unless --layers), random weights made in memory, token ids
// only; the step and its printed lines are scripts/bench/step-core.ts. Without a flag it runs on wasm in Node (the
// transformers.js comparison then runs on onnxruntime-node's CPU: transformers.js has no wasm device in Node). With
// --browser the same core runs in a headless Chromium page (scripts/bench/step-page.ts) on onnxruntime-web wasm as the
// app loads it, transformers.js on its own wasm device; --webgpu the same on WebGPU (here SwiftShader: slow, use a
// reduced --layers; --meta-tokens and --examples shrink the step below its default 256 and 32 for such a device).
// Lines print as the page prints them; a crash of the page is reported with the last progress line. Asserts nothing.
import os from 'node:os';
import type { ConsoleMessage } from 'playwright';
import { loadOrtNode } from '../src/runtime/ort-node';
import { CHROMIUM, runBenchPage } from './bench/browser';
import { benchStep } from './bench/step-core';
import type { StepPageResult } from './bench/step-page';
import { RendererMemory } from './bench/step-rss';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a positive integer, got '${process.argv[i + 1]}'`);
  return v;
}
const options = { layers: flag('layers', 30), newTokens: flag('new-tokens', 48), withTransformers: !process.argv.includes('--no-transformers'), metaTokens: flag('meta-tokens', 256), examples: flag('examples', 32) };
const THREADS = flag('threads', 1);
const PAGE_MINUTES = flag('timeout-min', 90);
const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
const loadAverage = (): string => os.loadavg().map((x) => x.toFixed(1)).join(' ');

async function inNode(): Promise<void> {
  let peakRss = 0;
  const sampleRss = (): void => void (peakRss = Math.max(peakRss, process.memoryUsage().rss));
  const rssTimer = setInterval(sampleRss, 50);
  await benchStep({
    ort: await loadOrtNode(THREADS),
    backend: 'wasm',
    where: async () => `wasm in Node ${process.version}, ${THREADS} thread(s); load average ${loadAverage()} on ${os.cpus().length} cores`,
    log: (line) => console.log(line),
    progress: (line) => void process.stderr.write(`${line}\n`),
    sampleMemory: sampleRss,
    memoryNow: async () => `resident ${gib(process.memoryUsage().rss)}`,
    memoryPeakLine: async () => {
      clearInterval(rssTimer);
      sampleRss();
      const maxRss = process.resourceUsage().maxRSS * 1024;
      return `peak memory: resident ${gib(Math.max(peakRss, maxRss))} (process maxRSS; the wasm heap is inside it, onnxruntime-web does not report it separately); load average now ${loadAverage()}`;
    },
    transformers: { device: 'cpu', label: 'onnxruntime-node CPU: transformers.js has no wasm device in Node' },
  }, options);
}

async function inChromium(backend: 'wasm' | 'webgpu'): Promise<void> {
  const renderer = new RendererMemory();
  renderer.start();
  let lastProgress = '(none yet)';
  const query = new URLSearchParams({ backend, threads: String(THREADS), layers: String(options.layers), newTokens: String(options.newTokens), metaTokens: String(options.metaTokens), examples: String(options.examples), transformers: options.withTransformers ? '1' : '0' });
  let result: StepPageResult | undefined;
  try {
    result = await runBenchPage<StepPageResult>('step-page.html', query.toString(), '__stepBench', PAGE_MINUTES * 60_000, async (tab) => {
      await tab.exposeFunction('__stepLine', (stream: 'log' | 'progress', text: string) => {
        if (stream === 'log') console.log(text);
        else {
          lastProgress = text.trim();
          process.stderr.write(`${text}\n`);
        }
      });
      await tab.exposeFunction('__stepHost', () => {
        renderer.sample();
        return { loadAverage: loadAverage(), cores: os.cpus().length, rendererPeakBytes: renderer.peak };
      });
      tab.on('console', (m: ConsoleMessage) => {
        if ((m.type() === 'error' || m.type() === 'warning') && !m.text().startsWith('Failed to load resource')) process.stderr.write(`  [page ${m.type()}] ${m.text()}\n`);
      });
      tab.on('response', (r) => void (r.status() >= 400 && process.stderr.write(`  [page] ${r.status()} for ${r.url()}\n`)));
      let loads = 0;
      tab.on('load', () => void (++loads > 1 && process.stderr.write('  [page] the page loaded again: lines above this one come from the first load\n')));
      tab.on('pageerror', (e) => void process.stderr.write(`  [page error] ${e.message}\n`));
    });
  } catch (error) {
    result = { ok: false, reason: `the page ended abnormally (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
  } finally {
    renderer.stop();
  }
  if (!result) result = { ok: false, reason: `no ${CHROMIUM}; install Debian's chromium` };
  if (!result.ok) {
    console.log(`bench:step in Chromium (${backend}, ${options.layers} layers) stopped: ${result.reason}; last progress: ${lastProgress}; renderer process resident peak ${gib(renderer.peak)}`);
    process.exitCode = 1;
  }
}

if (process.argv.includes('--webgpu')) await inChromium('webgpu');
else if (process.argv.includes('--browser')) await inChromium('wasm');
else await inNode();
