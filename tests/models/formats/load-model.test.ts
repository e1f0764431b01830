// loadModelFiles and endOfSequenceIds on the tiny fixture: generation_config.json's end-of-sequence ids are checked
// (issue 9: negative or fractional ids were used), and JSON files must be UTF-8.
import { describe, expect, it } from 'vitest';
import { ModelFilesError, endOfSequenceIds, loadModelFiles } from '../../../src/models/formats/load-model';
import { tinyLlamaFixtureFiles } from '../../../src/models/llama/fixture';
import { thrown } from '../../support/thrown';

const fixture = tinyLlamaFixtureFiles({ seed: 3 });
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const files = (extra: Record<string, Uint8Array> = {}) => new Map(Object.entries({ ...fixture, ...extra }));

describe('end-of-sequence ids', () => {
  it('merges config, generation_config and tokenizer ids', () => {
    const model = loadModelFiles(files({ 'generation_config.json': json({ eos_token_id: [2, 5] }) }));
    expect(endOfSequenceIds(model, [7])).toEqual([2, 5, 7]);
  });

  it.each<[unknown, string]>([
    [-1, 'generation_config.json eos_token_id must be a token id in [0, 64) or a list of them, got -1'],
    [2.5, 'generation_config.json eos_token_id must be a token id in [0, 64) or a list of them, got 2.5'],
    [[2, -3], 'generation_config.json eos_token_id[1] must be a token id in [0, 64), got -3'],
    [[2, '5'], 'generation_config.json eos_token_id[1] must be a token id in [0, 64), got "5"'],
    [64, 'generation_config.json eos_token_id must be a token id in [0, 64) or a list of them, got 64'],
    ['2', 'generation_config.json eos_token_id must be a token id in [0, 64) or a list of them, got "2"'],
  ])('refuses eos_token_id %j, naming the field', (eos, message) => {
    const e = thrown(() => loadModelFiles(files({ 'generation_config.json': json({ eos_token_id: eos }) })), ModelFilesError);
    expect(e.message).toBe(message);
  });

  it('a generation_config.json that is not an object is refused', () => {
    expect(thrown(() => loadModelFiles(files({ 'generation_config.json': json([1]) })), ModelFilesError).message).toBe('generation_config.json must be a JSON object, got an array');
  });

  it('JSON files that are not UTF-8 are refused, not read as U+FFFD', () => {
    const bytes = Uint8Array.from([...new TextEncoder().encode('{"eos_token_id": 2, "note": "'), 0xff, ...new TextEncoder().encode('"}')]);
    expect(thrown(() => loadModelFiles(files({ 'generation_config.json': bytes })), ModelFilesError).message).toMatch(/^generation_config\.json is not valid UTF-8 JSON/);
  });
});
