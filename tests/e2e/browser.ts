// Shared by the e2e tests: Debian's Chromium through playwright-core with the flags this machine needs, a page
// that records console errors, page errors and long tasks, the artifacts folder for screenshots, and the steps a
// test repeats (choose the fixture models, start a run, wait for steps).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { expect } from 'vitest';

/** The flags of vite.config.ts's browser project: WebGPU (SwiftShader) and no calls out of the closed network. */
const CHROMIUM_ARGS = ['--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--no-sandbox'];

export const ARTIFACTS = join(import.meta.dirname, '__artifacts__');

/** A browser with a profile on disk (not incognito-like, as launch()'s contexts are): what installability needs. */
export function launchProfile(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

export interface Watched {
  page: Page;
  errors: string[];
}

/**
 * Not counted: Chromium aborting onnxruntime-web's streaming compile of its wasm at load (seen with the service worker
 * precaching the same file, more often on a loaded machine); onnxruntime logs it and compiles from an ArrayBuffer
 * instead, and the run goes on (the tests that see it still check the run).
 */
const BENIGN_CONSOLE_ERROR = /^wasm streaming compile failed: TypeError: WebAssembly compilation aborted|^falling back to ArrayBuffer instantiation/;

/** A page whose uncaught errors and console errors are collected (a test expects none unless it says why). */
export async function openPage(browser: Browser, baseUrl: string, hash = '#/setup', viewport = { width: 1280, height: 900 }): Promise<Watched> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  // Every main-thread task over 50 ms, from the first script on (the lab must have none during a run).
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: { start: number; duration: number }[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !BENIGN_CONSOLE_ERROR.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  await page.goto(`${baseUrl}/${hash}`);
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Picks the two fixture models from the test hub (Setup view must be open). */
export async function chooseFixtureModels(page: Page, baseUrl: string): Promise<void> {
  if (!(await page.locator('details.advanced').evaluate((d) => (d as HTMLDetailsElement).open))) await page.locator('details.advanced summary').click();
  await page.getByTestId('setup-hub-host').fill(`${baseUrl}/test-hub`);
  for (const [role, id] of [['prompt', 'fixture/tiny-prompt'], ['target', 'fixture/tiny-target']] as const) {
    const slot = page.getByTestId(`setup-model-${role}`);
    await slot.getByLabel('Other hub id').check();
    await page.getByTestId(`setup-model-${role}-id`).fill(id);
  }
}

/** Short schedule for the fixture: `steps` steps, training from step 3, 2 x 2 prompts of at most 6 tokens. */
export async function shortSchedule(page: Page, steps: number, extra: Record<string, string> = {}): Promise<void> {
  const fields: Record<string, string> = { steps: String(steps), warmupSteps: '2', conditionFreezeStep: '3', referencesFromStep: '3', microBatches: '2', microBatchSize: '2', maxNewTokens: '6', lrWarmupUpdates: '2', ...extra };
  for (const details of await page.locator('section.settings details').all()) {
    if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) await details.locator('summary').click();
  }
  for (const [key, value] of Object.entries(fields)) await page.getByTestId(`setting-${key}`).fill(value);
}

/** Waits until the run view's completed-step count reaches `n`. */
export async function waitForStep(page: Page, n: number, timeout = 90_000): Promise<void> {
  await expect.poll(async () => Number(await page.getByTestId('run-step').textContent()), { timeout, interval: 250 }).toBeGreaterThanOrEqual(n);
}

/** Long tasks (> 50 ms) that started at or after `since` (performance.now() of the page). */
export function longTasksSince(page: Page, since: number): Promise<{ start: number; duration: number }[]> {
  return page.evaluate((t) => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks.filter((e) => e.start >= t), since);
}

export function pageNow(page: Page): Promise<number> {
  return page.evaluate(() => performance.now());
}

export async function statusOf(page: Page): Promise<string | null> {
  return page.getByTestId('run-status').getAttribute('data-status');
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

/** A main-thread task of the page from a Chrome trace: wall time and the CPU time the thread actually ran. */
export interface MainThreadTask {
  wallMs: number;
  cpuMs: number;
}

/**
 * Tasks of the renderer's main thread (CrRendererMain) in a trace recorded with the devtools.timeline categories.
 * Wall time includes time the OS gave the core to other threads (on a loaded 2-core machine, most of it); CPU time
 * is what the page's own work cost.
 */
export function mainThreadTasks(trace: Buffer): MainThreadTask[] {
  const parsed = JSON.parse(trace.toString('utf8')) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  const main = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  return events
    .filter((e) => e.ph === 'X' && e.name === 'RunTask' && main.has(`${e.pid}:${e.tid}`))
    .map((e) => ({ wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? 0) / 1000 }));
}

export const TRACE_CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline'];
