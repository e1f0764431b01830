// genai_config.json at a trust boundary: text that is not JSON, a missing model object and dimensions beyond what a
// browser holds are GenaiExportErrors naming the field (they were a SyntaxError, a TypeError and an unbounded loop).
import { describe, expect, it } from 'vitest';
import { GenaiExportError, genaiLlamaToHf } from '../../../src/models/formats/genai-llama';
import { thrown } from '../../support/thrown';

const graph = { rotaryDim: 0, attentionScale: 0 } as Parameters<typeof genaiLlamaToHf>[2];
const config = (decoder: Record<string, unknown>, model: Record<string, unknown> = {}) => ({
  model: { type: 'llama', vocab_size: 64, context_length: 128, eos_token_id: 2, bos_token_id: 1, ...model, decoder: { hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 1, head_size: 8, ...decoder } },
});

describe('genai_config.json', () => {
  it.each<[string, unknown, string]>([
    ['text that is not JSON', '{"model": ', 'genai_config.json is not valid JSON'],
    ['no model object', '[1]', 'genai_config.json has no "model" object'],
    ['null', 'null', 'genai_config.json has no "model" object'],
    ['a billion layers', config({ num_hidden_layers: 1e9 }), 'genai_config.json model.decoder.num_hidden_layers = 1000000000 is above 512'],
    ['a context of 2^40', config({}, { context_length: 2 ** 40 }), 'genai_config.json model.context_length = 1099511627776 is above 16777216'],
  ])('%s is a GenaiExportError', (_, json, message) => {
    expect(thrown(() => genaiLlamaToHf(new Map(), json, graph), GenaiExportError).message).toContain(message);
  });
});
