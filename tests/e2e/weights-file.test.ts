// Setup's "Weights file" in Chromium on the built app: a test-hub repo with both safetensors and a 4-bit
// onnx-community export (onnx/model_q4.onnx + its external data, MatMulNBits, written here into the served build's
// test hub); the prompt-LM's weights file is chosen from the keyboard; the run then downloads that ONNX file and not
// the repo's safetensors, loads it, names it in its model label and keeps it in its stored spec (what a resume
// loads), and Setup keeps the choice across a reload. Screenshots of the picker with the select at 1280 and 360 px.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadModelFiles } from '../../src/models/formats/load-model';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { onnxCommunityExport, withExternalData } from '../support/onnx-community-export';
import { ARTIFACTS, launch, screenshot, shortSchedule, statusOf } from './browser';
import { FIXTURE_MODELS } from './global-setup';

const baseUrl = inject('baseUrl');
const distDir = inject('distDir');
const REPO = 'fixture/onnx-both';
let browser: Browser;
let context: BrowserContext;
let page: Page;
const errors: string[] = [];
/** Paths under the test hub that the page and its workers requested. */
const requested: string[] = [];

beforeAll(async () => {
  // The prompt fixture's files, plus its 4-bit export (every linear in blocks of 16 with zero points).
  const files = tinyLlamaFixtureFiles({ seed: FIXTURE_MODELS.prompt.seed });
  const float = loadModelFiles(new Map(Object.entries(files)));
  const q4 = withExternalData(onnxCommunityExport(float.config, float.weights, () => ({ bits: 4, block: 16, zeroPoints: true })).bytes, 'model_q4.onnx_data');
  const dir = join(distDir, 'test-hub', REPO, 'resolve', 'main');
  await mkdir(join(dir, 'onnx'), { recursive: true });
  for (const [file, bytes] of Object.entries({ ...files, 'onnx/model_q4.onnx': q4.model, 'onnx/model_q4.onnx_data': q4.data })) await writeFile(join(dir, file), bytes);

  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // The context sees the workers' requests too (the models download in the engines' workers).
  context.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/test-hub/')) requested.push(path.slice('/test-hub/'.length));
  });
  page = await context.newPage();
  page.on('dialog', (d) => void d.accept());
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  await page.goto(`${baseUrl}/#/setup`);
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail' || !page) return;
  await screenshot(page, 'failed-weights-file').catch(() => undefined);
  const alerts = await page.getByRole('alert').allTextContents().catch(() => []);
  console.log(`page at failure: ${page.url()} alerts=${JSON.stringify(alerts)} errors=${JSON.stringify(errors)} requested=${JSON.stringify(requested)}`);
});

const focusedId = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');

describe("Setup's weights file for a hub model", () => {
  it('is chosen from the keyboard; the run downloads that ONNX export (not the safetensors), loads it, names it and stores it', async () => {
    if (!(await page.locator('details.advanced').evaluate((d) => (d as HTMLDetailsElement).open))) await page.locator('details.advanced summary').click();
    await page.getByTestId('setup-hub-host').fill(`${baseUrl}/test-hub`);
    await page.getByTestId('setup-model-target').getByLabel('Other hub id').check();
    await page.getByTestId('setup-model-target-id').fill(FIXTURE_MODELS.target.id);
    await page.getByTestId('setup-model-prompt').getByLabel('Other hub id').check();
    await page.getByTestId('setup-model-prompt-id').fill(REPO);
    // Automatic until chosen; Tab from the id reaches the select, ArrowDown three times: model.onnx, _fp16, _q4.
    expect(await page.getByTestId('setup-model-prompt-weights-file').inputValue()).toBe('');
    await page.getByTestId('setup-model-prompt-id').focus();
    await page.keyboard.press('Tab');
    expect(await focusedId()).toBe('setup-model-prompt-weights-file');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    expect(await page.getByTestId('setup-model-prompt-weights-file').inputValue()).toBe('model_q4.onnx');
    expect(await page.getByTestId('setup-model-prompt').getByLabel('Weights file').locator('option:checked').textContent()).toBe('onnx/model_q4.onnx (4-bit, dequantised to float32 at load)');

    // The picker with the select and its help, at both widths (nothing wider than a phone's screen).
    for (const width of [1280, 360]) {
      await page.setViewportSize({ width, height: 900 });
      await page.getByTestId('setup-model-prompt').screenshot({ path: `${ARTIFACTS}/setup-weights-file-${width}.png` });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.getByTestId('setup-task').getByLabel('Demo world').check();
    await page.getByTestId('setup-task-demo').selectOption('even');
    await expect.poll(() => page.getByTestId('task-preview').textContent()).toContain('demo/even');
    await shortSchedule(page, 3);
    await page.getByTestId('run-start').click();
    // Past loading: both models downloaded and built (calibration or stepping follows), nothing failed.
    await expect.poll(() => statusOf(page), { timeout: 90_000, interval: 250 }).toMatch(/^(calibrating|ready|running|paused|done)$/);
    expect(await page.locator('p.models.muted').textContent()).toContain(`prompt-LM ${REPO} (onnx/model_q4.onnx, from ${baseUrl}/test-hub) · target-LM ${FIXTURE_MODELS.target.id} (from ${baseUrl}/test-hub)`);
    // The run's stored spec (what a resume loads) keeps the variant; the target-LM's automatic choice has none.
    const stored = () => page.evaluate(() => new Promise<unknown[]>((resolve, reject) => {
      const open = indexedDB.open('gflowpo-lab-views');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const all = open.result.transaction('specs').objectStore('specs').getAll();
        all.onsuccess = () => resolve((all.result as { promptModel: unknown; targetModel: unknown }[]).map((s) => [s.promptModel, s.targetModel]));
        all.onerror = () => reject(all.error);
      };
    }));
    await expect.poll(stored).toEqual([[{ kind: 'hub', modelId: REPO, host: `${baseUrl}/test-hub`, onnx: 'model_q4.onnx' }, { kind: 'hub', modelId: FIXTURE_MODELS.target.id, host: `${baseUrl}/test-hub` }]]);
    const prompt = requested.filter((p) => p.startsWith(`${REPO}/`)).map((p) => p.slice(`${REPO}/resolve/main/`.length));
    expect(prompt).toContain('onnx/model_q4.onnx');
    expect(prompt).toContain('onnx/model_q4.onnx_data');
    expect(prompt.filter((p) => p.endsWith('.safetensors'))).toEqual([]);
    // The target-LM stayed automatic: its safetensors.
    expect(requested).toContain(`${FIXTURE_MODELS.target.id}/resolve/main/model.safetensors`);
    expect(await statusOf(page)).not.toBe('failed');
    expect(errors).toEqual([]);
  });

  it('is kept by Setup across a reload', async () => {
    await page.goto(`${baseUrl}/#/setup`);
    await page.reload();
    await expect.poll(() => page.getByTestId('setup-model-prompt-weights-file').inputValue()).toBe('model_q4.onnx');
    expect(await page.getByTestId('setup-model-prompt-id').inputValue()).toBe(REPO);
    expect(await page.getByTestId('setup-model-target-weights-file').inputValue()).toBe('');
  });
});
