// Issue 15, done when: in Chromium on the built app, a GFlowPO run whose target-LM is an OpenAI-compatible server
// (the project's OpenAIFixtureServer, started here on 127.0.0.1, backed by the compiled engine on the same fixture
// weights the test hub serves) completes from the lab with the same result as the run with the local target. On the
// way: the server is not contacted before the user allows its host (Connections, applied on reload); the CORS help
// names vLLM's --allowed-origins with the lab's origin exactly while the server sends no CORS headers for it; the
// connection test lists the served model; a change of connections during a run asks before reloading; the remote run, stopped after a step and the page reloaded, asks for the
// key (and says so when resumed without it), then finishes; the API key reaches the server but is nowhere in
// IndexedDB, localStorage, sessionStorage, the Cache Storage, the run export, the prompt export or the console.
// Screenshots of the setup with the server chosen (1280 and 360 px).
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { allowedOriginsFlag } from '../../src/ui/setup/remote-target.svelte';
import { OpenAIFixtureServer } from '../support/openai-server';
import { ARTIFACTS, launch, screenshot, shortSchedule, statusOf } from './browser';
import { FIXTURE_MODELS } from './global-setup';

const baseUrl = inject('baseUrl');
const labOrigin = new URL(baseUrl).origin;
const API_KEY = `sk-e2e-${Math.random().toString(36).slice(2)}-secret`;
const SERVED = 'tiny-target';
/** What the server allows (vLLM --allowed-origins): none at first; the lab's origin once the CORS help was shown. */
const allowedOrigins: string[] = [];
let server: OpenAIFixtureServer;
let browser: Browser;
let page: Page;
const consoleText: string[] = [];
const errors: string[] = [];

beforeAll(async () => {
  const files = new Map(Object.entries(tinyLlamaFixtureFiles({ seed: FIXTURE_MODELS.target.seed })));
  server = await OpenAIFixtureServer.start({ files, model: SERVED, apiKey: API_KEY, allowedOrigins });
  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('console', (m) => {
    consoleText.push(m.text());
    if (m.type() === 'error' && !/Failed to load resource|blocked by CORS policy|net::ERR_FAILED|Content Security Policy/.test(m.text())) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(`${baseUrl}/#/setup`);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const remote = () => page.getByTestId('setup-model-target-remote');
const connection = () => page.getByTestId('setup-model-target-connection');

async function chooseModelsAndTask(): Promise<void> {
  if (!(await page.locator('details.advanced').evaluate((d) => (d as HTMLDetailsElement).open))) await page.locator('details.advanced summary').click();
  await page.getByTestId('setup-hub-host').fill(`${baseUrl}/test-hub`);
  await page.getByTestId('setup-model-prompt').getByLabel('Other hub id').check();
  await page.getByTestId('setup-model-prompt-id').fill(FIXTURE_MODELS.prompt.id);
  // A classification task (label log-probabilities from the server's prompt_logprobs): quicker than generation.
  await page.getByTestId('setup-task').getByLabel('Demo world').check();
  await page.getByTestId('setup-task-demo').selectOption('even');
  await expect.poll(() => page.getByTestId('task-preview').textContent()).toContain('demo/even');
}

/** The finished run's result and every prompt it scored (the prompt explorer's JSON export, without the run id). */
async function finishedRun(): Promise<{ selected: string; prompts: unknown }> {
  await expect.poll(() => statusOf(page), { timeout: 60_000, interval: 250 }).toMatch(/^(done|failed)$/);
  expect(await statusOf(page), (await page.getByRole('alert').allTextContents()).join(' | ')).toBe('done');
  const selected = (await page.getByTestId('result-selected').textContent()) ?? '';
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
  const json = JSON.parse(Buffer.concat(await (await d.createReadStream()).toArray()).toString('utf8')) as { prompts: unknown };
  return { selected, prompts: json.prompts };
}

let remoteResult: { selected: string; prompts: unknown };
let remoteRunUrl = '';

describe('a target-LM on an OpenAI-compatible server, from the lab', () => {
  it('is not contacted until its host is allowed; then the CORS help names --allowed-origins with this origin; then it connects', async () => {
    await chooseModelsAndTask();
    await page.getByTestId('setup-model-target').getByLabel('OpenAI-compatible server').check();
    await page.getByTestId('setup-model-target-base-url').fill(server.baseUrl);
    await expect.poll(() => page.getByTestId('setup-model-target-not-allowed').textContent()).toContain(new URL(server.baseUrl).origin);
    await page.getByTestId('setup-model-target-test').click();
    await expect.poll(() => connection().getAttribute('data-reason')).toBe('csp');
    expect(await page.getByRole('list', { name: 'what is missing' }).textContent()).toContain(`this page may not connect to the server ${new URL(server.baseUrl).origin}`);
    expect(server.received).toEqual([]);

    // Allow the host: pending until the reload, which is offered (no run is open: no question asked).
    await page.getByTestId('setup-allow-target').check();
    await expect.poll(() => page.getByTestId('setup-connections-pending').textContent()).toContain(new URL(server.baseUrl).origin);
    await Promise.all([page.waitForEvent('load'), page.getByTestId('setup-connections-reload').click()]);
    await expect.poll(() => page.evaluate(() => document.querySelector('meta[data-connect-policy]')?.getAttribute('content'))).toBe(`connect-src 'self' ${new URL(server.baseUrl).origin}`);
    // The choices came back, the key did not.
    expect(await page.getByTestId('setup-model-target-base-url').inputValue()).toBe(server.baseUrl);
    expect(await page.getByTestId('setup-model-target-api-key').inputValue()).toBe('');
    expect(await page.getByTestId('setup-allow-target').isChecked()).toBe(true);

    // Allowed by the page, but the server sends no CORS headers for this origin: the browser blocks the answer.
    await page.getByTestId('setup-model-target-api-key').fill(API_KEY);
    await page.getByTestId('setup-model-target-test').click();
    await expect.poll(() => connection().getAttribute('data-reason'), { timeout: 20_000 }).toBe('unreachable');
    expect(await page.getByTestId('setup-model-target-cors-flag').textContent()).toBe(allowedOriginsFlag(labOrigin));
    expect(allowedOriginsFlag(labOrigin)).toBe(`--allowed-origins '["${labOrigin}"]'`);
    expect(await connection().textContent()).toContain(`this page's origin, ${labOrigin} (CORS)`);
    await page.getByTestId('setup-model-target').screenshot({ path: join(ARTIFACTS, 'setup-remote-cors-1280-target.png') });
    // The server refused the preflight: no request reached its API.
    expect(server.received).toEqual([]);

    // The server allows the lab's origin (vLLM --allowed-origins): the test lists the served model.
    allowedOrigins.push(labOrigin);
    await page.getByTestId('setup-model-target-test').click();
    await expect.poll(() => connection().getAttribute('data-ok'), { timeout: 20_000 }).toBe('true');
    expect(await connection().textContent()).toContain(`it serves 1 model: ${SERVED}`);
    expect(await page.getByTestId('setup-model-target-model').inputValue()).toBe(SERVED);
    expect(server.received.filter((r) => r.path === '/v1/models' && r.method === 'GET').at(-1)?.authorization).toBe(`Bearer ${API_KEY}`);

    for (const width of [1280, 360]) {
      await page.setViewportSize({ width, height: 900 });
      await page.getByTestId('setup-model-target').scrollIntoViewIfNeeded();
      await screenshot(page, `setup-remote-${width}`);
      await page.getByTestId('setup-model-target').screenshot({ path: join(ARTIFACTS, `setup-remote-${width}-target.png`) });
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `setup at ${width} px`).toBeLessThanOrEqual(width);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('runs GFlowPO to the end with the server as target-LM (stopped, reloaded, key asked again, resumed), with the same result as the local target', async () => {
    await shortSchedule(page, 3, { queueSize: '2' });
    const before = server.received.length;
    expect(await page.getByRole('list', { name: 'what is missing' }).allTextContents()).toEqual([]);
    await page.getByTestId('run-start').click();
    // Stopped after its first step (Stop pressed as soon as it runs: a step takes seconds) and the page reloaded:
    // the key is gone, and the run asks for it.
    await expect.poll(() => statusOf(page), { timeout: 60_000, interval: 50 }).toBe('running');
    await page.getByTestId('run-stop').click();
    await expect.poll(() => statusOf(page), { timeout: 60_000 }).toBe('stopped');
    expect(Number(await page.getByTestId('run-step').textContent())).toBeLessThan(3);
    await page.reload();
    await expect.poll(() => statusOf(page), { timeout: 30_000 }).toBe('stopped');
    expect(await page.getByTestId('run-remote-key').textContent()).toContain(`${SERVED} on the server ${server.baseUrl}, which needs its API key`);
    await page.getByTestId('run-resume').click();
    await expect.poll(() => statusOf(page), { timeout: 30_000 }).toBe('failed');
    expect(await page.getByRole('alert').first().textContent()).toMatch(/^RemoteKeyNeededError: the target-LM server .* needs its API key/);
    await page.getByTestId('run-remote-key-input').fill(API_KEY);
    await page.getByTestId('run-remote-key-use').click();
    await expect.poll(() => page.getByTestId('run-remote-key').count()).toBe(0);
    await page.getByTestId('run-resume').click();
    remoteResult = await finishedRun();
    remoteRunUrl = page.url();
    const completions = server.received.slice(before).filter((r) => r.path === '/v1/completions' && r.method === 'POST');
    expect(completions.length).toBeGreaterThan(0);
    expect(completions.every((r) => r.authorization === `Bearer ${API_KEY}` && r.outcome === 'answered')).toBe(true);
    expect(await page.locator('.run .models').first().textContent()).toContain(`${SERVED} (server ${server.baseUrl})`);

    await page.evaluate(() => (location.hash = '#/setup'));
    await page.getByTestId('setup-model-target').getByLabel('Other hub id').check();
    await page.getByTestId('setup-model-target-id').fill(FIXTURE_MODELS.target.id);
    await shortSchedule(page, 3, { queueSize: '2' });
    await page.getByTestId('run-start').click();
    // While it runs, a change of connections offers the reload, which asks first and reloads nothing when declined.
    await expect.poll(() => statusOf(page), { timeout: 60_000, interval: 100 }).toMatch(/^(calibrating|ready|running)$/);
    const runHash = new URL(page.url()).hash;
    await page.evaluate(() => ((window as unknown as { __samePage: boolean }).__samePage = true));
    await page.evaluate(() => (location.hash = '#/setup'));
    await page.getByTestId('setup-allow-hub').check();
    let asked = '';
    page.once('dialog', (d) => {
      asked = `${d.type()}: ${d.message()}`;
      void d.dismiss();
    });
    await page.getByTestId('setup-connections-reload').click();
    await expect.poll(() => asked).toMatch(/^confirm: A run of the lab is open\. Reloading this tab stops a run open here/);
    expect(await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage)).toBe(true);
    await page.getByTestId('setup-allow-hub').uncheck();
    // (Still pending: the target-LM is now local, so the next load would drop the server's host.)
    await expect.poll(() => page.getByTestId('setup-connections-pending').textContent()).not.toContain('huggingface');
    await page.evaluate((h) => (location.hash = h), runHash);
    const local = await finishedRun();
    expect(local.selected).toBe(remoteResult.selected);
    expect(local.prompts).toEqual(remoteResult.prompts);
    expect((remoteResult.prompts as unknown[]).length).toBeGreaterThan(2);
  });

  it('keeps the API key out of every stored byte, export and console line', async () => {
    await page.goto(remoteRunUrl);
    await expect.poll(() => statusOf(page)).toBe('done');
    const [d] = await Promise.all([page.waitForEvent('download'), page.getByTestId('run-export').click()]);
    const runFile = Buffer.concat(await (await d.createReadStream()).toArray()).toString('latin1');
    const [j] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
    const promptFile = Buffer.concat(await (await j.createReadStream()).toArray()).toString('latin1');
    const stored = await page.evaluate(async () => {
      const text = (v: unknown): string =>
        JSON.stringify(v, (_k, x: unknown) => (ArrayBuffer.isView(x) ? new TextDecoder('latin1').decode(x as Uint8Array) : x instanceof ArrayBuffer ? new TextDecoder('latin1').decode(x) : x instanceof Blob ? '[blob]' : x));
      const out: string[] = [];
      for (const info of await indexedDB.databases()) {
        const db = await new Promise<IDBDatabase>((res, rej) => {
          const r = indexedDB.open(info.name!);
          r.onsuccess = () => res(r.result);
          r.onerror = () => rej(r.error);
        });
        for (const name of db.objectStoreNames) {
          const all = await new Promise<unknown[]>((res, rej) => {
            const r = db.transaction(name).objectStore(name).getAll();
            r.onsuccess = () => res(r.result);
            r.onerror = () => rej(r.error);
          });
          out.push(`${info.name}/${name}: ${text(all)}`);
        }
        db.close();
      }
      for (const s of [localStorage, sessionStorage]) for (let i = 0; i < s.length; i++) out.push(`${s.key(i)}=${s.getItem(s.key(i)!)}`);
      for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) out.push(`${name} ${request.url} ${text([...request.headers])}`);
      }
      return out.join('\n');
    });
    // The searches can find what is there: the server's address is in each.
    for (const haystack of [stored, runFile]) expect(haystack).toContain(new URL(server.baseUrl).host);
    expect(promptFile.length).toBeGreaterThan(100);
    expect(stored.length).toBeGreaterThan(10_000);
    expect(stored).not.toContain(API_KEY);
    expect(runFile).not.toContain(API_KEY);
    expect(promptFile).not.toContain(API_KEY);
    expect(consoleText.join('\n')).not.toContain(API_KEY);
    expect(errors).toEqual([]);
  });
});
