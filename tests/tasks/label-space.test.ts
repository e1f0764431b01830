// Label words scored with or without the leading space, on real tokenizer fixtures: the continuation ids are the
// vocabulary entries read straight from tokenizer.json ('▁yes' vs 'yes' for Llama's SentencePiece BPE, 'Ġno' vs
// 'n','o' for GPT-2's byte-level BPE), and evaluatePrompt passes the task's labelSpace to the scorer.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PromptTokenizer } from '../../src/runtime/tokenizer';
import { evaluatePrompt, labelContinuation, type TargetBackend } from '../../src/tasks/evaluate';
import { CLASSIFICATION_TEMPLATE, DEFAULT_LABEL_SPACE, finishTask, type Task } from '../../src/tasks/task';
import { sharedPath } from '../support/shared-data';

function fixture(folder: string): { json: Record<string, unknown>; config: unknown; vocab: Record<string, number> } {
  const json = JSON.parse(readFileSync(sharedPath(`models/${folder}/tokenizer.json`), 'utf8')) as Record<string, unknown>;
  const config = JSON.parse(readFileSync(sharedPath(`models/${folder}/tokenizer_config.json`), 'utf8')) as unknown;
  return { json, config, vocab: (json['model'] as { vocab: Record<string, number> }).vocab };
}

const llama = fixture('tiny-random-llama-onnx-fp16');
const gpt2 = fixture('tiny-random-gpt2-onnx');
const text = 'Is the review positive? Input : a fine film Output:';

describe('labelContinuation with and without the leading space', () => {
  it('Llama SentencePiece: "▁yes" (4874) with the space, the unspaced piece "yes" (3582) without', async () => {
    const tokenizer = await PromptTokenizer.fromJson(llama.json, llama.config);
    const ids = tokenizer.encode(text, { addSpecialTokens: true });
    expect(DEFAULT_LABEL_SPACE).toBe('leading-space');
    expect(labelContinuation(tokenizer, ids, text, 'yes')).toEqual([llama.vocab['▁yes']]);
    expect(labelContinuation(tokenizer, ids, text, 'yes', 'leading-space')).toEqual([4874]);
    expect(labelContinuation(tokenizer, ids, text, 'yes', 'none')).toEqual([llama.vocab['yes']]);
    expect(llama.vocab['yes']).toBe(3582);
    expect(labelContinuation(tokenizer, ids, text, 'Maybe', 'leading-space')).toEqual([llama.vocab['▁Maybe']]);
    expect(labelContinuation(tokenizer, ids, text, 'Maybe', 'none')).toEqual([llama.vocab['Maybe']]);
  });

  it('GPT-2 byte-level BPE: " no" is one token "Ġno"; unspaced "no" is not in this vocabulary and splits', async () => {
    const tokenizer = await PromptTokenizer.fromJson(gpt2.json, gpt2.config);
    const ids = tokenizer.encode(text, { addSpecialTokens: true });
    expect(labelContinuation(tokenizer, ids, text, 'no', 'leading-space')).toEqual([gpt2.vocab['Ġno']]);
    expect(gpt2.vocab['no']).toBeUndefined();
    expect(labelContinuation(tokenizer, ids, text, 'no', 'none')).toEqual([gpt2.vocab['n'], gpt2.vocab['o']]);
  });

  it('evaluatePrompt scores the continuations of the task\'s labelSpace', async () => {
    const tokenizer = await PromptTokenizer.fromJson(llama.json, llama.config);
    const base: Omit<Task, 'id'> = {
      name: 'toy-sentiment',
      family: 'classification',
      template: CLASSIFICATION_TEMPLATE,
      labelWords: ['no', 'yes'],
      metric: 'accuracy',
      splits: { train: [{ input: 'a fine film', output: 'yes' }], validation: [{ input: 'dull', output: 'no' }], test: [{ input: 'fun', output: 'yes' }] },
      description: 'toy',
    };
    const asked: number[][][] = [];
    const backend: TargetBackend = {
      async score(prefixes, continuations) {
        asked.push(continuations.map((c) => [...c]));
        return continuations.map((c) => (c[0] === 3582 || c[0] === 4874 ? -0.1 : -3)); // "yes" wins either way
      },
      async greedy() {
        throw new Error('not a generation task');
      },
    };
    const spaced = await evaluatePrompt(finishTask(base), 'Is the review positive?', 'train', backend, tokenizer);
    const unspaced = await evaluatePrompt(finishTask({ ...base, labelSpace: 'none' }), 'Is the review positive?', 'train', backend, tokenizer);
    expect(asked).toEqual([
      [[llama.vocab['▁no']], [4874]],
      [[llama.vocab['no']], [3582]],
    ]);
    expect([spaced.predictions, unspaced.predictions]).toEqual([['yes'], ['yes']]);
  });
});
