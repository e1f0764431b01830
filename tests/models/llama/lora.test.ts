// LoRA math: PEFT's initialisation (A Kaiming-uniform with a = sqrt(5), B zero), parameter layout, and the
// conversion from the run's settings (target module names) with named errors.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/random/mulberry32';
import { parseLlamaConfig } from '../../../src/models/llama/config';
import { LORA_TARGETS, LoraSettingsError, initialLora, linearDims, loraFromSettings, loraParamName, loraParamSpecs } from '../../../src/models/llama/lora';
import { GFLOWPO_DEFAULTS } from '../../../src/gflow/settings';

/** SmolLM2-135M's widths at one layer: q/k/v/gate/up read 576 inputs, o 576, down 1536. */
const config = parseLlamaConfig({
  model_type: 'llama', vocab_size: 64, hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 1,
  num_attention_heads: 9, num_key_value_heads: 3, max_position_embeddings: 64, bos_token_id: 1, eos_token_id: 2,
});

describe('initialLora (PEFT: nn.init.kaiming_uniform_(lora_A.weight, a=math.sqrt(5)); lora_B zero)', () => {
  // lora_A.weight is (r, in) in torch: fan_in = in. gain = sqrt(2 / (1 + a^2)) = sqrt(1/3);
  // bound = gain * sqrt(3 / fan_in) = 1 / sqrt(in).
  const settings = { rank: 16, alpha: 32, dropout: 0.05, targets: LORA_TARGETS };
  const values = initialLora(config, settings, mulberry32(11));

  it.each(LORA_TARGETS.map((t) => [t]))('%s: A lies within +-1/sqrt(in) and fills it (uniform), B is zero', (target) => {
    const [inputs, outputs] = linearDims(config, target);
    const a = values[loraParamName(0, target, 'A')]!;
    const b = values[loraParamName(0, target, 'B')]!;
    expect(a.length).toBe(inputs * 16);
    expect(b.length).toBe(16 * outputs);
    expect(b.every((x) => x === 0)).toBe(true);
    const bound = 1 / Math.sqrt(inputs);
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let sq = 0;
    for (const x of a) {
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
      sq += x * x;
    }
    expect(max).toBeLessThanOrEqual(Math.fround(bound));
    expect(min).toBeGreaterThanOrEqual(-Math.fround(bound));
    // 9216+ draws: the extremes come within 0.5% of the bound (a bound of 1/sqrt(rank) or sqrt(6/in) would fail).
    expect(max).toBeGreaterThan(0.995 * bound);
    expect(min).toBeLessThan(-0.995 * bound);
    const n = a.length;
    const variance = bound ** 2 / 3; // of U(-bound, bound)
    expect(Math.abs(sum / n)).toBeLessThan(4 * Math.sqrt(variance / n));
    expect(Math.abs(sq / n / variance - 1)).toBeLessThan(0.05);
  });

  it('is seeded: same seed, same values; another seed, other values', () => {
    const again = initialLora(config, settings, mulberry32(11));
    const other = initialLora(config, settings, mulberry32(12));
    const name = loraParamName(0, 'q_proj', 'A');
    expect(Array.from(again[name]!)).toEqual(Array.from(values[name]!));
    expect(Array.from(other[name]!)).not.toEqual(Array.from(values[name]!));
  });
});

describe('loraFromSettings', () => {
  it('takes GFLOWPO_DEFAULTS.lora (r 16, alpha 32, dropout 0.05, q and v) to the graph settings', () => {
    expect(loraFromSettings(GFLOWPO_DEFAULTS.lora)).toEqual({ rank: 16, alpha: 32, dropout: 0.05, targets: ['q_proj', 'v_proj'] });
    expect(loraParamSpecs(config, loraFromSettings(GFLOWPO_DEFAULTS.lora)).map((s) => [s.name, s.shape])).toEqual([
      ['model.layers.0.self_attn.q_proj.lora_A', [576, 16]],
      ['model.layers.0.self_attn.q_proj.lora_B', [16, 576]],
      ['model.layers.0.self_attn.v_proj.lora_A', [576, 16]],
      ['model.layers.0.self_attn.v_proj.lora_B', [16, 192]],
    ]);
  });

  it('names an unknown target module and bad numbers', () => {
    expect(() => loraFromSettings({ rank: 4, alpha: 8, dropout: 0, targetModules: ['q_proj', 'qkv'] })).toThrow(LoraSettingsError);
    expect(() => loraFromSettings({ rank: 4, alpha: 8, dropout: 0, targetModules: ['qkv'] })).toThrow(/unknown LoRA target 'qkv'; choose from q_proj/);
    expect(() => loraFromSettings({ rank: 0, alpha: 8, dropout: 0, targetModules: ['q_proj'] })).toThrow(/rank must be a positive integer/);
    expect(() => loraFromSettings({ rank: 4, alpha: 8, dropout: 1, targetModules: ['q_proj'] })).toThrow(/dropout must be in \[0, 1\)/);
  });
});
