// The GFlowNet objective with the rows' common meta-prompt prefix run once (gflownetModel sharedPrefix): the same
// loss, logPF, logZ and LoRA gradient as the plain graph that runs the prefix in every row (float32, 1e-5), also
// when rows share only part of their prefixes and when they share none (an empty prefix); packSharedPrefix's
// exact layout; and with LoRA dropout, the rows' masks are those of the plain graph (a prefix of one row, alone,
// gives the plain graph's numbers exactly when its prefix seed equals the row's seed).
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/random/mulberry32';
import { tinyLlamaFixtureFiles } from '../../../src/models/llama/fixture';
import { gflownetInputs, gflownetModel } from '../../../src/models/llama/gflownet-objective';
import { loadModelFiles } from '../../../src/models/formats/load-model';
import { type LoraSettings, randomLora } from '../../../src/models/llama/lora';
import { packPositioned, packSharedPrefix } from '../../../src/models/llama/target-positions';
import { compileAccumulatingBundle } from '../../../src/onnx/bundle';
import { uploadLlamaWeights } from '../../../src/runtime/causal-lm';
import { type HostTensor, hostTensor } from '../../../src/runtime/host-tensor';
import { loadOrtNode } from '../../../src/runtime/ort-node';
import { Trainer } from '../../../src/runtime/trainer';

const model = loadModelFiles(new Map(Object.entries(tinyLlamaFixtureFiles({ seed: 4 }))));
const { config } = model;
const PAD = 3;
const BETA1 = 0.9;

type Pair = { prefix: number[]; prompt: number[]; logReward: number };
const meta = [1, 10, 11, 12, 13, 14];
const oneMeta: Pair[] = [
  { prefix: meta, prompt: [30, 31, 2], logReward: -5 },
  { prefix: meta, prompt: [40, 41, 42, 43, 2], logReward: -20 },
  { prefix: meta, prompt: [50, 2], logReward: -9 },
];
const partlyShared: Pair[] = [
  { prefix: [1, 10, 11, 12], prompt: [30, 31, 2], logReward: -5 },
  { prefix: [1, 10, 13], prompt: [40, 41, 42, 2], logReward: -20 },
];
const noneShared: Pair[] = [
  { prefix: [1, 10], prompt: [30, 2], logReward: -3 },
  { prefix: [7, 10, 11], prompt: [40, 41, 2], logReward: -8 },
];

/** Plain feeds (every row holds its whole prefix). */
function plainBatch(rows: readonly Pair[], logZ: number, decay: number): Record<string, HostTensor> {
  const b = packPositioned(rows.map((p) => p.prefix), rows.map((p) => p.prompt), PAD);
  const n = gflownetInputs;
  return {
    [n.ids]: hostTensor('int64', [b.B, b.T], b.ids),
    [n.positions]: hostTensor('int64', [b.B, b.T], b.positions),
    [n.mask]: hostTensor('bool', [b.B, b.T, b.T], b.mask),
    [n.targetIndex]: hostTensor('int64', [b.B, b.N], b.targetIndex),
    [n.targets]: hostTensor('int64', [b.B, b.N], b.targets),
    [n.targetMask]: hostTensor('float32', [b.B, b.N], b.targetMask),
    [n.logReward]: hostTensor('float32', [b.B], Float32Array.from(rows.map((p) => p.logReward))),
    [n.logZ]: hostTensor('float32', [], Float32Array.from([logZ])),
    [n.logZDecay]: hostTensor('float32', [], Float32Array.from([decay])),
  };
}

/** Shared-prefix feeds (an empty prefix when the rows share none), as PromptLM packs them. */
function sharedBatch(rows: readonly Pair[], logZ: number, decay: number): Record<string, HostTensor> {
  const prefixes = rows.map((p) => p.prefix);
  const prompts = rows.map((p) => p.prompt);
  const b = packSharedPrefix(prefixes, prompts, PAD) ?? { ...packPositioned(prefixes, prompts, PAD), L: 0, prefixIds: new BigInt64Array(0), prefixPositions: new BigInt64Array(0), prefixMask: new Uint8Array(0) };
  const n = gflownetInputs;
  return {
    ...plainBatch(rows, logZ, decay),
    [n.prefixIds]: hostTensor('int64', [1, b.L], b.prefixIds),
    [n.prefixPositions]: hostTensor('int64', [1, b.L], b.prefixPositions),
    [n.prefixMask]: hostTensor('bool', [1, b.L, b.L], b.prefixMask),
    [n.ids]: hostTensor('int64', [b.B, b.T], b.ids),
    [n.positions]: hostTensor('int64', [b.B, b.T], b.positions),
    [n.mask]: hostTensor('bool', [b.B, b.T, b.T], b.mask),
    [n.targetIndex]: hostTensor('int64', [b.B, b.N], b.targetIndex),
  };
}

async function trainer(lora: LoraSettings, sharedPrefix: boolean): Promise<Trainer> {
  const ort = await loadOrtNode();
  const bundle = compileAccumulatingBundle(gflownetModel(config, lora, { sharedPrefix }), randomLora(config, lora, mulberry32(5), 0.3));
  const frozen = await uploadLlamaWeights(ort, 'wasm', config, model.weights);
  return Trainer.create(ort, bundle, { backend: 'wasm', frozen, hyper: { weightDecay: 0, beta1: BETA1 } });
}

/** One accumulate + update; the gradient read back from AdamW's first moment (m = (1 - beta1) g from zero). */
async function stepOf(t: Trainer, batch: Record<string, HostTensor>) {
  const r = await t.accumulate(batch, { scale: 1 });
  await t.applyUpdate({ lr: 1e-3 });
  const c = await t.saveCheckpoint();
  const grad = Object.fromEntries(Object.entries(c.m).map(([k, m]) => [k, Array.from(m, (x) => x / (1 - BETA1))]));
  return { loss: r.loss, logZ: (r.outputs['logz_next']!.data as Float32Array)[0]!, logPF: Array.from(r.outputs['log_pf']!.data as Float32Array), grad };
}

function expectClose(a: Awaited<ReturnType<typeof stepOf>>, b: Awaited<ReturnType<typeof stepOf>>): void {
  expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(b.loss)));
  expect(a.logZ).toBeCloseTo(b.logZ, 4);
  a.logPF.forEach((x, i) => expect(x).toBeCloseTo(b.logPF[i]!, 4));
  let maxGrad = 0;
  let maxDiff = 0;
  for (const [k, g] of Object.entries(b.grad)) {
    g.forEach((x, i) => {
      maxGrad = Math.max(maxGrad, Math.abs(x));
      maxDiff = Math.max(maxDiff, Math.abs(x - a.grad[k]![i]!));
    });
  }
  expect(maxGrad).toBeGreaterThan(1e-3); // a real gradient is compared
  expect(maxDiff / maxGrad).toBeLessThan(1e-4);
}

describe('GFlowNet objective with a shared meta-prompt prefix', () => {
  it('packSharedPrefix keeps the last shared token in every row and offsets positions by L', () => {
    const b = packSharedPrefix(partlyShared.map((p) => p.prefix), partlyShared.map((p) => p.prompt), PAD)!;
    expect(b.L).toBe(2); // [1, 10] shared; each row keeps its own rest
    expect(Array.from(b.prefixIds, Number)).toEqual([1, 10]);
    expect(Array.from(b.prefixPositions, Number)).toEqual([0, 1]);
    expect(Array.from(b.prefixMask)).toEqual([1, 0, 1, 1]);
    // rows: [11, 12, 30, 31] and [13, 40, 41, 42] (the continuation's last token is a target only)
    expect([b.B, b.T, b.N]).toEqual([2, 4, 4]);
    expect(Array.from(b.ids, Number)).toEqual([11, 12, 30, 31, 13, 40, 41, 42]);
    expect(Array.from(b.positions, Number)).toEqual([2, 3, 4, 5, 2, 3, 4, 5]);
    expect(Array.from(b.targetIndex, Number)).toEqual([1, 2, 3, 0, 0, 1, 2, 3]);
    expect(Array.from(b.targetMask)).toEqual([1, 1, 1, 0, 1, 1, 1, 1]);
    expect(packSharedPrefix(noneShared.map((p) => p.prefix), noneShared.map((p) => p.prompt), PAD)).toBeUndefined();
    expect(packSharedPrefix([[1], [1]], [[5], [6]], PAD)).toBeUndefined(); // a one-token prefix predicts the first target
  });

  it('equals the plain graph: loss, logPF, logZ (first and EMA micro-batches) and the LoRA gradient', async () => {
    const lora: LoraSettings = { rank: 2, alpha: 4, dropout: 0, targets: ['q_proj', 'v_proj'] };
    for (const rows of [oneMeta, partlyShared, noneShared]) {
      const [plain, shared] = [await trainer(lora, false), await trainer(lora, true)];
      expectClose(await stepOf(shared, sharedBatch(rows, 0, 0)), await stepOf(plain, plainBatch(rows, 0, 0)));
      expectClose(await stepOf(shared, sharedBatch(rows, -7.5, 0.9)), await stepOf(plain, plainBatch(rows, -7.5, 0.9)));
      await Promise.all([plain.release(), shared.release()]);
    }
  }, 120_000);

  it('with LoRA dropout: one row whose prefix seed is its own row seed gives the plain graph exactly; other prefix seeds differ', async () => {
    const lora: LoraSettings = { rank: 2, alpha: 4, dropout: 0.5, targets: ['q_proj', 'v_proj'] };
    const [plain, shared] = [await trainer(lora, false), await trainer(lora, true)];
    const row = [oneMeta[1]!];
    const seed = (x: number) => hostTensor('float32', [1], Float32Array.from([x]));
    const reference = await plain.evaluate({ ...plainBatch(row, 0, 0), dropout_seed: seed(0.37) });
    const same = await shared.evaluate({ ...sharedBatch(row, 0, 0), dropout_seed: seed(0.37), prefix_dropout_seed: seed(0.37) });
    const other = await shared.evaluate({ ...sharedBatch(row, 0, 0), dropout_seed: seed(0.37), prefix_dropout_seed: seed(0.81) });
    const logPF = (o: Record<string, HostTensor>) => (o['log_pf']!.data as Float32Array)[0]!;
    expect(logPF(same)).toBeCloseTo(logPF(reference), 4);
    expect(Math.abs(logPF(other) - logPF(reference))).toBeGreaterThan(1e-3);
    await Promise.all([plain.release(), shared.release()]);
  }, 60_000);
});
