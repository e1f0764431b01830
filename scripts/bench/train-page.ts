// Browser side of `npm run bench:train`: runs the benchmark core on WebGPU when an adapter exists and leaves
// the result (or the reason there is none) on window.__bench for the Node script to read.
import { chooseBackend } from '../../src/runtime/device';
import { loadOrtWeb } from '../../src/runtime/ort-web';
import { benchTrainStep } from './train-core';

declare global {
  interface Window {
    __bench?: { ok: true; result: Awaited<ReturnType<typeof benchTrainStep>> } | { ok: false; reason: string };
  }
}

async function main(): Promise<void> {
  const out = document.getElementById('out')!;
  try {
    const info = await chooseBackend('auto');
    if (info.backend !== 'webgpu') {
      window.__bench = { ok: false, reason: info.reason };
    } else {
      const runs = Number(new URLSearchParams(location.search).get('runs') ?? 5);
      window.__bench = { ok: true, result: await benchTrainStep(await loadOrtWeb(), 'webgpu', runs) };
    }
  } catch (error) {
    window.__bench = { ok: false, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  out.textContent = JSON.stringify(window.__bench, null, 2);
}

void main();
