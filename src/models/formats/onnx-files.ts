// Which file of a transformers.js / onnx-community folder holds an ONNX export of the model (onnx/model.onnx,
// model_fp16.onnx, model_q4.onnx, model_q4f16.onnx) and its external data, when the folder has no safetensors.
// Names only: reading the model is onnx-llama.ts (kept apart so the page's folder picker does not load the reader).

/** ONNX model files by preference when a folder has several: the exact ones first, then 4-bit. */
export const ONNX_MODEL_FILES = ['model.onnx', 'model_fp16.onnx', 'model_q4.onnx', 'model_q4f16.onnx'] as const;

const baseName = (path: string) => path.split('/').pop() ?? path;

/**
 * The ONNX model among `files` (keys are base names or 'onnx/<name>' paths; a map of the files or a set of their
 * names, as a hub repo lists them) when there are no safetensors weights:
 * the first of ONNX_MODEL_FILES present, with its external data file (<name>_data or <name>.data) when given.
 */
export function onnxModelFile(files: { keys(): Iterable<string>; has(name: string): boolean }): { model: string; data: string | null } | null {
  if ([...files.keys()].some((k) => k.endsWith('.safetensors')) || files.has('model.safetensors.index.json')) return null;
  for (const wanted of ONNX_MODEL_FILES) {
    const model = [...files.keys()].find((k) => baseName(k) === wanted);
    if (model === undefined) continue;
    const data = [`${model}_data`, `${model}.data`].find((d) => files.has(d)) ?? null;
    return { model, data };
  }
  return null;
}
