// Classroom mode on the built app in Chromium, with the demo world (the models served with the app) as a teacher
// opens it: Classroom in the header, "Start a run for the class" (Setup's default choices: the demo world); the run
// pauses after its first step; Next step (pressed from the keyboard) makes exactly one GFlowNet step; the token
// tree's probabilities are the engine's values for that step: along every prompt the branches' log-probabilities
// under the prior sum to the step event's logPrior, and the per-token values as the update computed them to its
// logPF, both read from the run's stored events in IndexedDB, within 1e-4; each shown percentage is its branch's
// value; every sample of the step is on exactly one leaf; replayed prompts are marked. Auto-play steps on and stops
// when asked; the run view links back to the classroom. Screenshots at 1280 and 360 px (__artifacts__/classroom-*).
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { StepEvent, StepSamplesEvent } from '../../src/gflow/events';
import { percent } from '../../src/ui/classroom/token-tree';
import { ARTIFACTS, launch, openPage, screenshot } from './browser';

const baseUrl = inject('baseUrl');
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  browser = await launch();
  ({ page, errors } = await openPage(browser, baseUrl));
});
afterAll(async () => {
  await browser?.close();
});
// A failed test leaves a screenshot and says what the page showed.
afterEach(async (context) => {
  if (context.task.result?.state !== 'fail' || !page) return;
  await screenshot(page, 'failed-classroom').catch(() => undefined);
  const alerts = await page.getByRole('alert').allTextContents().catch(() => []);
  console.log(`page at failure: ${page.url()} alerts=${JSON.stringify(alerts)} errors=${JSON.stringify(errors)}`);
});

const stepCount = async () => Number(await page.getByTestId('classroom-step').textContent());
const status = () => page.getByTestId('classroom-status').getAttribute('data-status');

/** The run's committed events, read straight from the run library in IndexedDB (not through the app). */
function storedEvents(runId: string): Promise<StepEvent[]> {
  return page.evaluate(
    (id) =>
      new Promise<StepEvent[]>((resolve, reject) => {
        const open = indexedDB.open('gflowpo-lab');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction('events').objectStore('events').getAll(IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]));
          request.onsuccess = () => {
            open.result.close();
            resolve((request.result as { event: StepEvent }[]).map((r) => r.event));
          };
          request.onerror = () => reject(request.error);
        };
      }),
    runId,
  );
}

interface ShownLeaf {
  samples: number[];
  eventLogPrior: number;
  pathLogPrior: number;
  pathLogPFUpdate: number | null;
  /** Sums of the data-log-* of the branches above the leaf in the page. */
  branchLogPrior: number;
  branchLogBefore: number;
  branchLogAfter: number;
  pathLogAfter: number;
  replayedMark: boolean;
}

function shownLeaves(): Promise<ShownLeaf[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[data-testid="tree-leaf"]')].map((leaf) => {
      let branchLogPrior = 0;
      let branchLogBefore = 0;
      let branchLogAfter = 0;
      for (let at = leaf.parentElement?.closest<HTMLElement>('[data-testid="tree-branch"]'); at; at = at.parentElement?.closest<HTMLElement>('[data-testid="tree-branch"]')) {
        branchLogPrior += Number(at.dataset['logPrior']);
        branchLogBefore += Number(at.dataset['logBefore']);
        branchLogAfter += Number(at.dataset['logAfter']);
      }
      const d = leaf.dataset;
      return {
        samples: d['samples']!.split(',').map(Number),
        eventLogPrior: Number(d['eventLogPrior']),
        pathLogPrior: Number(d['pathLogPrior']),
        pathLogPFUpdate: d['pathLogPfUpdate'] === '' ? null : Number(d['pathLogPfUpdate']),
        branchLogPrior,
        branchLogBefore,
        branchLogAfter,
        pathLogAfter: Number(d['pathLogAfter']),
        replayedMark: leaf.querySelector('[data-testid="tree-replayed"]') !== null,
      };
    }),
  );
}

/**
 * The shown tree of step `n` against the stored events of that step. `firstUpdate`: the adapter was still zero before
 * this update, so LoRA dropout changed nothing and the tree's own sampler-before values also sum to the event logPF.
 */
async function checkTree(runId: string, n: number, firstUpdate = false): Promise<{ leaves: number; replayed: number; training: boolean }> {
  const events = await storedEvents(runId);
  const step = events.find((e): e is StepSamplesEvent => e.type === 'step' && e.step === n);
  expect(step, `stored step event ${n}`).toBeDefined();
  const leaves = await shownLeaves();
  // Every sample of the step on exactly one leaf.
  expect(leaves.flatMap((l) => l.samples).sort((a, b) => a - b)).toEqual(step!.samples.map((_, i) => i));
  const training = step!.phase === 'training';
  for (const leaf of leaves) {
    const sample = step!.samples[leaf.samples[0]!]!;
    expect(Math.abs(leaf.branchLogPrior - sample.logPrior), `prior along ${JSON.stringify(sample.text)}`).toBeLessThan(1e-4);
    expect(Math.abs(leaf.pathLogPrior - sample.logPrior)).toBeLessThan(1e-4);
    expect(leaf.eventLogPrior).toBe(sample.logPrior);
    expect(Math.abs(leaf.branchLogAfter - leaf.pathLogAfter)).toBeLessThan(1e-9);
    if (training) expect(Math.abs(leaf.pathLogPFUpdate! - sample.logPF!), `logPF of ${JSON.stringify(sample.text)}`).toBeLessThan(1e-4);
    else expect(leaf.pathLogPFUpdate).toBeNull();
    if (firstUpdate) expect(Math.abs(leaf.branchLogBefore - sample.logPF!), `sampler before the first update along ${JSON.stringify(sample.text)}`).toBeLessThan(1e-4);
    expect(leaf.replayedMark).toBe(leaf.samples.some((i) => step!.samples[i]!.replayed));
  }
  // Each shown percentage is its branch's value.
  const shown = await page.locator('[data-testid="tree-branch"]').evaluateAll((lis) =>
    lis.map((li) => {
      const d = (li as HTMLElement).dataset;
      const text = (id: string) => li.querySelector(`:scope > .row [data-testid="${id}"]`)?.textContent ?? null;
      return { after: Number(d['logAfter']), before: Number(d['logBefore']), prior: Number(d['logPrior']), text: [text('branch-sampler'), text('branch-before'), text('branch-prior')] };
    }),
  );
  expect(shown.length).toBeGreaterThan(0);
  for (const b of shown) expect(b.text).toEqual([percent(b.after), training ? percent(b.before) : null, percent(b.prior)]);
  return { leaves: leaves.length, replayed: step!.samples.filter((s) => s.replayed).length, training };
}

describe('classroom mode', () => {
  it('starts a demo run for the class, steps it one GFlowNet step at a time and shows the engine’s values for that step', async () => {
    const t0 = Date.now();
    const mark = (what: string) => console.log(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // The demo world is the default: its models and a demo task are selected when the page opens.
    await expect.poll(() => page.getByTestId('setup-model-prompt').getByLabel('Demo world').isChecked(), { timeout: 30_000 }).toBe(true);
    expect(await page.getByTestId('setup-task').getByLabel('Demo world').isChecked()).toBe(true);
    await page.getByRole('navigation', { name: 'views' }).getByRole('link', { name: 'Classroom' }).click();
    await page.getByTestId('classroom-start').click();
    await expect.poll(() => page.url()).toMatch(/#\/classroom\/[^/]+$/);
    // The run starts by itself and pauses here after its first step (buffer filling).
    await expect.poll(status, { timeout: 90_000 }).toBe('paused');
    const back = page.getByRole('link', { name: 'back to the run view' });
    const runId = (await back.getAttribute('href'))!.split('#/run/')[1]!;
    expect(page.url()).toContain(`#/classroom/${runId}`); // the address names the stored run
    mark('paused in the classroom');
    const before = await stepCount();
    expect(before).toBe(1);

    // Next step from the keyboard: exactly one step, the first that trains.
    await page.getByTestId('classroom-next').focus();
    await page.keyboard.press('Enter');
    await expect.poll(stepCount, { timeout: 30_000 }).toBe(before + 1);
    await expect.poll(status, { timeout: 30_000 }).toBe('paused');
    await page.waitForTimeout(1000);
    expect(await stepCount()).toBe(before + 1);
    mark('one step');
    const first = await checkTree(runId, before + 1, true);
    expect(first.training).toBe(true);
    expect(await page.getByTestId('classroom-loss').textContent()).toMatch(/^\d/);
    expect(await page.getByTestId('branch-moved').count()).toBeGreaterThan(0);

    // The numbers behind a prompt open with the keyboard.
    await page.locator('[data-testid="tree-leaf"] summary').first().focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-testid="tree-leaf"] details[open] table tbody tr').count()).toBeGreaterThan(0);

    await screenshot(page, 'classroom-1280');
    await page.setViewportSize({ width: 360, height: 800 });
    await page.waitForTimeout(300);
    await screenshot(page, 'classroom-360');
    // Phone-sized views of the top and of the tree (the full page is long).
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${ARTIFACTS}/classroom-360-top.png` });
    await page.getByTestId('classroom-tree').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}/classroom-360-tree.png` });
    expect(await page.evaluate(() => document.documentElement.scrollWidth), 'no sideways scrolling at 360 px').toBeLessThanOrEqual(360);
    await page.setViewportSize({ width: 1280, height: 900 });
    mark('screenshots');

    // Auto-play, fast, for three more steps; stopping it leaves the run paused where it is.
    await page.getByTestId('classroom-pace').selectOption('500');
    await page.getByTestId('classroom-play').click();
    await expect.poll(stepCount, { timeout: 60_000 }).toBeGreaterThanOrEqual(before + 4);
    await page.getByTestId('classroom-stop').click();
    await expect.poll(status, { timeout: 30_000 }).toBe('paused');
    await expect(page.getByTestId('classroom-play').isVisible()).resolves.toBe(true);
    const stopped = await stepCount();
    await page.waitForTimeout(1500);
    expect(await stepCount()).toBe(stopped);
    mark('auto-played and stopped');
    const last = await checkTree(runId, stopped);
    expect(last.training).toBe(true);
    // Replay happened by then (probability 0.5 per training micro-batch, 2 per step), and references (DMU) from step 4.
    const events = await storedEvents(runId);
    expect(events.some((e) => e.type === 'step' && e.samples.some((x) => x.replayed))).toBe(true);
    expect(await page.locator('.ref').count()).toBeGreaterThan(0);
    await screenshot(page, 'classroom-1280-later');
    // The run view links back to its classroom, which still shows the last step.
    await back.click();
    await expect.poll(() => page.url()).toContain(`#/run/${runId}`);
    await page.getByTestId('run-classroom').click();
    await expect.poll(() => page.url()).toContain(`#/classroom/${runId}`);
    await expect.poll(() => page.getByTestId('tree-leaf').count()).toBeGreaterThan(0);
    expect([await stepCount(), await status()]).toEqual([stopped, 'paused']);
    expect(errors).toEqual([]); // openPage leaves out Chromium's aborted streaming compile of the wasm (benign)
  });
});
