// A one-block pre-norm decoder (Llama-style: RMSNorm, RoPE, causal attention, SwiGLU, untied output) as a
// TrainableModel with next-token cross-entropy. The demo's toy model and the compiler's transformer test case.
import type { Graph, Tensor } from '../../autodiff/ir';
import { add, arange, div, gather, matmul, mul, reshape, softmax, transpose, transposeLast } from '../../autodiff/ops';
import { applyRotary, causalMask, crossEntropy, maskScores, rmsNorm, rotaryAngles, silu } from '../../autodiff/nn';
import type { TrainableModel } from '../../onnx/bundle';

export interface TinyTransformerDims {
  vocab: number;
  /** Model width C. */
  width: number;
  heads: number;
  /** SwiGLU hidden width F. */
  ffn: number;
}

export const RMS_EPS = 1e-5;
export const ROPE_THETA = 10000;

/** Parameter names and shapes, in a fixed order. */
export function tinyTransformerParams(d: TinyTransformerDims): { name: string; shape: number[] }[] {
  const { vocab: V, width: C, ffn: F } = d;
  return [
    { name: 'emb', shape: [V, C] },
    { name: 'g1', shape: [C] },
    { name: 'wq', shape: [C, C] },
    { name: 'wk', shape: [C, C] },
    { name: 'wv', shape: [C, C] },
    { name: 'wo', shape: [C, C] },
    { name: 'g2', shape: [C] },
    { name: 'wg', shape: [C, F] },
    { name: 'wu', shape: [C, F] },
    { name: 'wd', shape: [F, C] },
    { name: 'gf', shape: [C] },
    { name: 'wout', shape: [C, V] },
  ];
}

export function tinyTransformerModel(d: TinyTransformerDims): TrainableModel {
  const { width: C, heads: H } = d;
  const D = C / H;
  if (!Number.isInteger(D) || D % 2 !== 0) throw new Error(`width ${C} must split into ${H} heads of even size`);
  const invFreq = Array.from({ length: D / 2 }, (_, i) => ROPE_THETA ** (-(2 * i) / D));
  return {
    name: 'tiny-transformer',
    params: tinyTransformerParams(d),
    forward(g: Graph, p: Readonly<Record<string, Tensor>>) {
      const w = (n: string): Tensor => p[n]!;
      const ids = g.input('ids', ['B', 'T'], 'int64'); // (B,T)
      const targets = g.input('targets', ['B', 'T'], 'int64'); // (B,T)
      const heads = (t: Tensor): Tensor => transpose(reshape(t, ['B', 'T', H, D]), [0, 2, 1, 3]); // (B,T,C) -> (B,H,T,D)
      const x = gather(w('emb'), ids); // (B,T,C)
      const h = rmsNorm(x, w('g1'), RMS_EPS); // (B,T,C)
      const { cos, sin } = rotaryAngles(arange(g, 'T'), invFreq); // (T,D/2) each
      const q = applyRotary(heads(matmul(h, w('wq'))), cos, sin, 'rotate-half'); // (B,H,T,D)
      const k = applyRotary(heads(matmul(h, w('wk'))), cos, sin, 'rotate-half'); // (B,H,T,D)
      const v = heads(matmul(h, w('wv'))); // (B,H,T,D)
      const scores = div(matmul(q, transposeLast(k)), Math.sqrt(D)); // (B,H,T,D) @ (B,H,D,T) -> (B,H,T,T)
      const att = softmax(maskScores(scores, causalMask(x, 'T')), -1); // (B,H,T,T)
      const o = reshape(transpose(matmul(att, v), [0, 2, 1, 3]), ['B', 'T', C]); // (B,H,T,D) -> (B,T,C)
      const x2 = add(x, matmul(o, w('wo'))); // (B,T,C)
      const h2 = rmsNorm(x2, w('g2'), RMS_EPS); // (B,T,C)
      const ff = matmul(mul(silu(matmul(h2, w('wg'))), matmul(h2, w('wu'))), w('wd')); // (B,T,F) @ (F,C) -> (B,T,C)
      const x3 = add(x2, ff); // (B,T,C)
      const logits = matmul(rmsNorm(x3, w('gf'), RMS_EPS), w('wout')); // (B,T,C) @ (C,V) -> (B,T,V)
      return { loss: crossEntropy(logits, targets), outputs: { logits } };
    },
  };
}
