// Test model: a linear classifier whose weight W is frozen (a graph input shared across sessions) with a
// trainable low-rank update, logits = x W + 2 (x A) Bm; the shape of a LoRA adapter on one layer.
import type { Graph, Tensor } from '../../src/autodiff/ir';
import { add, matmul, mul } from '../../src/autodiff/ops';
import { crossEntropy } from '../../src/autodiff/nn';
import type { TrainableModel } from '../../src/onnx/bundle';
import { mulberry32, randn } from '../../src/random/mulberry32';

export const loraLinear: TrainableModel = {
  name: 'lora-linear',
  params: [
    { name: 'A', shape: [4, 2] },
    { name: 'Bm', shape: [2, 3] },
  ],
  frozen: [{ name: 'W', shape: [4, 3] }],
  forward(g: Graph, p: Readonly<Record<string, Tensor>>, f: Readonly<Record<string, Tensor>>) {
    const x = g.input('x', ['B', 4]); // (B,4)
    const y = g.input('y', ['B'], 'int64'); // (B)
    const base = matmul(x, f['W']!); // (B,4) @ (4,3) -> (B,3)
    const delta = mul(matmul(matmul(x, p['A']!), p['Bm']!), 2); // (B,4) @ (4,2) @ (2,3) -> (B,3)
    return { loss: crossEntropy(add(base, delta), y), outputs: { logits: add(base, delta) } };
  },
};

export const loraInit = {
  A: Float32Array.from({ length: 8 }, (_, i) => Math.sin(i + 1) * 0.3),
  Bm: new Float32Array(6), // B starts at zero, as in LoRA
};
export const frozenW = Float32Array.from({ length: 12 }, (_, i) => Math.cos(i) * 0.5);
const rng = mulberry32(17);
export const loraBatch = {
  // Random inputs (sin(k * c) rows would lie in a 2-D subspace and make the labels inseparable).
  x: Float32Array.from({ length: 24 }, () => randn(rng)),
  y: BigInt64Array.from([0n, 1n, 2n, 1n, 0n, 2n]),
};
