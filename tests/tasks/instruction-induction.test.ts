// Instruction Induction from ../shared/data: all 24 tasks, their induce/execute sizes, the split rule, the
// examples built for cause_and_effect and common_concept, alternatives, and malformed files.
import { describe, expect, it } from 'vitest';
import { ImportError } from '../../src/tasks/import/types';
import { INSTRUCTION_INDUCTION_TASKS, instructionInductionTask, parseInstructionInduction } from '../../src/tasks/instruction-induction';
import { scoreOutput } from '../../src/tasks/metrics';
import { loadSharedAnnotations, loadSharedTask } from '../../src/tasks/registry';
import { TaskError, renderInput, type Example } from '../../src/tasks/task';
import { readSharedData } from './shared-tasks';

/** Induce sizes counted in the raw files (README: 67,662 in total). */
const INDUCE: Record<string, number> = {
  active_to_passive: 900, antonyms: 2592, cause_and_effect: 26, common_concept: 17, diff: 4950, first_word_letter: 3306,
  informal_to_formal: 15, larger_animal: 3028, letters_list: 3306, negation: 904, num_to_verbal: 9900,
  orthography_starts_with: 3000, rhymes: 3000, second_word_letter: 3306, sentence_similarity: 3716, sentiment: 1167,
  singular_to_plural: 1943, sum: 4950, synonyms: 2222, taxonomy_animal: 3000, 'translation_en-de': 2808,
  'translation_en-es': 2711, 'translation_en-fr': 2811, word_in_context: 4084,
};
/** README: 100 per task except these (2,156 in total). */
const EXECUTE_EXCEPTIONS: Record<string, number> = { cause_and_effect: 25, common_concept: 16, informal_to_formal: 15 };
/** Small pools split into disjoint halves (train min(32, ceil(n/2)), validation the rest). */
const SMALL_SPLITS: Record<string, [number, number]> = { cause_and_effect: [13, 13], common_concept: [9, 8], informal_to_formal: [8, 7] };

const files = (task: string) => ({
  induce: readSharedData(`instruction-induction/raw/induce/${task}.json`),
  execute: readSharedData(`instruction-induction/raw/execute/${task}.json`),
});

const key = (e: Example) => JSON.stringify([e.input, e.output]);

describe('Instruction Induction tasks', () => {
  it('knows the 24 tasks, and the raw files hold 67,662 induce and 2,156 execute examples', () => {
    expect(INSTRUCTION_INDUCTION_TASKS).toHaveLength(24);
    expect(Object.keys(INDUCE).sort()).toEqual([...INSTRUCTION_INDUCTION_TASKS].sort());
    let induce = 0;
    let execute = 0;
    for (const task of INSTRUCTION_INDUCTION_TASKS) {
      const f = files(task);
      induce += parseInstructionInduction(task, f.induce, 'induce').length;
      execute += parseInstructionInduction(task, f.execute, 'execute').length;
    }
    expect([induce, execute]).toEqual([67662, 2156]);
  });

  it.each(INSTRUCTION_INDUCTION_TASKS)('%s: sizes, disjoint train/validation drawn from induce, test = execute', (name) => {
    const f = files(name);
    expect(parseInstructionInduction(name, f.induce, 'induce')).toHaveLength(INDUCE[name]!);
    const task = loadSharedTask(`ii/${name}`, readSharedData);
    const [trainSize, validationSize] = SMALL_SPLITS[name] ?? [32, 32];
    expect(task.splits.train).toHaveLength(trainSize);
    expect(task.splits.validation).toHaveLength(validationSize);
    expect(task.splits.test).toHaveLength(EXECUTE_EXCEPTIONS[name] ?? 100);
    expect(task.splits.test).toEqual(parseInstructionInduction(name, f.execute, 'execute'));
    const train = new Set(task.splits.train);
    expect(task.splits.validation.some((e) => train.has(e))).toBe(false);
    const induce = new Set(parseInstructionInduction(name, f.induce, 'induce').map(key));
    expect([...task.splits.train, ...task.splits.validation].every((e) => induce.has(key(e)))).toBe(true);
    expect(task.family).toBe('generation');
    expect(task.name).toBe(`ii/${name}`);
    // every gold output scores 1 against itself under the task's metric
    for (const e of task.splits.test) expect(scoreOutput(task.metric, e.output, e)).toBe(1);
  });
});

describe('Instruction Induction splits', () => {
  it('shuffles the induce set deterministically by seed; order "file" takes the first 32 and next 32', () => {
    const f = files('sum');
    const a = instructionInductionTask('sum', f);
    expect(instructionInductionTask('sum', f)).toEqual(a);
    expect(instructionInductionTask('sum', f, { shuffleSeed: 7 }).splits.train).not.toEqual(a.splits.train);
    const byFile = instructionInductionTask('sum', f, { order: 'file' });
    const pool = parseInstructionInduction('sum', f.induce, 'induce');
    expect(byFile.splits.train).toEqual(pool.slice(0, 32));
    expect(byFile.splits.validation).toEqual(pool.slice(32, 64));
    expect(byFile.splits.train[1]).toEqual({ input: '0 1', output: '1', fields: { x: '0', y: '1' } });
    // the file order is why we shuffle: its first 32 sums all start with 0
    expect(byFile.splits.train.every((e) => e.input.startsWith('0 '))).toBe(true);
    expect(a.splits.train.filter((e) => e.input.startsWith('0 ')).length).toBeLessThan(5);
  });

  it('smallPool "share" reproduces the GFlowPO code: train = validation = the whole small pool', () => {
    const task = instructionInductionTask('informal_to_formal', files('informal_to_formal'), { smallPool: 'share' });
    expect(task.splits.train).toHaveLength(15);
    expect(task.splits.validation).toBe(task.splits.train);
  });
});

describe('Instruction Induction examples', () => {
  it('cause_and_effect: the two sentences in alternating order, the cause as output', () => {
    const test = loadSharedTask('ii/cause_and_effect', readSharedData).splits.test;
    expect(test[1]).toEqual({
      input: 'Sentence 1: I washed the car. Sentence 2: My car got dirty.',
      output: 'My car got dirty.',
      fields: { cause: 'My car got dirty.', effect: 'I washed the car.' },
    });
    const causeFirst = test.filter((e) => e.input.startsWith(`Sentence 1: ${e.output}`)).length;
    expect(causeFirst).toBe(13); // positions 0, 2, ..., 24
  });

  it('common_concept, first-answer (default): the items but the last as input, the first listed concept as gold, no alternatives', () => {
    const task = loadSharedTask('ii/common_concept', readSharedData);
    expect(task.answerMode).toBe('first-answer');
    const [first, second] = task.splits.test;
    // execute "1": items [rock climbing, elevators, helicopters], concept 'involve vertical movement.'
    expect(first).toEqual({
      input: 'rock climbing, elevators',
      output: 'involve vertical movement.',
      fields: { concept: 'involve vertical movement.', items: 'rock climbing, elevators, helicopters' },
    });
    // execute "2" has the same items and concept 'involve going up.': gold is still the first listed concept
    expect(second!.output).toBe('involve vertical movement.');
    expect(scoreOutput('f1', 'involve going up', second!)).toBeCloseTo(1 / 3, 12); // 'involve' only: P 1/3, R 1/3
    expect(task.metric).toBe('f1');
  });

  it('common_concept, lenient: all items as input, the concept as output, other phrasings as alternatives', () => {
    const task = loadSharedTask('ii/common_concept', readSharedData, { instructionInduction: { answers: 'lenient' } });
    const first = task.splits.test[0]!;
    expect(first).toEqual({
      input: 'rock climbing, elevators, helicopters',
      output: 'involve vertical movement.',
      fields: { concept: 'involve vertical movement.', items: 'rock climbing, elevators, helicopters' },
      alternatives: ['involve going up.'],
    });
    expect(scoreOutput('f1', 'They involve going up', first)).toBeCloseTo(6 / 7, 12); // vs "involve going up": P 3/4, R 3/3 -> 2PR/(P+R) = 6/7
  });

  it('rhymes: first-answer counts only other_rhymes[0]; lenient counts every listed rhyme but the input word', () => {
    // execute "1": input compete, output neat, other_rhymes [eat, sweet, street, ..., compete, ..., neat]
    const first = loadSharedTask('ii/rhymes', readSharedData).splits.test[0]!;
    expect(first).toMatchObject({ input: 'compete', output: 'eat' });
    expect(first.alternatives).toBeUndefined();
    const counts = (e: Example, answer: string) => scoreOutput('exact_match', answer, e);
    expect(['eat', 'neat', 'Sweet', 'compete'].map((a) => counts(first, a))).toEqual([1, 0, 0, 0]);
    const lenient = loadSharedTask('ii/rhymes', readSharedData, { instructionInduction: { answers: 'lenient' } }).splits.test[0]!;
    expect(lenient.output).toBe('neat');
    expect(lenient.alternatives).toHaveLength(13); // 15 listed, minus "compete" (the input) and "neat" (the output)
    expect(['eat', 'neat', 'Sweet', 'compete'].map((a) => counts(lenient, a))).toEqual([1, 1, 1, 0]);
    // the authors' gold is the input word itself for 17 of the 100 execute examples
    const test = loadSharedTask('ii/rhymes', readSharedData).splits.test;
    expect(test.filter((e) => e.output === e.input)).toHaveLength(17);
  });

  it('translations and word_in_context: first-answer scores one answer, lenient every listed one', () => {
    // execute "1" of en-de: input place, output Platz, possible_translations [Position, plazieren, ..., Ort, ..., Platz, ...]
    const de = loadSharedTask('ii/translation_en-de', readSharedData).splits.test[0]!;
    expect(de).toMatchObject({ input: 'place', output: 'Position' });
    expect(['Position', 'Platz', 'Ort'].map((a) => scoreOutput('exact_match', a, de))).toEqual([1, 0, 0]);
    const deLenient = loadSharedTask('ii/translation_en-de', readSharedData, { instructionInduction: { answers: 'lenient' } }).splits.test[0]!;
    expect(['Position', 'Platz', 'Ort'].map((a) => scoreOutput('exact_match', a, deLenient))).toEqual([1, 1, 1]);
    const wic = loadSharedTask('ii/word_in_context', readSharedData).splits.test[0]!;
    expect([wic.output, wic.alternatives]).toEqual(['not the same', undefined]);
    expect(scoreOutput('exact_match', 'no', wic)).toBe(0);
    const wicLenient = loadSharedTask('ii/word_in_context', readSharedData, { instructionInduction: { answers: 'lenient' } }).splits.test[0]!;
    expect(wicLenient.alternatives).toEqual(['no', 'false']);
    expect(scoreOutput('exact_match', 'no', wicLenient)).toBe(1);
  });

  it('says the answer mode on the task, in its notes and in its id', () => {
    const first = loadSharedTask('ii/rhymes', readSharedData);
    const lenient = loadSharedTask('ii/rhymes', readSharedData, { instructionInduction: { answers: 'lenient' } });
    expect(first.id).toMatch(/^ii\/rhymes\[source=instruction-induction,order=shuffled,shuffle-seed=42,small-pool=split,answers=first-answer\]#[0-9a-f]{14}$/);
    expect(lenient.id).toMatch(/answers=lenient\]#/);
    expect(first.notes).toContain("answers: first listed answer only (the authors' scoring)");
    expect(lenient.notes).toContain('answers: any listed answer counts (lenient)');
  });

  it('leaves out induce examples whose input is also in the execute set (one sentence_similarity pair)', () => {
    const task = loadSharedTask('ii/sentence_similarity', readSharedData);
    const test = new Set(task.splits.test.map((e) => e.input));
    const pool = parseInstructionInduction('sentence_similarity', readSharedData('instruction-induction/raw/induce/sentence_similarity.json'), 'induce');
    expect(pool.filter((e) => test.has(e.input))).toHaveLength(1);
    expect([...task.splits.train, ...task.splits.validation].some((e) => test.has(e.input))).toBe(false);
    expect(task.notes).toContain('1 induce example whose input is also in the execute set left out');
  });

  it('renders the generation template', () => {
    const task = loadSharedTask('ii/sum', readSharedData);
    expect(renderInput(task, 'Add the two numbers.', { input: '3 4', output: '7' })).toBe('Add the two numbers.\nInput : 3 4\nOutput :');
  });

  it('loads the gold instructions', () => {
    expect(loadSharedAnnotations('ii/sum', readSharedData)[0]).toBe('sum the numbers in the input');
  });
});

describe('malformed Instruction Induction files', () => {
  /** Invalid JSON is the parser's ImportError, a valid file of the wrong shape a TaskError; both carry the line. */
  const lineOf = (fn: () => unknown): number | undefined => {
    try {
      fn();
    } catch (e) {
      if (e instanceof TaskError || e instanceof ImportError) return e.line;
      throw e;
    }
    return undefined;
  };

  it('rejects JSON without "examples"', () => {
    expect(() => parseInstructionInduction('sum', '{"metadata": {"num_examples": 0}}', 'sum.json')).toThrow('sum.json:1: no "examples" object');
    expect(() => parseInstructionInduction('sum', '{\n"examples": [1, 2]\n}', 'sum.json')).toThrow('sum.json:2: no "examples" object');
  });

  it('names the line of a bad example', () => {
    const text = '{\n  "examples": {\n    "1": {"input": "1 2", "output": "3"},\n    "2": {"input": "2 2"}\n  }\n}';
    expect(() => parseInstructionInduction('sum', text, 'sum.json')).toThrow('sum.json:4: example "2": each example needs string "input" and "output"');
    const cause = '{"examples": {\n"1": {"cause": "a", "result": "b"}}}';
    expect(lineOf(() => parseInstructionInduction('cause_and_effect', cause, 'c.json'))).toBe(2);
    const rhyme = '{"examples": {"1":\n {"input": "a", "output": "b"}}}';
    expect(() => parseInstructionInduction('rhymes', rhyme, 'r.json')).toThrow('r.json:2: example "1": rhymes needs a string list "other_rhymes"');
  });

  it('rejects a count that disagrees with metadata, a non-numeric key and broken JSON', () => {
    const text = '{"metadata": {\n"num_examples": 3}, "examples": {"1": {"input": "a", "output": "b"}}}';
    expect(() => parseInstructionInduction('x', text, 'x.json')).toThrow('x.json:2: metadata.num_examples is 3 but there are 1 examples');
    expect(() => parseInstructionInduction('x', '{"examples": {\n"a": {}}}', 'x.json')).toThrow('x.json:2: example key "a"');
    const broken = () => parseInstructionInduction('x', '{"examples": {\n"1": {"input": "a",\n}}}', 'x.json');
    expect(lineOf(broken)).toBe(3);
    expect(broken).toThrow(ImportError);
    expect(broken).toThrow(/^x\.json: invalid JSON at line 3 column 1: /);
  });
});
