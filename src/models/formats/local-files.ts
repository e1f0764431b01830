// A model from files the user picks (File objects from <input type=file webkitdirectory> or drag and drop):
// reads the JSON and safetensors files, keyed by base name, and checks the set is a loadable model. A folder
// without safetensors may hold a transformers.js ONNX export (onnx/model*.onnx): then one of those is read, by
// onnx-files.ts's preference, with its external data file.
// Browser and Node alike (no node: imports); reading a folder from disk in Node is in local-folder-node.ts.
import { parseSafetensorsHeader } from '../../onnx/safetensors';
import { ONNX_MODEL_FILES, onnxModelFile } from './onnx-files';

/** The picked files are not a loadable model (something missing, duplicated or corrupt). */
export class LocalModelFilesError extends Error {
  override name = 'LocalModelFilesError';
  constructor(
    message: string,
    /** What a model needs and the selection lacks. */
    readonly missing: string[],
    /** The file names that were given. */
    readonly given: string[],
  ) {
    super(message);
  }
}

const SHARD_INDEX = 'model.safetensors.index.json';

/** Only these are read: a picked snapshot folder may also hold ONNX or PyTorch weights worth gigabytes. */
export function isModelFileName(name: string): boolean {
  return name.endsWith('.json') || name.endsWith('.safetensors');
}

/**
 * Without safetensors among `names` (base names): the ONNX export to read (the first of ONNX_MODEL_FILES present)
 * and its external data file when there is one; empty otherwise.
 */
export function chooseOnnxFiles(names: readonly string[]): string[] {
  if (names.some((n) => n.endsWith('.safetensors'))) return [];
  const model = ONNX_MODEL_FILES.find((f) => names.includes(f));
  if (!model) return [];
  return [model, ...[`${model}_data`, `${model}.data`].filter((d) => names.includes(d)).slice(0, 1)];
}

/** The path as picked ('folder/sub/config.json' from a directory picker), else the name. */
function pickedPath(file: File): string {
  return (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name;
}

function baseName(path: string): string {
  return path.split(/[/\\]/).pop() ?? path;
}

/**
 * Reads the model files among `files` into memory, keyed by base name. Hidden files and folders ('.git/…') are
 * skipped; when two picked files share a name, the one nearer the top of the picked folder wins.
 */
export async function readLocalModelFiles(files: File[] | FileList): Promise<Map<string, Uint8Array>> {
  const all = Array.from(files);
  const chosen = new Map<string, { path: string; file: File }>();
  for (const file of all) {
    const path = pickedPath(file);
    const parts = path.split(/[/\\]/);
    const name = baseName(path);
    if (!isModelFileName(name) || parts.some((p) => p.startsWith('.'))) continue;
    const other = chosen.get(name);
    const depth = (p: string) => p.split(/[/\\]/).length;
    if (other && depth(other.path) === depth(path)) {
      throw new LocalModelFilesError(`two picked files are named ${name} (${other.path}, ${path}): pick the folder of one model`, [], all.map(pickedPath));
    }
    if (!other || depth(path) < depth(other.path)) chosen.set(name, { path, file });
  }
  // No safetensors: one ONNX export (not every variant a snapshot holds: each can be hundreds of MB).
  const visible = all.filter((f) => !pickedPath(f).split(/[/\\]/).some((p) => p.startsWith('.')));
  for (const name of chooseOnnxFiles(visible.map((f) => baseName(pickedPath(f))))) {
    const file = visible.find((f) => baseName(pickedPath(f)) === name)!;
    chosen.set(name, { path: pickedPath(file), file });
  }
  const out = new Map<string, Uint8Array>();
  for (const [name, { file }] of chosen) out.set(name, new Uint8Array(await file.arrayBuffer()));
  validateLocalModelFiles(out, all.map(pickedPath));
  return out;
}

/**
 * Checks a name -> bytes set is a model: config.json (valid JSON), safetensors weights with valid headers, and every
 * shard the index lists. `given` names what the user supplied, for the error message.
 */
export function validateLocalModelFiles(files: ReadonlyMap<string, Uint8Array>, given: readonly string[]): void {
  const listGiven = given.length === 0 ? 'no files' : given.slice(0, 20).join(', ') + (given.length > 20 ? `, … (${given.length} in all)` : '');
  const missing: string[] = [];
  if (!files.has('config.json')) missing.push('config.json');
  const weights = [...files.keys()].filter((f) => f.endsWith('.safetensors'));
  const noWeights = weights.length === 0 && !onnxModelFile(files);
  if (noWeights) missing.push('a .safetensors weights file');
  const index = files.get(SHARD_INDEX);
  if (index) {
    for (const shard of shardNames(index, given)) if (!files.has(shard)) missing.push(shard);
  }
  if (missing.length > 0) {
    const orOnnx = noWeights ? ` (instead of safetensors, a folder may hold an ONNX export: onnx/${ONNX_MODEL_FILES.join(', ')})` : '';
    throw new LocalModelFilesError(`the picked files are not a complete model: missing ${missing.join(', ')}; given: ${listGiven}${orOnnx}`, missing, [...given]);
  }
  jsonOf('config.json', files.get('config.json')!, given);
  for (const name of weights) {
    try {
      parseSafetensorsHeader(files.get(name)!);
    } catch (error) {
      throw new LocalModelFilesError(`${name} is not a valid safetensors file: ${(error as Error).message}`, [], [...given]);
    }
  }
}

function jsonOf(name: string, bytes: Uint8Array, given: readonly string[]): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new LocalModelFilesError(`${name} is not valid JSON (${(error as Error).message})`, [], [...given]);
  }
}

function shardNames(index: Uint8Array, given: readonly string[]): string[] {
  const weightMap = (jsonOf(SHARD_INDEX, index, given) as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null) {
    throw new LocalModelFilesError(`${SHARD_INDEX} has no 'weight_map' object of tensor name -> shard file`, [], [...given]);
  }
  return [...new Set(Object.values(weightMap).map((s) => baseName(String(s))))].sort();
}
