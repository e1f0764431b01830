// Every gradient rule against central finite differences (float64 on onnxruntime-web wasm), broadcasting included.
import { describe, expect, it } from 'vitest';
import type { Graph, Tensor } from '../../src/autodiff/ir';
import * as op from '../../src/autodiff/ops';
import * as nn from '../../src/autodiff/nn';
import { type CheckInput, f64, gradCheck, i64 } from './gradcheck';
import type { HostTensor } from '../../src/runtime/host-tensor';

type Case = (g: Graph) => { inputs: CheckInput[]; y: Tensor };

/** Declares float64 inputs with the value's dims (or the given symbolic shape). */
function inp(g: Graph, name: string, value: HostTensor, shape?: (number | string)[], differentiate = true): CheckInput {
  return { tensor: g.input(name, shape ?? value.dims, value.dtype), value, differentiate };
}

function unary(f: (x: Tensor) => Tensor, lo = -1, hi = 1): Case {
  return (g) => {
    const x = inp(g, 'x', f64([2, 3], 1, lo, hi));
    return { inputs: [x], y: f(x.tensor) };
  };
}

function binary(f: (a: Tensor, b: Tensor) => Tensor, da: number[], db: number[], lo = -1, hi = 1): Case {
  return (g) => {
    const a = inp(g, 'a', f64(da, 2, lo, hi));
    const b = inp(g, 'b', f64(db, 3, lo, hi));
    return { inputs: [a, b], y: f(a.tensor, b.tensor) };
  };
}

const cases: Record<string, Case> = {
  'Add': binary(op.add, [2, 3], [2, 3]),
  'Add broadcast (2,3)+(3)': binary(op.add, [2, 3], [3]),
  'Add broadcast (2,1,3)+(4,1)': binary(op.add, [2, 1, 3], [4, 1]),
  'Sub broadcast (1,3)-(2,1)': binary(op.sub, [1, 3], [2, 1]),
  'Mul broadcast (2,3,4)*(3,1)': binary(op.mul, [2, 3, 4], [3, 1]),
  'Mul by itself': (g) => {
    const x = inp(g, 'x', f64([3, 2], 4));
    return { inputs: [x], y: op.mul(x.tensor, x.tensor) };
  },
  'Div broadcast (2,3)/(3)': binary(op.div, [2, 3], [3], 0.5, 1.5),
  'Div broadcast (3)/(2,3)': binary(op.div, [3], [2, 3], 0.5, 1.5),
  'Pow constant 3': unary((x) => op.pow(x, 3)),
  'Pow constant 0.5': unary((x) => op.pow(x, 0.5), 0.5, 2),
  'Pow constant tensor exponent (broadcast)': (g) => {
    const x = inp(g, 'x', f64([2, 3], 5, 0.5, 2));
    const p = op.constantLike(x.tensor, [1, 2, -1.5], [3]);
    return { inputs: [x], y: op.pow(x.tensor, p) };
  },
  'Neg': unary(op.neg),
  'Exp': unary(op.exp),
  'Log': unary(op.log, 0.2, 3),
  'Sqrt': unary(op.sqrt, 0.2, 3),
  'Reciprocal': unary(op.reciprocal, 0.5, 2),
  'Sigmoid': unary(op.sigmoid, -3, 3),
  'Tanh': unary(op.tanh, -2, 2),
  'Abs': unary(op.abs, 0.1, 1),
  'Sin': unary(op.sin, -3, 3),
  'Cos': unary(op.cos, -3, 3),
  'Softmax axis -1': unary((x) => op.softmax(x, -1), -2, 2),
  'Softmax axis 0': unary((x) => op.softmax(x, 0), -2, 2),
  'LogSoftmax axis 1': unary((x) => op.logSoftmax(x, 1), -2, 2),
  'ReduceSum axis 1': unary((x) => op.reduceSum(x, [1])),
  'ReduceSum all': unary((x) => op.reduceSum(x)),
  'ReduceSum axes 0,2 keepdims': (g) => {
    const x = inp(g, 'x', f64([2, 3, 4], 6));
    return { inputs: [x], y: op.reduceSum(x.tensor, [0, 2], true) };
  },
  'ReduceMean axis -1': unary((x) => op.reduceMean(x, [-1])),
  'ReduceMean symbolic axis': (g) => {
    const x = inp(g, 'x', f64([4, 3], 7), ['N', 3]);
    return { inputs: [x], y: op.reduceMean(x.tensor, [0], true) };
  },
  'ReduceMax axis 1': unary((x) => op.reduceMax(x, [1])),
  'ReduceMax all keepdims': unary((x) => op.reduceMax(x, undefined, true)),
  'MatMul (2,3)@(3,4)': binary(op.matmul, [2, 3], [3, 4]),
  'MatMul batched (2,2,3)@(3,4)': binary(op.matmul, [2, 2, 3], [3, 4]),
  'MatMul broadcast (2,1,2,3)@(3,3,4)': binary(op.matmul, [2, 1, 2, 3], [3, 3, 4]),
  'Gather embedding with repeated ids': (g) => {
    const w = inp(g, 'w', f64([5, 3], 8));
    const ids = inp(g, 'ids', i64([2, 3], [1, 4, 1, 0, 4, 4]), undefined, false);
    return { inputs: [w, ids], y: op.gather(w.tensor, ids.tensor) };
  },
  'GatherElements axis 1 with repeats': (g) => {
    const x = inp(g, 'x', f64([2, 4], 9));
    const idx = inp(g, 'idx', i64([2, 3], [3, 0, 3, 1, 1, 2]), undefined, false);
    return { inputs: [x, idx], y: op.gatherElements(x.tensor, idx.tensor, 1) };
  },
  'Transpose (2,3,4) perm 2,0,1': (g) => {
    const x = inp(g, 'x', f64([2, 3, 4], 10));
    return { inputs: [x], y: op.transpose(x.tensor, [2, 0, 1]) };
  },
  'Reshape (2,3,4)->(6,4)': (g) => {
    const x = inp(g, 'x', f64([2, 3, 4], 11));
    return { inputs: [x], y: op.reshape(x.tensor, [6, 4]) };
  },
  'Reshape symbolic (B,3,4)->(B,12)': (g) => {
    const x = inp(g, 'x', f64([2, 3, 4], 12), ['B', 3, 4]);
    return { inputs: [x], y: op.reshape(x.tensor, ['B', 12]) };
  },
  'Unsqueeze then Squeeze': (g) => {
    const x = inp(g, 'x', f64([2, 3], 13));
    const u = op.unsqueeze(x.tensor, [0, 2]); // (1,2,1,3)
    return { inputs: [x], y: op.mul(op.squeeze(u, [0]), u) };
  },
  'Concat axis 1 of three': (g) => {
    const a = inp(g, 'a', f64([2, 1], 14));
    const b = inp(g, 'b', f64([2, 3], 15));
    const c = inp(g, 'c', f64([2, 2], 16));
    return { inputs: [a, b, c], y: op.concat([a.tensor, b.tensor, c.tensor], 1) };
  },
  'Slice static [1:3]': (g) => {
    const x = inp(g, 'x', f64([2, 5], 17));
    return { inputs: [x], y: op.slice(x.tensor, 1, 1, 3) };
  },
  'Slice symbolic [:-1] and [1:]': (g) => {
    const x = inp(g, 'x', f64([2, 4, 3], 18), [2, 'T', 3]);
    const a = op.slice(x.tensor, 1, 0, -1); // (2,T-1,3)
    const b = op.slice(x.tensor, 1, 1); // (2,T-1,3)
    return { inputs: [x], y: op.mul(a, b) };
  },
  'Split, one piece unused': (g) => {
    const x = inp(g, 'x', f64([2, 5], 19));
    const [, b] = op.split(x.tensor, 1, [2, 3]);
    return { inputs: [x], y: b! };
  },
  'Split, pieces recombined': (g) => {
    const x = inp(g, 'x', f64([4, 3], 20));
    const [a, b] = op.split(x.tensor, 0, [1, 3]);
    return { inputs: [x], y: op.mul(a!, b!) };
  },
  'Expand (3,1)->(2,3,4)': (g) => {
    const x = inp(g, 'x', f64([3, 1], 21));
    return { inputs: [x], y: op.expand(x.tensor, [2, 3, 4]) };
  },
  'Where with broadcasting': (g) => {
    const c = { tensor: g.input('c', [2, 1], 'bool'), value: { dtype: 'bool' as const, dims: [2, 1], data: Uint8Array.from([1, 0]) }, differentiate: false };
    const a = inp(g, 'a', f64([2, 3], 22));
    const b = inp(g, 'b', f64([3], 23));
    return { inputs: [c, a, b], y: op.where(c.tensor, a.tensor, b.tensor) };
  },
  'Pad': (g) => {
    const x = inp(g, 'x', f64([2, 3], 24));
    return { inputs: [x], y: op.pad(x.tensor, [1, 0, 0, 2]) };
  },
  'RMSNorm (composition)': (g) => {
    const x = inp(g, 'x', f64([2, 3, 4], 25));
    const w = inp(g, 'w', f64([4], 26));
    return { inputs: [x, w], y: nn.rmsNorm(x.tensor, w.tensor, 1e-5) };
  },
  'SiLU (composition)': unary(nn.silu, -3, 3),
  'RoPE rotate-half (composition)': (g) => {
    const x = inp(g, 'x', f64([1, 2, 3, 4], 27), [1, 2, 'T', 4]);
    const { cos, sin } = nn.rotaryAngles(op.arange(g, 'T'), [1, 0.01]);
    return { inputs: [x], y: nn.applyRotary(x.tensor, cos, sin, 'rotate-half') };
  },
  'RoPE interleaved, per-row positions (composition)': (g) => {
    const x = inp(g, 'x', f64([2, 2, 3, 4], 30), [2, 2, 'T', 4]);
    const pos = inp(g, 'pos', i64([2, 3], [0, 1, 2, 3, 4, 5]), [2, 'T'], false);
    const { cos, sin } = nn.rotaryAngles(pos.tensor, [1, 0.01]);
    return { inputs: [x, pos], y: nn.applyRotary(x.tensor, cos, sin, 'interleaved') };
  },
  'causal masked softmax (composition)': (g) => {
    const s = inp(g, 's', f64([2, 4, 4], 28), [2, 'T', 'T']);
    return { inputs: [s], y: op.softmax(nn.maskScores(s.tensor, nn.causalMask(s.tensor, 'T')), -1) };
  },
  'cross-entropy (composition)': (g) => {
    const logits = inp(g, 'logits', f64([2, 3, 5], 29, -2, 2));
    const t = inp(g, 't', i64([2, 3], [0, 4, 2, 2, 1, 3]), undefined, false);
    return { inputs: [logits, t], y: nn.crossEntropy(logits.tensor, t.tensor) };
  },
};

describe('gradient rules match central finite differences', () => {
  for (const [name, build] of Object.entries(cases)) {
    it(name, async () => {
      const r = await gradCheck(build);
      expect(r.checked).toBeGreaterThan(0);
      expect(r.maxRelError).toBeLessThan(1e-6);
    });
  }
});
