import { randomLlamaWeights } from '../src/models/fixture-tiny-llama';
import { parseLlamaConfig } from '../src/models/llama-config';
import { loadOrtNode } from '../src/runtime/ort-node';
import { PromptLM } from '../src/runtime/prompt-lm';
const [H, L, HEAD, RANK, STEPS, LR] = process.argv.slice(2).map(Number) as [number, number, number, number, number, number];
const config = parseLlamaConfig({ model_type: 'llama', vocab_size: 5, hidden_size: H, intermediate_size: 2 * H, num_hidden_layers: L, num_attention_heads: 4, num_key_value_heads: 2, bos_token_id: 4, eos_token_id: 4, max_position_embeddings: 16 });
const BOS = 4;
const zs: number[][] = []; for (let a = 0; a < 5; a++) for (let b = 0; b < 5; b++) for (let c = 0; c < 5; c++) zs.push([a, b, c]);
const U = [1.0, 0, 0.5, -0.5, -3];
const M = [[0.8, -0.4, 0.3, 0, -3], [0, 1.1, -0.6, 0.4, -3], [-0.5, 0.2, 0.9, -0.3, -3], [0.6, 0, -0.8, 0.5, -3], [0, 0, 0, 0, -3]];
const f = (z: number[]) => U[z[0]!]! + M[z[0]!]![z[1]!]! + M[z[1]!]![z[2]!]!;
const logR = zs.map(f);
const w = randomLlamaWeights(config, 3); const hh = w.get('lm_head.weight')!.data; for (let i = 0; i < hh.length; i++) hh[i]! *= HEAD;
const lm = new PromptLM(loadOrtNode);
await lm.load({ kind: 'loaded', model: { config, weights: w } }, { backend: 'wasm', lora: { rank: RANK, alpha: 2 * RANK, dropout: 0, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'down_proj', 'up_proj', 'gate_proj'] }, adamw: { lr: LR, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 10 }, warmupSteps: 1, logZDecay: 0 });
const t0 = performance.now();
for (let step = 0; step < STEPS; step++) {
  const r = await lm.trainStep(zs.map((z, i) => ({ prefix: [BOS], prompt: z, logReward: logR[i]! })));
  if (step % 100 === 0 || step === STEPS - 1) console.log(step, r.loss.toExponential(3), r.gradNorm.toExponential(2));
}
const lp = await lm.score(zs.map(() => [BOS]), zs, { adapter: true });
const R = logR.map(Math.exp); const Z = R.reduce((a, b) => a + b);
console.log('TV', 0.5 * lp.reduce((t, l, i) => t + Math.abs(Math.exp(l) - R[i]! / Z), 0), 'ms', (performance.now() - t0).toFixed(0));
