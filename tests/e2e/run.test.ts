// The lab on the built app in Chromium: set up a run on the fixture models and a built-in task, watch steps, charts
// and the prompt list update, pause and resume, see the result.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chooseFixtureModels, launch, openPage, screenshot, shortSchedule, waitForStep } from './browser';

const baseUrl = inject('baseUrl');
let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('a run', () => {
  it('runs on the fixture models with live charts, prompts, pause and resume, and a result', async () => {
    const { page, errors } = await openPage(browser, baseUrl);
    await chooseFixtureModels(page, baseUrl);
    await page.getByTestId('setup-task-builtin').selectOption('sum');
    await shortSchedule(page, 6);
    await screenshot(page, 'setup-1280');
    const t0 = Date.now();
    await page.getByTestId('run-start').click();
    await expect.poll(() => page.url()).toMatch(/#\/run\//);
    await waitForStep(page, 2);
    console.log('2 steps after', Date.now() - t0, 'ms');
    await page.getByTestId('run-pause').click();
    await expect.poll(() => page.getByTestId('run-status').getAttribute('data-status'), { timeout: 60_000 }).toBe('paused');
    await page.getByTestId('run-resume').click();
    await expect.poll(() => page.getByTestId('run-status').getAttribute('data-status'), { timeout: 120_000 }).toBe('done');
    console.log('done after', Date.now() - t0, 'ms');
    await screenshot(page, 'run-1280');
    expect(await page.getByTestId('prompt-row').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('result-selected').textContent()).toMatch(/test/);
    expect(errors).toEqual([]);
  });
});
