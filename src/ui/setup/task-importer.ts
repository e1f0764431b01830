// The setup view's task reader, run in a UI worker (workers/task-import.worker.ts) so parsing a large file never
// blocks the page: a user file (CSV/TSV/JSON/JSONL) or a hub dataset split becomes a table with a preview and a
// suggested column mapping; a mapping (family, columns, label words, metric, split fractions) becomes a Task; a
// benchmark folder (the shared-data layout) becomes a registry task. Keeps the last table; renders nothing.
import { type DatasetSplitId, fetchDatasetRows, listDatasetSplits } from '../../tasks/hub-datasets';
import { decodeText, parseImport } from '../../tasks/import/detect';
import { mapExamples, previewRows, suggestMapping } from '../../tasks/import/mapping';
import { splitExamples } from '../../tasks/import/split';
import type { ColumnMapping, ColumnSummary, Row, SplitFractions, Table } from '../../tasks/import/types';
import { loadSharedTask, sharedTaskNames } from '../../tasks/registry';
import { CLASSIFICATION_TEMPLATE, GENERATION_TEMPLATE, type Metric, type Task, TaskError, finishTask } from '../../tasks/task';

export interface ImportPreview {
  source: string;
  format: Table['format'];
  rowCount: number;
  columns: ColumnSummary[];
  /** The first rows, as text. */
  rows: Row[];
  suggested: ColumnMapping | null;
}

export interface TaskRecipe {
  /** Shown name; the id adds the source and a content hash. */
  name: string;
  family: 'classification' | 'generation';
  mapping: ColumnMapping;
  /** Generation only. */
  metric: Metric;
  fractions: SplitFractions;
  seed: number;
}

/** A benchmark file chosen in a picked data folder: its path inside the folder, and the file. */
export interface PickedFile {
  path: string;
  file: File;
}

export class TaskImporterError extends Error {
  override name = 'TaskImporterError';
}

const PREVIEW_ROWS = 6;

export class TaskImporter {
  private table: Table | null = null;

  /** Parses a user file (format from its name and content); the table is kept for buildTask. */
  readFile(name: string, bytes: Uint8Array): ImportPreview {
    this.table = parseImport(name, decodeText(name, bytes));
    return this.preview(this.table);
  }

  hubSplits(dataset: string, host?: string): Promise<DatasetSplitId[]> {
    return listDatasetSplits(dataset, host ? { host } : {});
  }

  /** Up to `limit` rows of one split of a hub dataset, as a table (kept for buildTask). */
  async readHub(dataset: string, config: string, split: string, limit: number, host?: string): Promise<ImportPreview> {
    this.table = await fetchDatasetRows(dataset, { config, split, limit, ...(host ? { host } : {}) });
    return this.preview(this.table);
  }

  /** The kept table mapped, split and checked as a Task (TaskError or ImportError naming the row otherwise). */
  buildTask(recipe: TaskRecipe): Task {
    const table = this.table;
    if (!table) throw new TaskImporterError('no table is loaded: read a file or a hub dataset first');
    const { mapping, family } = recipe;
    if (family === 'classification' && mapping.labelColumn === undefined) throw new TaskImporterError('a classification task needs a label column: choose the column that holds the class');
    if (family === 'generation' && mapping.outputColumn === undefined) throw new TaskImporterError('a generation task needs an output column: choose the column that holds the answer');
    const examples = mapExamples(table, family === 'classification' ? { ...mapping, outputColumn: undefined } : { ...mapping, labelColumn: undefined, labelWords: undefined });
    const splits = splitExamples(examples, recipe.fractions, recipe.seed);
    const strip = (xs: typeof examples) => xs.map((e) => ({ input: e.input, output: e.output, fields: e.fields }));
    const labelWords = family === 'classification' ? [...new Set(examples.map((e) => e.output))].sort() : undefined;
    return finishTask(
      {
        name: recipe.name,
        family,
        template: family === 'classification' ? CLASSIFICATION_TEMPLATE : GENERATION_TEMPLATE,
        ...(labelWords ? { labelWords } : {}),
        metric: family === 'classification' ? 'accuracy' : recipe.metric,
        splits: { train: strip(splits.train), validation: strip(splits.validation), test: strip(splits.test) },
        description: `Imported from ${table.source} (${examples.length} rows; split ${fmt(recipe.fractions)}, seed ${recipe.seed}).`,
      },
      { source: table.source, split: fmt(recipe.fractions), seed: recipe.seed },
    );
  }

  /**
   * A registry task read from a picked copy of the shared data folder (glue-16-shot/, instruction-induction/,
   * mmlu/): only the files the task needs are read. `files` paths start below the picked folder's name.
   */
  async loadBenchmark(name: string, files: readonly PickedFile[]): Promise<Task> {
    if (!sharedTaskNames().includes(name)) throw new TaskImporterError(`unknown benchmark task "${name}"`);
    const byPath = new Map(files.map((f) => [f.path.split('/').slice(1).join('/'), f.file]));
    const texts = new Map<string, string>();
    // loadSharedTask reads synchronously: run it, read what it asked for and lacked, and again (a few files per task).
    for (let attempt = 0; attempt < 8; attempt++) {
      let missing: string | null = null;
      try {
        return loadSharedTask(name, (path) => {
          const text = texts.get(path);
          if (text !== undefined) return text;
          missing = path;
          throw new Error('not read yet');
        });
      } catch (error) {
        if (missing === null) throw error;
        const file = byPath.get(missing);
        if (!file) throw new TaskError(`the picked folder has no ${missing}; pick the data folder that holds glue-16-shot/, instruction-induction/ and mmlu/`);
        texts.set(missing, decodeText(missing, new Uint8Array(await file.arrayBuffer())));
      }
    }
    throw new TaskImporterError(`task ${name} asked for more files than expected; this is a bug in the lab`);
  }

  private preview(table: Table): ImportPreview {
    const preview = previewRows(table.rows, PREVIEW_ROWS, table.columns);
    return { source: table.source, format: table.format, rowCount: table.rows.length, columns: preview.columns, rows: preview.rows, suggested: suggestMapping(table, preview) };
  }
}

function fmt(f: SplitFractions): string {
  return `${f.train}/${f.validation}/${f.test}`;
}
