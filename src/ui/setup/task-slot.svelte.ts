// The task chosen in the setup view: a built-in task, a benchmark task read from a picked data folder, or a user
// file / hub dataset turned into a task through a preview and a column mapping. Parsing and mapping run in the
// task-import worker; this class keeps the choices and the resulting Task. No DOM.
import * as Comlink from 'comlink';
import type { Remote } from 'comlink';
import type { DatasetSplitId } from '../../tasks/hub-datasets';
import { DEMO_TASKS, demoTask } from '../../demo/world/tasks';
import { BUILTIN_TASKS, builtinTask } from '../../tasks/builtin';
import type { Metric, Task, TaskFamily } from '../../tasks/task';
import { type ShownError, toShownError } from '../common/errors';
import type { ImportFlag, ImportPreview, PickedFile, TaskImporter, TaskMapping } from '../../engines/task-importer';
import importWorkerUrl from '../../../workers/task-import.worker.ts?worker&url';
import { boundWorker } from '../shell/bound-worker';

export type TaskKind = 'demo' | 'builtin' | 'benchmark' | 'file' | 'hub';

export const GENERATION_METRICS: readonly Metric[] = ['exact_match', 'contains', 'f1', 'exact_set'];

export class TaskSlot {
  kind = $state<TaskKind>('builtin');
  /** The user chose a task (the demo world, once detected, does not replace their choice). */
  touched = false;
  task = $state.raw<Task | null>(null);
  error = $state<ShownError | null>(null);
  busy = $state<string | null>(null);

  demoName = $state<string>(DEMO_TASKS[0]!);
  builtinName = $state<string>(BUILTIN_TASKS[0]!);
  builtinSeed = $state(0);

  benchmarkFiles = $state.raw<PickedFile[]>([]);
  benchmarkName = $state('sst2');

  hubDataset = $state('');
  /** A datasets-server mirror ('' is datasets-server.huggingface.co). */
  hubServer = $state('');
  hubSplits = $state.raw<DatasetSplitId[]>([]);
  hubSplit = $state(0);
  hubLimit = $state(500);

  preview = $state.raw<ImportPreview | null>(null);
  family = $state<TaskFamily>('classification');
  inputColumns = $state<string[]>([]);
  /** The answer: the label (classification), the output (generation) or the correct choice (multiple choice). */
  targetColumn = $state('');
  /** Raw label value -> the word the target-LM should say. */
  labelWords = $state<Record<string, string>>({});
  metric = $state<Metric>('exact_match');
  /** Generation: a column of other accepted answers ('' for none). */
  alternativesColumn = $state('');
  /** Multiple choice: one column per choice, in order (none: the target holds {choice: score} objects). */
  choiceColumns = $state<string[]>([]);
  splitSeed = $state(0);
  trainSize = $state(32);
  validationSize = $state(32);
  /** What looks wrong with the mapping as last checked; blocking ones need `confirmed`. */
  flags = $state.raw<ImportFlag[]>([]);
  confirmed = $state(false);

  #worker: Worker | undefined;
  #importer: Remote<TaskImporter> | undefined;

  get builtinNames(): readonly string[] {
    return BUILTIN_TASKS;
  }

  get demoNames(): readonly string[] {
    return DEMO_TASKS;
  }

  /** The label values of the chosen target column (from the preview's summary of every row), for label words. */
  get labelValues(): string[] {
    return this.preview?.columns.find((c) => c.name === this.targetColumn)?.valueCounts?.map((v) => v.value) ?? [];
  }

  get blocking(): ImportFlag[] {
    return this.flags.filter((f) => f.blocking);
  }

  /** The mapping as chosen in the form. */
  mapping(): TaskMapping {
    const source = this.preview?.source ?? 'file';
    const m: TaskMapping = {
      family: this.family,
      inputColumns: $state.snapshot(this.inputColumns),
      targetColumn: this.targetColumn,
      name: `import/${(source.split('/').pop() ?? source).replace(/\.[A-Za-z0-9]+$/, '')}`,
      trainSize: this.trainSize,
      validationSize: this.validationSize,
      seed: this.splitSeed,
    };
    if (this.family === 'classification') {
      const words = Object.fromEntries(this.labelValues.map((v) => [v, (this.labelWords[v] ?? v).trim() || v]));
      // Only an explicit mapping when a word differs from its label (else the labels themselves are the words).
      if (Object.entries(words).some(([v, w]) => v !== w)) m.labelWords = words;
    }
    if (this.family === 'generation') {
      m.metric = this.metric;
      if (this.alternativesColumn) m.alternativesColumn = this.alternativesColumn;
    }
    if (this.family === 'multiple_choice' && this.choiceColumns.length > 0) m.choiceColumns = $state.snapshot(this.choiceColumns);
    return m;
  }

  /** Checks the mapping (flags); a changed mapping must be confirmed again. */
  async review(): Promise<void> {
    await this.#work('checking the mapping', async (importer) => {
      this.flags = await importer.review(this.mapping());
      this.confirmed = false;
    });
  }

  /** A built-in or demo task (generated, no files), with the data seed. */
  chooseBuiltin(): void {
    this.#attempt(() => {
      this.task = this.kind === 'demo' ? demoTask(this.demoName, { seed: this.builtinSeed }) : builtinTask(this.builtinName, { seed: this.builtinSeed });
    });
  }

  async readFile(file: File): Promise<void> {
    await this.#work(`reading ${file.name}`, async (importer) => {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const reading = await importer.readFile(file.name, Comlink.transfer(bytes, [bytes.buffer]));
      if (reading.kind === 'table') this.#usePreview(reading.preview);
      else {
        this.preview = null;
        this.flags = [];
        this.task = reading.task;
      }
    });
  }

  get #server(): string | undefined {
    const h = this.hubServer.trim().replace(/\/+$/, '');
    return h === '' ? undefined : h;
  }

  async listHubSplits(host = this.#server): Promise<void> {
    await this.#work(`listing the splits of ${this.hubDataset}`, async (importer) => {
      this.hubSplits = await importer.hubSplits(this.hubDataset.trim(), host);
      this.hubSplit = 0;
    });
  }

  async readHub(host = this.#server): Promise<void> {
    const split = this.hubSplits[this.hubSplit];
    if (!split) return;
    await this.#work(`reading ${split.dataset} ${split.config}/${split.split}`, async (importer) => {
      this.#usePreview(await importer.readHub(split.dataset, split.config, split.split, this.hubLimit, host));
    });
  }

  /**
   * Maps the previewed table into a Task. The mapping is checked first: with a blocking flag the task is built only
   * once the user confirmed the flags of this very mapping.
   */
  async buildImported(): Promise<void> {
    if (!this.preview) return;
    const mapping = this.mapping();
    await this.#work('building the task', async (importer) => {
      const flags = await importer.review(mapping);
      const same = JSON.stringify(flags) === JSON.stringify(this.flags);
      this.flags = flags;
      if (flags.some((f) => f.blocking) && !(same && this.confirmed)) {
        this.confirmed = false;
        this.task = null;
        return;
      }
      this.task = await importer.buildTask(mapping);
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
    this.targetColumn = s?.targetColumn ?? '';
    this.family = s?.family ?? 'classification';
    this.labelWords = {};
    this.alternativesColumn = '';
    this.choiceColumns = [];
    this.flags = preview.flags;
    this.confirmed = false;
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
        this.#worker = boundWorker(importWorkerUrl);
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
