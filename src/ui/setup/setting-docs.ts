// One line of plain language for every setting of src/gflow/settings.ts, grouped as the settings form shows them,
// and the field kind the form uses. A test checks every key of GFLOWPO_DEFAULTS has an entry here. Pure data.

export type FieldKind = 'integer' | 'number' | 'nullable-integer' | 'nullable-number' | 'choice' | 'text' | 'nullable-text' | 'list';

export interface SettingDoc {
  /** The settings key; LoRA fields as 'lora.rank' etc. */
  key: string;
  label: string;
  help: string;
  kind: FieldKind;
  /** For 'choice'. */
  choices?: readonly string[];
  /** Shown beside a null default ("no limit"). */
  nullMeans?: string;
  step?: number;
}

export interface SettingGroup {
  title: string;
  settings: SettingDoc[];
}

export const SETTING_GROUPS: readonly SettingGroup[] = [
  {
    title: 'Run',
    settings: [
      { key: 'mode', label: 'Method', kind: 'choice', help: 'gflowpo is the full method; the others are its baselines and ablations.' },
      { key: 'seed', label: 'Seed', kind: 'integer', help: 'Derives every random stream of the run: same seed, same run.' },
      { key: 'steps', label: 'Steps', kind: 'integer', help: 'Length of the schedule (200 in the paper, 150 for MMLU).' },
      { key: 'targetCallBudget', label: 'Target-LM call budget', kind: 'nullable-integer', nullMeans: 'no limit', help: 'Stop the search once this many target-LM calls were made (checked between steps).' },
      { key: 'manualPrompt', label: 'Manual prompt', kind: 'nullable-text', nullMeans: "the task's own", help: "The prompt the 'manual' method scores (empty: the task's built-in manual prompt, where it has one); ignored by the other methods." },
    ],
  },
  {
    title: 'Schedule',
    settings: [
      { key: 'warmupSteps', label: 'Buffer-filling steps', kind: 'integer', help: 'Steps 1..N only sample with the base prompt-LM to fill the buffer; training starts after.' },
      { key: 'microBatches', label: 'Micro-batches per step', kind: 'integer', help: 'Gradient-accumulation micro-batches; one optimiser step per training step.' },
      { key: 'microBatchSize', label: 'Prompts per micro-batch', kind: 'integer', help: 'Prompts sampled (or replayed) in each micro-batch.' },
      { key: 'demonstrationsFilling', label: 'Demonstrations while filling', kind: 'integer', help: 'Input/output examples shown in the meta-prompt during buffer filling.' },
      { key: 'demonstrationsTraining', label: 'Demonstrations while training', kind: 'integer', help: 'Input/output examples shown in the meta-prompt during training.' },
    ],
  },
  {
    title: 'Sampling',
    settings: [
      { key: 'temperatureMin', label: 'Temperature min', kind: 'number', step: 0.1, help: 'Each micro-batch samples at a temperature drawn uniformly from [min, max].' },
      { key: 'temperatureMax', label: 'Temperature max', kind: 'number', step: 0.1, help: 'Upper end of the sampling temperature range.' },
      { key: 'topK', label: 'Top-k', kind: 'integer', help: 'Keep only the k most likely next tokens before top-p (0 turns it off).' },
      { key: 'topP', label: 'Top-p', kind: 'number', step: 0.05, help: 'Then keep the smallest set of tokens holding this much probability.' },
      { key: 'maxNewTokens', label: 'Max prompt tokens', kind: 'integer', help: 'Longest prompt the prompt-LM may write.' },
    ],
  },
  {
    title: 'Replay and DMU',
    settings: [
      { key: 'replayProbability', label: 'Replay probability', kind: 'number', step: 0.05, help: 'Chance that a training micro-batch replays prompts from the buffer instead of sampling.' },
      { key: 'bufferSize', label: 'Buffer size', kind: 'integer', help: 'The train buffer keeps this many best prompts by training accuracy.' },
      { key: 'queueSize', label: 'Queue size', kind: 'integer', help: 'The priority queue keeps the top prompts; the final prompt is chosen among them on validation.' },
      { key: 'conditionFreezeStep', label: 'Condition freeze step', kind: 'integer', help: 'DMU copies the buffer into its condition buffer at the start of this step.' },
      { key: 'referencesFromStep', label: 'References from step', kind: 'integer', help: 'From this step on, the meta-prompt carries reference prompts (DMU).' },
      { key: 'referencesFromQueue', label: 'References from the queue', kind: 'integer', help: 'How many references come from the top-prompt queue.' },
      { key: 'referencesFromCondition', label: 'References from the condition buffer', kind: 'integer', help: 'How many references come from the frozen condition buffer.' },
    ],
  },
  {
    title: 'Reward and loss',
    settings: [
      { key: 'gamma', label: 'γ (prior temperature)', kind: 'number', step: 0.1, help: 'log R = log p_ref(z) / γ + log(acc + ε) / β: larger γ weakens the prior.' },
      { key: 'beta', label: 'β (accuracy temperature)', kind: 'nullable-number', nullMeans: '1 / |train|', help: 'Smaller β sharpens the reward on accuracy; empty means 1 / number of training examples.' },
      { key: 'rewardEpsilon', label: 'ε', kind: 'number', help: 'Added to the accuracy inside the log, so a prompt that gets nothing right has a finite reward.' },
      { key: 'loss', label: 'Loss', kind: 'choice', help: 'ema-logz: the official running log Z; vargrad: log Z is each micro-batch mean.' },
      { key: 'logZDecay', label: 'log Z decay', kind: 'number', step: 0.01, help: 'EMA decay of the running log Z estimate (ema-logz only).' },
    ],
  },
  {
    title: 'Optimiser and adapter',
    settings: [
      { key: 'learningRate', label: 'Learning rate', kind: 'number', help: 'AdamW learning rate after warm-up.' },
      { key: 'lrWarmupUpdates', label: 'Warm-up updates', kind: 'integer', help: 'The learning rate rises linearly over this many updates.' },
      { key: 'lrDecayUpdates', label: 'Decay to zero at update', kind: 'nullable-integer', nullMeans: 'steps × micro-batches', help: 'After warm-up the learning rate falls linearly, reaching 0 at this update (the authors\' schedule).' },
      { key: 'weightDecay', label: 'Weight decay', kind: 'number', help: "AdamW's decoupled weight decay (torch's default 0.01, as the authors keep it)." },
      { key: 'adamBeta1', label: 'Adam β1', kind: 'number', step: 0.01, help: 'Decay of the running mean of gradients.' },
      { key: 'adamBeta2', label: 'Adam β2', kind: 'number', step: 0.001, help: 'Decay of the running mean of squared gradients.' },
      { key: 'adamEpsilon', label: 'Adam ε', kind: 'number', help: 'Added to the denominator of each AdamW update for stability.' },
      { key: 'gradClip', label: 'Gradient clip', kind: 'number', step: 0.1, help: 'The global gradient norm is clipped to this before each update.' },
      { key: 'lora.rank', label: 'LoRA rank', kind: 'integer', help: 'Rank of the adapter matrices on the prompt-LM.' },
      { key: 'lora.alpha', label: 'LoRA alpha', kind: 'number', help: 'Adapter scale: the update is multiplied by alpha / rank.' },
      { key: 'lora.dropout', label: 'LoRA dropout', kind: 'number', step: 0.01, help: 'Dropout on the adapter input, also while sampling (as the authors run it).' },
      { key: 'lora.targetModules', label: 'LoRA targets', kind: 'list', help: 'Projections that get an adapter (comma-separated; q_proj, v_proj by default).' },
    ],
  },
];

/** Every documented key, flat. */
export function documentedKeys(): string[] {
  return SETTING_GROUPS.flatMap((g) => g.settings.map((s) => s.key));
}

/** The value at 'a.b' in a settings object. */
export function settingValue(settings: object, key: string): unknown {
  return key.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), settings);
}
