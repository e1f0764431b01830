// Every number of shared/docs/gflowpo.md as ONE frozen defaults object (the algorithm, the prompt-LM's LoRA and
// AdamW, sampling), the per-task defaults (MMLU), the presets (`paper`, `quick`), and resolveSettings, which
// layers them and validates every field (SettingsError names the field and its allowed range). Data only: the
// loop reads the schedule numbers, the prompt-LM engine reads the LoRA and optimiser numbers from here.

/**
 * gflowpo: the full method. prior-only: APE-like, the base prompt-LM samples every step, no training, no DMU.
 * no-replay: the GFlowPO ablation without replay (every micro-batch sampled fresh; it is NOT RLPrompt, which
 * this lab does not implement). no-dmu: no references in the meta-prompt. manual: score one prompt and stop.
 */
export type GflowpoMode = 'gflowpo' | 'prior-only' | 'no-replay' | 'no-dmu' | 'manual';
export const GFLOWPO_MODES: readonly GflowpoMode[] = ['gflowpo', 'prior-only', 'no-replay', 'no-dmu', 'manual'];

/** ema-logz: the official loss (running logZ, decay `logZDecay`). vargrad: logZ = the micro-batch mean (decay 0). */
export type GflowpoLoss = 'ema-logz' | 'vargrad';
export const GFLOWPO_LOSSES: readonly GflowpoLoss[] = ['ema-logz', 'vargrad'];

export interface LoraSettings {
  rank: number;
  alpha: number;
  /** Active while sampling and training (the authors keep the model in train mode while sampling). */
  dropout: number;
  /** PEFT's default targets for Llama-family models. */
  targetModules: readonly string[];
}

export interface GflowpoSettings {
  mode: GflowpoMode;
  /** The prompt `manual` mode scores; null: the task's built-in manual prompt (the run is given it). */
  manualPrompt: string | null;
  /** Derives every random stream of the run (see rng.ts) and the adapter's initialisation. */
  seed: number;
  /** Schedule length (MMLU: 150, see taskDefaults). */
  steps: number;
  /** Buffer-filling steps 1..warmupSteps (no updates, logZ still tracked); training from warmupSteps + 1. */
  warmupSteps: number;
  /** Gradient-accumulation micro-batches per step. */
  microBatches: number;
  /** Prompts per micro-batch (sampled or replayed). */
  microBatchSize: number;
  /** AdamW learning rate after warm-up. */
  learningRate: number;
  /** Linear learning-rate warm-up, in updates, counted from the first training step. */
  lrWarmupUpdates: number;
  /**
   * Linear decay after warm-up reaches 0 at this update (Hugging Face's get_linear_schedule_with_warmup with the
   * authors' t_total); null: steps x microBatches, as the authors compute it (so the official run ends at 0.9986 lr).
   */
  lrDecayUpdates: number | null;
  /** AdamW weight decay (torch's default, which the authors keep). */
  weightDecay: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEpsilon: number;
  /** Gradient-norm clip of the accumulated gradient, once per training step. */
  gradClip: number;
  lora: LoraSettings;
  /** Sampling temperature ~ U(temperatureMin, temperatureMax), drawn per fresh micro-batch from its own stream. */
  temperatureMin: number;
  temperatureMax: number;
  /** Keep the k most likely tokens (Hugging Face generate's default, which the authors keep), then top-p. 0: off. */
  topK: number;
  topP: number;
  maxNewTokens: number;
  /** Probability that a training micro-batch replays prompts from the buffer (1 - the official online_ratio). */
  replayProbability: number;
  /** Train buffer capacity (best prompts by training accuracy). */
  bufferSize: number;
  /** Priority-queue capacity (top prompts by training accuracy). */
  queueSize: number;
  /** Demonstrations in the meta-prompt during buffer filling and during training (drawn with replacement). */
  demonstrationsFilling: number;
  demonstrationsTraining: number;
  /** DMU: the step at whose start the train buffer is copied into the condition buffer. */
  conditionFreezeStep: number;
  /** DMU: the first step whose meta-prompts carry references (drawn per micro-batch). */
  referencesFromStep: number;
  referencesFromQueue: number;
  referencesFromCondition: number;
  /** logR = logPrior / gamma + log(acc + rewardEpsilon) / beta. */
  gamma: number;
  /** null: 1 / |D_train|. */
  beta: number | null;
  rewardEpsilon: number;
  loss: GflowpoLoss;
  /** EMA decay of logZ under 'ema-logz' (every micro-batch, filling steps included). */
  logZDecay: number;
  /** Stop the search once this many target-LM calls were made (checked between steps); null: no limit. */
  targetCallBudget: number | null;
}

export type GflowpoSettingsInput = Partial<Omit<GflowpoSettings, 'lora'>> & { lora?: Partial<LoraSettings> };

/** The paper's numbers (classification and instruction induction); MMLU's differences are in taskDefaults. */
export const GFLOWPO_DEFAULTS: Readonly<GflowpoSettings> = Object.freeze({
  mode: 'gflowpo',
  manualPrompt: null,
  seed: 0,
  steps: 200,
  warmupSteps: 99,
  microBatches: 4,
  microBatchSize: 4,
  learningRate: 1e-4,
  lrWarmupUpdates: 100,
  lrDecayUpdates: null,
  weightDecay: 0.01,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-8,
  gradClip: 1.0,
  lora: Object.freeze({ rank: 16, alpha: 32, dropout: 0.05, targetModules: Object.freeze(['q_proj', 'v_proj']) }),
  temperatureMin: 0.5,
  temperatureMax: 2.0,
  topK: 50,
  topP: 0.9,
  maxNewTokens: 150,
  replayProbability: 0.5,
  bufferSize: 1000,
  queueSize: 5,
  demonstrationsFilling: 5,
  demonstrationsTraining: 5,
  conditionFreezeStep: 100,
  referencesFromStep: 111,
  referencesFromQueue: 1,
  referencesFromCondition: 2,
  gamma: 1,
  beta: null,
  rewardEpsilon: 1e-8,
  loss: 'ema-logz',
  logZDecay: 0.99,
  targetCallBudget: null,
} satisfies GflowpoSettings);

/** Which of the authors' launch schedules a task runs (a task's `schedule`; MMLU.sh or the others). */
export type TaskScheduleName = 'default' | 'mmlu';

/** A task as taskDefaults reads it: its name, and its schedule when the loader set one. */
export type TaskRef = string | { name: string; schedule?: TaskScheduleName | undefined };

/** Whether a task name is an MMLU subject ('mmlu/anatomy', with or without data-source options after it). */
export function isMmluTask(taskName: string): boolean {
  return /^mmlu(\/|$|\[)/i.test(taskName);
}

/**
 * The authors' per-task schedule differences (MMLU.sh: 150 steps, 16 micro-batches of 1 prompt, 3 demonstrations
 * and "three inputs" in both phases); {} for every other task, which runs the paper's defaults. A task object's
 * `schedule` decides; a bare name (or a task without one) is MMLU when it names an MMLU subject.
 */
export function taskDefaults(task: TaskRef | undefined): Readonly<GflowpoSettingsInput> {
  if (task === undefined) return NO_OVERRIDES;
  const schedule = typeof task === 'string' ? undefined : task.schedule;
  const name = typeof task === 'string' ? task : task.name;
  const mmlu = schedule !== undefined ? schedule === 'mmlu' : isMmluTask(name);
  return mmlu ? MMLU_DEFAULTS : NO_OVERRIDES;
}

const NO_OVERRIDES: Readonly<GflowpoSettingsInput> = Object.freeze({});
const MMLU_DEFAULTS: Readonly<GflowpoSettingsInput> = Object.freeze({ steps: 150, microBatches: 16, microBatchSize: 1, demonstrationsFilling: 3, demonstrationsTraining: 3 });

export type PresetName = 'paper' | 'quick';
export const PRESET_NAMES: readonly PresetName[] = ['paper', 'quick'];

/**
 * paper: the authors' schedule (the defaults and taskDefaults as they are).
 * quick: 30 steps instead of 200 (x0.15) with every schedule switch scaled alike, so a run has the paper's shape:
 * filling 1..14 (99 -> 14), the condition buffer frozen at 15 (100 -> 15), references from 17 (the paper's 11 steps
 * after the freeze -> 2), learning-rate warm-up over 15 updates (100 -> 15); training is 16 of the 30 steps, about
 * half as in the paper. Every other number (micro-batches, learning rate, sampling) is the paper's, so a step costs
 * what a paper step costs: a demo-task run of 30 steps x 16 prompts fits ~2 minutes on 2-core wasm when a step
 * takes at most 4 s. A preset applies after taskDefaults (quick MMLU: 30 steps of 16 x 1) and before the input.
 */
export const PRESETS: Readonly<Record<PresetName, Readonly<GflowpoSettingsInput>>> = Object.freeze({
  paper: Object.freeze({}),
  quick: Object.freeze({ steps: 30, warmupSteps: 14, conditionFreezeStep: 15, referencesFromStep: 17, lrWarmupUpdates: 15 }),
});

/** A setting outside its allowed range; `field` is the setting's name. */
export class SettingsError extends Error {
  override name = 'SettingsError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`setting ${field}: ${message}`);
  }
}

/** A field's check: null when valid, else what is wrong, naming the allowed range. */
type Check = (value: unknown) => string | null;

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** A value as an error message shows it: JSON where it has one (objects too: String() throws on `{"toString": 0}`). */
function shown(v: unknown): string {
  if (typeof v !== 'object' || v === null) return typeof v === 'string' ? JSON.stringify(v) : String(v);
  try {
    return (JSON.stringify(v) ?? 'an object').slice(0, 120);
  } catch {
    return 'an object';
  }
}

function integer(min: number, max = Number.MAX_SAFE_INTEGER): Check {
  return (v) => (isNumber(v) && Number.isInteger(v) && v >= min && v <= max ? null : `must be an integer in [${min}, ${max}], got ${shown(v)}`);
}

function real(min: number, max: number, { minOpen = false, maxOpen = false } = {}): Check {
  const range = `${minOpen ? '(' : '['}${min}, ${max}${maxOpen ? ')' : ']'}`;
  return (v) => (isNumber(v) && (minOpen ? v > min : v >= min) && (maxOpen ? v < max : v <= max) ? null : `must be a number in ${range}, got ${shown(v)}`);
}

function oneOf(values: readonly string[]): Check {
  return (v) => (typeof v === 'string' && values.includes(v) ? null : `must be one of ${values.join(', ')}, got ${shown(v)}`);
}

function nullable(check: Check, meaning: string): Check {
  return (v) => {
    if (v === null) return null;
    const problem = check(v);
    return problem === null ? null : `${problem} (or null for ${meaning})`;
  };
}

const CHECKS: Record<Exclude<keyof GflowpoSettings, 'lora'>, Check> = {
  mode: oneOf(GFLOWPO_MODES),
  manualPrompt: (v) => (v === null || typeof v === 'string' ? null : `must be a string or null, got ${typeof v}`),
  seed: integer(0, 4294967295),
  steps: integer(1, 1_000_000),
  warmupSteps: integer(0, 1_000_000),
  microBatches: integer(1, 1024),
  microBatchSize: integer(1, 1024),
  learningRate: real(0, 1, { minOpen: true }),
  lrWarmupUpdates: integer(0),
  lrDecayUpdates: nullable(integer(1), 'steps x microBatches'),
  weightDecay: real(0, 1),
  adamBeta1: real(0, 1, { maxOpen: true }),
  adamBeta2: real(0, 1, { maxOpen: true }),
  adamEpsilon: real(0, 1, { minOpen: true }),
  gradClip: real(0, Number.MAX_VALUE, { minOpen: true }),
  temperatureMin: real(0, 100, { minOpen: true }),
  temperatureMax: real(0, 100, { minOpen: true }),
  topK: integer(0, 1_000_000),
  topP: real(0, 1, { minOpen: true }),
  maxNewTokens: integer(1, 32768),
  replayProbability: real(0, 1),
  bufferSize: integer(1, 1_000_000),
  queueSize: integer(1, 10_000),
  demonstrationsFilling: integer(0, 1024),
  demonstrationsTraining: integer(0, 1024),
  conditionFreezeStep: integer(1),
  referencesFromStep: integer(1),
  referencesFromQueue: integer(0, 1024),
  referencesFromCondition: integer(0, 1024),
  gamma: real(0, Number.MAX_VALUE, { minOpen: true }),
  beta: nullable(real(0, Number.MAX_VALUE, { minOpen: true }), '1 / |train|'),
  rewardEpsilon: real(0, 1, { minOpen: true, maxOpen: true }),
  loss: oneOf(GFLOWPO_LOSSES),
  logZDecay: real(0, 1, { maxOpen: true }),
  targetCallBudget: nullable(integer(0), 'no limit'),
};

const LORA_CHECKS: Record<keyof LoraSettings, Check> = {
  rank: integer(1, 4096),
  alpha: real(0, Number.MAX_VALUE, { minOpen: true }),
  dropout: real(0, 1, { maxOpen: true }),
  targetModules: (v) => (Array.isArray(v) && v.length > 0 && v.every((m) => typeof m === 'string' && m.length > 0) ? null : 'must be a non-empty list of module names'),
};

function checkAll<K extends string>(checks: Record<K, Check>, values: Record<K, unknown>, prefix: string): void {
  for (const field of Object.keys(checks) as K[]) {
    const problem = checks[field](values[field]);
    if (problem !== null) throw new SettingsError(`${prefix}${field}`, problem);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The input's own defined fields (undefined means "the default"); unknown names are refused. */
function definedFields(input: unknown, known: readonly string[], prefix: string, what: string): Record<string, unknown> {
  if (!isPlainObject(input)) throw new SettingsError(what, `must be an object, got ${Array.isArray(input) ? 'a list' : shown(input)}`);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) throw new SettingsError(`${prefix}${key}`, `unknown setting; known: ${known.join(', ')}`);
    if (input[key] !== undefined) out[key] = input[key];
  }
  return out;
}

/** One layer (task defaults, a preset or the caller's input) onto `base`, LoRA merged field by field. */
function layer(base: GflowpoSettings, input: unknown, what: string): GflowpoSettings {
  const fields = definedFields(input, Object.keys(GFLOWPO_DEFAULTS), '', what);
  const lora = fields['lora'] === undefined ? base.lora : { ...base.lora, ...definedFields(fields['lora'], Object.keys(GFLOWPO_DEFAULTS.lora), 'lora.', 'lora') };
  return { ...base, ...fields, lora } as GflowpoSettings;
}

/**
 * The settings of a run: GFLOWPO_DEFAULTS, then taskDefaults(task) (a task name or the task), then PRESETS[preset],
 * then `input`, every field validated, frozen. Undefined values mean "the layer below".
 */
export function resolveSettings(input: GflowpoSettingsInput = {}, task?: TaskRef, preset: PresetName = 'paper'): Readonly<GflowpoSettings> {
  if (!PRESET_NAMES.includes(preset)) throw new SettingsError('(preset)', `must be one of ${PRESET_NAMES.join(', ')}, got ${shown(preset)}`);
  let settings: GflowpoSettings = { ...GFLOWPO_DEFAULTS };
  settings = layer(settings, taskDefaults(task), '(task defaults)');
  settings = layer(settings, PRESETS[preset], '(preset)');
  settings = layer(settings, input, '(settings)');
  const lora = settings.lora;

  checkAll(CHECKS, settings, '');
  checkAll(LORA_CHECKS, lora, 'lora.');

  if (settings.warmupSteps > settings.steps) throw new SettingsError('warmupSteps', `must be in [0, steps = ${settings.steps}], got ${settings.warmupSteps}`);
  if (settings.temperatureMax < settings.temperatureMin) throw new SettingsError('temperatureMax', `must be at least temperatureMin = ${settings.temperatureMin}, got ${settings.temperatureMax}`);
  if (settings.referencesFromStep < settings.conditionFreezeStep) throw new SettingsError('referencesFromStep', `must be at least conditionFreezeStep = ${settings.conditionFreezeStep} (references come from the frozen condition buffer), got ${settings.referencesFromStep}`);
  if (settings.lrDecayUpdates !== null && settings.lrDecayUpdates <= settings.lrWarmupUpdates) throw new SettingsError('lrDecayUpdates', `must exceed lrWarmupUpdates = ${settings.lrWarmupUpdates} (the decay starts after the warm-up), got ${settings.lrDecayUpdates}`);
  if (settings.manualPrompt !== null && settings.manualPrompt.trim() === '') throw new SettingsError('manualPrompt', 'must be a non-empty prompt, or null for the task\'s built-in manual prompt');
  return Object.freeze({ ...settings, lora: Object.freeze({ ...lora, targetModules: Object.freeze([...lora.targetModules]) }) });
}
