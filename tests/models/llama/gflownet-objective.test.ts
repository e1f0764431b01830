// The GFlowNet objective on the tiny Llama, against independent references: whole-model LoRA gradients of logPF
// against finite differences (float64); logPF read at the prompt positions only equals the full (B, T, V)
// computation and the float64 reference forward; logZ after the first micro-batch is its mean(logR - logPF) and
// follows the EMA after (exact values); the grad graph's gradient is (2/B) sum_i r_i grad logPF_i with the EMA on
// (float64, finite differences of the reference forward); the training graph's logPF with a non-zero adapter equals
// CausalLM's adapter-on score; and accumulated updates lower the loss.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/random/mulberry32';
import { Graph } from '../../../src/autodiff/ir';
import { sequenceLogProb } from '../../../src/autodiff/nn';
import { maskAndPositions } from '../../../src/models/llama/attention-mask';
import { tinyLlamaFixtureFiles } from '../../../src/models/llama/fixture';
import { gflownetInputs, gflownetModel } from '../../../src/models/llama/gflownet-objective';
import { LlamaBuilder } from '../../../src/models/llama/builder';
import { declareWeights } from '../../../src/models/llama/graphs';
import { graphWeightSpecs, toGraphLayout } from '../../../src/models/llama/weights';
import { loadModelFiles } from '../../../src/models/formats/load-model';
import { type LoraSettings, initialLora, loraParamSpecs, randomLora } from '../../../src/models/llama/lora';
import { packSequences } from '../../../src/models/llama/sequence-batch';
import { packPositioned } from '../../../src/models/llama/target-positions';
import { compileAccumulatingBundle, names } from '../../../src/onnx/bundle';
import { emitModel } from '../../../src/onnx/emit';
import { CausalLM, uploadLlamaWeights } from '../../../src/runtime/causal-lm';
import { DeviceWeights } from '../../../src/runtime/device-weights';
import { type HostTensor, hostTensor } from '../../../src/runtime/host-tensor';
import { loadOrtNode } from '../../../src/runtime/ort-node';
import { GraphSession } from '../../../src/runtime/run-graph';
import { Trainer } from '../../../src/runtime/trainer';
import { type CheckInput, gradCheck } from '../../autodiff/gradcheck';
import { llamaReferenceLogits } from '../../reference/llama-forward';

const model = loadModelFiles(new Map(Object.entries(tinyLlamaFixtureFiles({ seed: 4 }))));
const { config } = model;
const lora: LoraSettings = { rank: 2, alpha: 4, dropout: 0, targets: ['q_proj', 'v_proj'] };
const graphWeights = toGraphLayout(config, model.weights);

/** Three (meta-prompt, prompt) pairs of different lengths: right padding and prompt positions both vary. */
const PAD = 3;
const pairs = [
  { prefix: [1, 10, 11, 12], prompt: [30, 31, 2], logReward: -5 },
  { prefix: [1, 10, 13], prompt: [40, 41, 42, 2], logReward: -20 },
  { prefix: [1, 10, 11, 12, 14, 15], prompt: [50, 2], logReward: -9 },
];

/** The objective's batch inputs for `rows` (positions-only targets) with logZ, decay and log-rewards. */
function batchOf(rows: typeof pairs, logZ: number, decay: number, dtype: 'float32' | 'float64' = 'float32'): Record<string, HostTensor> {
  const b = packPositioned(rows.map((p) => p.prefix), rows.map((p) => p.prompt), PAD);
  const float = (dims: number[], v: ArrayLike<number>) => hostTensor(dtype, dims, dtype === 'float32' ? Float32Array.from(v) : Float64Array.from(v));
  const n = gflownetInputs;
  return {
    [n.ids]: hostTensor('int64', [b.B, b.T], b.ids),
    [n.positions]: hostTensor('int64', [b.B, b.T], b.positions),
    [n.mask]: hostTensor('bool', [b.B, b.T, b.T], b.mask),
    [n.targetIndex]: hostTensor('int64', [b.B, b.N], b.targetIndex),
    [n.targets]: hostTensor('int64', [b.B, b.N], b.targets),
    [n.targetMask]: float([b.B, b.N], b.targetMask),
    [n.logReward]: float([b.B], rows.map((p) => p.logReward)),
    [n.logZ]: float([], [logZ]),
    [n.logZDecay]: float([], [decay]),
  };
}

/** logPF of each pair in float64 from the plain reference forward (one unpadded row at a time). */
function referenceLogPF(values: Readonly<Record<string, ArrayLike<number>>>, rows = pairs): number[] {
  const ref = { targets: lora.targets, rank: lora.rank, params: values, scale: lora.alpha / lora.rank };
  const V = config.vocabSize;
  return rows.map(({ prefix, prompt }) => {
    const seq = [...prefix, ...prompt];
    const logits = llamaReferenceLogits(config, model.weights, { ids: [seq.slice(0, -1)], padding: [0] }, ref);
    let sum = 0;
    prompt.forEach((token, n) => {
      const row = logits.subarray((prefix.length - 1 + n) * V, (prefix.length + n) * V);
      const max = Math.max(...row);
      sum += row[token]! - max - Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
    });
    return sum;
  });
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function f32Trainer(values: Record<string, Float32Array>) {
  const ort = await loadOrtNode();
  const bundle = compileAccumulatingBundle(gflownetModel(config, lora), values);
  const frozen = await uploadLlamaWeights(ort, 'wasm', config, model.weights);
  const trainer = await Trainer.create(ort, bundle, { backend: 'wasm', frozen, hyper: { weightDecay: 0 } });
  return { ort, trainer, frozen };
}

describe('GFlowNet objective', () => {
  it('LoRA gradients of the whole model match finite differences (float64)', async () => {
    const values = randomLora(config, lora, mulberry32(2), 0.2);
    const seq = packSequences(pairs.slice(0, 2).map((p) => p.prefix), pairs.slice(0, 2).map((p) => p.prompt), PAD);
    const r = await gradCheck((g) => {
      const inputs: CheckInput[] = [];
      const params: Record<string, ReturnType<typeof g.input>> = {};
      for (const spec of loraParamSpecs(config, lora)) {
        const t = g.input(spec.name, spec.shape, 'float64');
        params[spec.name] = t;
        inputs.push({ tensor: t, value: hostTensor('float64', spec.shape, Float64Array.from(values[spec.name]!)) });
      }
      const feed = (name: string, value: HostTensor, shape: (number | string)[]) => {
        const t = g.input(name, shape, value.dtype);
        inputs.push({ tensor: t, value, differentiate: false });
        return t;
      };
      const { B, T } = seq;
      const ids = feed('input_ids', hostTensor('int64', [B, T], seq.ids), ['B', 'T']);
      const positions = feed('position_ids', hostTensor('int64', [B, T], seq.positions), ['B', 'T']);
      const mask = feed('attn_mask', hostTensor('bool', [B, T, T], seq.mask), ['B', 'T', 'T']);
      const targets = feed('targets', hostTensor('int64', [B, T], seq.targets), ['B', 'T']);
      const targetMask = feed('target_mask', hostTensor('float64', [B, T], Float64Array.from(seq.targetMask)), ['B', 'T']);
      const weights = declareWeights(g, config, { kind: 'initialisers', weights: graphWeights });
      const lm = new LlamaBuilder(config, weights, { settings: lora, params, scale: g.scalar(lora.alpha / lora.rank) });
      const { hidden } = lm.decode({ ids, positions, mask });
      return { inputs, y: sequenceLogProb(lm.logits(hidden), targets, targetMask) };
    }, { h: 1e-4 }); // the whole model's sum has round-off ~1e-14: h = 1e-5 leaves ~1e-5 relative noise, 1e-4 ~3e-7
    expect(r.checked).toBe(loraParamSpecs(config, lora).reduce((n, s) => n + s.shape[0]! * s.shape[1]!, 0));
    expect(r.maxRelError).toBeLessThan(1e-5);
  }, 120_000);

  it('logPF at the prompt positions only equals the full (B, T, V) computation (1e-5) and the float64 reference', async () => {
    const values = randomLora(config, lora, mulberry32(5), 0.3);
    const { ort, trainer, frozen } = await f32Trainer(values);
    const positioned = Array.from((await trainer.evaluate(batchOf(pairs, 0, 0)))['log_pf']!.data as Float32Array);
    // The full computation: logits at every position, log-softmax, masked sum (the graph as it was before).
    const g = new Graph('float32');
    const seq = packSequences(pairs.map((p) => p.prefix), pairs.map((p) => p.prompt), PAD);
    const ids = g.input('input_ids', ['B', 'T'], 'int64');
    const positions = g.input('position_ids', ['B', 'T'], 'int64');
    const mask = g.input('attn_mask', ['B', 'T', 'T'], 'bool');
    const targets = g.input('targets', ['B', 'T'], 'int64');
    const targetMask = g.input('target_mask', ['B', 'T']);
    const params = Object.fromEntries(loraParamSpecs(config, lora).map((s) => [s.name, g.constant(values[s.name]!, s.shape, 'float32')]));
    const lm = new LlamaBuilder(config, declareWeights(g, config, { kind: 'initialisers', weights: graphWeights }), { settings: lora, params, scale: g.scalar(lora.alpha / lora.rank) });
    const full = await GraphSession.open(ort, emitModel(g, { logpf: sequenceLogProb(lm.logits(lm.decode({ ids, positions, mask }).hidden), targets, targetMask) }));
    const { B, T } = seq;
    const out = await full.run({
      input_ids: hostTensor('int64', [B, T], seq.ids),
      position_ids: hostTensor('int64', [B, T], seq.positions),
      attn_mask: hostTensor('bool', [B, T, T], seq.mask),
      targets: hostTensor('int64', [B, T], seq.targets),
      target_mask: hostTensor('float32', [B, T], seq.targetMask),
    });
    const everywhere = Array.from(out['logpf']!.data as Float32Array);
    positioned.forEach((lp, i) => expect(Math.abs(lp - everywhere[i]!)).toBeLessThan(1e-5));
    referenceLogPF(values).forEach((lp, i) => expect(Math.abs(positioned[i]! - lp)).toBeLessThan(1e-4));
    expect(Math.min(...positioned.map((lp) => Math.abs(lp)))).toBeGreaterThan(1); // real sums, not zeros
    await Promise.all([trainer.release(), full.release()]);
    frozen.release();
  }, 60_000);

  it('logZ: the first micro-batch (decay 0) gives its mean(logR - logPF), the next one the EMA, with the loss on the updated logZ', async () => {
    const values = randomLora(config, lora, mulberry32(7), 0.3);
    const { trainer, frozen } = await f32Trainer(values);
    const first = pairs.slice(0, 2);
    const second = pairs.slice(2);
    const pf1 = referenceLogPF(values, first);
    const pf2 = referenceLogPF(values, second);
    const logZ1 = mean(first.map((p, i) => p.logReward - pf1[i]!)); // exact, float64
    const logZ2 = 0.99 * logZ1 + 0.01 * mean(second.map((p, i) => p.logReward - pf2[i]!));
    const r1 = await trainer.accumulate(batchOf(first, 123.5, 0), { scale: 0.5 }); // logZ in is ignored at decay 0
    const z1 = (r1.outputs['logz_next']!.data as Float32Array)[0]!;
    expect(Math.abs(z1 - logZ1)).toBeLessThan(1e-4);
    expect(Math.abs(r1.loss - mean(first.map((p, i) => (logZ1 + pf1[i]! - p.logReward) ** 2)))).toBeLessThan(1e-3);
    const r2 = await trainer.accumulate(batchOf(second, z1, 0.99), { scale: 0.5 });
    const z2 = (r2.outputs['logz_next']!.data as Float32Array)[0]!;
    expect(Math.abs(z2 - logZ2)).toBeLessThan(1e-4);
    expect(Math.abs(r2.loss - (logZ2 + pf2[0]! - second[0]!.logReward) ** 2)).toBeLessThan(1e-3);
    // The fixture's numbers (float64 reference): logPF = -13.04847, -16.97725 | -8.94913;
    // logZ1 = mean(-5 + 13.04847, -20 + 16.97725) = 2.51286; logZ2 = 0.99 * 2.51286 + 0.01 * (-9 + 8.94913) = 2.48722.
    expect([...pf1, ...pf2].map((x) => Number(x.toFixed(5)))).toEqual([-13.04847, -16.97725, -8.94913]);
    expect(z1).toBeCloseTo(2.51286, 4);
    expect(z2).toBeCloseTo(2.48722, 4);
    await trainer.release();
    frozen.release();
  }, 60_000);

  it('the grad graph gives (2/B) sum_i r_i grad logPF_i with the EMA on (float64; grad logPF by finite differences of the reference)', async () => {
    const values = randomLora(config, lora, mulberry32(9), 0.3);
    const bundle = compileAccumulatingBundle(gflownetModel(config, lora), values, 'float64');
    const session = await GraphSession.open(await loadOrtNode(), bundle.grad, { optimization: 'basic' });
    const logZ = 3;
    const decay = 0.9;
    const feeds: Record<string, HostTensor> = { ...batchOf(pairs, logZ, decay, 'float64'), [names.gradScale]: hostTensor('float64', [], Float64Array.from([1])), [names.lossAcc]: hostTensor('float64', [], Float64Array.from([0])) };
    for (const s of graphWeightSpecs(config)) feeds[names.frozen(s.name)] = hostTensor('float64', s.shape, Float64Array.from(graphWeights.get(s.name)!));
    for (const s of loraParamSpecs(config, lora)) {
      feeds[names.param(s.name)] = hostTensor('float64', s.shape, Float64Array.from(values[s.name]!));
      feeds[names.gradAcc(s.name)] = hostTensor('float64', s.shape, new Float64Array(s.shape[0]! * s.shape[1]!));
    }
    const out = await session.run(feeds);
    await session.release();
    // Residuals from the reference: r_i = logZ' + logPF_i - logR_i, logZ' = decay logZ + (1 - decay) mean(logR - logPF).
    const pf = referenceLogPF(values);
    const logZNext = decay * logZ + (1 - decay) * mean(pairs.map((p, i) => p.logReward - pf[i]!));
    const r = pairs.map((p, i) => logZNext + pf[i]! - p.logReward);
    expect(Math.abs(mean(r))).toBeGreaterThan(1); // logZ' differs from the batch mean: a gradient through logZ' would show
    expect((out['logz_next']!.data as Float64Array)[0]).toBeCloseTo(logZNext, 9);
    const B = pairs.length;
    const h = 1e-5;
    let checked = 0;
    const rng = mulberry32(1);
    for (const spec of loraParamSpecs(config, lora)) {
      const size = spec.shape[0]! * spec.shape[1]!;
      const got = out[names.next(names.gradAcc(spec.name))]!.data as Float64Array;
      for (let k = 0; k < 3; k++) {
        const j = Math.floor(rng() * size);
        const at = (delta: number) => {
          const v = { ...values, [spec.name]: Float64Array.from(values[spec.name]!, (x, i) => (i === j ? x + delta : x)) };
          return referenceLogPF(v);
        };
        const [plus, minus] = [at(h), at(-h)];
        const want = (2 / B) * r.reduce((s, ri, i) => s + ri * ((plus[i]! - minus[i]!) / (2 * h)), 0);
        expect(Math.abs(got[j]! - want)).toBeLessThan(1e-6 * Math.max(1, Math.abs(want)));
        checked++;
      }
    }
    expect(checked).toBe(3 * loraParamSpecs(config, lora).length); // 3 entries of every A and B
  }, 120_000);

  it("the training graph's logPF with a non-zero adapter equals CausalLM's adapter-on score", async () => {
    const values = randomLora(config, lora, mulberry32(11), 0.3);
    const { ort, trainer, frozen } = await f32Trainer(values);
    const r = await trainer.accumulate(batchOf(pairs, 0, 0), { scale: 1 });
    const trained = Array.from(r.outputs['log_pf']!.data as Float32Array);
    const lm = await CausalLM.create(ort, config, frozen, { lora });
    lm.setAdapter({ trainer });
    const on = await lm.score(pairs.map((p) => p.prefix), pairs.map((p) => p.prompt), { adapter: true, padTokenId: PAD });
    const off = await lm.score(pairs.map((p) => p.prefix), pairs.map((p) => p.prompt), { adapter: false, padTokenId: PAD });
    trained.forEach((lp, i) => expect(Math.abs(lp - on[i]!)).toBeLessThan(1e-4));
    expect(Math.max(...trained.map((lp, i) => Math.abs(lp - off[i]!)))).toBeGreaterThan(1e-2); // the adapter matters
    await Promise.all([trainer.release(), lm.release()]);
    frozen.release();
  }, 60_000);

  it('accumulated updates (two micro-batches a step, LoRA dropout on) lower the loss on a fixed batch', async () => {
    const ort = await loadOrtNode();
    const withDropout = { ...lora, dropout: 0.05 };
    const bundle = compileAccumulatingBundle(gflownetModel(config, withDropout), initialLora(config, withDropout, mulberry32(3)));
    expect(bundle.manifest.frozen.length).toBeGreaterThan(10);
    expect(bundle.manifest.params.every((p) => p.name.includes('lora_'))).toBe(true);
    const frozen = await uploadLlamaWeights(ort, 'wasm', config, model.weights);
    const trainer = await Trainer.create(ort, bundle, { backend: 'wasm', frozen, hyper: { lr: 1e-2, weightDecay: 0 } });
    let logZ: number | null = null;
    const losses: number[] = [];
    const seeds = (k: number, n: number) => hostTensor('float32', [n], Float32Array.from({ length: n }, (_, i) => (k * 31 + i * 7) % 10_007));
    for (let step = 0; step < 20; step++) {
      let loss = 0;
      for (const [m, rows] of [pairs.slice(0, 2), pairs.slice(2)].entries()) {
        const r = await trainer.accumulate({ ...batchOf(rows, logZ ?? 0, logZ === null ? 0 : 0.9), dropout_seed: seeds(step * 2 + m, rows.length) }, { scale: 0.5 });
        logZ = (r.outputs['logz_next']!.data as Float32Array)[0]!;
        loss += r.loss / 2;
      }
      expect((await trainer.applyUpdate()).finite).toBe(true);
      losses.push(loss);
    }
    expect(losses[19]!).toBeLessThan(losses[0]! * 0.5);
    await trainer.release();
    frozen.release();
  }, 120_000);
});
