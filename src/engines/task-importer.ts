// The setup view's task reader, run in a UI worker (workers/task-import.worker.ts) so parsing a large file never
// blocks the page: a user file (CSV/TSV/JSON/JSONL) or a hub dataset split becomes a table with a preview and a
// guessed mapping with its flags (tasks/import/to-task.ts); a mapping is reviewed and becomes a Task; a benchmark
// folder (the shared-data layout) becomes a registry task. Keeps the last table; renders nothing.
import { type DatasetSplitId, fetchDatasetRows, listDatasetSplits } from '../tasks/hub-datasets';
import { decodeText, parseImport } from '../tasks/import/detect';
import { previewRows } from '../tasks/import/mapping';
import { recogniseTaskFile, taskFromFile } from '../tasks/import/task-file';
import { type ImportFlag, type TaskMapping, importTask, reviewMapping, suggestTask } from '../tasks/import/to-task';
import type { ColumnSummary, Row, Table } from '../tasks/import/types';
import { loadSharedTask, sharedTaskNames } from '../tasks/registry';
import { type Task, TaskError } from '../tasks/task';

export type { ImportFlag, TaskMapping };

export interface ImportPreview {
  source: string;
  format: Table['format'];
  rowCount: number;
  columns: ColumnSummary[];
  /** The first rows, as text. */
  rows: Row[];
  /** The guessed mapping (null when no column looks like the answer) and what looks wrong with it. */
  suggested: TaskMapping | null;
  flags: ImportFlag[];
}

/** A benchmark file chosen in a picked data folder: its path inside the folder, and the file. */
export interface PickedFile {
  path: string;
  file: File;
}

/** A dropped file: a benchmark file (BIG-bench task.json, BIG-Bench Hard) is a task at once; a table needs a mapping. */
export type FileReading = { kind: 'benchmark'; format: 'bigbench' | 'bbh'; task: Task } | { kind: 'table'; preview: ImportPreview };

export class TaskImporterError extends Error {
  override name = 'TaskImporterError';
}

const PREVIEW_ROWS = 6;

export class TaskImporter {
  private table: Table | null = null;

  /**
   * Reads a user file: BIG-bench and BIG-Bench Hard files are recognised by their structure and loaded as tasks;
   * any other table is parsed (format from its name and content) and kept for review and buildTask.
   */
  readFile(name: string, bytes: Uint8Array): FileReading {
    const text = decodeText(name, bytes);
    const { format } = recogniseTaskFile(name, text);
    if (format === 'bigbench' || format === 'bbh') {
      this.table = null;
      return { kind: 'benchmark', format, task: taskFromFile(name, text).task };
    }
    this.table = parseImport(name, text);
    return { kind: 'table', preview: this.preview(this.table) };
  }

  hubSplits(dataset: string, host?: string): Promise<DatasetSplitId[]> {
    return listDatasetSplits(dataset, host ? { host } : {});
  }

  /** Up to `limit` rows of one split of a hub dataset, as a table (kept for buildTask). */
  async readHub(dataset: string, config: string, split: string, limit: number, host?: string): Promise<ImportPreview> {
    this.table = await fetchDatasetRows(dataset, { config, split, limit, ...(host ? { host } : {}) });
    return this.preview(this.table);
  }

  /** What looks wrong with `mapping` on the kept table (blocking flags need the user's confirmation). */
  review(mapping: TaskMapping): ImportFlag[] {
    return reviewMapping(this.kept(), mapping);
  }

  /** The kept table mapped, split and checked as a Task (ImportError naming the row, or TaskError, otherwise). */
  buildTask(mapping: TaskMapping): Task {
    return importTask(this.kept(), mapping);
  }

  private kept(): Table {
    if (!this.table) throw new TaskImporterError('no table is loaded: read a file or a hub dataset first');
    return this.table;
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
    const { mapping, flags } = suggestTask(table);
    return { source: table.source, format: table.format, rowCount: table.rows.length, columns: preview.columns, rows: preview.rows, suggested: mapping, flags };
  }
}
