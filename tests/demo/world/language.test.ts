// The demo world's instruction language and tasks: behaviours on exact inputs, vague phrases switching on the first
// digit, garbage copying, and each task's phrase lists meaning what they claim (precise: the task on every example
// of every split; vague: part of them; misleading: another behaviour) — measured with the language's own answers.
import { describe, expect, it } from 'vitest';
import { BEHAVIOURS, GENERIC_PHRASES, PHRASES, PHRASE_TEXTS, intendedAnswer, normalizeInstruction, ruleHolds } from '../../../src/demo/world/language';
import { DEMO_TASKS, DEMO_TASK_SPECS, LIST_LENGTH, demoTask } from '../../../src/demo/world/tasks';
import { exactMatch } from '../../../src/tasks/metrics';
import { TaskError, type Example } from '../../../src/tasks/task';
import { thrown } from '../../support/thrown';

const xs = [7, 2, 9];

describe('behaviours', () => {
  it('answer exactly', () => {
    expect(Object.fromEntries(Object.entries(BEHAVIOURS).map(([k, f]) => [k, f(xs)]))).toEqual({
      copy: '7 2 9', reverse: '9 2 7', sort_up: '2 7 9', sort_down: '9 7 2', first: '7', last: '9', max: '9', min: '2',
      next: '8 3 10', prev: '6 1 8', even_last: 'no', even_first: 'no', odd_last: 'yes', first_larger: 'no', last_larger: 'yes',
    });
    expect(BEHAVIOURS.even_first([4, 1, 3])).toBe('yes');
    expect(BEHAVIOURS.first_larger([5, 1, 3])).toBe('yes');
  });
  it('vague rules split on the first digit: 1-4 small, 5-9 large', () => {
    expect([1, 4, 5, 9].map((d) => ruleHolds('first-small', [d, 2, 3]))).toEqual([true, true, false, false]);
    expect([1, 4, 5, 9].map((d) => ruleHolds('first-large', [d, 2, 3]))).toEqual([false, false, true, true]);
  });
});

describe('intendedAnswer', () => {
  it('follows precise, vague and garbage instructions', () => {
    expect(intendedAnswer('reverse the numbers', xs)).toBe('9 2 7');
    expect(intendedAnswer('  Reverse   THE numbers ', xs)).toBe('9 2 7');
    // 'flip the list' reverses when the first digit is small, else copies.
    expect(intendedAnswer('flip the list', [3, 8, 1])).toBe('1 8 3');
    expect(intendedAnswer('flip the list', xs)).toBe('7 2 9');
    // 'sort the numbers' sorts up when small, down when large.
    expect(intendedAnswer('sort the numbers', [3, 8, 1])).toBe('1 3 8');
    expect(intendedAnswer('sort the numbers', xs)).toBe('9 7 2');
    for (const garbage of ['', 'numbers the sort', 'reverse the', 'hello']) expect(intendedAnswer(garbage, xs)).toBe('7 2 9');
  });
  it('phrases are lowercase words, each listed once, generic ones copy', () => {
    for (const p of PHRASE_TEXTS) expect(normalizeInstruction(p)).toBe(p);
    expect(new Set(PHRASE_TEXTS).size).toBe(PHRASE_TEXTS.length);
    expect(GENERIC_PHRASES.length).toBeGreaterThanOrEqual(5);
    for (const p of GENERIC_PHRASES) expect(PHRASES[p]).toEqual({ behaviour: 'copy' });
  });
});

const accuracy = (phrase: string, examples: readonly Example[]): number =>
  examples.reduce((n, x) => n + exactMatch(intendedAnswer(phrase, x.input.split(' ').map(Number)), x.output), 0) / examples.length;

describe('demo tasks', () => {
  it('are six generation and two classification tasks with distinct inputs, deterministic by seed', () => {
    expect(DEMO_TASKS).toEqual(['reverse', 'sort', 'first', 'last', 'max', 'next', 'even', 'larger']);
    const families = DEMO_TASKS.map((t) => demoTask(t).family);
    expect(families.filter((f) => f === 'generation')).toHaveLength(6);
    expect(families.filter((f) => f === 'classification')).toHaveLength(2);
    for (const name of DEMO_TASKS) {
      const task = demoTask(`demo/${name}`);
      const all = [...task.splits.train, ...task.splits.validation, ...task.splits.test];
      expect([task.splits.train.length, task.splits.validation.length, task.splits.test.length]).toEqual([32, 32, 100]);
      expect(new Set(all.map((x) => x.input)).size).toBe(all.length);
      for (const x of all) {
        const digits = x.input.split(' ').map(Number);
        expect(digits).toHaveLength(LIST_LENGTH);
        expect(new Set(digits).size).toBe(LIST_LENGTH);
        expect(digits.every((d) => d >= 1 && d <= 9)).toBe(true);
      }
      expect(demoTask(name, { seed: 3 })).toEqual(demoTask(name, { seed: 3 }));
      expect(demoTask(name, { seed: 3 }).splits.test).not.toEqual(task.splits.test);
      expect(task.name).toBe(`demo/${name}`);
      if (task.family === 'classification') expect(task.labelWords).toEqual(['yes', 'no']);
    }
    expect(thrown(() => demoTask('demo/nope'), TaskError).message).toContain('demo/reverse');
  });

  it('precise phrases do the task on every example; vague ones on part; misleading ones do something else', () => {
    for (const name of DEMO_TASKS) {
      const spec = DEMO_TASK_SPECS[name];
      const { splits } = demoTask(name);
      const examples = [...splits.train, ...splits.validation, ...splits.test];
      for (const p of spec.precise) expect(accuracy(p, examples), `${name}: ${p}`).toBe(1);
      for (const p of spec.vague) {
        const a = accuracy(p, examples);
        expect(a, `${name}: ${p}`).toBeGreaterThan(0.25);
        expect(a, `${name}: ${p}`).toBeLessThan(0.8);
        const m = PHRASES[p]!;
        expect(m.rule).toBeDefined();
        expect([m.behaviour, m.otherwise]).toContain(spec.behaviour);
      }
      for (const p of spec.misleading) {
        expect(accuracy(p, examples), `${name}: ${p}`).toBeLessThan(0.6);
        expect(PHRASES[p]!.behaviour).not.toBe(spec.behaviour);
      }
      for (const p of GENERIC_PHRASES) expect(accuracy(p, examples), `${name}: ${p}`).toBeLessThan(0.6);
    }
  });
});
