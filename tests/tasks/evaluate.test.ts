// evaluatePrompt against a hand-made target backend whose label log-probs and greedy outputs are written
// out here, so every prediction and score below is computed by hand, not by another backend through the
// same evaluatePrompt: each example's row gives a different answer (a row mix-up shows), ties go to the
// first label word, generation is decoded, trimmed and scored by the task's metric.
import { describe, expect, it } from 'vitest';
import { MAX_GENERATED_TOKENS, type TargetBackend, type TextCodec, evaluatePrompt, labelContinuation } from '../../src/tasks/evaluate';
import type { Task } from '../../src/tasks/task';

const BOS = 1;
const EOS = 2;

/** A word-level codec: whitespace-separated words get ids from 10 up in order of first sight; BOS 1, EOS 2. */
class WordCodec implements TextCodec {
  private ids = new Map<string, number>();
  private words: string[] = [];
  id(word: string): number {
    let id = this.ids.get(word);
    if (id === undefined) {
      id = 10 + this.words.length;
      this.ids.set(word, id);
      this.words.push(word);
    }
    return id;
  }
  encode(text: string, options: { addSpecialTokens: boolean }): number[] {
    const ids = text.split(/\s+/).filter((w) => w.length > 0).map((w) => this.id(w));
    return options.addSpecialTokens ? [BOS, ...ids] : ids;
  }
  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    return ids
      .filter((t) => !(options.skipSpecialTokens && (t === BOS || t === EOS)))
      .map((t) => (t === BOS ? '<s>' : t === EOS ? '</s>' : this.words[t - 10]!))
      .join(' ');
  }
}

const labelWords = ['no', 'maybe', 'yes'];
const classification: Task = {
  id: 'toy-3way#test',
  name: 'toy-3way',
  family: 'classification',
  template: '{prompt} Input : {text} Output:',
  labelWords,
  metric: 'accuracy',
  description: 'three-way toy',
  splits: {
    train: [
      { input: 'alpha', output: 'yes' },
      { input: 'bravo', output: 'no' },
      { input: 'charlie', output: 'yes' },
      { input: 'delta', output: 'no' },
    ],
    validation: [{ input: 'echo', output: 'maybe' }],
    test: [],
  },
};

/** log p(label word | rendered input), per example input, in labelWords order (no, maybe, yes). */
const LOG_PROBS: Record<string, number[]> = {
  alpha: [-2, -3, -0.5], // yes
  bravo: [-0.25, -4, -1], // no
  charlie: [-3, -0.75, -2], // maybe
  delta: [-1, -1.5, -1], // no and yes tie: the first label word wins
  echo: [-5, -0.125, -6], // maybe
};

/** Scores rows by looking the example (the word after "Input :") and the label word up in LOG_PROBS. */
function tableBackend(codec: WordCodec, calls: { prefixes: number[][]; continuations: number[][] }[]): TargetBackend {
  return {
    async score(prefixes, continuations) {
      calls.push({ prefixes: prefixes.map((p) => [...p]), continuations: continuations.map((c) => [...c]) });
      return prefixes.map((p, i) => {
        const words = codec.decode(p).split(' ');
        const input = words[words.indexOf(':') + 1]!;
        const label = codec.decode(continuations[i]!);
        return LOG_PROBS[input]![labelWords.indexOf(label)]!;
      });
    },
    async greedy() {
      throw new Error('a classification task must not generate');
    },
  };
}

describe('evaluatePrompt, classification', () => {
  it('predicts each row by its own argmax over the label words and scores against the gold labels', async () => {
    const codec = new WordCodec();
    const calls: { prefixes: number[][]; continuations: number[][] }[] = [];
    const r = await evaluatePrompt(classification, 'answer please', 'train', tableBackend(codec, calls), codec);
    expect(r.predictions).toEqual(['yes', 'no', 'maybe', 'no']);
    expect(r.score).toBe(0.75); // alpha, bravo, delta right; charlie wrong
    expect(r.total).toBe(4);
    expect(r.task).toBe('toy-3way');
    expect(r.split).toBe('train');
    expect(r.labelLogProbs).toEqual([LOG_PROBS['alpha'], LOG_PROBS['bravo'], LOG_PROBS['charlie'], LOG_PROBS['delta']]);
    // One batched call: example-major, label-minor rows; each prefix is the rendered input with BOS.
    expect(calls.length).toBe(1);
    const { prefixes, continuations } = calls[0]!;
    expect(prefixes.length).toBe(12);
    expect(codec.decode(prefixes[0]!)).toBe('<s> answer please Input : alpha Output:');
    expect(codec.decode(prefixes[11]!)).toBe('<s> answer please Input : delta Output:');
    expect(prefixes[3]).toEqual(prefixes[5]);
    expect(continuations.map((c) => codec.decode(c))).toEqual(Array.from({ length: 4 }, () => labelWords).flat());
  });

  it('scores another split and an explicit example list', async () => {
    const codec = new WordCodec();
    const v = await evaluatePrompt(classification, 'p', 'validation', tableBackend(codec, []), codec);
    expect(v).toEqual({ task: 'toy-3way', split: 'validation', score: 1, total: 1, predictions: ['maybe'], labelLogProbs: [LOG_PROBS['echo']] });
    const some = classification.splits.train.slice(2);
    const s = await evaluatePrompt(classification, 'p', 'train', tableBackend(codec, []), codec, some);
    expect(s.predictions).toEqual(['maybe', 'no']);
    expect(s.score).toBe(0.5);
    expect(s.total).toBe(2);
  });

  it('an empty split scores 0 without calling the model; fewer than two label words is refused', async () => {
    const codec = new WordCodec();
    const calls: { prefixes: number[][]; continuations: number[][] }[] = [];
    const r = await evaluatePrompt(classification, 'p', 'test', tableBackend(codec, calls), codec);
    expect(r).toEqual({ task: 'toy-3way', split: 'test', score: 0, total: 0, predictions: [] });
    expect(calls.length).toBe(0);
    const one = { ...classification, labelWords: ['yes'] };
    await expect(evaluatePrompt(one, 'p', 'train', tableBackend(codec, calls), codec)).rejects.toThrow(/fewer than two label words/);
  });
});

describe('evaluatePrompt, generation', () => {
  const generation: Task = {
    id: 'toy-gen#test',
    name: 'toy-gen',
    family: 'generation',
    template: '{prompt}\nInput : {input}\nOutput :',
    metric: 'exact_match',
    description: 'toy generation',
    splits: {
      train: [
        { input: 'one', output: 'uno' },
        { input: 'two', output: 'dos' },
        { input: 'three', output: 'tres' },
        { input: 'four', output: 'cuatro', alternatives: ['quattro'] },
      ],
      validation: [],
      test: [],
    },
  };
  /** What the "model" writes after each input (then EOS); normalisation makes 'Uno .' match 'uno'. */
  const OUTPUTS: Record<string, string> = { one: 'Uno . Input : two', two: 'tres', three: 'TRES', four: 'quattro' };

  it('decodes greedy outputs without special tokens, trims them and scores each with the metric', async () => {
    const codec = new WordCodec();
    let asked: { prompts: string[]; maxNewTokens: number } | undefined;
    const backend: TargetBackend = {
      async score() {
        throw new Error('a generation task must not score label words');
      },
      async greedy(prompts, maxNewTokens) {
        asked = { prompts: prompts.map((p) => codec.decode(p)), maxNewTokens };
        return prompts.map((p) => {
          const words = codec.decode(p).split(' ');
          return [...codec.encode(OUTPUTS[words[words.indexOf(':') + 1]!]!, { addSpecialTokens: false }), EOS];
        });
      },
    };
    const r = await evaluatePrompt(generation, 'translate', 'train', backend, codec);
    expect(asked!.maxNewTokens).toBe(MAX_GENERATED_TOKENS);
    expect(MAX_GENERATED_TOKENS).toBe(50);
    expect(asked!.prompts).toEqual(['<s> translate Input : one Output :', '<s> translate Input : two Output :', '<s> translate Input : three Output :', '<s> translate Input : four Output :']);
    expect(r.predictions).toEqual(['Uno . Input : two', 'tres', 'TRES', 'quattro']);
    // one: 'uno' = 'uno' (cut at '.'); two: 'tres' != 'dos'; three: 'tres' = 'tres'; four: the alternative.
    expect(r.score).toBe(0.75);
    expect(r.labelLogProbs).toBeUndefined();
    expect('labelLogProbs' in r).toBe(false);
  });
});

describe('labelContinuation', () => {
  it('takes the tokens the full text adds when the tokenizer extends the text ids', () => {
    const codec = new WordCodec();
    const text = 'p Input : x Output:';
    const ids = codec.encode(text, { addSpecialTokens: true });
    expect(labelContinuation(codec, ids, text, 'very good')).toEqual([codec.id('very'), codec.id('good')]);
  });

  it('falls back to " word" alone when the tokenizer merges across the boundary', () => {
    // A codec that merges "Output: yes" into one token, so text + " yes" does not extend the text's ids.
    const merging: TextCodec = {
      encode: (text, { addSpecialTokens }) => {
        const table: Record<string, number[]> = { 'x Output:': [5, 6], 'x Output: yes': [5, 7], ' yes': [8] };
        return [...(addSpecialTokens ? [BOS] : []), ...table[text]!];
      },
      decode: () => '',
    };
    expect(labelContinuation(merging, [BOS, 5, 6], 'x Output:', 'yes')).toEqual([8]);
    // Equal length (nothing added) is not an extension either.
    const same: TextCodec = { encode: (text, { addSpecialTokens }) => (addSpecialTokens ? [BOS, 5] : text === ' w' ? [9] : []), decode: () => '' };
    expect(labelContinuation(same, [BOS, 5], 'x', 'w')).toEqual([9]);
  });

  it("labelSpace 'none' scores the word glued to the text, or the bare word when the tokenizer merges it", () => {
    const codec = new WordCodec();
    const text = 'p Output:';
    const ids = codec.encode(text, { addSpecialTokens: true });
    // The word codec reads 'Output:yes' as one word, so the glued text does not extend the text's ids: bare 'yes'.
    expect(labelContinuation(codec, ids, text, 'yes', 'none')).toEqual([codec.id('yes')]);
    expect(labelContinuation(codec, ids, `${text} `, 'yes', 'none')).toEqual([codec.id('yes')]);
    expect(labelContinuation(codec, ids, text, 'yes', 'leading-space')).toEqual([codec.id('yes')]);
    // 'none' really glues: a codec that sees the difference.
    const seen: string[] = [];
    const spy: TextCodec = { encode: (t, o) => (seen.push(t), [...(o.addSpecialTokens ? [BOS] : []), t.length]), decode: () => '' };
    labelContinuation(spy, [BOS, 3], 'abc', 'yes', 'none');
    labelContinuation(spy, [BOS, 3], 'abc', 'yes', 'leading-space');
    expect(seen).toEqual(['abcyes', 'yes', 'abc yes', ' yes']);
  });

  it('evaluatePrompt passes the task labelSpace on', async () => {
    const codec = new WordCodec();
    const seen: string[] = [];
    const recording: TextCodec = { encode: (t, o) => (seen.push(t), codec.encode(t, o)), decode: (ids, o) => codec.decode(ids, o) };
    const glued: Task = { ...classification, labelSpace: 'none' };
    const r = await evaluatePrompt(glued, 'p', 'train', tableBackend(codec, []), recording);
    expect(r.predictions).toEqual(['yes', 'no', 'maybe', 'no']);
    expect(seen).toContain('p Input : alpha Output:no');
    expect(seen).not.toContain('p Input : alpha Output: no');
    seen.length = 0;
    await evaluatePrompt(classification, 'p', 'train', tableBackend(codec, []), recording);
    expect(seen).toContain('p Input : alpha Output: no');
  });

  it('refuses a label word that encodes to no tokens', () => {
    const codec = new WordCodec();
    const ids = codec.encode('x', { addSpecialTokens: true });
    expect(() => labelContinuation(codec, ids, 'x', ' ')).toThrow(/encodes to no tokens/);
  });
});
