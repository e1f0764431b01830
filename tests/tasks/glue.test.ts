// GLUE 16-shot tasks from ../shared/data: split sizes for every seed, 16 per label, verbalizers, text formats,
// the MNLI/SNLI eval pools, and malformed files rejected at the right line.
import { describe, expect, it } from 'vitest';
import { glueLabelWords, glueTask, nliEvalPool, parseGlueTsv, type GlueTaskName } from '../../src/tasks/glue';
import { ImportError } from '../../src/tasks/import/types';
import { LM_BFF_SEEDS, glueTaskPaths, loadSharedTask } from '../../src/tasks/registry';
import { TaskError, type Example } from '../../src/tasks/task';
import { readSharedData } from './shared-tasks';
import { thrown } from '../support/thrown';

/** Test-split sizes from glue-16-shot/README.txt (GLUE dev) and glue-nli-eval-pools/README.txt (1000, minus overlap). */
const EXPECTED: Record<GlueTaskName, { perSplit: number; test: number }> = {
  sst2: { perSplit: 32, test: 872 },
  mrpc: { perSplit: 32, test: 408 },
  rte: { perSplit: 32, test: 277 },
  qnli: { perSplit: 32, test: 5463 },
  mnli: { perSplit: 48, test: 1000 },
  snli: { perSplit: 48, test: 1000 },
};

function countByOutput(examples: readonly Example[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of examples) counts[e.output] = (counts[e.output] ?? 0) + 1;
  return counts;
}

describe('GLUE 16-shot splits', () => {
  for (const name of Object.keys(EXPECTED) as GlueTaskName[]) {
    it.each(LM_BFF_SEEDS)(`${name} seed %i: sizes, 16 per label in train and validation`, (seed) => {
      const task = loadSharedTask(name, readSharedData, { glueSeed: seed });
      const { perSplit, test } = EXPECTED[name];
      expect(task.splits.train).toHaveLength(perSplit);
      expect(task.splits.validation).toHaveLength(perSplit);
      // MNLI seed 87's train file holds 2 pairs that are also in the pool (glue-nli-eval-pools/README.txt); they leave the test split.
      expect(task.splits.test).toHaveLength(name === 'mnli' && seed === 87 ? 998 : test);
      const balanced = Object.fromEntries(glueLabelWords(name).map((w) => [w, 16]));
      expect(countByOutput(task.splits.train)).toEqual(balanced);
      expect(countByOutput(task.splits.validation)).toEqual(balanced);
      expect(task.family).toBe('classification');
      expect(task.metric).toBe('accuracy');
      expect(task.template).toBe('{prompt} Input : {text} Output:');
      // validation (what selection reads) and train share no pair with test
      const inTest = new Set(task.splits.test.map((e) => JSON.stringify(e.fields)));
      expect([...task.splits.train, ...task.splits.validation].filter((e) => inTest.has(JSON.stringify(e.fields)))).toEqual([]);
    });
  }

  it('uses the GFlowPO verbalizers in label order', () => {
    expect(Object.fromEntries((Object.keys(EXPECTED) as GlueTaskName[]).map((n) => [n, glueLabelWords(n)]))).toEqual({
      sst2: ['no', 'yes'],
      mrpc: ['No', 'Yes'],
      rte: ['yes', 'no'],
      qnli: ['yes', 'no'],
      mnli: ['Yes', 'Maybe', 'No'],
      snli: ['Yes', 'Maybe', 'No'],
    });
  });

  it('reads the first rows as the files have them', () => {
    const sst2 = loadSharedTask('sst2', readSharedData);
    expect(sst2.splits.train[0]).toEqual({ input: 'nothing happens , and it happens to flat characters .', output: 'no', fields: { sentence: 'nothing happens , and it happens to flat characters .' } });
    const rte = loadSharedTask('rte', readSharedData);
    expect(rte.splits.train[0]!.input).toBe(
      "premise : Reagan was seriously wounded by a bullet fired by John Hinckley Jr. in an attempted assassination, but made a remarkably speedy recovery.\nhypothesis : Reagan survived an attempted assassin's bullets.",
    );
    expect(rte.splits.train[0]!.output).toBe('yes');
  });

  it('keeps quotes literal and skips the MRPC byte-order mark', () => {
    const mrpc = loadSharedTask('mrpc', readSharedData);
    const row = mrpc.splits.test[76]!; // test.tsv line 78
    expect(row.fields).toEqual({ sentence1: 'McCabe said he was considered a witness , not a suspect .', sentence2: '" He is not considered a suspect , " McCabe said .' });
    expect(row.output).toBe('No');
  });

  it('takes the SNLI gold label from the last column when a row carries five annotator labels', () => {
    const snli = loadSharedTask('snli', readSharedData);
    const row = snli.splits.validation[2]!; // dev.tsv line 4: label1 neutral, gold_label entailment
    expect(row.fields?.['hypothesis']).toBe('A graffiti artist is using chalk to draw a portrait of two women.');
    expect(row.output).toBe('Yes');
  });

  it('reads the NLI eval pools: 1000 each with the README label counts', () => {
    for (const [name, counts] of [
      ['mnli', { Yes: 347, Maybe: 333, No: 320 }],
      ['snli', { Yes: 346, Maybe: 328, No: 326 }],
    ] as const) {
      const path = glueTaskPaths(name, 13).test;
      const pool = nliEvalPool(readSharedData(path), path, name);
      expect(pool).toHaveLength(1000);
      expect(countByOutput(pool)).toEqual(counts);
    }
    const snliPool = nliEvalPool(readSharedData('glue-nli-eval-pools/SNLI/pool.json'), 'pool.json', 'snli');
    expect(snliPool[999]).toEqual({
      input: "premise : A Dodgers player just beat the third-baseman's tag, in a very close play.\nhypothesis : A dodgers player gets tagged out.",
      output: 'No',
      fields: { premise: "A Dodgers player just beat the third-baseman's tag, in a very close play.", hypothesis: 'A dodgers player gets tagged out.' },
    });
  });
});

describe('malformed GLUE files', () => {
  const header = 'index\tsentence1\tsentence2\tlabel\n';
  const good = `${header}1\tA.\tB.\tentailment\n2\tC.\tD.\tnot_entailment\n`;

  /** A malformed file is the TSV/JSON parser's ImportError, a file of the wrong content a TaskError; both say where. */
  const errorOf = (fn: () => unknown): TaskError | ImportError => thrown<TaskError | ImportError>(fn, TaskError, ImportError);

  it('rejects a row with the wrong number of columns, naming the line', () => {
    const e = errorOf(() => parseGlueTsv('rte', `${header}1\tA.\tB.\tentailment\n2\tC.\tnot_entailment\n`, 'RTE/train.tsv'));
    expect(e).toBeInstanceOf(ImportError);
    expect([e.file, e.line]).toEqual(['RTE/train.tsv', 3]);
    expect(e.message).toMatch(/^RTE\/train\.tsv: the row starting at line 3 has 3 fields where the header has 4/);
    const long = errorOf(() => parseGlueTsv('sst2', 'sentence\tlabel\na\ttab .\t1\n', 'SST-2/dev.tsv'));
    expect([long.file, long.line]).toEqual(['SST-2/dev.tsv', 2]);
    expect(long.message).toContain('has 3 fields where the header has 2');
  });

  it('rejects a label outside the verbalizer set', () => {
    const e = errorOf(() => parseGlueTsv('rte', `${header}1\tA.\tB.\tneutral\n`, 'RTE/dev.tsv'));
    expect(e.message).toBe('RTE/dev.tsv:2: label "neutral" is not one of entailment, not_entailment');
    expect(() => parseGlueTsv('sst2', 'sentence\tlabel\ngood .\t2\n', 's.tsv')).toThrow('s.tsv:2: label "2"');
  });

  it('rejects a file whose header lacks a needed column, or whose NLI gold_label is not the last column', () => {
    expect(() => parseGlueTsv('qnli', good, 'QNLI/train.tsv')).toThrow(/QNLI\/train\.tsv:1: the header has no "question" column/);
    const swapped = errorOf(() => parseGlueTsv('snli', 'sentence1\tsentence2\tgold_label\tlabel1\nA\tB\tneutral\tneutral\n', 'SNLI/dev.tsv'));
    expect(swapped).toBeInstanceOf(TaskError);
    expect(swapped.message).toMatch(/^SNLI\/dev\.tsv:1: "gold_label" must be the last column/);
  });

  it('rejects an NLI row with too few columns and a pool entry without a label', () => {
    const nliHeader = 'index\tsentence1\tsentence2\tlabel1\tgold_label\n';
    const short = errorOf(() => parseGlueTsv('mnli', `${nliHeader}1\tA\tB\tneutral\n`, 'm.tsv'));
    expect(short).toBeInstanceOf(ImportError);
    expect([short.file, short.line]).toEqual(['m.tsv', 2]);
    expect(short.message).toMatch(/^m\.tsv: the row starting at line 2 has 4 fields where the header has 5/);
    const long = parseGlueTsv('mnli', `${nliHeader}1\tA\tB\tneutral\tneutral\tneutral\tcontradiction\n`, 'm.tsv');
    expect(long.map((e) => e.output)).toEqual(['No']);
    expect(() => nliEvalPool('{\n "0": {"text_a": "a", "text_b": "b", "label": "entailment"},\n "1": {"text_a": "a", "text_b": "b"}\n}', 'pool.json')).toThrow('pool.json:3: entry "1" needs');
    expect(() => nliEvalPool('{"0": {"text_a": "a", "text_b": "b", "label": "maybe"}}', 'pool.json')).toThrow(/pool\.json:1: entry "0": label "maybe"/);
  });

  it('builds a task from texts alone; a test pair also in train or validation leaves test', () => {
    const test = `${header}1\tA.\tB.\tentailment\n2\tE.\tF.\tnot_entailment\n3\tG.\tH.\tentailment\n`;
    const task = glueTask('rte', { train: good, dev: good, test });
    expect(task.splits.test.map((e) => [e.fields!['premise'], e.output])).toEqual([['E.', 'no'], ['G.', 'yes']]);
    expect(task.notes).toEqual(['train = LM-BFF 16-shot train (16 per label), validation = its dev file (16 per label), test = GLUE dev split minus 1 pair also in train/validation']);
    expect(() => glueTask('rte', { train: good, dev: good, test: good })).toThrow('task rte: the test split is empty');
  });
});
