// The GFlowNet objective on the tiny Llama: whole-model LoRA gradients of logPF against finite differences
// (float64), and the compiled train step (float32, wasm) lowering the loss on a fixed batch with the EMA logZ.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/random/mulberry32';
import { sequenceLogProb } from '../../../src/autodiff/nn';
import { maskAndPositions } from '../../../src/models/llama/attention-mask';
import { tinyLlamaFixtureFiles } from '../../../src/models/llama/fixture';
import { gflownetModel } from '../../../src/models/llama/gflownet-objective';
import { LlamaBuilder } from '../../../src/models/llama/builder';
import { declareWeights } from '../../../src/models/llama/graphs';
import { toGraphLayout } from '../../../src/models/llama/weights';
import { loadModelFiles } from '../../../src/models/formats/load-model';
import { LORA_DEFAULTS, initialLora, loraParamSpecs, randomLora } from '../../../src/models/llama/lora';
import { compileTrainingBundle } from '../../../src/onnx/bundle';
import { uploadLlamaWeights } from '../../../src/runtime/causal-lm';
import { type HostTensor, hostTensor } from '../../../src/runtime/host-tensor';
import { loadOrtNode } from '../../../src/runtime/ort-node';
import { Trainer } from '../../../src/runtime/trainer';
import { type CheckInput, gradCheck } from '../../autodiff/gradcheck';

const model = loadModelFiles(new Map(Object.entries(tinyLlamaFixtureFiles({ seed: 4 }))));
const { config } = model;
const lora = { ...LORA_DEFAULTS, rank: 2, alpha: 4, dropout: 0 };

/** Two sequences (meta-prompt prefix, prompt) as the train step takes them: targets are the next tokens. */
function sequences(): Record<string, HostTensor> {
  const rows = [[1, 10, 11, 12, 30, 31, 2], [1, 10, 13, 40, 41, 42, 2]];
  const prefix = 3; // the first 3 targets belong to the meta-prompt and do not count
  const B = rows.length;
  const T = rows[0]!.length - 1;
  const ids = BigInt64Array.from(rows.flatMap((r) => r.slice(0, -1).map(BigInt)));
  const targets = BigInt64Array.from(rows.flatMap((r) => r.slice(1).map(BigInt)));
  const targetMask = Float32Array.from(rows.flatMap(() => Array.from({ length: T }, (_, t) => (t + 1 > prefix ? 1 : 0))));
  const { mask, positions } = maskAndPositions([0, 0], 0, T);
  return {
    input_ids: hostTensor('int64', [B, T], ids),
    position_ids: hostTensor('int64', [B, T], positions),
    attn_mask: hostTensor('bool', [B, T, T], mask),
    targets: hostTensor('int64', [B, T], targets),
    target_mask: hostTensor('float32', [B, T], targetMask),
  };
}

describe('GFlowNet objective', () => {
  it('LoRA gradients of the whole model match finite differences (float64)', async () => {
    const values = randomLora(config, lora, mulberry32(2), 0.2);
    const feeds = sequences();
    const r = await gradCheck((g) => {
      const inputs: CheckInput[] = [];
      const params: Record<string, ReturnType<typeof g.input>> = {};
      for (const spec of loraParamSpecs(config, lora)) {
        const t = g.input(spec.name, spec.shape, 'float64');
        params[spec.name] = t;
        inputs.push({ tensor: t, value: hostTensor('float64', spec.shape, Float64Array.from(values[spec.name]!)) });
      }
      const feed = (name: string, shape: (number | string)[]) => {
        const v = feeds[name]!;
        const t = g.input(name, shape, v.dtype === 'float32' ? 'float64' : v.dtype);
        inputs.push({ tensor: t, value: v.dtype === 'float32' ? hostTensor('float64', v.dims, Float64Array.from(v.data as Float32Array)) : v, differentiate: false });
        return t;
      };
      const ids = feed('input_ids', ['B', 'T']);
      const positions = feed('position_ids', ['B', 'T']);
      const mask = feed('attn_mask', ['B', 'T', 'T']);
      const targets = feed('targets', ['B', 'T']);
      const targetMask = feed('target_mask', ['B', 'T']);
      const weights = declareWeights(g, config, { kind: 'initialisers', weights: toGraphLayout(config, model.weights) });
      const lm = new LlamaBuilder(config, weights, { settings: lora, params, scale: g.scalar(lora.alpha / lora.rank) });
      const { hidden } = lm.decode({ ids, positions, mask });
      return { inputs, y: sequenceLogProb(lm.logits(hidden), targets, targetMask) };
    }, { h: 1e-4 }); // the whole model's sum has round-off ~1e-14: h = 1e-5 leaves ~1e-5 relative noise, 1e-4 ~3e-7
    expect(r.checked).toBe(loraParamSpecs(config, lora).reduce((n, s) => n + s.shape[0]! * s.shape[1]!, 0));
    expect(r.maxRelError).toBeLessThan(1e-5);
  }, 120_000);

  it('the compiled train step lowers the loss on a fixed batch and tracks logZ as an EMA', async () => {
    const ort = await loadOrtNode();
    const bundle = compileTrainingBundle(gflownetModel(config, { ...lora, dropout: 0.05 }), initialLora(config, lora, mulberry32(3)));
    expect(bundle.manifest.frozen.length).toBeGreaterThan(10);
    expect(bundle.manifest.params.every((p) => p.name.includes('lora_'))).toBe(true);
    const frozen = await uploadLlamaWeights(ort, 'wasm', config, model.weights);
    const trainer = await Trainer.create(ort, bundle, { backend: 'wasm', frozen, hyper: { lr: 1e-2, weightDecay: 0 } });
    const logR = Float32Array.from([-5, -20]);
    let logZ = 0;
    const decay = 0.9;
    const losses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await trainer.trainStep({
        ...sequences(),
        log_reward: hostTensor('float32', [2], logR),
        logz: hostTensor('float32', [], Float32Array.from([logZ])),
        logz_decay: hostTensor('float32', [], Float32Array.from([decay])),
        dropout_seed: hostTensor('float32', [], Float32Array.from([i])),
      });
      expect(r.finite).toBe(true);
      const logPF = Array.from(r.outputs['log_pf']!.data as Float32Array);
      const expected = decay * logZ + (1 - decay) * ((logR[0]! - logPF[0]! + logR[1]! - logPF[1]!) / 2);
      const next = (r.outputs['logz_next']!.data as Float32Array)[0]!;
      expect(next).toBeCloseTo(expected, 4);
      const residual = logPF.map((lp, k) => next + lp - logR[k]!);
      expect(r.loss).toBeCloseTo((residual[0]! ** 2 + residual[1]! ** 2) / 2, 2);
      logZ = next;
      losses.push(r.loss);
    }
    expect(losses[24]!).toBeLessThan(losses[0]! * 0.6);
    for (let i = 5; i < 25; i += 5) expect(losses[i]!).toBeLessThan(losses[i - 5]!); // falls steadily
    await trainer.release();
    frozen.release();
  }, 120_000);
});
