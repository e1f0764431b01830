// Runs a benchmark page of scripts/bench in headless Debian Chromium (WebGPU flag on) behind a Vite dev
// server, and returns what the page leaves on window[key]. Node only; shared by the bench scripts.
import { existsSync } from 'node:fs';
import type { Page } from 'playwright';
import { createServer } from 'vite';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--no-sandbox'];

/** undefined when there is no Chromium to run the page in. `setup` sees the tab before it loads the page (exposeFunction, listeners). */
export async function runBenchPage<T>(page: string, query: string, key: string, timeoutMs: number, setup?: (tab: Page) => Promise<void>): Promise<T | undefined> {
  if (!existsSync(CHROMIUM)) return undefined;
  // No file watching or HMR: a long run in a shared tree must not reload when someone edits a source file; its own
  // dependency cache, so another Vite (tests, the app) re-optimising at the same time cannot pull files from under it.
  const server = await createServer({ configFile: 'vite.config.ts', cacheDir: 'node_modules/.vite-bench', server: { port: 0, host: '127.0.0.1', hmr: false, watch: null }, logLevel: 'error' });
  await server.listen();
  const { chromium } = await import('playwright');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  try {
    const address = server.httpServer?.address();
    const port = typeof address === 'object' && address ? address.port : 5173;
    const tab = await browser.newPage();
    await setup?.(tab);
    await tab.goto(`http://127.0.0.1:${port}/scripts/bench/${page}?${query}`);
    await tab.waitForFunction((k) => (window as unknown as Record<string, unknown>)[k] !== undefined, key, { timeout: timeoutMs, polling: 1000 });
    return (await tab.evaluate((k) => (window as unknown as Record<string, unknown>)[k], key)) as T;
  } finally {
    await browser.close();
    await server.close();
  }
}
