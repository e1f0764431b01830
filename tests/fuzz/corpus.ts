// The corpus of malformed (and tricky but valid) inputs the fuzz suite keeps: every finding of issue 9 and what the
// fuzz properties found, one entry each, with the named error and message it must get (or the value it must give).
// corpus.test.ts runs them all; add an entry whenever a parser is fixed.
import { inspectModelFiles } from '../../src/models/formats/inspect';
import { Llama2cFormatError, readLlama2c } from '../../src/models/formats/llama2c';
import { ModelFilesError, loadModelFiles } from '../../src/models/formats/load-model';
import { DownloadError, FileTooLargeError, fetchModelFiles } from '../../src/models/hub/hub';
import { MemoryModelCache } from '../../src/models/hub/model-cache';
import { UnsupportedConfigError, parseLlamaConfig } from '../../src/models/llama/config';
import { tinyLlamaFixtureFiles } from '../../src/models/llama/fixture';
import { mlpModel } from '../../src/models/toy/mlp';
import { BundleError, compileTrainingBundle, decodeBundle, encodeBundle } from '../../src/onnx/bundle';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from '../../src/onnx/checkpoint';
import { SafetensorsError, decodeSafetensors, encodeSafetensors } from '../../src/onnx/safetensors';
import { PromptTokenizer, TokenizerError } from '../../src/runtime/tokenizer';
import { bbhTask } from '../../src/tasks/bbh';
import { bigBenchTask } from '../../src/tasks/bigbench';
import { parseCsv } from '../../src/tasks/import/csv';
import { parseImport } from '../../src/tasks/import/detect';
import { parseJson } from '../../src/tasks/import/json';
import { parseJsonl } from '../../src/tasks/import/jsonl';
import { mapExamples } from '../../src/tasks/import/mapping';
import { splitExamples } from '../../src/tasks/import/split';
import { taskFromFile } from '../../src/tasks/import/task-file';
import { importTask } from '../../src/tasks/import/to-task';
import { ImportError } from '../../src/tasks/import/types';
import { metricFor } from '../../src/tasks/metrics';
import { loadSharedTask } from '../../src/tasks/registry';
import { TaskError, checkTask } from '../../src/tasks/task';
import { GflowpoStateError, parseRunState } from '../../src/gflow/run-state';

type ErrorClass = abstract new (...args: never[]) => Error;

export interface CorpusCase {
  /** Which parser, and what is malformed. */
  name: string;
  run: () => unknown;
  /** The named error it must throw, and its message. */
  error?: ErrorClass;
  message?: RegExp;
  /** For valid-but-tricky input: what the value must satisfy (return true). */
  value?: (value: never) => boolean;
}

const enc = (s: string) => new TextEncoder().encode(s);
const json = (v: unknown) => enc(JSON.stringify(v));

/** A safetensors file from header JSON text and data (keys written as given). */
export function rawSafetensors(header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const h = enc(header);
  const out = new Uint8Array(8 + h.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.byteLength), true);
  out.set(h, 8);
  out.set(data, 8 + h.byteLength);
  return out;
}

const smol = {
  model_type: 'llama', hidden_size: 576, intermediate_size: 1536, num_attention_heads: 9, num_hidden_layers: 30, num_key_value_heads: 3,
  vocab_size: 49152, max_position_embeddings: 8192, rms_norm_eps: 1e-5, rope_theta: 100000, tie_word_embeddings: true, bos_token_id: 1, eos_token_id: 2,
};
const fixture = tinyLlamaFixtureFiles({ seed: 11 });
const modelFiles = (change: Record<string, Uint8Array>) => new Map(Object.entries({ ...fixture, ...change }));
const tokenizerJson = () => JSON.parse(new TextDecoder().decode(fixture['tokenizer.json'])) as { model: { vocab: unknown }; added_tokens: { id: unknown }[] };
const init = { w1: new Float32Array(6), b1: new Float32Array(2), w2: new Float32Array(4), b2: new Float32Array(2) };
const bundle = compileTrainingBundle(mlpModel({ inputs: 3, hidden: 2, classes: 2 }), init);
const checkpointWith = (metadata: Record<string, string>, change?: (t: Record<string, { dtype: 'F32'; shape: number[]; bytes: Uint8Array }>) => void) => {
  const { tensors } = decodeSafetensors(encodeCheckpoint(bundle.checkpoint, bundle.manifest.params));
  change?.(tensors as never);
  return encodeSafetensors(tensors, { format: 'gflowpo-checkpoint', step: '0', ...metadata });
};
const bundleWithManifest = (change: (m: Record<string, unknown>) => void) => {
  const { tensors, metadata } = decodeSafetensors(encodeBundle(bundle));
  const m = JSON.parse(metadata['manifest']!) as Record<string, unknown>;
  change(m);
  return encodeSafetensors(tensors, { ...metadata, manifest: JSON.stringify(m) });
};
const fakeFetch = (headers: Record<string, string>, chunks: Uint8Array[]) => (async () => {
  let k = 0;
  return new Response(new ReadableStream<Uint8Array>({ pull: (c) => (k < chunks.length ? c.enqueue(chunks[k++]!) : c.close()) }), { headers });
}) as typeof globalThis.fetch;
const hub = (file: string, headers: Record<string, string>, chunks: Uint8Array[]) => fetchModelFiles('o/m', [file], { settings: { host: 'http://hub.test' }, cache: new MemoryModelCache(), fetch: fakeFetch(headers, chunks) });
const rows = (n: number, make: (i: number) => object) => JSON.stringify(Array.from({ length: n }, (_, i) => make(i)));

export const IMPORT_CASES: CorpusCase[] = [
  { name: 'JSON: a row error in a one-line file names its column and row', run: () => mapExamples(parseJson('o.json', '[{"text":"a","label":"0"},{"text":"","label":"1"}]'), { inputColumns: ['text'], labelColumn: 'label' }), error: ImportError, message: /^o\.json: the row at line 1 column 27 \(row 2\) has an empty "text"/ },
  { name: 'JSON: an empty array is "no rows", not a missing column', run: () => mapExamples(parseJson('e.json', '[]'), { inputColumns: ['text'] }), error: ImportError, message: /the file has no rows to import/ },
  { name: 'CSV: a header without rows is "no rows"', run: () => importTask(parseCsv('e.csv', 'text,label\n'), { family: 'classification', inputColumns: ['text'], targetColumn: 'label' }), error: ImportError, message: /no rows/ },
  { name: 'CSV: an unterminated quote', run: () => parseCsv('q.csv', 'a,b\n1,"x\n'), error: ImportError, message: /unterminated quote starting at line 2 column 3/ },
  { name: 'CSV: a row with an extra field', run: () => parseCsv('x.csv', 'a,b\n1,2,3\n'), error: ImportError, message: /the extra field starts at line 2 column 5/ },
  { name: 'CSV: a duplicate column name', run: () => parseCsv('d.csv', 'a,a\n1,2\n'), error: ImportError, message: /names column "a" twice/ },
  { name: 'JSON: a trailing comma', run: () => parseJson('t.json', '[{"a": 1},]'), error: ImportError, message: /invalid JSON at line 1 column 11/ },
  { name: 'JSON: pandas orient=columns', run: () => parseJson('p.json', '{"text": {"0": "a"}, "label": {"0": "b"}}'), error: ImportError, message: /orient='columns'/ },
  { name: 'JSON Lines: a line that is an array', run: () => parseJsonl('l.jsonl', '{"a": 1}\n[1]\n'), error: ImportError, message: /line 2 column 1 is an array/ },
  { name: 'bytes: not UTF-8', run: () => parseImport('b.csv', Uint8Array.from([0x61, 0x0a, 0xc3, 0x28])), error: ImportError, message: /not UTF-8 text: byte 0xC3 at line 2 column 1/ },
  { name: 'registry: a data file that is not UTF-8 (was read as U+FFFD)', run: () => loadSharedTask('bbh/word_sorting', () => Uint8Array.from([0x7b, 0xff, 0x7d])), error: ImportError, message: /^bbh\/word_sorting\.json: not UTF-8 text/ },
  { name: 'split: 160,000 examples (push(...spread) overflowed the stack)', run: () => splitExamples(Array.from({ length: 160_000 }, (_, i) => ({ i })), { train: 0.5, validation: 0.25, test: 0.25 }, 0), value: (s: { train: unknown[] }) => s.train.length === 80_000 },
  { name: 'mapping: a label without a label word', run: () => mapExamples(parseCsv('l.csv', 't,l\na,0\nb,2\n'), { inputColumns: ['t'], labelColumn: 'l', labelWords: { '0': 'no' } }), error: ImportError, message: /line 3 has label "2", which has no label word/ },
  { name: 'Import: target_scores dicts are multiple choice, not label words like {"yes":0,"no":1}', run: () => taskFromFile('b.json', rows(6, (i) => ({ input: `q${i}`, target_scores: { yes: 1, no: 0 } })), { map: { family: 'multiple_choice', targetColumn: 'target_scores' } }).task, value: (t: { labelWords: string[] }) => t.labelWords.join() === 'A,B' },
  { name: 'Import: a guessed dict target must be confirmed', run: () => taskFromFile('b.json', rows(6, (i) => ({ input: `q${i}`, target_scores: { yes: 1, no: 0 } }))), error: ImportError, message: /the guessed mapping needs your confirmation: 6 cells of "target_scores" are JSON objects/ },
  { name: 'Import: list targets are alternatives, not JSON text', run: () => taskFromFile('l.json', rows(6, (i) => ({ input: `q${i}`, target: [`a${i}`, `b${i}`] }))).task, value: (t: { splits: { train: { output: string; alternatives?: string[] }[] } }) => t.splits.train.every((e) => !e.output.startsWith('[') && e.alternatives?.length === 1) },
  { name: 'Import: a numeric column guessed as the label', run: () => taskFromFile('n.csv', 'text,label\na,0\nb,1\nc,0\nd,1\n'), error: ImportError, message: /the labels of "label" are numbers \(0, 1\)/ },
  { name: 'Import: no target gives no task (empty gold outputs were accepted)', run: () => taskFromFile('x.json', rows(6, (i) => ({ text: `t${i}` }))), error: ImportError, message: /no column looks like the answer/ },
  { name: 'checkTask: an empty gold output', run: () => checkTask({ id: 'x#1', name: 'x', family: 'generation', template: '{prompt} {text}', metric: 'exact_match', splits: { train: [{ input: 'a', output: '' }], validation: [{ input: 'b', output: 'c' }], test: [{ input: 'd', output: 'e' }] }, description: '' }), error: TaskError, message: /example 1 of the train split has an empty gold output/ },
  { name: 'Import: more labels than a label set', run: () => taskFromFile('m.json', rows(30, (i) => ({ text: `t${i}`, label: `l${i}` })), { map: { family: 'classification' } }), error: ImportError, message: /30 distinct values, more than 20 labels/ },
  { name: 'BIG-bench: a score that is not a number', run: () => bigBenchTask('{"examples": [{"input": "q", "target_scores": {"a": "1"}}]}', 't.json'), error: TaskError, message: /the score of choice "a" must be a finite number/ },
  { name: 'BIG-bench: no choice is correct', run: () => bigBenchTask(JSON.stringify({ preferred_score: 'multiple_choice_grade', examples: [1, 2, 3].map((i) => ({ input: `q${i}`, target_scores: { a: 0, b: 0 } })) }), 't.json'), error: TaskError, message: /no choice scores above 0/ },
  { name: 'BBH: a target that is not a string', run: () => bbhTask('{"examples": [{"input": "q", "target": ["B"]}]}', 'b.json'), error: TaskError, message: /"target" must be a non-empty string/ },
  { name: 'metrics: bbh/ and bbii/ pick the same metric', run: () => [metricFor('bbh/word_sorting'), metricFor('bbii/word_sorting')], value: (m: string[]) => m[0] === 'f1' && m[1] === 'f1' },
];

export const MODEL_CASES: CorpusCase[] = [
  { name: 'config: num_hidden_layers 1e9 (34 s and 2.8 GB before a RangeError)', run: () => parseLlamaConfig({ ...smol, num_hidden_layers: 1e9 }), error: UnsupportedConfigError, message: /num_hidden_layers = 1000000000 is above 512/ },
  { name: 'config: hidden_size 1e9', run: () => parseLlamaConfig({ ...smol, hidden_size: 1e9 }), error: UnsupportedConfigError, message: /hidden_size = 1000000000 is above 65536/ },
  { name: 'config: vocab_size 2^21', run: () => parseLlamaConfig({ ...smol, vocab_size: 2 ** 21 }), error: UnsupportedConfigError, message: /vocab_size = 2097152 is above 1048576/ },
  { name: 'config: max_position_embeddings 2^40', run: () => parseLlamaConfig({ ...smol, max_position_embeddings: 2 ** 40 }), error: UnsupportedConfigError, message: /max_position_embeddings = 1099511627776 is above 16777216/ },
  { name: 'config: 512 layers of 4096 wide (weights beyond a tab)', run: () => parseLlamaConfig({ ...smol, hidden_size: 4096, intermediate_size: 14336, num_attention_heads: 32, num_key_value_heads: 8, num_hidden_layers: 512 }), error: UnsupportedConfigError, message: /a browser tab holds at most 16\.0 GiB of weights/ },
  { name: 'config: layers as a string', run: () => parseLlamaConfig({ ...smol, num_hidden_layers: '30' }), error: UnsupportedConfigError, message: /num_hidden_layers = "30" is not supported; supported: a positive integer/ },
  { name: 'config: eos_token_id beyond the vocabulary', run: () => parseLlamaConfig({ ...smol, eos_token_id: [2, 60000] }), error: UnsupportedConfigError, message: /eos_token_id = 60000 is not supported; supported: a token id below vocab_size/ },
  { name: 'generation_config: eos_token_id -1', run: () => loadModelFiles(modelFiles({ 'generation_config.json': json({ eos_token_id: -1 }) })), error: ModelFilesError, message: /generation_config\.json eos_token_id must be a token id in \[0, 64\)/ },
  { name: 'generation_config: eos_token_id 2.5 in a list', run: () => loadModelFiles(modelFiles({ 'generation_config.json': json({ eos_token_id: [2, 2.5] }) })), error: ModelFilesError, message: /eos_token_id\[1\] must be a token id/ },
  { name: 'model folder: config.json of a billion layers', run: () => inspectModelFiles(modelFiles({ 'config.json': json({ ...JSON.parse(new TextDecoder().decode(fixture['config.json'])), num_hidden_layers: 1e9 }) })), error: UnsupportedConfigError, message: /above 512/ },
  { name: 'safetensors: a tensor named __proto__ (it vanished)', run: () => decodeSafetensors(rawSafetensors('{"__proto__": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}', Uint8Array.of(9))), value: (d: { tensors: Record<string, { bytes: Uint8Array }> }) => Object.hasOwn(d.tensors, '__proto__') && d.tensors['__proto__']!.bytes[0] === 9 },
  { name: 'safetensors: a zero-size tensor at offset 0 after a tensor at 0 (was refused)', run: () => decodeSafetensors(rawSafetensors('{"w": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}, "e": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}}', Uint8Array.of(1, 2))), value: (d: { tensors: Record<string, { bytes: Uint8Array }> }) => d.tensors['e']!.bytes.byteLength === 0 },
  { name: 'safetensors: __metadata__ as a string (became an object of characters)', run: () => decodeSafetensors(rawSafetensors('{"__metadata__": "abc"}')), error: SafetensorsError, message: /__metadata__ must be an object of string values, got string/ },
  { name: 'safetensors: a metadata value that is a number', run: () => decodeSafetensors(rawSafetensors('{"__metadata__": {"step": 3}}')), error: SafetensorsError, message: /metadata 'step' must be a string, got 3/ },
  { name: 'safetensors: offsets beyond the file', run: () => decodeSafetensors(rawSafetensors('{"x": {"dtype": "U8", "shape": [64], "data_offsets": [0, 64]}}', new Uint8Array(4))), error: SafetensorsError, message: /data ends at byte \d+ but the file has \d+ bytes/ },
  { name: 'safetensors: a shape of 2^64 elements', run: () => decodeSafetensors(rawSafetensors('{"x": {"dtype": "U8", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}}')), error: SafetensorsError, message: /has more elements than any file can hold/ },
  { name: 'safetensors: overlapping tensors', run: () => decodeSafetensors(rawSafetensors('{"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}, "b": {"dtype": "U8", "shape": [2], "data_offsets": [1, 3]}}', new Uint8Array(3))), error: SafetensorsError, message: /overlap or leave gaps/ },
  { name: 'llama2.c: a billion layers in the header', run: () => readLlama2c(new Uint8Array(Int32Array.of(8, 8, 1e9, 1, 1, 4, 4).buffer)), error: Llama2cFormatError, message: /num_hidden_layers = 1000000000 is above 512/ },
  { name: 'llama2.c: a truncated body', run: () => readLlama2c(new Uint8Array(Int32Array.of(8, 8, 1, 2, 2, 4, 4).buffer)), error: Llama2cFormatError, message: /is truncated/ },
  { name: 'checkpoint: step "" (read as 0)', run: () => decodeCheckpoint(checkpointWith({ step: '' }), bundle.manifest.params), error: CheckpointError, message: /checkpoint field 'step' must be a non-negative integer written in digits, got ""/ },
  { name: 'checkpoint: step "1e3"', run: () => decodeCheckpoint(checkpointWith({ step: '1e3' }), bundle.manifest.params), error: CheckpointError, message: /got "1e3"/ },
  { name: 'checkpoint: a NaN parameter', run: () => decodeCheckpoint(checkpointWith({}, (t) => (t['param.w1']!.bytes = new Uint8Array(Float32Array.of(0, NaN, 0, 0, 0, 0).buffer))), bundle.manifest.params), error: CheckpointError, message: /'param\.w1' holds NaN at index 1/ },
  { name: 'bundle: a manifest whose params is a string (parsed without validation)', run: () => decodeBundle(bundleWithManifest((m) => (m['params'] = 'w1'))), error: BundleError, message: /bundle manifest field 'params' must be an array/ },
  { name: 'bundle: a negative dimension in the manifest', run: () => decodeBundle(bundleWithManifest((m) => ((m['params'] as { shape: number[] }[])[0]!.shape = [-3, 2]))), error: BundleError, message: /'params\[0\]\.shape\[0\]' must be a non-negative integer, got -3/ },
];

export const ASYNC_CASES: (Omit<CorpusCase, 'run'> & { run: () => Promise<unknown> })[] = [
  { name: 'tokenizer: a WordLevel vocab given as a string (ids came out undefined)', run: () => PromptTokenizer.fromJson({ ...tokenizerJson(), model: { ...tokenizerJson().model, vocab: 'a b c' } }, {}), error: TokenizerError, message: /model\.vocab of a WordLevel model must be an object of token -> id, got a string/ },
  { name: 'tokenizer: a negative added-token id (became an EOS id)', run: () => PromptTokenizer.fromJson({ ...tokenizerJson(), added_tokens: tokenizerJson().added_tokens.map((t, i) => (i === 2 ? { ...t, id: -1 } : t)) }, {}), error: TokenizerError, message: /added_tokens\[2\]\.id must be a non-negative integer token id, got -1/ },
  { name: 'tokenizer: a fractional vocabulary id', run: () => PromptTokenizer.fromJson({ ...tokenizerJson(), model: { ...tokenizerJson().model, vocab: { ...(tokenizerJson().model.vocab as object), the: 2.5 } } }, {}), error: TokenizerError, message: /model\.vocab\["the"\] must be a non-negative integer token id, got 2\.5/ },
  { name: 'tokenizer: an id of 2^31 - 1 in a 64-word vocabulary (found by fuzzing: a table that large)', run: () => PromptTokenizer.fromJson({ ...tokenizerJson(), model: { ...tokenizerJson().model, vocab: { ...(tokenizerJson().model.vocab as object), the: 2 ** 31 - 1 } } }, {}), error: TokenizerError, message: /uses token id 2147483647/ },
  { name: 'tokenizer: an empty vocabulary (found by fuzzing: every word got an undefined id)', run: () => PromptTokenizer.fromJson({ ...tokenizerJson(), model: { ...tokenizerJson().model, vocab: {} } }, {}), error: TokenizerError, message: /model\.vocab of a WordLevel model is empty/ },
  { name: 'hub: a shard announced at 5 GiB (a RangeError past 4 GiB)', run: () => hub('model-00001-of-00002.safetensors', { 'content-length': String(5 * 2 ** 30) }, [new Uint8Array(8)]), error: FileTooLargeError, message: /announces 5368709120 bytes/ },
  { name: 'hub: a Content-Length of 4e9 over 10 bytes (allocated 3.8 GB up front)', run: () => hub('model.safetensors', { 'content-length': '4000000000' }, [new Uint8Array(10)]), error: DownloadError, message: /expected 4000000000 bytes, received 10 \(the body ended early\)/ },
  { name: 'hub: a config.json larger than 16 MiB without Content-Length (no cap on JSON)', run: () => hub('config.json', {}, Array.from({ length: 20 }, () => new Uint8Array(2 ** 20))), error: FileTooLargeError, message: /the body passed 16\.0 MiB/ },
];

/** Run-state cases (H-loop's validator): each changes one field of a valid saved state. */
export const RUN_STATE_CHANGES: { name: string; change: (s: Record<string, any>) => void; message: RegExp }[] = [
  { name: 'Infinity as a buffer accuracy', change: (s) => (s['buffer'].heap[0].trainAccuracy = Infinity), message: /^run state buffer/ },
  { name: 'a queue capacity that contradicts the settings', change: (s) => (s['queue'].capacity = s['settings'].queueSize + 1), message: /^run state queue\.capacity/ },
  { name: 'a string where the initial prompts list belongs (split into characters)', change: (s) => (s['initialPrompts'] = 'abc'), message: /^run state initialPrompts: expected a list of prompts/ },
  { name: 'a non-numeric logZ', change: (s) => (s['logZ'] = '-3.5'), message: /^run state logZ: expected a finite number/ },
  { name: 'done: 1', change: (s) => (s['done'] = 1), message: /^run state done: expected null or the run's done event/ },
  { name: 'a negative step', change: (s) => (s['step'] = -1), message: /^run state step/ },
];

export { parseRunState, GflowpoStateError };
