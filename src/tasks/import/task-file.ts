// A file a user drops or inspects -> Task, with no flag needed for the format: BIG-bench task.json and BIG-Bench Hard
// files are recognised by their structure and loaded as benchmarks (bigbench.ts, bbh.ts); any other CSV, TSV, JSON
// Lines or JSON table goes through a mapping (to-task.ts): the one given, or a guess that is used only when nothing
// in it is flagged as blocking. Bytes are decoded strictly (detect.ts). No file system: the caller passes the content.
import { type BbhOptions, bbhTaskFrom, looksLikeBbh, readBbh } from '../bbh';
import { type BigBenchOptions, bigBenchTaskFrom, looksLikeBigBench, readBigBench } from '../bigbench';
import type { Task, TaskFamily } from '../task';
import { type ImportFormat, type ImportOptions, decodeText, detectFormat, parseImport } from './detect';
import { readJsonDocument } from './json';
import { stripBom } from './position';
import { type ImportFlag, type TaskMapping, importTask, reviewMapping, suggestTask } from './to-task';
import { ImportError } from './types';

export type TaskFileFormat = 'bigbench' | 'bbh' | ImportFormat;

export interface TaskFileOptions {
  /**
   * Table files: the mapping, whole or in part (merged over the guess). A mapping that names both family and
   * targetColumn is the user's choice: its flags are reported, not blocking. Given for a JSON file, it also skips the
   * benchmark recognition (the file is read as a table).
   */
  map?: Partial<TaskMapping>;
  /** The family, over the guess or the benchmark file's own. */
  family?: TaskFamily;
  /** Task name; default bigbench/<name>, bbh/<file> or import/<file>. */
  name?: string;
  /** Parser options for table files (format, delimiter, quoting, header). */
  import?: ImportOptions;
  /** Splits of benchmark files (bigbench.ts benchmarkSplits). */
  benchmark?: Pick<BigBenchOptions, 'trainSize' | 'validationSize' | 'order' | 'seed'>;
}

export interface TaskFileResult {
  format: TaskFileFormat;
  task: Task;
  /** The mapping used, for table files. */
  mapping?: TaskMapping;
  /** What looked wrong in that mapping (none for benchmark files). */
  flags: ImportFlag[];
}

const FAMILIES: readonly TaskFamily[] = ['classification', 'generation', 'multiple_choice'];

/** Which format a file is, by its structure (benchmark files) or its name and content (tables). */
export function recogniseTaskFile(file: string, text: string): { format: TaskFileFormat; json?: ReturnType<typeof readJsonDocument> } {
  const format = detectFormat(file, text);
  if (format !== 'json' || !stripBom(text).trimStart().startsWith('{')) return { format };
  const json = readJsonDocument(file, text);
  if (looksLikeBigBench(json.value)) return { format: 'bigbench', json };
  if (looksLikeBbh(json.value)) return { format: 'bbh', json };
  return { format, json };
}

export function taskFromFile(file: string, content: string | Uint8Array, options: TaskFileOptions = {}): TaskFileResult {
  const text = typeof content === 'string' ? content : decodeText(file, content);
  if (options.family !== undefined && !FAMILIES.includes(options.family)) {
    throw new ImportError(`${file}: family must be classification, generation or multiple_choice, got ${JSON.stringify(options.family)}`, { file, line: 1, column: 1 });
  }
  if (options.map === undefined && options.import?.format === undefined) {
    const seen = recogniseTaskFile(file, text);
    const common = { ...options.benchmark, ...(options.name !== undefined && { taskName: options.name }) };
    if (seen.format === 'bigbench' || seen.format === 'bbh') {
      if (options.family === 'classification') {
        throw new ImportError(`${file}: a ${seen.format === 'bbh' ? 'BBH' : 'BIG-bench'} file is multiple_choice or generation, not classification`, { file, line: 1, column: 1 });
      }
      const family = options.family as 'multiple_choice' | 'generation' | undefined;
      const task =
        seen.format === 'bigbench'
          ? bigBenchTaskFrom(readBigBench(seen.json!, file), { ...common, ...(family && { family }) })
          : bbhTaskFrom(readBbh(seen.json!, file), file, { ...common, ...(family && { family }) } as BbhOptions);
      return { format: seen.format, task, flags: [] };
    }
  }
  const table = parseImport(file, text, options.import);
  const format = table.format as ImportFormat;
  const guess = suggestTask(table);
  const chosen = options.map ?? {};
  const explicit = (chosen.family ?? options.family) !== undefined && chosen.targetColumn !== undefined;
  const merged = { ...(guess.mapping ?? (guess.inputColumns.length > 0 ? { inputColumns: guess.inputColumns } : {})), ...chosen, ...(options.family !== undefined && { family: options.family }), ...(options.name !== undefined && { name: options.name }) };
  if (merged.family === undefined || merged.targetColumn === undefined || merged.inputColumns === undefined) {
    const why = guess.flags.map((f) => f.message).join('; ');
    throw new ImportError(`${file}: no mapping to a task${why ? `: ${why}` : ''}; give one, e.g. {"family": "classification", "inputColumns": ["text"], "targetColumn": "label"}`, { file, line: 1, column: 1 });
  }
  const mapping = merged as TaskMapping;
  const flags = reviewMapping(table, mapping);
  const blocking = flags.filter((f) => f.blocking);
  if (!explicit && blocking.length > 0) {
    const { name: _name, ...shown } = mapping;
    throw new ImportError(
      `${file}: the guessed mapping needs your confirmation: ${blocking.map((f) => f.message).join('; ')}. Pass it, changed as needed, as the mapping: ${JSON.stringify(shown)}`,
      { file, line: 1, column: 1 },
    );
  }
  return { format, task: importTask(table, mapping), mapping, flags };
}
