// The manual baseline's built-in prompts: the authors' GLUE manual instructions, and annotations[0] of each
// Instruction Induction task, checked against the shared data's annotation files; lookup by name or id.
import { describe, expect, it } from 'vitest';
import { INSTRUCTION_INDUCTION_TASKS } from '../../src/tasks/instruction-induction';
import { GLUE_MANUAL_PROMPTS, INSTRUCTION_INDUCTION_MANUAL_PROMPTS, manualPromptFor } from '../../src/tasks/manual-prompts';
import { loadSharedAnnotations, loadSharedTask } from '../../src/tasks/registry';
import { readSharedData } from './shared-tasks';

describe('manual prompts', () => {
  it('has annotations[0] of every Instruction Induction task, equal to the shared annotation files', () => {
    expect(Object.keys(INSTRUCTION_INDUCTION_MANUAL_PROMPTS).sort()).toEqual([...INSTRUCTION_INDUCTION_TASKS].sort());
    for (const task of INSTRUCTION_INDUCTION_TASKS) {
      expect(manualPromptFor(`ii/${task}`)).toBe(loadSharedAnnotations(`ii/${task}`, readSharedData)[0]);
    }
    expect(manualPromptFor('ii/rhymes')).toBe('what is a word that rhymes with the input token');
  });

  it('has the six GLUE manual prompts, trimmed, without the stray quote-comma of the authors\' strings', () => {
    expect(Object.keys(GLUE_MANUAL_PROMPTS)).toEqual(['sst2', 'mrpc', 'rte', 'qnli', 'mnli', 'snli']);
    for (const text of Object.values(GLUE_MANUAL_PROMPTS)) {
      expect(text).toBe(text.trim());
      expect(text.endsWith("',")).toBe(false);
    }
    expect(manualPromptFor('sst2')).toBe('In this task, you are given sentences from movie reviews. The task is to classify a sentence as "yes" if the sentiment of the sentence is positive or as "no" if the sentiment of the sentence is negative.');
    expect(manualPromptFor('rte')).toBe('Dose the premise follow from the fact that the hypothesis? Please answer either "yes" or "no".');
    // each names its task's label words
    expect(manualPromptFor('mrpc')).toContain('"Yes"');
    expect(manualPromptFor('mnli')).toContain('Yes, Maybe, and No');
  });

  it('looks up by task id as well as name; null for tasks without one', () => {
    const sst2 = loadSharedTask('sst2', readSharedData, { glueSeed: 42 });
    expect(manualPromptFor(sst2.id)).toBe(GLUE_MANUAL_PROMPTS['sst2']);
    expect(manualPromptFor(loadSharedTask('ii/sum', readSharedData).id)).toBe('sum the numbers in the input');
    expect(manualPromptFor('mmlu/anatomy')).toBeNull();
    expect(manualPromptFor('builtin/sum')).toBeNull();
    expect(manualPromptFor('sum')).toBeNull();
    expect(manualPromptFor('ii/astrology')).toBeNull();
  });
});
