// The demo models' training data: target-LM rows are the task templates filled with the language's answers; the
// prompt-LM's rows are the loop's own meta-prompts (chat template + assistant prefix) followed by an instruction
// drawn with the documented mix (measured over many draws); reference-related phrases are exact families; the
// prior-mass summary of the model card adds up exactly on hand-made log-probabilities.
import { describe, expect, it } from 'vitest';
import { FROM_REFERENCES, PROMPT_PRIOR, TARGET_MIX, WITH_REFERENCES, garbageInstruction, priorInstruction, promptExample, promptPrefixIds, promptSequence, relatedPhrases, targetSequence } from '../../../src/demo/world/corpus';
import { PHRASES, PHRASE_TEXTS, intendedAnswer } from '../../../src/demo/world/language';
import { priorMass } from '../../../src/demo/world/recipes';
import { DEMO_TASK_SPECS } from '../../../src/demo/world/tasks';
import { DEMO_TOKEN_IDS, demoTokenizerConfigJson, demoTokenizerJson, demoVocabulary } from '../../../src/demo/world/tokenizer-files';
import { mulberry32 } from '../../../src/random/mulberry32';
import { PromptTokenizer } from '../../../src/runtime/tokenizer';

const tokenizer = await PromptTokenizer.fromJson(demoTokenizerJson(), demoTokenizerConfigJson());
const vocabulary = demoVocabulary();
const words = (ids: readonly number[]): string => ids.map((i) => vocabulary[i]).join(' ');

describe('target-LM rows', () => {
  it('are "<s> instruction input : x output :" -> the answer and </s>, reproducible from the seed', () => {
    const a = Array.from({ length: 50 }, ((rng) => () => targetSequence(rng, tokenizer))(mulberry32(5)));
    const b = Array.from({ length: 50 }, ((rng) => () => targetSequence(rng, tokenizer))(mulberry32(5)));
    expect(a).toEqual(b);
    for (const row of a) {
      const text = words(row.prefix);
      const m = /^<s> (.*?) ?input : (\d) (\d) (\d) output :$/.exec(text);
      expect(m, text).not.toBeNull();
      expect(row.continuation.at(-1)).toBe(DEMO_TOKEN_IDS.eos);
      expect(words(row.continuation.slice(0, -1))).toBe(intendedAnswer(m![1]!, [m![2], m![3], m![4]].map(Number)));
    }
  });

  it('mix vague phrases, the other phrases, garbage and empty instructions as documented', () => {
    const rng = mulberry32(9);
    const n = 6000;
    let vague = 0;
    let phrase = 0;
    let empty = 0;
    for (let i = 0; i < n; i++) {
      const m = /^<s> (.*?) ?input :/.exec(words(targetSequence(rng, tokenizer).prefix))![1]!;
      if (m === '') empty++;
      else if (Object.hasOwn(PHRASES, m)) (PHRASES[m]!.rule ? vague++ : phrase++);
    }
    expect(vague / n).toBeCloseTo(TARGET_MIX.vague, 1);
    expect(phrase / n).toBeCloseTo(TARGET_MIX.phrase, 1);
    expect(empty / n).toBeGreaterThan(0.005);
    expect(empty / n).toBeLessThan(0.04);
    const g = mulberry32(1);
    for (let i = 0; i < 200; i++) expect(Object.hasOwn(PHRASES, garbageInstruction(g))).toBe(false);
  });
});

describe('prompt-LM rows', () => {
  it("are the loop's meta-prompt in the chat template, the assistant prefix, then an instruction and </s>", () => {
    const rng = mulberry32(2);
    const example = promptExample(mulberry32(2));
    const row = promptSequence(rng, tokenizer);
    expect(row.prefix).toEqual(promptPrefixIds(tokenizer, example.metaPrompt));
    expect(words(row.prefix)).toMatch(/^<s> <\|user\|> i gave a friend an instruction and (one input|\w+ inputs) \. .* <\/s> <\|assistant\|> the instruction is :$/);
    expect(words(row.continuation)).toBe(`${example.instruction} </s>`);
  });

  it('write precise, vague, misleading, other and generic phrases in the documented proportions', () => {
    const rng = mulberry32(4);
    const n = 20000;
    const counts = { precise: 0, vague: 0, misleading: 0, rest: 0 };
    for (let i = 0; i < n; i++) {
      const spec = DEMO_TASK_SPECS.sort;
      const p = priorInstruction(rng, 'sort');
      if (spec.precise.includes(p)) counts.precise++;
      else if (spec.vague.includes(p)) counts.vague++;
      else if (spec.misleading.includes(p)) counts.misleading++;
      else counts.rest++;
    }
    expect(counts.precise / n).toBeCloseTo(PROMPT_PRIOR.precise, 2);
    expect(counts.vague / n).toBeCloseTo(PROMPT_PRIOR.vague, 1);
    expect(counts.misleading / n).toBeCloseTo(PROMPT_PRIOR.misleading, 1);
    expect(counts.rest / n).toBeCloseTo(PROMPT_PRIOR.otherTask + PROMPT_PRIOR.generic, 1);
    // Other tasks' precise phrases are never written for this task (they stay rare for every task).
    const otherPrecise = new Set(Object.values(DEMO_TASK_SPECS).flatMap((s) => s.precise).filter((p) => !DEMO_TASK_SPECS.sort.precise.includes(p)));
    const r2 = mulberry32(6);
    for (let i = 0; i < 5000; i++) expect(otherPrecise.has(priorInstruction(r2, 'sort'))).toBe(false);
  });

  it('copy or reword their references', () => {
    expect(relatedPhrases('sort the numbers')).toEqual([...DEMO_TASK_SPECS.sort.precise, ...DEMO_TASK_SPECS.sort.vague, ...DEMO_TASK_SPECS.sort.misleading].sort());
    // A phrase listed by two tasks relates to both families.
    expect(relatedPhrases('write one number')).toEqual([...new Set([...Object.values(DEMO_TASK_SPECS.first), ...Object.values(DEMO_TASK_SPECS.last)].filter((v): v is string[] => Array.isArray(v)).flat())].sort());
    expect(relatedPhrases('numbers sort the')).toEqual([]);
    const rng = mulberry32(8);
    let withReferences = 0;
    let copies = 0;
    let related = 0;
    for (let i = 0; i < 6000; i++) {
      const e = promptExample(rng);
      const refs = [...e.metaPrompt.matchAll(/^\d+\. (.*)$/gm)].map((m) => m[1]!);
      if (refs.length === 0) continue;
      withReferences++;
      if (refs.includes(e.instruction)) copies++;
      else if (refs.some((r) => relatedPhrases(r).includes(e.instruction))) related++;
    }
    expect(withReferences / 6000).toBeCloseTo(WITH_REFERENCES, 1);
    // References are drawn from the same prior, so prior draws coincide with them too: without the mechanism about
    // 0.155 of instructions equal a reference and 0.48 equal or reword one (measured with FROM_REFERENCES at 0);
    // with it (garbage references have no family) about 0.28 and 0.72.
    expect(FROM_REFERENCES).toEqual({ copy: 0.15, related: 0.5 });
    expect(copies / withReferences).toBeGreaterThan(0.22);
    expect(copies / withReferences).toBeLessThan(0.34);
    expect((copies + related) / withReferences).toBeGreaterThan(0.62);
    expect((copies + related) / withReferences).toBeLessThan(0.82);
  });
});

describe('priorMass', () => {
  it('sums the probability of each kind of phrase, averaged over meta-prompts', () => {
    const spec = DEMO_TASK_SPECS.even;
    const logProbs = (mass: Record<string, number>) => PHRASE_TEXTS.map((p) => Math.log(mass[p] ?? 1e-30));
    const first = logProbs({ [spec.precise[0]!]: 0.1, [spec.vague[1]!]: 0.2, [spec.misleading[0]!]: 0.3, 'do the task': 0.2 });
    const second = logProbs({ [spec.precise[1]!]: 0.3, 'reverse the numbers': 0.5 });
    const [m] = priorMass([{ task: 'even', logProbs: first }, { task: 'even', logProbs: second }]);
    expect(m!.task).toBe('demo/even');
    expect(m!.precise).toBeCloseTo(0.2, 12);
    expect(m!.vague).toBeCloseTo(0.1, 12);
    expect(m!.misleading).toBeCloseTo(0.15, 12);
    expect(m!.other).toBeCloseTo(0.35, 12);
    expect(m!.outside).toBeCloseTo(0.2, 12);
  });
});
