// DMU: the condition buffer is a frozen copy; references are 1 from the queue + 2 from the condition buffer, shuffled.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/random/mulberry32';
import { chooseReferences, freezeConditionBuffer } from '../../src/gflow/dmu';
import { ReplayBuffer } from '../../src/gflow/replay-buffer';

const queue = ['q0', 'q1', 'q2', 'q3', 'q4'];
const condition = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'];
const counts = { fromQueue: 1, fromCondition: 2 };

describe('freezeConditionBuffer', () => {
  it('copies the prompts; later buffer changes do not reach the copy', () => {
    const b = new ReplayBuffer(2);
    b.add({ text: 'a', trainAccuracy: 0.1, step: 1 });
    b.add({ text: 'b', trainAccuracy: 0.2, step: 1 });
    const frozen = freezeConditionBuffer(b);
    b.add({ text: 'c', trainAccuracy: 0.9, step: 2 });
    expect(frozen.sort()).toEqual(['a', 'b']);
    expect(b.texts().sort()).toEqual(['b', 'c']);
  });
});

describe('chooseReferences', () => {
  it('takes 1 from the queue and 2 distinct from the condition buffer', () => {
    const rng = mulberry32(1);
    for (let t = 0; t < 200; t++) {
      const refs = chooseReferences(queue, condition, counts, rng);
      expect(refs).toHaveLength(3);
      expect(refs.filter((r) => r.startsWith('q'))).toHaveLength(1);
      const fromCondition = refs.filter((r) => r.startsWith('c'));
      expect(new Set(fromCondition).size).toBe(2);
    }
  });

  it('shuffles: the queue reference lands at every position, and every source item is chosen', () => {
    const rng = mulberry32(2);
    const positions = [0, 0, 0];
    const seen = new Set<string>();
    for (let t = 0; t < 3000; t++) {
      const refs = chooseReferences(queue, condition, counts, rng);
      positions[refs.findIndex((r) => r.startsWith('q'))]! += 1;
      refs.forEach((r) => seen.add(r));
    }
    for (const p of positions) expect(Math.abs(p - 1000)).toBeLessThan(120);
    expect(seen.size).toBe(queue.length + condition.length);
  });

  it('gives fewer when the sources hold fewer', () => {
    const rng = mulberry32(3);
    expect(chooseReferences([], condition, counts, rng)).toHaveLength(2);
    const oneCondition = chooseReferences(queue, ['c0'], counts, rng);
    expect(oneCondition).toHaveLength(2);
    expect(oneCondition).toContain('c0');
    expect(oneCondition.filter((r) => r.startsWith('q'))).toHaveLength(1);
    expect(chooseReferences([], [], counts, rng)).toEqual([]);
  });
});
