// Every number of shared/docs/gflowpo.md as one frozen defaults object, and resolveSettings, which merges a
// partial override onto it and validates every field (SettingsError names the field and its allowed range).
// It holds data only: the LoRA shape and optimiser numbers are read by the runtime, not used here.

/**
 * gflowpo: the full method. prior-only: APE-like, the base prompt-LM samples every step, no training, no DMU.
 * on-policy: no replay. no-dmu: no references in the meta-prompt. manual: score `manualPrompt` and stop.
 */
export type GflowpoMode = 'gflowpo' | 'prior-only' | 'on-policy' | 'no-dmu' | 'manual';
export const GFLOWPO_MODES: readonly GflowpoMode[] = ['gflowpo', 'prior-only', 'on-policy', 'no-dmu', 'manual'];

/** ema-logz: the official loss (running logZ, decay `logZDecay`). vargrad: logZ = the batch mean (decay 0). */
export type GflowpoLoss = 'ema-logz' | 'vargrad';
export const GFLOWPO_LOSSES: readonly GflowpoLoss[] = ['ema-logz', 'vargrad'];

export interface LoraSettings {
  rank: number;
  alpha: number;
  dropout: number;
  /** PEFT's default targets for Llama-family models. */
  targetModules: readonly string[];
}

export interface GflowpoSettings {
  mode: GflowpoMode;
  /** The prompt `manual` mode scores; ignored by the other modes. */
  manualPrompt: string | null;
  /** Derives every random stream of the run (see rng.ts). */
  seed: number;
  /** Schedule length; 150 for MMLU (defaultSteps). */
  steps: number;
  /** Buffer-filling steps 1..warmupSteps (no updates, `demonstrationsFilling`); training from warmupSteps + 1. */
  warmupSteps: number;
  /** Gradient-accumulation micro-batches per step. */
  microBatches: number;
  /** Prompts per micro-batch (sampled or replayed). */
  microBatchSize: number;
  /** AdamW learning rate after warm-up. */
  learningRate: number;
  /** Linear learning-rate warm-up, in updates, counted from the first training step. */
  lrWarmupUpdates: number;
  /** Gradient-norm clip. */
  gradClip: number;
  lora: LoraSettings;
  /** Sampling temperature ~ U(temperatureMin, temperatureMax), drawn per micro-batch. */
  temperatureMin: number;
  temperatureMax: number;
  topP: number;
  maxNewTokens: number;
  /** Probability that a training micro-batch replays prompts from the buffer (1 - the official online_ratio). */
  replayProbability: number;
  /** Train buffer capacity (best prompts by training accuracy). */
  bufferSize: number;
  /** Priority-queue capacity (top prompts by training accuracy). */
  queueSize: number;
  /** Demonstrations in the meta-prompt during buffer filling and during training. */
  demonstrationsFilling: number;
  demonstrationsTraining: number;
  /** DMU: the step at whose start the train buffer is copied into the condition buffer. */
  conditionFreezeStep: number;
  /** DMU: the first step whose meta-prompt carries references. */
  referencesFromStep: number;
  referencesFromQueue: number;
  referencesFromCondition: number;
  /** logR = logPrior / gamma + log(acc + rewardEpsilon) / beta. */
  gamma: number;
  /** null: 1 / |D_train|. */
  beta: number | null;
  rewardEpsilon: number;
  loss: GflowpoLoss;
  /** EMA decay of logZ under 'ema-logz'. */
  logZDecay: number;
  /** Stop the search once this many target-LM calls were made (checked between steps); null: no limit. */
  targetCallBudget: number | null;
}

export type GflowpoSettingsInput = Partial<Omit<GflowpoSettings, 'lora'>> & { lora?: Partial<LoraSettings> };

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
  gradClip: 1.0,
  lora: Object.freeze({ rank: 16, alpha: 32, dropout: 0.05, targetModules: Object.freeze(['q_proj', 'v_proj']) }),
  temperatureMin: 0.5,
  temperatureMax: 2.0,
  topP: 0.9,
  maxNewTokens: 150,
  replayProbability: 0.5,
  bufferSize: 1000,
  queueSize: 5,
  demonstrationsFilling: 3,
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

/** The official schedule length: 150 steps for MMLU subjects, 200 otherwise. */
export function defaultSteps(taskName: string): number {
  return /^mmlu(\/|$)/i.test(taskName) ? 150 : GFLOWPO_DEFAULTS.steps;
}

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

function integer(min: number, max = Number.MAX_SAFE_INTEGER): Check {
  return (v) => (isNumber(v) && Number.isInteger(v) && v >= min && v <= max ? null : `must be an integer in [${min}, ${max}], got ${String(v)}`);
}

function real(min: number, max: number, { minOpen = false, maxOpen = false } = {}): Check {
  const range = `${minOpen ? '(' : '['}${min}, ${max}${maxOpen ? ')' : ']'}`;
  return (v) => (isNumber(v) && (minOpen ? v > min : v >= min) && (maxOpen ? v < max : v <= max) ? null : `must be a number in ${range}, got ${String(v)}`);
}

function oneOf(values: readonly string[]): Check {
  return (v) => (typeof v === 'string' && values.includes(v) ? null : `must be one of ${values.join(', ')}, got ${String(v)}`);
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
  gradClip: real(0, Number.MAX_VALUE, { minOpen: true }),
  temperatureMin: real(0, 100, { minOpen: true }),
  temperatureMax: real(0, 100, { minOpen: true }),
  topP: real(0, 1, { minOpen: true }),
  maxNewTokens: integer(1, 32768),
  replayProbability: real(0, 1),
  bufferSize: integer(1),
  queueSize: integer(1),
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

function rejectUnknown(input: object, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) throw new SettingsError(`${prefix}${key}`, `unknown setting; known: ${known.join(', ')}`);
  }
}

/**
 * Defaults overridden by `input`, every field validated, frozen. Without an explicit `steps`, a `taskName`
 * chooses the official length (defaultSteps). Undefined values mean "the default".
 */
export function resolveSettings(input: GflowpoSettingsInput = {}, taskName?: string): Readonly<GflowpoSettings> {
  if (input === null || typeof input !== 'object') throw new SettingsError('(settings)', 'must be an object');
  rejectUnknown(input, Object.keys(GFLOWPO_DEFAULTS), '');
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as GflowpoSettingsInput;
  const loraInput = defined.lora ?? {};
  if (loraInput === null || typeof loraInput !== 'object') throw new SettingsError('lora', 'must be an object');
  rejectUnknown(loraInput, Object.keys(GFLOWPO_DEFAULTS.lora), 'lora.');
  const loraDefined = Object.fromEntries(Object.entries(loraInput).filter(([, v]) => v !== undefined));
  const lora: LoraSettings = { ...GFLOWPO_DEFAULTS.lora, ...loraDefined };
  const steps = defined.steps ?? (taskName !== undefined ? defaultSteps(taskName) : GFLOWPO_DEFAULTS.steps);
  const settings: GflowpoSettings = { ...GFLOWPO_DEFAULTS, ...defined, steps, lora };

  checkAll(CHECKS, settings, '');
  checkAll(LORA_CHECKS, lora, 'lora.');

  if (settings.warmupSteps > settings.steps) throw new SettingsError('warmupSteps', `must be in [0, steps = ${settings.steps}], got ${settings.warmupSteps}`);
  if (settings.temperatureMax < settings.temperatureMin) throw new SettingsError('temperatureMax', `must be at least temperatureMin = ${settings.temperatureMin}, got ${settings.temperatureMax}`);
  if (settings.referencesFromStep < settings.conditionFreezeStep) throw new SettingsError('referencesFromStep', `must be at least conditionFreezeStep = ${settings.conditionFreezeStep} (references come from the frozen condition buffer), got ${settings.referencesFromStep}`);
  if (settings.mode === 'manual' && (settings.manualPrompt === null || settings.manualPrompt.trim() === '')) {
    throw new SettingsError('manualPrompt', "must be a non-empty prompt in mode 'manual'");
  }
  return Object.freeze({ ...settings, lora: Object.freeze({ ...lora, targetModules: Object.freeze([...lora.targetModules]) }) });
}
