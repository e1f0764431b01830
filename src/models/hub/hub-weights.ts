// Which weight files of a hub repo to download when it has no safetensors shard index: model.safetensors, or one
// transformers.js ONNX export (onnx/model*.onnx, at the top or under onnx/) with its external data file, chosen from
// the repo's file list by the folder loader's preference (ONNX_MODEL_FILES in src/models/formats/onnx-files.ts), or
// the variant asked for. Pure: the file list is fetched, and the files downloaded, by hub.ts.
import { ONNX_MODEL_FILES, onnxModelFile } from '../formats/onnx-files';

export const SHARD_INDEX = 'model.safetensors.index.json';
export const SINGLE_WEIGHTS = 'model.safetensors';
/** Where a repo keeps its transformers.js ONNX exports. */
const ONNX_DIR = 'onnx/';

/** An ONNX export a repo may hold under onnx/ that the loader reads (src/models/formats/onnx-files.ts). */
export type OnnxVariant = (typeof ONNX_MODEL_FILES)[number];

/**
 * The repo holds no weights this app reads: neither safetensors (model.safetensors, or an index and its shards) nor
 * an ONNX export of ONNX_MODEL_FILES with at most one external data file; or not the ONNX variant asked for.
 */
export class UnsupportedModelFilesError extends Error {
  override name = 'UnsupportedModelFilesError';
  constructor(
    message: string,
    readonly modelId: string,
    /** The repo's files at the revision, as the hub lists them. */
    readonly files: readonly string[],
    /** The weight files this app reads. */
    readonly supported: readonly string[],
  ) {
    super(message);
  }
}

/** What the choice depends on besides the file list. */
export interface WeightsRequest {
  modelId: string;
  revision: string;
  /** The ONNX variant asked for (HubSettings.onnx), or undefined. */
  onnx: OnnxVariant | undefined;
}

/** Whether a listed file may be one of the ONNX export's: at the top of the repo or in onnx/ (not onnx/<sub>/), not safetensors. */
const isOnnxCandidate = (file: string) => !file.endsWith('.safetensors') && (!file.includes('/') || (file.startsWith(ONNX_DIR) && !file.slice(ONNX_DIR.length).includes('/')));

/**
 * The weight files of a repo without a shard index (or asked for an ONNX variant), from its file list (undefined: the
 * host gives none): `required` must exist, `optional` may be absent (404).
 */
export function chooseWeightFiles(ctx: WeightsRequest, listed: string[] | undefined): { required: string[]; optional: string[] } {
  const variant = ctx.onnx;
  if (listed === undefined) {
    if (variant === undefined) return { required: [SINGLE_WEIGHTS], optional: [] };
    const model = ONNX_DIR + variant;
    return { required: [model], optional: [`${model}_data`, `${model}.data`] };
  }
  if (variant === undefined && listed.includes(SINGLE_WEIGHTS)) return { required: [SINGLE_WEIGHTS], optional: [] };
  const names = (variant === undefined ? ONNX_MODEL_FILES : [variant]).flatMap((m) => [m, `${m}_data`, `${m}.data`]);
  const chosen = onnxModelFile(new Set(listed.filter((f) => isOnnxCandidate(f) && names.includes(f.split('/').pop()!))));
  const supportedFiles = ONNX_MODEL_FILES.map((m) => ONNX_DIR + m);
  const shown = (files: readonly string[]) => (files.length === 0 ? 'none' : files.slice(0, 30).join(', ') + (files.length > 30 ? `, … (${files.length} in all)` : ''));
  if (chosen === null) {
    const onnxFiles = listed.filter((f) => f.endsWith('.onnx'));
    const message =
      variant === undefined
        ? `model ${ctx.modelId} at revision '${ctx.revision}' has neither safetensors weights (${SINGLE_WEIGHTS}, or ${SHARD_INDEX} with its shards) nor an ONNX export this app reads ` +
          `(${supportedFiles.join(', ')}, each with its external data file if any); its files: ${shown(listed)}. Choose a model that has one of these.`
        : `model ${ctx.modelId} at revision '${ctx.revision}' has no ${ONNX_DIR}${variant}; its ONNX files: ${shown(onnxFiles)}. ` +
          `Ask for one of ${ONNX_MODEL_FILES.filter((m) => listed.includes(ONNX_DIR + m)).join(', ') || 'the variants this app reads (it has none)'}, or leave the ONNX variant unset.`;
    throw new UnsupportedModelFilesError(message, ctx.modelId, listed, [SINGLE_WEIGHTS, SHARD_INDEX, ...supportedFiles]);
  }
  const split = listed.filter((f) => f.startsWith(`${chosen.model}_data_`) || f.startsWith(`${chosen.model}.data_`));
  if (split.length > 0) {
    const others = ONNX_MODEL_FILES.filter((m) => listed.includes(ONNX_DIR + m) && ONNX_DIR + m !== chosen.model);
    throw new UnsupportedModelFilesError(
      `${chosen.model} of ${ctx.modelId} keeps its weights in ${split.length + (chosen.data ? 1 : 0)} external data files (${[chosen.data, ...split].filter(Boolean).join(', ')}); ` +
        `this app reads an export with at most one. ${others.length > 0 ? `Ask for another ONNX variant of this repo (${others.join(', ')}).` : 'Choose a smaller model or one with safetensors weights.'}`,
      ctx.modelId,
      listed,
      [SINGLE_WEIGHTS, SHARD_INDEX, ...supportedFiles],
    );
  }
  return { required: chosen.data ? [chosen.model, chosen.data] : [chosen.model], optional: [] };
}
