// Node only: a model from a folder on disk (a Hugging Face snapshot), read like picked files in the browser.
// Browser code must never import this file (it uses node:fs); the checks live in local-files.ts.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalModelFilesError, chooseOnnxFiles, isModelFileName, validateLocalModelFiles } from './local-files';

/**
 * Reads the JSON and safetensors files at the top of `folder`, keyed by file name, and checks they form a model;
 * without safetensors, one ONNX export from the top or its onnx/ subfolder (local-files.ts, chooseOnnxFiles).
 */
export async function readLocalModelFolder(folder: string): Promise<Map<string, Uint8Array>> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    throw new LocalModelFilesError(`cannot read model folder ${folder}: ${(error as Error).message}`, ['config.json', 'a .safetensors weights file'], []);
  }
  const names = entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name).sort();
  const files = new Map<string, Uint8Array>();
  for (const name of names) {
    if (!isModelFileName(name) || name.startsWith('.')) continue;
    const data = await readFile(join(folder, name));
    files.set(name, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  const onnxFolder = join(folder, 'onnx');
  const inOnnx = new Set(await readdir(onnxFolder).catch(() => [] as string[]));
  for (const name of chooseOnnxFiles([...names, ...inOnnx])) {
    const data = await readFile(names.includes(name) ? join(folder, name) : join(onnxFolder, name));
    files.set(name, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  validateLocalModelFiles(files, names);
  return files;
}
