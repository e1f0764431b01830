// `npm run lm -- <logits|sample> --model <llama2.c file | hub-layout folder | hub id> ...`: headless
// inspection of a model on our compiled graphs (wasm in Node). Prints JSON on stdout; errors on stderr.
//   logits --ids 1,461,461                      -> {"logits": [[...], ...]} one row per position
//   sample --prompt "..." | --ids 1,2 --n 4 --seed 1 [--temperature 1] [--top-p 0.9] [--max-new-tokens 32] [--chat]
//   inspect                                     -> the model's summary (type, layers, hidden, heads, vocab, parameters,
//                                                  dtype, files) after validating it, or {"error": {...}} and exit 2
// Hub ids are fetched from --hub-host (default https://huggingface.co, or $HF_HUB_HOST) at --revision.
import { maskAndPositions } from '../src/models/llama/attention-mask';
import { fetchModel, fetchModelFiles, resolveModelFiles } from '../src/models/hub/hub';
import { inspectHubPlan, inspectLlama2c, inspectModelFiles } from '../src/models/formats/inspect';
import { decoderGraph, io } from '../src/models/llama/graphs';
import { toGraphLayout } from '../src/models/llama/weights';
import { type LoadedModel, loadLlama2cFile, loadModelFiles } from '../src/models/formats/load-model';
import { MemoryModelCache } from '../src/models/hub/model-cache';
import { hostTensor } from '../src/runtime/host-tensor';
import { loadOrtNode } from '../src/runtime/ort-node';
import { type ModelSource, PromptLM } from '../src/engines/prompt-lm';
import { GFLOWPO_DEFAULTS } from '../src/gflow/settings';
import { GraphSession } from '../src/runtime/run-graph';
import { modelSource } from './model-source';

class UsageError extends Error {
  override name = 'UsageError';
}

const USAGE = 'usage: npm run lm -- logits --model <file|folder|hub id> --ids 1,2,3\n       npm run lm -- inspect --model <file|folder|hub id>\n       npm run lm -- sample --model <...> (--prompt "text" | --ids 1,2) [--n 4] [--seed 1] [--temperature 1] [--top-p 0.9] [--max-new-tokens 32] [--chat]';

function parseArgs(argv: string[]): { command: string; flags: Map<string, string> } {
  const [command, ...rest] = argv;
  if (command !== 'logits' && command !== 'sample' && command !== 'inspect') throw new UsageError(`unknown command '${command ?? ''}'`);
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const key = rest[i]!;
    if (!key.startsWith('--')) throw new UsageError(`unexpected argument '${key}'`);
    const value = key === '--chat' ? 'true' : rest[++i];
    if (value === undefined) throw new UsageError(`${key} needs a value`);
    flags.set(key.slice(2), value);
  }
  if (!flags.get('model')) throw new UsageError('--model is required');
  return { command, flags };
}

function ids(text: string | undefined): number[] {
  if (!text) throw new UsageError('--ids is required (comma-separated token ids)');
  const out = text.split(',').map((s) => Number(s.trim()));
  if (out.some((x) => !Number.isInteger(x) || x < 0)) throw new UsageError(`--ids must be comma-separated non-negative integers, got '${text}'`);
  return out;
}

function number(flags: Map<string, string>, key: string, fallback: number): number {
  const v = flags.get(key);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${key} must be a number, got '${v}'`);
  return n;
}

async function loaded(src: ModelSource): Promise<LoadedModel> {
  if (src.kind === 'llama2c') return loadLlama2cFile(src.bytes);
  if (src.kind === 'loaded') return src.model;
  const files = src.kind === 'files' ? src.files : await fetchModel(src.modelId, { cache: new MemoryModelCache(), ...(src.settings ? { settings: src.settings } : {}) });
  return loadModelFiles(files);
}

async function logits(src: ModelSource, tokens: number[]): Promise<void> {
  const { config, weights } = await loaded(src);
  const bad = tokens.find((t) => t >= config.vocabSize);
  if (bad !== undefined) throw new UsageError(`token id ${bad} is outside the vocabulary (size ${config.vocabSize})`);
  const graph = decoderGraph(config, { weights: { kind: 'initialisers', weights: toGraphLayout(config, weights) }, cache: false, logits: 'all' });
  const session = await GraphSession.open(await loadOrtNode(), graph);
  const T = tokens.length;
  const { mask, positions } = maskAndPositions([0], 0, T);
  const out = await session.run({
    [io.ids]: hostTensor('int64', [1, T], BigInt64Array.from(tokens.map(BigInt))),
    [io.positions]: hostTensor('int64', [1, T], positions),
    [io.mask]: hostTensor('bool', [1, T, T], mask),
  });
  const data = out['logits']!.data as Float32Array;
  const V = config.vocabSize;
  const rows = Array.from({ length: T }, (_, t) => Array.from(data.subarray(t * V, (t + 1) * V)));
  await session.release();
  process.stdout.write(`${JSON.stringify({ logits: rows })}\n`);
}

async function sample(src: ModelSource, flags: Map<string, string>): Promise<void> {
  const lm = new PromptLM(loadOrtNode);
  await lm.load(src, GFLOWPO_DEFAULTS, { backend: 'wasm' });
  const prompt = flags.get('prompt');
  let promptIds: number[];
  if (prompt !== undefined) promptIds = flags.has('chat') ? lm.encodeChat([{ role: 'user', content: prompt }]) : lm.encode(prompt);
  else promptIds = ids(flags.get('ids'));
  const n = number(flags, 'n', 4);
  const seed = number(flags, 'seed', 1);
  const samples = await lm.sample(Array.from({ length: n }, () => promptIds), {
    seeds: Array.from({ length: n }, (_, i) => seed + i),
    temperature: number(flags, 'temperature', 1),
    topP: number(flags, 'top-p', 0.9),
    maxNewTokens: number(flags, 'max-new-tokens', 32),
    adapter: false,
  });
  await lm.release();
  process.stdout.write(`${JSON.stringify({ prompt: promptIds, samples: samples.map((s) => ({ text: s.text, tokens: s.tokens, logProb: s.logProb, finished: s.finished })) }, null, 1)}\n`);
}

/** Validates the model without loading it into a runtime; prints its summary. */
async function inspect(src: ModelSource, model: string): Promise<void> {
  let out: unknown;
  if (src.kind === 'llama2c') out = inspectLlama2c(src.bytes, model.split(/[/\\]/).pop());
  else if (src.kind === 'files') out = inspectModelFiles(src.files);
  else if (src.kind === 'hub') {
    const options = { cache: new MemoryModelCache(), ...(src.settings ? { settings: src.settings } : {}) };
    const plan = await resolveModelFiles(src.modelId, options);
    const tokenizer = await fetchModelFiles(src.modelId, ['tokenizer.json', 'tokenizer_config.json'], { ...options, optional: ['tokenizer.json', 'tokenizer_config.json'] });
    out = { model: src.modelId, ...inspectHubPlan(new Map([...plan.fetched, ...tokenizer]), plan.required) };
  } else throw new UsageError('inspect takes a llama2.c file, a hub-layout folder or a hub id');
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

const [commandArg] = process.argv.slice(2);
try {
  const { command, flags } = parseArgs(process.argv.slice(2));
  const src = await modelSource(flags.get('model')!, flags);
  if (command === 'logits') await logits(src, ids(flags.get('ids')));
  else if (command === 'inspect') await inspect(src, flags.get('model')!);
  else await sample(src, flags);
} catch (error) {
  if (commandArg === 'inspect') {
    const e = error as Error;
    process.stdout.write(`${JSON.stringify({ error: { name: e.name, message: e.message } }, null, 2)}\n`);
    if (error instanceof UsageError) process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const e = error as Error;
  process.stderr.write(`${e.name}: ${e.message}\n${error instanceof UsageError ? `${USAGE}\n` : ''}`);
  process.exit(error instanceof UsageError ? 2 : 1);
}
