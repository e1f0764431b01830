// Lockdown (issue 14): the Content-Security-Policy is in the built index.html, in the dev server's index.html and in
// vite preview's headers; in Chromium on the built app it blocks an injected inline script and an inline handler,
// and a short run on the fixture models (ORT wasm in workers) steps under it with no violation reported.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { createServer } from 'vite';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chooseFixtureModels, launch, openPage, shortSchedule, waitForStep } from './browser';

const baseUrl = inject('baseUrl');
const distDir = inject('distDir');
const root = join(import.meta.dirname, '../..');
let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const metaOf = (html: string) => /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];

describe('Content-Security-Policy', () => {
  it('is in the built output, the preview headers and the dev server, and names only our origin for scripts', async () => {
    const built = metaOf(await readFile(join(distDir, 'index.html'), 'utf8'));
    expect(built).toBeDefined();
    expect(built).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(built).toContain("worker-src 'self'");
    expect(built).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(built).toMatch(/connect-src 'self' /);
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
