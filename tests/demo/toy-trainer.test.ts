// The demo engine trains the one-block transformer on the counting task (wasm in Node) and its loss falls.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/random/mulberry32';
import { countingBatch, countingLossFloor } from '../../src/demo/counting-task';
import { NotInitialisedError, TOY_TASK, ToyTrainer } from '../../src/demo/toy-trainer';
import { loadOrtNode } from '../../src/runtime/ort-node';

describe('counting task', () => {
  it('rows count up by a constant step modulo V and targets are the next tokens', () => {
    const task = { vocab: 7, sequence: 5, batch: 50 };
    const { ids, targets } = countingBatch(task, mulberry32(3));
    const strides = new Set<number>();
    for (let b = 0; b < task.batch; b++) {
      const row = Array.from(ids.subarray(b * 5, b * 5 + 5), Number);
      const next = Array.from(targets.subarray(b * 5, b * 5 + 5), Number);
      const stride = (row[1]! - row[0]! + 7) % 7;
      strides.add(stride);
      row.forEach((t, i) => {
        expect(next[i]).toBe((t + stride) % 7);
        if (i > 0) expect(t).toBe((row[i - 1]! + stride) % 7);
      });
    }
    expect([...strides].sort()).toEqual([1, 2, 3]);
    expect(countingLossFloor(task)).toBeCloseTo(Math.log(3) / 5, 12);
  });
});

describe('ToyTrainer', () => {
  it('refuses to step before init', async () => {
    await expect(new ToyTrainer(loadOrtNode).step()).rejects.toThrow(NotInitialisedError);
  });

  it('trains on wasm: the loss falls well below its start, towards the floor', async () => {
    const trainer = new ToyTrainer(loadOrtNode);
    const info = await trainer.init({ backend: 'wasm', seed: 5 });
    expect(info.backend).toBe('wasm');
    const d = await trainer.describe();
    expect(d.parameters).toBe(16 * 32 + 32 * 3 + 32 * 32 * 4 + 32 * 64 * 3 + 32 * 16);
    expect(d.sequence).toBe(TOY_TASK.sequence);
    const losses: number[] = [];
    for (let i = 0; i < 150; i++) {
      const s = await trainer.step();
      expect(s.finite).toBe(true);
      expect(s.step).toBe(i + 1);
      losses.push(s.loss);
    }
    const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(losses[0]!).toBeGreaterThan(Math.log(TOY_TASK.vocab) * 0.8); // about ln V at initialisation
    expect(last).toBeLessThan(first * 0.5);
    expect(last).toBeGreaterThan(countingLossFloor(TOY_TASK) * 0.9);
  }, 60_000);
});
