// Download progress: exact speed and time left from the clock, one row per file per model in load order, cache hits.
import { describe, expect, it } from 'vitest';
import { DownloadTracker, formatBytes, formatDuration } from '../../../src/ui/run/download-tracker';

describe('DownloadTracker', () => {
  it('computes bytes per second since the first callback and the seconds left', () => {
    const t = new DownloadTracker(['prompt-LM', 'target-LM']);
    t.update({ file: 'model.safetensors', loaded: 0, total: 4000, fromCache: false }, 1000);
    const [row] = t.update({ file: 'model.safetensors', loaded: 1000, total: 4000, fromCache: false }, 1500);
    expect(row).toEqual({ model: 'prompt-LM', file: 'model.safetensors', loaded: 1000, total: 4000, fromCache: false, speed: 2000, secondsLeft: 1.5, done: false });
    const [done] = t.update({ file: 'model.safetensors', loaded: 4000, total: 4000, fromCache: false }, 3000);
    expect(done).toMatchObject({ done: true, secondsLeft: 0 });
  });

  it('gives the second download of a file name to the second model, and marks cache hits done', () => {
    const t = new DownloadTracker(['prompt-LM', 'target-LM']);
    t.update({ file: 'config.json', loaded: 10, total: 10, fromCache: false }, 0);
    t.update({ file: 'config.json', loaded: 12, total: 12, fromCache: true }, 5);
    expect(t.list().map((r) => [r.model, r.file, r.done, r.fromCache])).toEqual([
      ['prompt-LM', 'config.json', true, false],
      ['target-LM', 'config.json', true, true],
    ]);
  });

  it('starts a new row when bytes go down for a file without a known size', () => {
    const t = new DownloadTracker(['a', 'b']);
    t.update({ file: 'x', loaded: 50, total: null, fromCache: false }, 0);
    t.update({ file: 'x', loaded: 5, total: null, fromCache: false }, 10);
    expect(t.list().map((r) => [r.model, r.loaded, r.done])).toEqual([
      ['a', 50, true],
      ['b', 5, false],
    ]);
    expect(t.finish().every((r) => r.done)).toBe(true);
  });
});

describe('formatting', () => {
  it('writes bytes and durations', () => {
    expect([formatBytes(999), formatBytes(1536), formatBytes(540_000_000), formatBytes(2.2e9)]).toEqual(['999 B', '1.5 kB', '540 MB', '2.2 GB']);
    expect([formatDuration(3), formatDuration(75), formatDuration(120), formatDuration(5400), formatDuration(Number.NaN)]).toEqual(['3 s', '1 min 15 s', '2 min', '1 h 30 min', '—']);
  });
});
