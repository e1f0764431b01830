// A 2-layer MLP classifier as a TrainableModel: logits = tanh(x W1 + b1) W2 + b2, mean cross-entropy loss.
// The smallest model the compiler trains; tests compare it with a float64 hand-written reference.
import type { Graph, Tensor } from '../../autodiff/ir';
import { add, matmul, tanh } from '../../autodiff/ops';
import { crossEntropy } from '../../autodiff/nn';
import type { TrainableModel } from '../../onnx/bundle';

export interface MlpDims {
  inputs: number;
  hidden: number;
  classes: number;
}

export function mlpModel(dims: MlpDims): TrainableModel {
  const { inputs, hidden, classes } = dims;
  return {
    name: 'mlp',
    params: [
      { name: 'w1', shape: [inputs, hidden] },
      { name: 'b1', shape: [hidden] },
      { name: 'w2', shape: [hidden, classes] },
      { name: 'b2', shape: [classes] },
    ],
    forward(g: Graph, p: Readonly<Record<string, Tensor>>) {
      const x = g.input('x', ['B', inputs]); // (B, Din)
      const y = g.input('y', ['B'], 'int64'); // (B)
      const h = tanh(add(matmul(x, p['w1']!), p['b1']!)); // (B,Din) @ (Din,H) -> (B,H)
      const logits = add(matmul(h, p['w2']!), p['b2']!); // (B,H) @ (H,K) -> (B,K)
      return { loss: crossEntropy(logits, y), outputs: { logits } };
    },
  };
}
