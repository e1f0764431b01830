// The task chosen in the setup view: a built-in task, a benchmark task read from a picked data folder, or a user
// file / hub dataset turned into a task through a preview and a column mapping. Parsing and mapping run in the
// task-import worker; this class keeps the choices and the resulting Task. No DOM.
import * as Comlink from 'comlink';
import type { Remote } from 'comlink';
import type { DatasetSplitId } from '../../tasks/hub-datasets';
import { BUILTIN_TASKS, builtinTask } from '../../tasks/builtin';
import type { Metric, Task } from '../../tasks/task';
import { type ShownError, toShownError } from '../common/errors';
import type { ImportPreview, PickedFile, TaskImporter } from './task-importer';

export type TaskKind = 'builtin' | 'benchmark' | 'file' | 'hub';

export const GENERATION_METRICS: readonly Metric[] = ['exact_match', 'contains', 'f1', 'exact_set'];

export class TaskSlot {
  kind = $state<TaskKind>('builtin');
  task = $state.raw<Task | null>(null);
  error = $state<ShownError | null>(null);
  busy = $state<string | null>(null);

  builtinName = $state<string>(BUILTIN_TASKS[0]!);
  builtinSeed = $state(0);

  benchmarkFiles = $state.raw<PickedFile[]>([]);
  benchmarkName = $state('sst2');

  hubDataset = $state('');
  hubSplits = $state.raw<DatasetSplitId[]>([]);
  hubSplit = $state(0);
  hubLimit = $state(500);

  preview = $state.raw<ImportPreview | null>(null);
  family = $state<'classification' | 'generation'>('classification');
  inputColumns = $state<string[]>([]);
  labelColumn = $state('');
  outputColumn = $state('');
  /** Raw label value -> the word the target-LM should say. */
  labelWords = $state<Record<string, string>>({});
  metric = $state<Metric>('exact_match');
  splitSeed = $state(0);
  trainFraction = $state(0.4);
  validationFraction = $state(0.2);

  #worker: Worker | undefined;
  #importer: Remote<TaskImporter> | undefined;

  get builtinNames(): readonly string[] {
    return BUILTIN_TASKS;
  }

  /** The label values of the chosen label column (from the preview's summary of every row). */
  get labelValues(): string[] {
    return this.preview?.columns.find((c) => c.name === this.labelColumn)?.valueCounts?.map((v) => v.value) ?? [];
  }

  chooseBuiltin(): void {
    this.#attempt(() => {
      this.task = builtinTask(this.builtinName, { seed: this.builtinSeed });
    });
  }

  async readFile(file: File): Promise<void> {
    await this.#work(`reading ${file.name}`, async (importer) => {
      const bytes = new Uint8Array(await file.arrayBuffer());
      this.#usePreview(await importer.readFile(file.name, Comlink.transfer(bytes, [bytes.buffer])));
    });
  }

  async listHubSplits(host?: string): Promise<void> {
    await this.#work(`listing the splits of ${this.hubDataset}`, async (importer) => {
      this.hubSplits = await importer.hubSplits(this.hubDataset.trim(), host);
      this.hubSplit = 0;
    });
  }

  async readHub(host?: string): Promise<void> {
    const split = this.hubSplits[this.hubSplit];
    if (!split) return;
    await this.#work(`reading ${split.dataset} ${split.config}/${split.split}`, async (importer) => {
      this.#usePreview(await importer.readHub(split.dataset, split.config, split.split, this.hubLimit, host));
    });
  }

  /** Maps the previewed table into a Task with the chosen columns, family and split fractions. */
  async buildImported(): Promise<void> {
    const preview = this.preview;
    if (!preview) return;
    const test = Math.round((1 - this.trainFraction - this.validationFraction) * 1000) / 1000;
    const labelWords = Object.fromEntries(this.labelValues.map((v) => [v, (this.labelWords[v] ?? v).trim() || v]));
    await this.#work('building the task', async (importer) => {
      this.task = await importer.buildTask({
        name: `import/${preview.source.split('/').pop() ?? preview.source}`,
        family: this.family,
        mapping: {
          inputColumns: $state.snapshot(this.inputColumns),
          ...(this.family === 'classification' ? { labelColumn: this.labelColumn, labelWords } : { outputColumn: this.outputColumn }),
        },
        metric: this.metric,
        fractions: { train: this.trainFraction, validation: this.validationFraction, test },
        seed: this.splitSeed,
      });
    });
  }

  async loadBenchmark(): Promise<void> {
    await this.#work(`loading ${this.benchmarkName}`, async (importer) => {
      this.task = await importer.loadBenchmark(this.benchmarkName, this.benchmarkFiles);
    });
  }

  /** Files of a picked data folder (paths below the folder, as the picker gives them). */
  pickBenchmarkFolder(files: File[]): void {
    this.benchmarkFiles = files.map((file) => ({ path: (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name, file }));
  }

  dispose(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#importer = undefined;
  }

  #usePreview(preview: ImportPreview): void {
    this.preview = preview;
    this.task = null;
    const s = preview.suggested;
    this.inputColumns = s?.inputColumns ?? (preview.columns[0] ? [preview.columns[0].name] : []);
    this.labelColumn = s?.labelColumn ?? '';
    this.outputColumn = s?.outputColumn ?? '';
    this.family = s?.outputColumn !== undefined ? 'generation' : 'classification';
    this.labelWords = {};
  }

  #attempt(f: () => void): void {
    this.error = null;
    try {
      f();
    } catch (error) {
      this.task = null;
      this.error = toShownError(error);
    }
  }

  async #work(what: string, f: (importer: Remote<TaskImporter>) => Promise<void>): Promise<void> {
    this.error = null;
    this.busy = what;
    try {
      if (!this.#importer) {
        this.#worker = new Worker(new URL('../../../workers/task-import.worker.ts', import.meta.url), { type: 'module' });
        this.#importer = Comlink.wrap<TaskImporter>(this.#worker);
      }
      await f(this.#importer);
    } catch (error) {
      this.error = toShownError(error);
    } finally {
      this.busy = null;
    }
  }
}
