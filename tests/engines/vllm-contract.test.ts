// Contract of the remote target with vLLM's documented API (tests/engines/vllm-schema.ts cites the sources): answers
// in vLLM's shape, as its protocol classes serialise them, conform to the schema subset and are read as intended by
// the parsers; the schema refuses what the client must never send or accept. (Requests and answers exchanged with
// the test server are checked against the same schema in remote-target.test.ts.)
import { describe, expect, it } from 'vitest';
import { parseEchoes, parseGenerations, parseModelList, parseTokenize } from '../../src/engines/remote-target-protocol';
import { COMPLETION_REQUEST, COMPLETION_RESPONSE, MODEL_LIST, TOKENIZE_RESPONSE, validate } from './vllm-schema';

const where = 'http://gpu:8000/v1/completions';

// What vLLM answers to {prompt: ["Hello world"], echo: true, max_tokens: 0, logprobs: 0, prompt_logprobs: 0,
// return_tokens_as_token_ids: true}: CompletionResponse with CompletionLogProbs over the prompt (first log-prob
// None) and prompt_logprobs as list[dict[int, Logprob] | None] (JSON keys are strings), usage as UsageInfo.
const echoAnswer = {
  id: 'cmpl-3f1e', object: 'text_completion', created: 1733221000, model: 'google/gemma-1.1-7b-it',
  choices: [{
    index: 0, text: 'Hello world', finish_reason: 'length', stop_reason: null,
    logprobs: { text_offset: [0, 0, 5], token_logprobs: [null, -9.21, -4.03], tokens: ['token_id:2', 'token_id:4521', 'token_id:2134'], top_logprobs: [null, { 'token_id:4521': -9.21 }, { 'token_id:2134': -4.03 }] },
    prompt_logprobs: [null, { '4521': { logprob: -9.21, rank: 812, decoded_token: 'Hello' } }, { '2134': { logprob: -4.03, rank: 17, decoded_token: ' world' } }],
  }],
  usage: { prompt_tokens: 3, total_tokens: 3, completion_tokens: 0, prompt_tokens_details: null },
};

describe('vLLM contract', () => {
  it('an echo answer in vLLM shape conforms and is read as prompt tokens with their log-probs', () => {
    expect(validate(COMPLETION_RESPONSE, echoAnswer)).toEqual([]);
    expect(parseEchoes(echoAnswer, 1, where)).toEqual([{ tokens: ['token_id:2', 'token_id:4521', 'token_id:2134'], logProbs: [0, -9.21, -4.03] }]);
    // With max_tokens 1 (older servers): the generated token follows the prompt's; prompt_logprobs says where it ends.
    const withGenerated = structuredClone(echoAnswer) as unknown as { choices: { logprobs: { tokens: string[]; token_logprobs: (number | null)[]; text_offset: number[]; top_logprobs: unknown[] } }[] };
    const lp = withGenerated.choices[0]!.logprobs;
    lp.tokens.push('token_id:235265');
    lp.token_logprobs.push(-1.5);
    lp.text_offset.push(11);
    lp.top_logprobs.push({ 'token_id:235265': -1.5 });
    expect(validate(COMPLETION_RESPONSE, withGenerated)).toEqual([]);
    expect(parseEchoes(withGenerated, 1, where)[0]!.tokens).toHaveLength(3);
  });

  it('generations, model lists and tokenize answers in vLLM shape conform and are read', () => {
    const generation = { id: 'cmpl-9', object: 'text_completion', created: 1, model: 'm', choices: [{ index: 1, text: ' positive', logprobs: null, finish_reason: 'stop', stop_reason: null, prompt_logprobs: null }, { index: 0, text: ' no', logprobs: null, finish_reason: 'length' }], usage: { prompt_tokens: 40, total_tokens: 44, completion_tokens: 4 } };
    expect(validate(COMPLETION_RESPONSE, generation)).toEqual([]);
    expect(parseGenerations(generation, 2, where)).toEqual([' no', ' positive']); // by index, not position
    const models = { object: 'list', data: [{ id: 'gemma', object: 'model', created: 1733221000, owned_by: 'vllm', root: '/models/gemma-1.1-7b-it', parent: null, max_model_len: 8192, permission: [{ id: 'modelperm-1', object: 'model_permission', allow_logprobs: true }] }] };
    expect(validate(MODEL_LIST, models)).toEqual([]);
    expect(parseModelList(models, where)).toEqual([{ id: 'gemma', owned_by: 'vllm', root: '/models/gemma-1.1-7b-it', parent: null, max_model_len: 8192 }]);
    const tokenized = { count: 3, max_model_len: 8192, tokens: [2, 4521, 2134] };
    expect(validate(TOKENIZE_RESPONSE, tokenized)).toEqual([]);
    expect(parseTokenize(tokenized, where)).toEqual([2, 4521, 2134]);
  });

  it('the schema refuses undocumented request fields and answers without what the target reads', () => {
    expect(validate(COMPLETION_REQUEST, { model: 'm', prompt: ['a'], max_tokens: 0, temperature: 0, echo: true, logprobs: 0, best_of: 2 })).toEqual(['$.best_of: not a documented field']);
    expect(validate(COMPLETION_REQUEST, { model: 'm', prompt: ['a', [1, -2]], max_tokens: 0, temperature: 0, n: 2 })).toEqual(['$.prompt[1][1]: -2 is below 0', '$.n: expected one of [1], got 2']);
    const { usage: _, ...noUsage } = echoAnswer;
    expect(validate(COMPLETION_RESPONSE, noUsage)).toEqual(['$.usage: required']);
    const badLogprob = structuredClone(echoAnswer);
    (badLogprob.choices[0]!.prompt_logprobs[1] as Record<string, unknown>)['4521'] = { rank: 1 };
    expect(validate(COMPLETION_RESPONSE, badLogprob)).toEqual(['$.choices[0].prompt_logprobs[1]["4521"].logprob: required']);
  });
});
