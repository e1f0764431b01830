// The target LM behind one interface: on the tiny fixture, prompt-prefix reuse predicts what one-by-one
// scoring predicts, and our compiled backend agrees with transformers.js on the same weights, for a
// classification task (label words) and a generation task (greedy + metric). The values themselves are
// checked against the float64 reference forward (tests/reference/llama-forward.ts): label log-probs,
// each row's argmax, every greedy token, and the scores computed by hand from them.
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
import { MAX_GENERATED_TOKENS, labelContinuation } from '../../src/tasks/evaluate';
import { normalizeAnswer } from '../../src/tasks/metrics';
import { type Task, renderInput } from '../../src/tasks/task';
import { llamaReferenceLogits } from '../reference/llama-forward';

const files = tinyLlamaFixtureFiles({ seed: 12 });
const model = loadModelFiles(new Map(Object.entries(files)));
const words = (s: string) => s.split(' ');
const sentences = ['the movie was great', 'the movie was terrible', 'i love this movie', 'i hate the cat', 'what a good dog', 'this is bad', 'the red cat sat', 'we love the blue mat'];
// Label words on which the fixture's random model splits the rows (its 'no' beats 'yes' on every row).
const classification: Task = {
  id: 'toy-two-words#test',
  name: 'toy-two-words', family: 'classification', template: '{prompt} Input : {text} Output:', labelWords: ['dog', 'good'], metric: 'accuracy',
  description: 'toy', splits: { train: sentences.map((s, i) => ({ input: s, output: i % 2 ? 'dog' : 'good' })), validation: [], test: [] },
};
const generation: Task = {
  id: 'toy-copy#test',
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
  return { tokenizer, eos, pad, lm, reuse, plain, other, release: async () => Promise.all([lm.release(), tjs.release()]) };
}

/** Float64 reference log-softmax rows (T,V) of one unpadded token row. */
function referenceLogSoftmax(ids: readonly number[]): Float64Array[] {
  const V = model.config.vocabSize;
  const logits = llamaReferenceLogits(model.config, model.weights, { ids: [ids], padding: [0] });
  return ids.map((_, t) => {
    const row = logits.subarray(t * V, (t + 1) * V);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
    return Float64Array.from(row, (x) => x - lse);
  });
}

/** Reference log p(continuation | prefix): the sum of the log-softmax entries the continuation picks. */
function referenceScore(prefix: readonly number[], continuation: readonly number[]): number {
  const rows = referenceLogSoftmax([...prefix, ...continuation]);
  return continuation.reduce((sum, token, k) => sum + rows[prefix.length + k - 1]![token]!, 0);
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
    // The label log-probs are the reference's (float32 graphs against the float64 forward).
    const reference = classification.splits.train.map((x) => {
      const text = renderInput(classification, prompt, x);
      const ids = t.tokenizer.encode(text, { addSpecialTokens: true });
      return classification.labelWords!.map((w) => referenceScore(ids, labelContinuation(t.tokenizer, ids, text, w)));
    });
    close(a.labelLogProbs, reference);
    // Each prediction is its own row's argmax (margins far above float32 error), and the score is counted by hand.
    const [first, second] = classification.labelWords!;
    const expected = reference.map(([a, b]) => {
      expect(Math.abs(b! - a!)).toBeGreaterThan(1e-2);
      return b! > a! ? second! : first!;
    });
    expect(new Set(expected).size).toBe(2); // rows differ, so a row mix-up would show
    expect(a.predictions).toEqual(expected);
    const gold = classification.splits.train.map((x) => x.output);
    const hits = expected.filter((p, i) => p === gold[i]).length;
    expect(a.score).toBe(hits / 8);
    expect(b.score).toBe(hits / 8);
    expect(c.score).toBe(hits / 8);
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
    // Every greedy token is the reference argmax given the tokens before it (one teacher-forced reference
    // forward per example), generation stops at the first end-of-sequence or after MAX_GENERATED_TOKENS, and
    // the prediction is its decoded text without special tokens, trimmed.
    const ids = generation.splits.train.map((x) => t.tokenizer.encode(renderInput(generation, prompt, x), { addSpecialTokens: true }));
    const samples = await t.lm.sample(ids, { temperature: 0, topP: 1, maxNewTokens: MAX_GENERATED_TOKENS, eosTokenIds: t.eos, seeds: ids.map(() => 0), adapter: false, padTokenId: t.pad });
    samples.forEach((sample, i) => {
      const tokens = sample.tokens;
      const rows = referenceLogSoftmax([...ids[i]!, ...tokens]);
      tokens.forEach((token, k) => {
        // The chosen token's reference log-prob is the row's maximum up to float32 error (the graphs run in
        // float32, ~1e-6 off the float64 reference; this fixture has a step where the top two are 6e-5 apart).
        const row = rows[ids[i]!.length + k - 1]!;
        expect(row[token]!).toBeGreaterThan(Math.max(...row) - 1e-5);
      });
      const stops = tokens.map((tok) => t.eos.includes(tok));
      expect(stops.slice(0, -1).some((x) => x)).toBe(false);
      if (!stops.at(-1)) expect(tokens.length).toBe(MAX_GENERATED_TOKENS);
      expect(a.predictions[i]).toBe(t.tokenizer.decode(tokens, { skipSpecialTokens: true }).trim());
    });
    // Scores by hand: exact match of the normalised texts. The fixture's random model never writes the gold
    // last word, so a second task takes examples 0, 2 and 4's predictions as their gold: score 3/5.
    const hits = a.predictions.filter((p, i) => normalizeAnswer(p) === normalizeAnswer(generation.splits.train[i]!.output)).length;
    expect(a.score).toBe(hits / 5);
    const own: Task = { ...generation, id: 'toy-copy-own#test', splits: { ...generation.splits, train: generation.splits.train.map((x, i) => ({ ...x, output: i % 2 === 0 ? a.predictions[i]! : 'zzz' })) } };
    expect(a.predictions.map(normalizeAnswer)).not.toContain('zzz');
    expect((await t.reuse.evaluate(own, prompt, 'train')).score).toBe(3 / 5);
    expect((await t.other.evaluate(own, prompt, 'train')).score).toBe(3 / 5);
    await t.release();
  }, 60_000);
});
