// What the lab engine's callers pass and get back (the lab worker's page side, the headless command, tests): the
// models and task of a run, the engine's options, what a created or resumed run reports, and the library's views.
// Types and the engine's error only; the engine is lab-engine.ts.
import type { WeightPrecision } from '../models/llama/quantised-weights';
import type { GflowpoSettingsInput, PresetName } from '../gflow/settings';
import type { BackendPreference } from '../runtime/device';
import type { RunRepository } from '../store/repository';
import type { RunListing, RunView } from '../store/run-library';
import type { StoreNotice } from '../store/schema';
import type { Task } from '../tasks/task';
import type { ModelInfo, ModelSource } from './prompt-lm';
import type { TargetImplementation, TargetInfo, TargetSource } from './target-engine';

export class LabEngineError extends Error {
  override name = 'LabEngineError';
}

/** The models a run uses (the same on resume: their ids are checked against the saved run's). */
export interface LabModels {
  promptLM: ModelSource;
  targetLM: TargetSource;
  targetImplementation?: TargetImplementation;
  backend?: BackendPreference;
  /** Both models' frozen base weights quantised at load ('q8', 'q4'; the adapter stays float32); default 'f32'. */
  weightPrecision?: WeightPrecision;
}

export interface LabSetup extends LabModels {
  task: Task;
  settings?: GflowpoSettingsInput;
  preset?: PresetName;
}

/** A resume names the task (its id is checked) and the models; the settings are the saved run's. */
export interface LabResume extends LabModels {
  task: Task;
}

export interface LabEngineOptions {
  /**
   * Where runs are kept (the lab worker: IndexedDB, opened on first use); without one runs live in memory only.
   * `onNotice` forwards the store's connection notices (blocked, version change, terminated) to watchStore().
   */
  repository?: (onNotice: (notice: StoreNotice) => void) => Promise<RunRepository>;
  /** How this context describes itself to other tabs that find one of its runs open ("where it runs"). */
  label?: string;
  /** New run ids (default crypto.randomUUID) and the clock (tests). */
  newId?: () => string;
  now?: () => number;
}

export interface LabInfo {
  promptLM: ModelInfo;
  targetLM: TargetInfo;
  /** The stored run's id (null for a run kept in memory only). */
  runId: string | null;
  /** Completed steps (non-zero on resume). */
  step: number;
}

/** A run in the library, with where it is open (src/store/run-library.ts). */
export type LabRunSummary = RunListing;
/** A stored run as a read-only view reads it. */
export type LabRunView = RunView;
