// Lockdown (issues 14.4, 15.4): the outer-bound Content-Security-Policy is in the built index.html, in the dev
// server's index.html and in vite preview's headers; in Chromium on the built app the page's first module inserts
// the narrow connect-src of the hosts the user enabled (none by default), which binds the page and the lab worker
// (started from a blob: URL): a host not enabled is blocked from both, an enabled one reached from both. The
// policy blocks an injected inline script and an inline handler, and a short run on the fixture models (ORT wasm in
// workers) steps under it with no violation reported.
import { readFile } from 'node:fs/promises';
import { type Server, createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import type { Browser, Page, Worker } from 'playwright-core';
import { createServer } from 'vite';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NETWORK_KEY } from '../../src/ui/shell/connect-policy';
import { chooseFixtureModels, launch, openPage, shortSchedule, waitForStep } from './browser';

const baseUrl = inject('baseUrl');
const distDir = inject('distDir');
const root = join(import.meta.dirname, '../..');
let browser: Browser;

/** Two hosts other than the lab's (CORS open to all), counting the requests that reach them. */
const hosts: { server: Server; origin: string; hits: number }[] = [];

beforeAll(async () => {
  browser = await launch();
  for (let i = 0; i < 2; i++) {
    const host = { server: createHttpServer(), origin: '', hits: 0 };
    host.server.on('request', (req, res) => {
      host.hits++;
      res.writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'text/plain' });
      res.end('reached');
    });
    await new Promise<void>((resolve) => host.server.listen(0, '127.0.0.1', resolve));
    host.origin = `http://127.0.0.1:${(host.server.address() as { port: number }).port}`;
    hosts.push(host);
  }
});
afterAll(async () => {
  await browser?.close();
  for (const h of hosts) await new Promise((resolve) => h.server.close(resolve));
});

/** 'reached' or 'blocked' per address, fetched from the page or a worker. */
const probe = (where: Page | Worker, urls: string[]): Promise<string[]> => {
  const run = async (list: string[]) => Promise.all(list.map((u) => fetch(u).then((r) => r.text(), () => 'blocked')));
  return 'workers' in where ? where.evaluate(run, urls) : where.evaluate(run, urls);
};

/** The run library's lab worker (started from a blob: URL when the Runs view opens). */
async function labWorker(page: Page): Promise<Worker> {
  await page.evaluate(() => (location.hash = '#/runs'));
  await expect.poll(() => page.workers().length, { timeout: 20_000 }).toBeGreaterThan(0);
  return page.workers()[0]!;
}

const violations = (page: Page) => page.evaluate(() => [...(window as unknown as { __violations: string[] }).__violations]);
const watchViolations = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });

const metaOf = (html: string) => /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];

describe('Content-Security-Policy', () => {
  it('is in the built output, the preview headers and the dev server, and names only our origin for scripts', async () => {
    const built = metaOf(await readFile(join(distDir, 'index.html'), 'utf8'));
    expect(built).toBeDefined();
    expect(built).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(built).toContain("worker-src 'self' blob:");
    expect(built).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    // The outer bound: any http(s) host a user may enable; the narrow policy is inserted at load (next test).
    expect(built).toContain("connect-src 'self' https: http:;");
    expect(built).toContain("default-src 'self'");
    const response = await fetch(`${baseUrl}/`);
    expect(response.headers.get('content-security-policy')).toBe(`${built}; frame-ancestors 'none'`);
    // No inline script in the built page at all (the policy would block it).
    expect((await readFile(join(distDir, 'index.html'), 'utf8')).match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
    const dev = await createServer({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'silent', server: { port: 0, host: '127.0.0.1' } });
    try {
      await dev.listen();
      const devUrl = dev.resolvedUrls?.local[0];
      expect(devUrl).toBeDefined();
      expect(metaOf(await (await fetch(devUrl!)).text())).toBe(built);
    } finally {
      await dev.close();
    }
  });

  it('binds the page and the lab worker: a host not enabled is blocked from both, the enabled host reached from both', async () => {
    const [enabled, other] = hosts as [(typeof hosts)[0], (typeof hosts)[0]];
    const { page, errors } = await openPage(browser, baseUrl);
    await page.getByTestId('run-start').waitFor();
    await watchViolations(page);
    const narrow = () => page.evaluate(() => document.querySelector('meta[data-connect-policy]')?.getAttribute('content'));
    expect(await narrow()).toBe("connect-src 'self'");
    // Nothing enabled: our origin only, from the page and from the lab worker.
    expect(await probe(page, [`${enabled.origin}/page`, `${baseUrl}/favicon.svg`])).toEqual(['blocked', expect.stringContaining('<svg')]);
    const worker = await labWorker(page);
    expect(worker.url()).toMatch(/^blob:/);
    expect(await probe(worker, [`${enabled.origin}/worker`, `${baseUrl}/favicon.svg`])).toEqual(['blocked', expect.stringContaining('<svg')]);
    expect(enabled.hits).toBe(0);
    expect(await violations(page)).toEqual([`connect-src ${enabled.origin}/page`]);

    // The user enables one host in Setup's Connections (the target-LM server's); it applies on reload.
    await page.evaluate(() => (location.hash = '#/setup'));
    await page.getByTestId('setup-model-target').getByLabel('OpenAI-compatible server').check();
    await page.getByTestId('setup-model-target-base-url').fill(`${enabled.origin}/v1`);
    await page.getByTestId('setup-allow-target').check();
    await Promise.all([page.waitForEvent('load'), page.getByTestId('setup-connections-reload').click()]);
    expect(JSON.parse((await page.evaluate((key) => localStorage.getItem(key), NETWORK_KEY)) ?? 'null')).toEqual({ hub: false, hubMirrors: [], target: enabled.origin });
    expect(await narrow()).toBe(`connect-src 'self' ${enabled.origin}`);
    expect(await page.getByTestId('setup-connections-now').textContent()).toContain(enabled.origin);
    expect(await probe(page, [`${enabled.origin}/page`, `${other.origin}/page`])).toEqual(['reached', 'blocked']);
    const worker2 = await labWorker(page);
    expect(await probe(worker2, [`${enabled.origin}/worker`, `${other.origin}/worker`])).toEqual(['reached', 'blocked']);
    expect([enabled.hits, other.hits]).toEqual([2, 0]);
    expect(errors.every((e) => /Content Security Policy|Failed to fetch/.test(e))).toBe(true);
    await page.context().close();
  });

  it('blocks an injected inline script and inline handler in Chromium; a run steps under it with no violation', async () => {
    const { page, errors } = await openPage(browser, baseUrl);
    await page.evaluate(() => {
      const w = window as unknown as { __violations: string[] };
      w.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
    });
    await page.getByTestId('run-start').waitFor();
    const ran = await page.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = 1';
      document.head.append(s);
      const img = document.createElement('div');
      img.setAttribute('onclick', 'window.__handlerRan = 1');
      document.body.append(img);
      img.click();
      await new Promise((r) => setTimeout(r, 100));
      const w = window as unknown as { __inlineRan?: number; __handlerRan?: number; __violations: string[] };
      return { inline: w.__inlineRan, handler: w.__handlerRan, violations: [...w.__violations] };
    });
    expect(ran.inline).toBeUndefined();
    expect(ran.handler).toBeUndefined();
    // Each block is reported once per policy (the <meta> and preview's header): 2 x 2 reports, nothing else.
    expect(ran.violations.sort()).toEqual(['script-src-attr inline', 'script-src-attr inline', 'script-src-elem inline', 'script-src-elem inline']);
    expect(errors.length).toBe(4);
    expect(errors.every((e) => /Content Security Policy/.test(e))).toBe(true);
    errors.length = 0;
    await page.evaluate(() => ((window as unknown as { __violations: string[] }).__violations.length = 0));

    await chooseFixtureModels(page, baseUrl);
    await shortSchedule(page, 4);
    await page.getByTestId('run-start').click();
    await waitForStep(page, 2);
    expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
