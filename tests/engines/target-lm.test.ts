// The target LM behind one interface: on the tiny fixture, prompt-prefix reuse predicts what one-by-one
// scoring predicts, and our compiled backend agrees with transformers.js on the same weights, for a
// classification task (label words) and a generation task (greedy + metric).
import { describe, expect, it } from 'vitest';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { toGraphLayout } from '../../src/models/llama/weights';
import { endOfSequenceIds, loadModelFiles } from '../../src/models/formats/load-model';
import { transformersJsFolderFiles } from '../../src/models/llama/transformersjs-export';
import { CausalLM, uploadLlamaWeights } from '../../src/runtime/causal-lm';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { CompiledTargetLM, TransformersTargetLM } from '../../src/engines/target-lm';
import { PromptTokenizer } from '../../src/runtime/tokenizer';
import { TransformersLM } from '../../src/runtime/transformers-lm';
import { labelContinuation } from '../../src/tasks/evaluate';
import type { Task } from '../../src/tasks/task';

const files = tinyLlamaFixtureFiles({ seed: 12 });
const model = loadModelFiles(new Map(Object.entries(files)));
const words = (s: string) => s.split(' ');
const sentences = ['the movie was great', 'the movie was terrible', 'i love this movie', 'i hate the cat', 'what a good dog', 'this is bad', 'the red cat sat', 'we love the blue mat'];
const classification: Task = {
  name: 'toy-sentiment', family: 'classification', template: '{prompt} Input : {text} Output:', labelWords: ['no', 'yes'], metric: 'accuracy',
  description: 'toy', splits: { train: sentences.map((s, i) => ({ input: s, output: i % 2 ? 'no' : 'yes' })), validation: [], test: [] },
};
const generation: Task = {
  name: 'toy-copy', family: 'generation', template: '{prompt}\nInput : {input}\nOutput :', metric: 'exact_match',
  description: 'toy', splits: { train: sentences.slice(0, 5).map((s) => ({ input: s, output: words(s).at(-1)! })), validation: [], test: [] },
};
const prompt = 'say yes or no to the review';

async function targets() {
  const ort = await loadOrtNode();
  const tokenizer = await PromptTokenizer.fromJson(model.tokenizer!.json, model.tokenizer!.config);
  const eos = endOfSequenceIds(model, tokenizer.eosTokenIds);
  const pad = tokenizer.padTokenId ?? 0;
  const lm = await CausalLM.create(ort, model.config, await uploadLlamaWeights(ort, 'wasm', model.config, model.weights));
  const reuse = new CompiledTargetLM('tiny/compiled', lm, tokenizer, eos, pad, true);
  const plain = new CompiledTargetLM('tiny/compiled-plain', lm, tokenizer, eos, pad, false);
  const folder = transformersJsFolderFiles(files, model.config, toGraphLayout(model.config, model.weights));
  const tjs = await TransformersLM.fromFiles(folder, { device: 'cpu' });
  const other = new TransformersTargetLM('tiny/transformers.js', tjs, tokenizer, eos, pad);
  return { tokenizer, reuse, plain, other, release: async () => Promise.all([lm.release(), tjs.release()]) };
}

describe('target LM', () => {
  it('label continuations follow the tokenizer', async () => {
    const tokenizer = await PromptTokenizer.fromJson(model.tokenizer!.json, model.tokenizer!.config);
    const text = 'the movie Output :';
    const ids = tokenizer.encode(text, { addSpecialTokens: true });
    expect(labelContinuation(tokenizer, ids, text, 'yes')).toEqual(tokenizer.encode('yes', { addSpecialTokens: false }));
  });

  it('classification: prefix reuse, one-by-one scoring and transformers.js predict the same labels', async () => {
    const t = await targets();
    const a = await t.reuse.evaluate(classification, prompt, 'train');
    const b = await t.plain.evaluate(classification, prompt, 'train');
    const c = await t.other.evaluate(classification, prompt, 'train');
    expect(a.total).toBe(8);
    expect(b.predictions).toEqual(a.predictions);
    expect(c.predictions).toEqual(a.predictions);
    const correct = a.predictions.filter((p, i) => p === classification.splits.train[i]!.output).length;
    expect(a.score).toBe(correct / 8);
    const close = (x: number[][] | undefined, y: number[][] | undefined) =>
      x!.forEach((row, i) => row.forEach((v, k) => expect(Math.abs(v - y![i]![k]!)).toBeLessThan(1e-4)));
    close(b.labelLogProbs, a.labelLogProbs);
    close(c.labelLogProbs, a.labelLogProbs);
    a.labelLogProbs!.forEach((row) => row.forEach((v) => expect(v).toBeLessThan(0)));
    expect(t.reuse.calls).toBe(1);
    await t.release();
  }, 60_000);

  it('generation: greedy outputs agree across the three and are scored by the metric', async () => {
    const t = await targets();
    const a = await t.reuse.evaluate(generation, prompt, 'train');
    const b = await t.plain.evaluate(generation, prompt, 'train');
    const c = await t.other.evaluate(generation, prompt, 'train');
    expect(b.predictions).toEqual(a.predictions);
    expect(c.predictions).toEqual(a.predictions);
    expect(a.predictions.some((p) => p.length > 0)).toBe(true);
    expect(a.score).toBeGreaterThanOrEqual(0);
    expect(a.score).toBeLessThanOrEqual(1);
    await t.release();
  }, 60_000);
});
