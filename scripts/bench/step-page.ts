// Browser side of `npm run bench:step -- --browser` / `--webgpu`: runs the same step core as Node (step-core.ts) in
// this page, on onnxruntime-web as the app loads it (src/runtime/ort-web.ts), with transformers.js on its own device of
// the same backend (wasm or webgpu). Lines go to the Node script as they are printed (window.__stepLine, exposed by
// it), and the outcome is left on window.__stepBench. Memory as the page can see it: the WebAssembly.Memory objects
// created while the bench runs (onnxruntime-web's heap, shared by transformers.js: one instance, at most 4 GiB; it
// only grows, so its final size is its peak) and performance.memory's JS heap; the renderer's resident peak comes
// from the Node side (/proc). Asserts nothing.
import { chooseBackend } from '../../src/runtime/device';
import { loadOrtWeb } from '../../src/runtime/ort-web';
import { benchStep, type StepHost } from './step-core';

export type StepPageResult = { ok: true } | { ok: false; reason: string };

/** What the Node script exposes to the page. */
interface NodeSide {
  __stepLine(stream: 'log' | 'progress', text: string): Promise<void>;
  __stepHost(): Promise<{ loadAverage: string; cores: number; rendererPeakBytes: number }>;
}

declare global {
  interface Window {
    __stepBench?: StepPageResult;
  }
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/** Records every WebAssembly.Memory made or exported from now on (onnxruntime-web creates its heap on first use). */
function watchWasmMemories(): Set<WebAssembly.Memory> {
  const memories = new Set<WebAssembly.Memory>();
  const Memory = WebAssembly.Memory;
  (WebAssembly as { Memory: typeof Memory }).Memory = new Proxy(Memory, {
    construct(target, args: [WebAssembly.MemoryDescriptor]) {
      const m = Reflect.construct(target, args) as WebAssembly.Memory;
      memories.add(m);
      return m;
    },
  });
  const keep = (instance: WebAssembly.Instance): void => {
    for (const value of Object.values(instance.exports)) if (value instanceof Memory) memories.add(value);
  };
  const fromResult = (r: WebAssembly.Instance | WebAssembly.WebAssemblyInstantiatedSource): void => keep(r instanceof WebAssembly.Instance ? r : r.instance);
  const instantiate = WebAssembly.instantiate.bind(WebAssembly) as (...a: unknown[]) => Promise<WebAssembly.Instance | WebAssembly.WebAssemblyInstantiatedSource>;
  (WebAssembly as { instantiate: unknown }).instantiate = async (...a: unknown[]) => {
    const r = await instantiate(...a);
    fromResult(r);
    return r;
  };
  const streaming = WebAssembly.instantiateStreaming.bind(WebAssembly);
  WebAssembly.instantiateStreaming = async (...a: Parameters<typeof streaming>) => {
    const r = await streaming(...a);
    fromResult(r);
    return r;
  };
  return memories;
}

async function main(): Promise<void> {
  const out = document.getElementById('out')!;
  const node = window as unknown as Window & Partial<NodeSide>;
  const print = (stream: 'log' | 'progress', text: string): void => {
    out.textContent += `\n${text}`;
    void node.__stepLine?.(stream, text);
  };
  try {
    const params = new URLSearchParams(location.search);
    const backend = params.get('backend') === 'webgpu' ? 'webgpu' : 'wasm';
    const threads = Number(params.get('threads') ?? 1);
    const options = { layers: Number(params.get('layers') ?? 30), newTokens: Number(params.get('newTokens') ?? 48), withTransformers: params.get('transformers') !== '0', metaTokens: Number(params.get('metaTokens') ?? 256), examples: Number(params.get('examples') ?? 32) };
    const memories = watchWasmMemories();
    const info = await chooseBackend(backend); // throws with the reason when WebGPU was asked for and there is no adapter
    const ort = await loadOrtWeb();
    ort.env.wasm.numThreads = threads;
    ort.env.logLevel = 'error';
    let jsHeapPeak = 0;
    const heap = (): number => Math.max(0, ...[...memories].map((m) => m.buffer.byteLength));
    const jsHeap = (): number => (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0;
    const sampleMemory = (): void => void (jsHeapPeak = Math.max(jsHeapPeak, jsHeap()));
    const timer = setInterval(sampleMemory, 200);
    const chromium = /Chrome\/([\d.]+)/.exec(navigator.userAgent)?.[1] ?? 'unknown';
    const host: StepHost = {
      ort,
      backend,
      where: async () => {
        const h = await node.__stepHost?.();
        const load = h ? `; load average ${h.loadAverage} on ${h.cores} cores` : '';
        const gpu = backend === 'webgpu' ? `webgpu (${info.reason})${info.adapter?.includes('swiftshader') ? ' [SwiftShader is a CPU emulation of a GPU: slow, run it at reduced --layers; its figures check that the step runs, they say nothing about a real GPU]' : ''}, wasm for CPU ops` : 'wasm';
        return `${gpu} in headless Chromium ${chromium} (onnxruntime-web as the app loads it), ${threads} thread(s), crossOriginIsolated ${String(self.crossOriginIsolated)}${load}`;
      },
      log: (line) => print('log', line),
      progress: (line) => print('progress', line),
      sampleMemory,
      memoryNow: async () => `wasm heap ${gib(heap())}, JS heap ${gib(jsHeap())}`,
      memoryPeakLine: async () => {
        clearInterval(timer);
        sampleMemory();
        const sizes = [...memories].map((m) => gib(m.buffer.byteLength));
        const renderer = (await node.__stepHost?.())?.rendererPeakBytes ?? 0;
        const rss = renderer > 0 ? `; renderer process resident peak ${gib(renderer)} (sampled from Node, /proc)` : '';
        return `peak memory: wasm heap ${gib(heap())} (onnxruntime-web's WebAssembly.Memory, shared with transformers.js; it only grows, so this is its peak; at most 4 GiB; ${memories.size} memor${memories.size === 1 ? 'y' : 'ies'}: ${sizes.join(', ')}), JS heap peak ${gib(jsHeapPeak)} (performance.memory.usedJSHeapSize, sampled)${rss}`;
      },
      transformers: { device: backend, label: `transformers.js's own ${backend} device: onnxruntime-web ${backend}, the same backend as ours` },
    };
    await benchStep(host, options);
    window.__stepBench = { ok: true };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    window.__stepBench = { ok: false, reason };
    out.textContent += `\n${reason}`;
  }
}

void main();
