// LoRA math: y = x W + (alpha / r) * on * dropout(x) A B, with A (in, r) and B (r, out), B initialised to zero so
// the adapter starts as the identity; parameter names and shapes, PEFT's initialisation. Pure TS; no graphs, no
// defaults (the one set of defaults is GFLOWPO_DEFAULTS.lora in src/gflow/settings.ts).
import { type Rng, randn } from '../../random/mulberry32';
import type { ParamSpec } from '../../onnx/checkpoint';
import type { LlamaConfig } from './types';

export const LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

export interface LoraSettings {
  rank: number;
  alpha: number;
  /** Dropout on the adapter's input during training (0 disables it). */
  dropout: number;
  targets: readonly LoraTarget[];
}

export class LoraSettingsError extends Error {
  override name = 'LoraSettingsError';
}

export function validateLora(s: LoraSettings): void {
  if (!Number.isInteger(s.rank) || s.rank < 1) throw new LoraSettingsError(`LoRA rank must be a positive integer, got ${s.rank}`);
  if (!(s.alpha > 0)) throw new LoraSettingsError(`LoRA alpha must be positive, got ${s.alpha}`);
  if (!(s.dropout >= 0 && s.dropout < 1)) throw new LoraSettingsError(`LoRA dropout must be in [0, 1), got ${s.dropout}`);
  if (s.targets.length === 0) throw new LoraSettingsError('LoRA needs at least one target module');
  for (const t of s.targets) {
    if (!LORA_TARGETS.includes(t)) throw new LoraSettingsError(`unknown LoRA target '${t}'; choose from ${LORA_TARGETS.join(', ')}`);
  }
}

/** LoRA settings from the run's settings shape (target module names as strings), validated. */
export function loraFromSettings(s: { rank: number; alpha: number; dropout: number; targetModules: readonly string[] }): LoraSettings {
  const targets = s.targetModules.map((t) => {
    if (!(LORA_TARGETS as readonly string[]).includes(t)) throw new LoraSettingsError(`unknown LoRA target '${t}'; choose from ${LORA_TARGETS.join(', ')}`);
    return t as LoraTarget;
  });
  const settings: LoraSettings = { rank: s.rank, alpha: s.alpha, dropout: s.dropout, targets };
  validateLora(settings);
  return settings;
}

/** A fixed number per (layer, target): the dropout site of that adapter, the same in every graph. */
export function loraSite(layer: number, target: LoraTarget): number {
  return layer * LORA_TARGETS.length + LORA_TARGETS.indexOf(target);
}

const MODULE: Record<LoraTarget, 'self_attn' | 'mlp'> = {
  q_proj: 'self_attn', k_proj: 'self_attn', v_proj: 'self_attn', o_proj: 'self_attn',
  gate_proj: 'mlp', up_proj: 'mlp', down_proj: 'mlp',
};

export function loraParamName(layer: number, target: LoraTarget, which: 'A' | 'B'): string {
  return `model.layers.${layer}.${MODULE[target]}.${target}.lora_${which}`;
}

/** (in, out) of a target's base linear. */
export function linearDims(config: LlamaConfig, target: LoraTarget): [number, number] {
  const { hiddenSize: C, intermediateSize: F, numHeads: H, numKvHeads: KV, headDim: D } = config;
  switch (target) {
    case 'q_proj':
      return [C, H * D];
    case 'k_proj':
    case 'v_proj':
      return [C, KV * D];
    case 'o_proj':
      return [H * D, C];
    case 'gate_proj':
    case 'up_proj':
      return [C, F];
    case 'down_proj':
      return [F, C];
  }
}

export function loraParamSpecs(config: LlamaConfig, s: LoraSettings): ParamSpec[] {
  validateLora(s);
  const specs: ParamSpec[] = [];
  for (let l = 0; l < config.numLayers; l++) {
    for (const t of s.targets) {
      const [i, o] = linearDims(config, t);
      specs.push({ name: loraParamName(l, t, 'A'), shape: [i, s.rank] }, { name: loraParamName(l, t, 'B'), shape: [s.rank, o] });
    }
  }
  return specs;
}

/** PEFT's initialisation: A ~ kaiming-uniform(a = sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)); B = 0. */
export function initialLora(config: LlamaConfig, s: LoraSettings, rng: Rng): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const spec of loraParamSpecs(config, s)) {
    const size = spec.shape[0]! * spec.shape[1]!;
    if (spec.name.endsWith('lora_B')) out[spec.name] = new Float32Array(size);
    else {
      const bound = 1 / Math.sqrt(spec.shape[0]!);
      out[spec.name] = Float32Array.from({ length: size }, () => (2 * rng() - 1) * bound);
    }
  }
  return out;
}

/** Random non-zero B as well (tests: with B = 0 the gradient of A vanishes). */
export function randomLora(config: LlamaConfig, s: LoraSettings, rng: Rng, scale: number): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const spec of loraParamSpecs(config, s)) {
    out[spec.name] = Float32Array.from({ length: spec.shape[0]! * spec.shape[1]! }, () => scale * randn(rng));
  }
  return out;
}
