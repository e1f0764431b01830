// evaluatePrompt and labelContinuation against a table codec and a recording backend, so every token id is chosen
// by hand: a label word's tokens are the tail of the text-with-word encoding when that encoding starts with the
// text's own ids, and the word's own encoding (no special tokens) when the tokenizer merged across the boundary;
// generations are decoded without special tokens and trimmed; the argmax over three label words is per example.
// (Mutation testing found these unasserted: docs/mutation.md.)
import { describe, expect, it } from 'vitest';
import { type TargetBackend, type TextCodec, evaluatePrompt, labelContinuation } from '../../src/tasks/evaluate';
import { type Task, finishTask, renderInput } from '../../src/tasks/task';

const BOS = 0;

/**
 * Encodes only the strings of its table; special tokens (BOS) unless addSpecialTokens is false, as transformers.js
 * does when the option is left out.
 */
class TableCodec implements TextCodec {
  constructor(private readonly table: Map<string, number[]>, private readonly words: Map<number, string> = new Map()) {}
  encode(text: string, options: { addSpecialTokens: boolean }): number[] {
    const ids = this.table.get(text);
    if (!ids) throw new Error(`no table entry for ${JSON.stringify(text)}`);
    return (options.addSpecialTokens === false ? [] : [BOS]).concat(ids);
  }
  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    return ids.filter((id) => !(options.skipSpecialTokens && id === BOS)).map((id) => this.words.get(id) ?? `<${id}>`).join('');
  }
}

/** Records what it is asked and answers from fixed values. */
class RecordingBackend implements TargetBackend {
  continuations: number[][] = [];
  constructor(private readonly logProbs: number[] = [], private readonly outputs: number[][] = []) {}
  async score(_prefixes: readonly (readonly number[])[], continuations: readonly (readonly number[])[]): Promise<number[]> {
    this.continuations = continuations.map((c) => [...c]);
    return this.logProbs.slice(0, continuations.length);
  }
  async greedy(): Promise<number[][]> {
    return this.outputs;
  }
}

const classification = (labelWords: string[], inputs: string[]): Task =>
  finishTask({
    name: 'table-task', family: 'classification', template: '{prompt} Input : {text} Output:', labelWords, metric: 'accuracy', description: 'test',
    splits: { train: inputs.map((input) => ({ input, output: labelWords[0]! })), validation: [{ input: 'v', output: labelWords[0]! }], test: [{ input: 't', output: labelWords[0]! }] },
  });

describe('label continuations', () => {
  const task = classification(['yes', 'no'], ['a', 'b']);
  const [ta, tb] = task.splits.train.map((x) => renderInput(task, 'P', x)) as [string, string];
  const codec = new TableCodec(new Map([
    [ta, [5, 6]], [`${ta} yes`, [5, 6, 8]], [`${ta} no`, [5, 6, 9]], // tail after the text's own ids
    [tb, [5, 7]], [`${tb} yes`, [5, 17, 8]], [`${tb} no`, [5, 17, 9]], // the last text token merged with the space
    [' yes', [99, 8]], [' no', [99, 9]],
  ]));

  it('are the tail after the text when the text-with-word encoding starts with the text, else the word alone', () => {
    expect(labelContinuation(codec, [BOS, 5, 6], ta, 'yes')).toEqual([8]);
    // Only the first ids agree (5): not a prefix, so the word's own encoding, without special tokens.
    expect(labelContinuation(codec, [BOS, 5, 7], tb, 'yes')).toEqual([99, 8]);
  });

  it('reach the backend per example and label word', async () => {
    const backend = new RecordingBackend([-1, -2, -3, -0.5]);
    const e = await evaluatePrompt(task, 'P', 'train', backend, codec);
    expect(backend.continuations).toEqual([[8], [9], [99, 8], [99, 9]]);
    expect([e.predictions, e.score, e.labelLogProbs]).toEqual([['yes', 'no'], 0.5, [[-1, -2], [-3, -0.5]]]);
  });
});

describe('predictions', () => {
  it('take each example\'s own argmax over three label words', async () => {
    const task = classification(['x', 'y', 'z'], ['a', 'b']);
    const table = new Map<string, number[]>();
    task.splits.train.forEach((ex, i) => {
      const text = renderInput(task, 'P', ex);
      table.set(text, [10 + i]);
      for (const [k, w] of ['x', 'y', 'z'].entries()) table.set(`${text} ${w}`, [10 + i, 20 + k]);
    });
    // Example 0: z (0 > -5); example 1: z (-1 > -2 > -3), where comparing against another example's value would not.
    const backend = new RecordingBackend([-5, -5, 0, -3, -2, -1]);
    const e = await evaluatePrompt(task, 'P', 'train', backend, new TableCodec(table));
    expect(e.predictions).toEqual(['z', 'z']);
  });

  it('of a generation are decoded without special tokens and trimmed', async () => {
    const task = finishTask({
      name: 'table-gen', family: 'generation', template: '{prompt}\nInput : {input}\nOutput :', metric: 'exact_match', description: 'test',
      splits: { train: [{ input: 'a', output: 'dog' }], validation: [{ input: 'v', output: 'dog' }], test: [{ input: 't', output: 'dog' }] },
    });
    const text = renderInput(task, 'P', task.splits.train[0]!);
    const codec = new TableCodec(new Map([[text, [3]]]), new Map([[1, ' '], [2, 'dog']]));
    const e = await evaluatePrompt(task, 'P', 'train', new RecordingBackend([], [[1, 2, 1, BOS]]), codec);
    expect([e.predictions, e.score]).toEqual([['dog'], 1]);
  });
});
