// The device queue runs work strictly one at a time in call order, and a failure does not block later work.
import { describe, expect, it } from 'vitest';
import { deviceIdle, onDevice } from '../../src/runtime/device-queue';

describe('onDevice', () => {
  it('serialises overlapping calls in order and isolates failures', async () => {
    const log: string[] = [];
    let running = 0;
    const job = (name: string, ms: number, fail = false) =>
      onDevice(async () => {
        running++;
        expect(running).toBe(1);
        log.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`end ${name}`);
        running--;
        if (fail) throw new Error(`${name} failed`);
        return name;
      });
    const results = Promise.allSettled([job('a', 20), job('b', 1, true), job('c', 5)]);
    await deviceIdle();
    const [a, b, c] = await results;
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(a).toEqual({ status: 'fulfilled', value: 'a' });
    expect(b.status).toBe('rejected');
    expect(c).toEqual({ status: 'fulfilled', value: 'c' });
  });
});
