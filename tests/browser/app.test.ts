// The page in real Chromium: App mounts, the worker compiles the toy model's training bundle, training starts
// by itself, the backend badge says wasm and why (the only WebGPU adapter is SwiftShader's fallback), steps count up and the loss curve is drawn.
import { flushSync, mount, unmount } from 'svelte';
import { describe, expect, it } from 'vitest';
import App from '../../src/ui/App.svelte';

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > timeoutMs) throw new Error('timed out waiting for the page');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the page', () => {
  it('trains the toy model live and draws its loss curve', async () => {
    const target = document.createElement('div');
    document.body.append(target);
    const app = mount(App, { target });
    flushSync();
    const badge = () => target.querySelector('.badge')?.textContent ?? '';
    const step = () => Number(target.querySelector('.stats dd')?.textContent ?? 0);
    await until(() => step() >= 3, 90_000);
    expect(badge()).toMatch(/wasm/i); // 'auto' passes over the SwiftShader fallback adapter
    expect(badge()).toMatch(/swiftshader/i);
    expect(target.textContent).toContain('continue counting sequences');
    const points = target.querySelector('polyline.line')?.getAttribute('points') ?? '';
    expect(points.trim().split(/\s+/).length).toBeGreaterThanOrEqual(3);
    expect(target.querySelector('[role="alert"]')).toBeNull(); // no error shown
    unmount(app);
    target.remove();
  });
});
