// The lab on the built app in Chromium, in the order a person uses it: the demo world (the models served with the
// app, or fixture stand-ins when the build has none) and a demo task, reloaded mid-run and resumed from the run
// library; then, with tiny fixture models from a test hub, a task from a CSV file whose rows are markup and a
// prompt-LM whose samples are markup: GFlowPO and a baseline launched together, live steps, charts and prompts, pause
// and resume, the two runs compared, export and import; no main-thread task over 50 ms of CPU while runs step; the
// markup shown as text and never run; keyboard use; screenshots of each view at 1280 and 360 px (__artifacts__/).
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { ARTIFACTS, TRACE_CATEGORIES, chooseFixtureModels, launch, longTasksSince, mainThreadTasks, openPage, pageNow, screenshot, shortSchedule, statusOf, waitForStep } from './browser';
import { XSS_PAYLOADS } from './payloads';

const baseUrl = inject('baseUrl');
const distDir = inject('distDir');
let browser: Browser;
let page: Page;
let errors: string[];
const dialogs: string[] = [];
const ids: { gflowpo?: string; baseline?: string; demo?: string } = {};

beforeAll(async () => {
  browser = await launch();
  ({ page, errors } = await openPage(browser, baseUrl));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
});
afterAll(async () => {
  await browser?.close();
});
// A failed test leaves a screenshot and says what the page showed (status, alerts).
afterEach(async (context) => {
  if (context.task.result?.state !== 'fail' || !page) return;
  await screenshot(page, `failed-${context.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}`).catch(() => undefined);
  const status = await page.getByTestId('run-status').getAttribute('data-status', { timeout: 1000 }).catch(() => null);
  const alerts = await page.getByRole('alert').allTextContents().catch(() => []);
  console.log(`page at failure: ${page.url()} status=${status} alerts=${JSON.stringify(alerts)} errors=${JSON.stringify(errors)}`);
});

const points = async (chart: string) => Number(await page.getByTestId(chart).getAttribute('data-points'));
const go = (hash: string) => page.evaluate((h) => (location.hash = h), hash);
const ranMarkup = () => page.evaluate(() => (window as unknown as { __xss?: number }).__xss);
const runIdOf = (url: string) => url.split('#/run/')[1]!;
/** The runs on the markup task (the demo run is in the library too). */
const markupRuns = () => page.getByTestId('run-item').filter({ hasText: 'markup' });

async function viewsAt(width: number, compareHash: string): Promise<void> {
  await page.setViewportSize({ width, height: 900 });
  for (const [name, hash] of [['setup', '#/setup'], ['run', `#/run/${ids.gflowpo}`], ['run-demo', `#/run/${ids.demo}`], ['runs', '#/runs'], ['compare', compareHash]] as const) {
    await go(hash);
    await page.waitForTimeout(400);
    await screenshot(page, `${name}-${width}`);
    if (width < 500) {
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: `${ARTIFACTS}/${name}-${width}-top.png` }); // the first screen, as a phone shows it
    }
    // Nothing wider than the viewport: the page never scrolls sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} at ${width} px`).toBeLessThanOrEqual(width);
  }
}

describe('the lab', () => {
  it('is keyboard operable: Tab reaches every control in order with a visible focus ring; summaries open with Enter', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 200 && !seen.includes('run-start'); i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const e = document.activeElement as HTMLElement | null;
        const style = e ? getComputedStyle(e) : null;
        return { tag: e?.tagName ?? '', testid: e?.closest('[data-testid]')?.getAttribute('data-testid') ?? '', outline: style ? `${style.outlineStyle} ${style.outlineWidth}` : '' };
      });
      expect(['A', 'BUTTON', 'INPUT', 'SELECT', 'SUMMARY', 'TEXTAREA', 'DIV', 'MAIN'], focused.tag).toContain(focused.tag);
      expect(focused.outline, `focus ring on ${focused.tag} ${focused.testid}`).not.toMatch(/^none/);
      if (focused.testid && seen.at(-1) !== focused.testid) seen.push(focused.testid);
    }
    // Models, then task, then settings, then the start button: the order the page reads in.
    const order = ['setup-model-prompt', 'setup-model-target', 'setup-task', 'setup-preset', 'setting-steps', 'run-start'].map((id) => seen.indexOf(id));
    expect(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!)), `focus order ${seen.join(' ')}`).toBe(true);
    // A <summary> opens with Enter; a button is a button.
    await page.locator('details.advanced summary').focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('details.advanced').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    await page.locator('details.advanced summary').click(); // closed again for the next test
    expect(await page.locator('main [onclick], main div[role="button"]').count()).toBe(0);
  });

  it('takes a model from a local folder the user picks, checked as a model', async () => {
    const slot = page.getByTestId('setup-model-target');
    await slot.getByLabel('Local folder').check();
    await page.getByTestId('setup-model-target-folder').setInputFiles(`${distDir}/test-hub/fixture/tiny-target/resolve/main`);
    await expect.poll(() => slot.getByRole('status').textContent()).toMatch(/^Using main: 5 files, [\d.]+ kB\.$/);
    await slot.getByLabel('Hub model').check();
  });

  it('reads a hub dataset by id (a datasets-server stand-in) into a task with its splits', async () => {
    await page.getByTestId('setup-task').getByLabel('Hub dataset').check();
    await page.getByTestId('setup-task-hub-id').fill('fixture/reviews');
    await page.getByTestId('setup-task-hub-server').fill(`${baseUrl}/test-datasets`);
    await page.getByRole('button', { name: 'List splits' }).click();
    await page.getByRole('button', { name: 'Read rows' }).click();
    await expect.poll(() => page.getByTestId('import-row').count()).toBe(6);
    await page.getByRole('button', { name: 'Use these columns' }).click();
    await expect.poll(() => page.getByTestId('task-preview').textContent()).toContain('label words negative, positive');
    // 30 rows: fewer than 32 + 32 + 1, so a third each.
    expect(await page.getByTestId('task-preview').getByRole('button').allTextContents()).toEqual(['train (10)', 'validation (10)', 'test (10)']);
  });

  it('runs the demo world (models served with the app, a demo task), survives a reload mid-run and resumes from the run library', async () => {
    // The page opened on the demo world; the tests above changed the target and the task, so they are picked again.
    expect(await page.getByTestId('setup-model-prompt').getByLabel('Demo world').isChecked()).toBe(true);
    await page.getByTestId('setup-model-target').getByLabel('Demo world').check();
    await page.getByTestId('setup-task').getByLabel('Demo world').check();
    await page.getByTestId('setup-task-demo').selectOption('reverse');
    await expect.poll(() => page.getByTestId('task-preview').textContent()).toContain('demo/reverse');
    await shortSchedule(page, 3);
    // 8-bit frozen weights: the run loads its models quantised, and its stored spec keeps the choice for the resume.
    // Chosen from the keyboard: the summary opens with Enter, Tab reaches the select, ArrowDown picks 8-bit.
    await page.locator('details.advanced summary').focus();
    await page.keyboard.press('Enter');
    const focusedId = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');
    for (let i = 0; i < 5 && (await focusedId()) !== 'setup-weights'; i++) await page.keyboard.press('Tab');
    expect(await focusedId()).toBe('setup-weights');
    await page.keyboard.press('ArrowDown');
    expect(await page.getByLabel('Frozen weights').inputValue()).toBe('q8');
    await page.getByTestId('run-start').click();
    await waitForStep(page, 1);
    expect(await page.getByTestId('run-device').textContent()).toMatch(/wasm/);
    expect(await page.getByTestId('run-device').textContent()).toMatch(/target-LM id local files@compiled-q8\//);
    ids.demo = runIdOf(page.url());
    await page.reload();
    await expect.poll(() => statusOf(page), { timeout: 30_000 }).toBe('stopped');
    const before = Number(await page.getByTestId('run-step').textContent());
    expect(before).toBeGreaterThanOrEqual(1);
    expect(await points('chart-accuracy')).toBe(before); // the charts come back from the stored events
    await page.getByTestId('run-resume').click();
    await expect.poll(() => statusOf(page), { timeout: 120_000 }).toBe('done');
    expect(Number(await page.getByTestId('run-step').textContent())).toBe(3);
    expect(await points('chart-accuracy')).toBe(3);
    expect(await page.getByTestId('result-selected').textContent()).toMatch(/test/);
    // Resumed on the same 8-bit weights (a float32 target-LM would have another id, which the resume refuses).
    expect(await page.getByTestId('run-device').textContent()).toMatch(/compiled-q8\//);
    // The setup kept its choices across the reload.
    await go('#/setup');
    await expect.poll(() => page.getByTestId('setup-task-demo').inputValue()).toBe('reverse');
    expect(await page.getByTestId('setting-steps').inputValue()).toBe('3');
    expect(await page.getByTestId('setup-weights').inputValue()).toBe('q8');
    if (!(await page.locator('details.advanced').evaluate((d) => (d as HTMLDetailsElement).open))) await page.locator('details.advanced summary').click();
    // The choice and its help, at both widths (nothing wider than a phone's screen).
    for (const width of [1280, 360]) {
      await page.setViewportSize({ width, height: 900 });
      await page.locator('details.advanced').screenshot({ path: `${ARTIFACTS}/setup-weights-${width}.png` });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByTestId('setup-weights').selectOption('f32'); // the runs below use float32
  });

  it('sets up a task from a CSV file of markup, previewed as text', async () => {
    await chooseFixtureModels(page, baseUrl);
    await page.getByTestId('setup-model-prompt-id').fill('fixture/xss-prompt');
    await page.getByTestId('setup-task').getByLabel('Your file').check();
    const rows = Array.from({ length: 12 }, (_, i) => [`${XSS_PAYLOADS[i % 4]} ${i}`, `${XSS_PAYLOADS[(i + 1) % 4]}`]);
    const csv = `input,output\n${rows.map((r) => r.map((c) => `"${c.replaceAll('"', '""')}"`).join(',')).join('\n')}\n`;
    await page.getByTestId('setup-task-file').setInputFiles({ name: 'markup.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await expect.poll(() => page.getByTestId('import-row').count()).toBe(6);
    await page.getByTestId('import-mapping').getByLabel('Generation (free answer)').check();
    await page.getByTestId('import-mapping').getByLabel('Output column').selectOption('output');
    await page.getByRole('button', { name: 'Use these columns' }).click();
    await expect.poll(() => page.getByTestId('task-example').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('task-preview').textContent()).toContain(XSS_PAYLOADS[0]);
    await shortSchedule(page, 5);
    await page.getByTestId('baseline-prior-only').check();
    await expect.poll(() => page.getByTestId('setup-estimate').textContent()).toContain('prior-only');
  });

  it('runs GFlowPO and a baseline launched together, with live charts and prompts, pause and resume, never blocking the page', async () => {
    await browser.startTracing(page, { categories: TRACE_CATEGORIES });
    const t0 = await pageNow(page);
    await page.getByTestId('run-start').click();
    await expect.poll(() => page.url()).toMatch(/#\/run\//);
    await waitForStep(page, 2);
    // Pause first (the run must still be going), then look at what two steps drew.
    await page.getByTestId('run-pause').click();
    await expect.poll(() => statusOf(page), { timeout: 60_000 }).toBe('paused');
    ids.gflowpo = runIdOf(page.url()); // the library's id replaced the page's once the run was created
    expect(await page.getByTestId('run-time-left').textContent()).toMatch(/^≈ \d/); // measured when the models loaded
    expect(await points('chart-accuracy')).toBeGreaterThanOrEqual(2);
    expect(await points('chart-loss')).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('prompt-row').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('run-device').textContent()).toMatch(/wasm/);
    const pausedAt = Number(await page.getByTestId('run-step').textContent());
    await page.waitForTimeout(1500);
    expect(Number(await page.getByTestId('run-step').textContent())).toBe(pausedAt); // paused: no step
    await page.getByTestId('run-resume').click();
    await expect.poll(() => statusOf(page), { timeout: 120_000 }).toBe('done');
    expect(Number(await page.getByTestId('run-step').textContent())).toBe(5);
    expect(await points('chart-accuracy')).toBe(5);
    expect(await page.getByTestId('result-selected').textContent()).toMatch(/test/);
    // The numbers behind a chart, one click away.
    await page.getByTestId('chart-accuracy').getByRole('button', { name: 'Table' }).click();
    expect(await page.getByTestId('chart-accuracy').locator('tbody tr').count()).toBe(5);
    // Which examples a prompt got right, from the library.
    await page.getByTestId('prompt-row').first().getByRole('button', { name: 'Details' }).click();
    await expect.poll(() => page.getByTestId('per-example').locator('li').count()).toBeGreaterThan(0);

    // The baseline queued behind it starts by itself and finishes; the page stays responsive throughout.
    await go('#/runs');
    const statuses = async () => (await markupRuns().evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))).sort().join();
    await expect.poll(statuses, { timeout: 60_000 }).toMatch(/done,(loading|calibrating|running|done)/);
    await expect.poll(statuses, { timeout: 150_000, interval: 500 }).toBe('done,done');
    ids.baseline = await markupRuns().filter({ hasText: 'prior-only' }).getByRole('link').evaluate((a) => a.getAttribute('href')!.replace('#/run/', ''));
    const longTasks = await longTasksSince(page, t0);
    const tasks = mainThreadTasks(await browser.stopTracing());
    const longest = tasks.reduce((a, t) => (t.cpuMs > a.cpuMs ? t : a), { wallMs: 0, cpuMs: 0 });
    console.log(`long tasks seen by the PerformanceObserver: ${longTasks.length} (${longTasks.map((t) => Math.round(t.duration)).join(', ')} ms wall); ` +
      `main-thread tasks traced: ${tasks.length}, most CPU in one task: ${longest.cpuMs.toFixed(1)} ms (${longest.wallMs.toFixed(1)} ms wall)`);
    // Wall time includes waiting for a core (this machine runs other work too); CPU time is the page's own work.
    expect(tasks.length).toBeGreaterThan(100);
    expect(longest.cpuMs, 'CPU time of the longest main-thread task while runs step').toBeLessThanOrEqual(50);
  });

  it('compares the two runs side by side from the library', async () => {
    await go('#/runs');
    await expect.poll(() => markupRuns().count()).toBe(2);
    for (const box of await markupRuns().getByRole('checkbox').all()) await box.check();
    await page.getByTestId('runs-compare').click();
    await expect.poll(() => page.getByTestId('compare-table').locator('tbody').count()).toBe(2);
    expect(await points('chart-compare')).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('compare-table').textContent()).toContain('prior-only');
  });

  it('exports a run and imports it back (a copy when it is already there); exports its prompts as CSV and JSON', async () => {
    await go(`#/run/${ids.gflowpo}`);
    const selected = await page.getByTestId('result-selected').textContent();
    const text = async (button: string) => {
      const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
      return Buffer.concat(await (await d.createReadStream()).toArray()).toString('utf8');
    };
    const csv = await text('Export CSV');
    const json = JSON.parse(await text('Export JSON')) as { run: string; prompts: { text: string }[] };
    expect(csv.split('\n')[0]).toBe('text,trainAccuracy,validationAccuracy,testAccuracy,firstStep,sampled,replayed,bestLogReward,inBuffer,initial');
    expect(json.run).toBe(ids.gflowpo);
    expect(csv.trim().split('\n').length).toBeGreaterThan(json.prompts.length); // quoted prompts may span lines
    expect(json.prompts.some((p) => XSS_PAYLOADS.some((x) => p.text.includes(x)))).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('run-export').click()]);
    const bytes = await (await download.createReadStream()).toArray();
    const file = Buffer.concat(bytes);
    expect(download.suggestedFilename()).toMatch(/\.gflowpo$/);
    await go('#/runs');
    await page.getByTestId('runs-import').setInputFiles({ name: download.suggestedFilename(), mimeType: 'application/octet-stream', buffer: file });
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/already has the run/);
    await page.getByTestId('runs-import-copy').click();
    await expect.poll(() => markupRuns().count()).toBe(3);
    const copy = markupRuns().filter({ hasNotText: 'prior-only' }).filter({ has: page.locator(`a:not([href="#/run/${ids.gflowpo}"])`) });
    await copy.getByRole('link').click();
    await expect.poll(() => page.getByTestId('result-selected').textContent()).toBe(selected);
    expect(await points('chart-accuracy')).toBe(5);
  });

  it('lists the downloaded models with their sizes and deletes one', async () => {
    await go('#/setup');
    const cache = page.locator('details.cache');
    await cache.locator('summary').click();
    await expect.poll(() => cache.locator('li').count()).toBe(2);
    expect(await cache.locator('li').allTextContents()).toEqual([expect.stringMatching(/^fixture\/tiny-target @main [\d.]+ kB in 6 files/), expect.stringMatching(/^fixture\/xss-prompt @main [\d.]+ kB in 6 files/)]);
    await cache.getByRole('button', { name: 'delete fixture/xss-prompt at main' }).click();
    await expect.poll(() => cache.locator('li').count()).toBe(1);
    await cache.locator('summary').click();
  });

  it('shows every main view at 1280 and 360 px, the markup only ever as text', async () => {
    const compareHash = `#/compare/${ids.gflowpo},${ids.baseline}`;
    await viewsAt(1280, compareHash);
    await go(`#/run/${ids.gflowpo}`);
    await expect.poll(() => page.getByTestId('prompt-row').count()).toBeGreaterThan(0);
    const promptText = (await page.getByTestId('prompt-row').allTextContents()).join('\n');
    expect(XSS_PAYLOADS.some((p) => promptText.includes(p))).toBe(true);
    const meta = (await page.getByTestId('meta-prompt').textContent()) ?? '';
    expect(XSS_PAYLOADS.some((p) => meta.includes(p))).toBe(true);
    expect(await page.locator('main img, main script, main svg, main b').count()).toBe(0);
    await page.getByTestId('prompt-row').first().hover();
    await viewsAt(360, compareHash);
    expect(await ranMarkup()).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });
});
