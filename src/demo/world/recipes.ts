// The recipes of the two demo models (shape, data, schedule, seed) and how each is checked after training:
// the target-LM on fresh (instruction, input) draws per behaviour of the language (teacher-forced exact match),
// the prompt-LM by the probability mass it gives precise / vague / misleading / other phrases for each task's
// meta-prompt. Also the model card. Pure TS: scripts/demo-train.ts runs the recipes and writes the folders.
import { buildMetaPrompt } from '../../gflow/meta-prompt';
import { type Rng, mulberry32 } from '../../random/mulberry32';
import { CLASSIFICATION_TEMPLATE, GENERATION_TEMPLATE, renderInput } from '../../tasks/task';
import { type CorpusTokenizer, type TrainingSequence, garbageInstruction, promptPrefixIds, promptSequence, targetSequence, trainingInput, PROMPT_PRIOR, FROM_REFERENCES, TARGET_MIX } from './corpus';
import { PHRASES, PHRASE_TEXTS, intendedAnswer, itemsText } from './language';
import { demoConfigJson } from './model-files';
import type { PretrainSpec } from './pretrain';
import { DEMO_TASKS, DEMO_TASK_SPECS, demoTask } from './tasks';
import { DEMO_TOKEN_IDS, demoVocabulary } from './tokenizer-files';

export type DemoRole = 'target' | 'prompt';
export const DEMO_ROLES: readonly DemoRole[] = ['target', 'prompt'];

/** Folder names under public/models/ (the hub layout: one folder per model). */
export const DEMO_MODEL_NAMES: Readonly<Record<DemoRole, string>> = { target: 'demo-target-lm', prompt: 'demo-prompt-lm' };

/** The command that remakes both folders bit for bit. */
export const DEMO_TRAIN_COMMAND = 'npm run demo:train';

export interface DemoRecipe {
  role: DemoRole;
  name: string;
  shape: { hiddenSize: number; intermediateSize: number; layers: number; heads: number; kvHeads: number; maxPositions: number };
  steps: number;
  batchSize: number;
  learningRate: number;
  warmupSteps: number;
  finalLrRatio: number;
  weightDecay: number;
  seed: number;
  /** Steps the reproducibility test retrains (same schedule, stopped early). */
  prefixSteps: number;
}

export const DEMO_RECIPES: Readonly<Record<DemoRole, DemoRecipe>> = {
  target: {
    role: 'target',
    name: DEMO_MODEL_NAMES.target,
    shape: { hiddenSize: 64, intermediateSize: 192, layers: 2, heads: 4, kvHeads: 4, maxPositions: 512 },
    steps: 4000,
    batchSize: 32,
    learningRate: 3e-3,
    warmupSteps: 50,
    finalLrRatio: 0.1,
    weightDecay: 0.01,
    seed: 11,
    prefixSteps: 3,
  },
  prompt: {
    role: 'prompt',
    name: DEMO_MODEL_NAMES.prompt,
    shape: { hiddenSize: 64, intermediateSize: 192, layers: 2, heads: 4, kvHeads: 4, maxPositions: 512 },
    steps: 3000,
    batchSize: 16,
    learningRate: 3e-3,
    warmupSteps: 50,
    finalLrRatio: 0.1,
    weightDecay: 0.01,
    seed: 12,
    prefixSteps: 2,
  },
};

export function recipeConfig(recipe: DemoRecipe): Record<string, unknown> {
  return demoConfigJson({ vocabSize: demoVocabulary().length, ...recipe.shape });
}

export function pretrainSpec(recipe: DemoRecipe, tokenizer: CorpusTokenizer): PretrainSpec {
  const sequence = recipe.role === 'target' ? (rng: Rng) => targetSequence(rng, tokenizer) : (rng: Rng) => promptSequence(rng, tokenizer);
  return {
    config: recipeConfig(recipe),
    steps: recipe.steps,
    batchSize: recipe.batchSize,
    learningRate: recipe.learningRate,
    warmupSteps: recipe.warmupSteps,
    finalLrRatio: recipe.finalLrRatio,
    weightDecay: recipe.weightDecay,
    seed: recipe.seed,
    padTokenId: DEMO_TOKEN_IDS.pad,
    sequence,
  };
}

/** One target-LM sequence for a given instruction and input (the answer the language means). */
export function instructedSequence(tokenizer: CorpusTokenizer, instruction: string, xs: readonly number[]): TrainingSequence {
  const answer = intendedAnswer(instruction, xs);
  const template = answer === 'yes' || answer === 'no' ? CLASSIFICATION_TEMPLATE : GENERATION_TEMPLATE;
  const text = renderInput({ name: 'demo', template }, instruction, { input: itemsText(xs), output: answer });
  return { prefix: tokenizer.encode(text, { addSpecialTokens: true }), continuation: [...tokenizer.encode(answer, { addSpecialTokens: false }), DEMO_TOKEN_IDS.eos] };
}

/**
 * Checks of the target-LM after training, by meaning: every always-phrase grouped by its behaviour, the vague
 * phrases together, and garbage text (which should copy). 16 random inputs per phrase from a stream of its own (the
 * 504 possible inputs are all seen in training; garbage strings are new).
 */
export function targetChecks(tokenizer: CorpusTokenizer, seed = 0x7e57): Record<string, TrainingSequence[]> {
  const rng = mulberry32(seed);
  const sets: Record<string, TrainingSequence[]> = {};
  for (const p of PHRASE_TEXTS) {
    const m = PHRASES[p]!;
    const key = m.rule ? 'vague phrases' : m.behaviour;
    for (let i = 0; i < 16; i++) (sets[key] ??= []).push(instructedSequence(tokenizer, p, trainingInput(rng)));
  }
  sets['garbage (copies)'] = Array.from({ length: 64 }, () => instructedSequence(tokenizer, garbageInstruction(rng), trainingInput(rng)));
  return sets;
}

export interface PriorMass {
  task: string;
  precise: number;
  vague: number;
  misleading: number;
  /** Phrases of other tasks and generic ones. */
  other: number;
  /** 1 - the phrases' total: text that is no phrase of the language. */
  outside: number;
}

/**
 * Rows scoring every phrase (+ </s>) after a task's meta-prompt (5 demonstrations from its validation split) for
 * `meta` meta-prompts per task, without references or with one (the task's first vague phrase, as DMU would show
 * a partly right prompt found earlier); priorMass turns their log-probabilities into masses.
 */
export function priorRows(tokenizer: CorpusTokenizer, options: { meta?: number; withReference?: boolean } = {}): { task: (typeof DEMO_TASKS)[number]; rows: TrainingSequence[] }[] {
  const meta = options.meta ?? 3;
  const out: { task: (typeof DEMO_TASKS)[number]; rows: TrainingSequence[] }[] = [];
  for (const name of DEMO_TASKS) {
    const task = demoTask(name, { sizes: { train: 1, validation: 5 * meta, test: 1 } });
    const references = options.withReference ? [DEMO_TASK_SPECS[name].vague[0]!] : [];
    for (let m = 0; m < meta; m++) {
      const prefix = promptPrefixIds(tokenizer, buildMetaPrompt(task, [0, 1, 2, 3, 4].map((i) => 5 * m + i), references).text);
      out.push({ task: name, rows: PHRASE_TEXTS.map((p) => ({ prefix, continuation: [...tokenizer.encode(p, { addSpecialTokens: false }), DEMO_TOKEN_IDS.eos] })) });
    }
  }
  return out;
}

export function priorMass(groups: readonly { task: (typeof DEMO_TASKS)[number]; logProbs: readonly number[] }[]): PriorMass[] {
  const byTask = new Map<string, PriorMass & { n: number }>();
  for (const { task, logProbs } of groups) {
    const spec = DEMO_TASK_SPECS[task];
    const m = byTask.get(task) ?? { task: `demo/${task}`, precise: 0, vague: 0, misleading: 0, other: 0, outside: 0, n: 0 };
    m.n++;
    PHRASE_TEXTS.forEach((p, i) => {
      const mass = Math.exp(logProbs[i]!);
      if (spec.precise.includes(p)) m.precise += mass;
      else if (spec.vague.includes(p)) m.vague += mass;
      else if (spec.misleading.includes(p)) m.misleading += mass;
      else m.other += mass;
    });
    byTask.set(task, m);
  }
  return [...byTask.values()].map(({ n, ...m }) => {
    const scale = (x: number) => x / n;
    const r = { task: m.task, precise: scale(m.precise), vague: scale(m.vague), misleading: scale(m.misleading), other: scale(m.other), outside: 0 };
    r.outside = Math.max(0, 1 - r.precise - r.vague - r.misleading - r.other);
    return r;
  });
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

export interface CardFacts {
  recipe: DemoRecipe;
  parameters: number;
  finalLoss: number;
  /** Target-LM: exact match by meaning after training. */
  checks?: Record<string, number>;
  /** Prompt-LM: prior mass by task, without references and with one vague reference. */
  prior?: PriorMass[];
  priorWithReference?: PriorMass[];
  /** SHA-256 of model.safetensors after `prefixSteps` steps of the same schedule. */
  prefixHash: string;
  /** The hash table of the other files (model-files.ts hashTable). */
  files: string;
}

/** The model card: what the model is, how it was made, how well it does, and the files' hashes. No timings. */
export function modelCard(f: CardFacts): string {
  const r = f.recipe;
  const target = r.role === 'target';
  const lines = [
    '---',
    'license: mit',
    'library_name: gflowpo-lab',
    'tags: [demo, llama, tiny, gflowpo]',
    '---',
    '',
    `# ${r.name}`,
    '',
    target
      ? 'The demo world\'s **target-LM**: a tiny Llama trained from scratch by this project to follow a small instruction language over lists of three digits (see `src/demo/world/language.ts`). Precise instructions make it do a task, vague ones do it only on part of the inputs (when the first digit is small, or large) and another task elsewhere, misleading ones make it do another task, and any other text makes it copy the input.'
      : 'The demo world\'s **prompt-LM**: a tiny Llama trained from scratch by this project to answer GFlowPO\'s meta-prompt (the chat template around "I gave a friend an instruction and five inputs ...", the demonstrations, optional reference instructions, then the assistant prefix "The Instruction is: ") with one instruction of the demo language. Its prior is deliberately broad: few precise instructions for the task shown, many vague, misleading or off-task ones, so that search has something to find.',
    '',
    '## Model',
    '',
    `- Architecture: \`LlamaForCausalLM\` (\`model_type: llama\`), hidden size ${r.shape.hiddenSize}, ${r.shape.layers} layers, ${r.shape.heads} heads (${r.shape.kvHeads} key/value heads), MLP ${r.shape.intermediateSize}, tied embeddings, RoPE.`,
    `- Parameters: ${f.parameters} (float32, \`model.safetensors\`).`,
    `- Tokenizer: word level (\`tokenizer.json\`: Lowercase, Whitespace, WordLevel, TemplateProcessing that adds \`<s>\`), ${demoVocabulary().length} tokens, chat template in \`tokenizer_config.json\`; shared by both demo models.`,
    '',
    '## Tasks',
    '',
    `The demo tasks (\`npm run lab -- --task demo/<task>\`): ${DEMO_TASKS.map((t) => `\`demo/${t}\``).join(', ')}.`,
    '',
    '## How it was made',
    '',
    `\`${DEMO_TRAIN_COMMAND}\` remakes this folder bit for bit (onnxruntime-web ${'1.30'} on wasm, one thread, in Node). It compiles the whole model as a training graph with the project's own compiler (\`src/demo/world/lm-objective.ts\`: every weight trainable, cross-entropy on the answer tokens only, each example weighted equally) and runs it with \`src/runtime/trainer.ts\`:`,
    '',
    `- ${r.steps} steps of ${r.batchSize} sequences, AdamW (weight decay ${r.weightDecay}, gradient clip 1.0), learning rate ${r.learningRate} after ${r.warmupSteps} warm-up steps, cosine decay to ${r.finalLrRatio} x; seed ${r.seed} (data stream) and seed ${r.seed} ^ 0x5bd1e995 (initial weights, N(0, 1/hidden)).`,
    target
      ? `- Data (\`src/demo/world/corpus.ts\`): "<s> {instruction} input : 3 7 1 output :" followed by the answer the instruction means and \`</s>\`; instructions: vague phrases ${pct(TARGET_MIX.vague)}, precise and misleading phrases ${pct(TARGET_MIX.phrase)} (each meaning an equal share), garbage word strings ${pct(TARGET_MIX.garbage)} (copy), empty ${pct(TARGET_MIX.empty)} (copy).`
      : `- Data (\`src/demo/world/corpus.ts\`): meta-prompts built by the GFlowPO loop's own \`buildMetaPrompt\` for random demo-task demonstrations (3 or 5, sometimes 1-6), half with 1-3 reference instructions, wrapped by the chat template, then the assistant prefix; the answer is an instruction drawn from the prior: precise ${pct(PROMPT_PRIOR.precise)}, vague ${pct(PROMPT_PRIOR.vague)}, misleading ${pct(PROMPT_PRIOR.misleading)}, other tasks' phrases ${pct(PROMPT_PRIOR.otherTask)}, generic ${pct(PROMPT_PRIOR.generic)}; with references, ${pct(FROM_REFERENCES.copy)} of answers copy one and ${pct(FROM_REFERENCES.related)} are a phrase of the same task family as one (the other phrases of the tasks that list it).`,
    `- Final training loss: ${f.finalLoss.toFixed(4)}.`,
    `- After the first ${r.prefixSteps} steps of this schedule, \`model.safetensors\` has SHA-256 \`${f.prefixHash}\` (checked by tests/demo/reproducible.test.ts).`,
    '',
  ];
  if (f.checks) {
    lines.push('## Check after training', '', 'Teacher-forced exact match (every answer token is the argmax, so greedy decoding writes the answer) on 16 random inputs per phrase (64 garbage strings) from a stream of their own, by what the phrase means. There are only 504 lists of three distinct digits and training sees them all: this checks that the language was learned, not generalisation to new inputs.', '', '| meaning | exact match |', '|---|---|');
    for (const [k, v] of Object.entries(f.checks)) lines.push(`| ${k} | ${pct(v)} |`);
    lines.push('');
  }
  const priorTable = (title: string, masses: readonly PriorMass[]) => {
    lines.push(title, '', '| task | precise | vague | misleading | other tasks, generic | outside |', '|---|---|---|---|---|---|');
    for (const m of masses) lines.push(`| ${m.task} | ${pct(m.precise)} | ${pct(m.vague)} | ${pct(m.misleading)} | ${pct(m.other)} | ${pct(m.outside)} |`);
    lines.push('');
  };
  if (f.prior) {
    lines.push('## Prior', '');
    priorTable("Probability (temperature 1, no truncation) of writing each kind of phrase of the language after a task's meta-prompt (5 demonstrations, no references; mean over 3 meta-prompts); \"outside\" is text that is no phrase of the language:", f.prior);
  }
  if (f.priorWithReference) priorTable("The same with one reference instruction in the meta-prompt, the task's first vague phrase (what DMU shows once a partly right prompt is in the queue):", f.priorWithReference);
  lines.push('## Files', '', f.files, '');
  return lines.join('\n');
}
