// The demo tokenizer, built by the same PromptTokenizer as any model: every phrase round-trips, the meta-prompts the
// GFlowPO loop builds for each demo task (both headers, references) and the task templates have no unknown word,
// and the chat template plus assistant prefix gives the exact token sequence the prompt-LM was trained on.
import { describe, expect, it } from 'vitest';
import { ASSISTANT_PREFIX, buildMetaPrompt } from '../../../src/gflow/meta-prompt';
import { promptPrefixIds } from '../../../src/demo/world/corpus';
import { PHRASE_TEXTS } from '../../../src/demo/world/language';
import { DEMO_TASKS, demoTask } from '../../../src/demo/world/tasks';
import { DEMO_SPECIAL_TOKENS, DEMO_TOKEN_IDS, demoTokenizerConfigJson, demoTokenizerJson, demoVocabulary, preTokenize } from '../../../src/demo/world/tokenizer-files';
import { PromptTokenizer } from '../../../src/runtime/tokenizer';
import { renderInput } from '../../../src/tasks/task';

const tokenizer = await PromptTokenizer.fromJson(demoTokenizerJson(), demoTokenizerConfigJson());
const vocabulary = demoVocabulary();
const words = (ids: readonly number[]): string => ids.map((i) => vocabulary[i]).join(' ');

describe('demo tokenizer', () => {
  it('has the specials at fixed ids and a sorted word list', () => {
    expect(vocabulary.slice(0, DEMO_SPECIAL_TOKENS.length)).toEqual([...DEMO_SPECIAL_TOKENS]);
    expect([tokenizer.bosTokenId, tokenizer.eosTokenIds, tokenizer.padTokenId]).toEqual([DEMO_TOKEN_IDS.bos, [DEMO_TOKEN_IDS.eos], DEMO_TOKEN_IDS.pad]);
    expect(tokenizer.vocabSize).toBe(vocabulary.length);
    const rest = vocabulary.slice(DEMO_SPECIAL_TOKENS.length);
    expect(rest).toEqual([...rest].sort());
    expect(new Set(vocabulary).size).toBe(vocabulary.length);
  });

  it('round-trips every phrase and answer', () => {
    for (const text of [...PHRASE_TEXTS, '1 2 3 4 5 6 7 8 9 10 0', 'yes no']) {
      const ids = tokenizer.encode(text, { addSpecialTokens: false });
      expect(ids).not.toContain(DEMO_TOKEN_IDS.unk);
      expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe(text);
    }
    expect(tokenizer.encode('Sort THE numbers', { addSpecialTokens: true })).toEqual(tokenizer.encode('<s> sort the numbers', { addSpecialTokens: false }));
  });

  it('reads every meta-prompt and task input the loop builds for the demo tasks without <unk>', () => {
    for (const name of DEMO_TASKS) {
      const task = demoTask(name);
      for (const shown of [[0, 1, 2], [3, 4, 5, 6, 7], [8]]) {
        for (const references of [[], ['sort the numbers', '**is it** even', 'do_the_task']]) {
          const ids = promptPrefixIds(tokenizer, buildMetaPrompt(task, shown, references).text);
          expect(ids, `${name} ${shown.length} demonstrations`).not.toContain(DEMO_TOKEN_IDS.unk);
        }
      }
      const rendered = renderInput(task, 'write the first number', task.splits.test[0]!);
      expect(tokenizer.encode(rendered, { addSpecialTokens: true })).not.toContain(DEMO_TOKEN_IDS.unk);
    }
  });

  it('wraps the meta-prompt as the user turn, opens the assistant turn, then the prefix', () => {
    const task = demoTask('reverse');
    const meta = buildMetaPrompt(task, [0], []);
    const x = task.splits.validation[0]!;
    expect(words(promptPrefixIds(tokenizer, meta.text))).toBe(
      `<s> <|user|> i gave a friend an instruction and one input . the friend read the instruction and wrote an output for every one of the inputs . here are the input - output pairs : input : ${x.input} output : ${x.output} </s> <|assistant|> the instruction is :`,
    );
    expect(preTokenize(ASSISTANT_PREFIX)).toEqual(['the', 'instruction', 'is', ':']);
    expect(tokenizer.applyChatTemplate([{ role: 'user', content: 'hi' }], { addGenerationPrompt: true })).toBe('<s><|user|> hi </s> <|assistant|> ');
  });
});
