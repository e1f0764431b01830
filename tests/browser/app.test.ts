// The app shell in real Chromium (mounted by the test, not built): it opens on the setup view with the model and
// task pickers and a built-in (or demo) task's splits, and the toy view (#/toy) still trains the compiler's toy model live,
// on wasm since the only WebGPU adapter here is SwiftShader's fallback. The built app is tested in tests/e2e.
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import App from '../../src/ui/App.svelte';

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > timeoutMs) throw new Error('timed out waiting for the page');
    await new Promise((r) => setTimeout(r, 100));
  }
}

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
  history.replaceState(null, '', '#/setup');
});

function mountApp(): HTMLElement {
  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(App, { target });
  flushSync();
  cleanup = () => {
    unmount(app);
    target.remove();
  };
  return target;
}

describe('the app', () => {
  it('opens on the setup view with the pickers, a built-in task and its splits', async () => {
    history.replaceState(null, '', '#/setup');
    const target = mountApp();
    const q = (id: string) => target.querySelector(`[data-testid="${id}"]`);
    for (const id of ['setup-model-prompt', 'setup-model-target', 'setup-task', 'run-start']) expect(q(id), id).not.toBeNull();
    await until(() => q('task-preview') !== null, 5000);
    // A built-in task, or a demo task once the demo world's models are found being served.
    expect(q('task-preview')!.textContent).toMatch(/(builtin|demo)\/[a-z_]+/);
    expect(target.querySelectorAll('[data-testid="task-example"]').length).toBe(5);
    // Every setting of the build is in the form, with its explanation.
    expect(target.querySelector('[data-testid="setting-steps"]')).not.toBeNull();
    expect(target.querySelector('[data-testid="setting-replayProbability"]')).not.toBeNull();
  });

  it('shows the toy trainer at #/toy, training live with its loss curve', async () => {
    history.replaceState(null, '', '#/toy');
    const target = mountApp();
    const badge = () => target.querySelector('.badge')?.textContent ?? '';
    const step = () => Number(target.querySelector('.stats dd')?.textContent ?? 0);
    await until(() => step() >= 3, 90_000);
    expect(badge()).toMatch(/wasm/i);
    expect(badge()).toMatch(/swiftshader/i);
    const points = target.querySelector('polyline.line')?.getAttribute('points') ?? '';
    expect(points.trim().split(/\s+/).length).toBeGreaterThanOrEqual(3);
    expect(target.querySelector('[role="alert"]')).toBeNull();
  });
});
