// Reverse-mode differentiation over the IR: appends the backward graph of a scalar loss to its Graph.
// It does not run anything; gradients are tensors of the same graph, evaluated by the emitted ONNX model.
import { GraphError, NoGradientError, ShapeError } from './errors';
import { accumulate, gradientRules } from './gradients';
import type { Node, Tensor } from './ir';
import { fill } from './ops';
import { formatShape, sameShape } from './shape';

/**
 * Gradients of the scalar `loss` with respect to each tensor in `wrt` (inputs or intermediate tensors).
 * A tensor that does not influence the loss gets a zero gradient.
 */
export function gradients(loss: Tensor, wrt: readonly Tensor[]): Tensor[] {
  const graph = loss.graph;
  if (loss.rank !== 0) throw new ShapeError(`gradients: the loss must be a scalar, got shape ${formatShape(loss.shape)}; reduce it first`);
  if (!loss.isFloat) throw new GraphError(`gradients: the loss must be float, got ${loss.dtype}`);
  for (const w of wrt) {
    if (w.graph !== graph) throw new GraphError('gradients: a tensor in wrt belongs to another graph');
    if (!w.isFloat) throw new GraphError(`gradients: cannot differentiate with respect to a ${w.dtype} tensor`);
  }
  const nodes = graph.nodes.slice(); // the backward pass appends nodes; walk the forward ones only

  // Forward: which tensors depend on a wrt tensor (through float values).
  const dependsOnWrt = new Set(wrt.map((w) => w.id));
  for (const node of nodes) {
    if (node.op === 'StopGradient') continue;
    if (node.inputs.some((x) => dependsOnWrt.has(x.id))) {
      for (const y of node.outputs) if (y.isFloat) dependsOnWrt.add(y.id);
    }
  }
  // Backward: which nodes lie between a wrt tensor and the loss.
  const reachesLoss = new Set([loss.id]);
  const active: Node[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (!node.outputs.some((y) => reachesLoss.has(y.id) && dependsOnWrt.has(y.id))) continue;
    active.push(node);
    for (const x of node.inputs) if (dependsOnWrt.has(x.id)) reachesLoss.add(x.id);
  }

  const grads = new Map<number, Tensor>([[loss.id, graph.scalar(1, loss.dtype)]]);
  for (const node of active) {
    const gy = node.outputs.map((y) => grads.get(y.id));
    const g = gy.find((t) => t !== undefined);
    if (!g) continue;
    const rule = gradientRules[node.op];
    if (!rule) {
      throw new NoGradientError(`no gradient rule for op ${node.op}; keep it off the path from the parameters to the loss, or add a rule`);
    }
    const gx = rule({ node, x: node.inputs, y: node.outputs, g: gy[0] ?? fill(graph, node.outputs[0]!.shape, 0, g.dtype), gy, attrs: node.attrs });
    node.inputs.forEach((x, i) => {
      if (!dependsOnWrt.has(x.id)) return;
      const gi = gx[i];
      if (!gi) throw new NoGradientError(`${node.op}: input ${i} has no gradient rule (e.g. a non-constant exponent), but a parameter flows through it`);
      if (!sameShape(gi.shape, x.shape) || gi.dtype !== x.dtype) {
        throw new GraphError(`${node.op}: gradient rule produced ${gi.dtype}${formatShape(gi.shape)} for input ${x.dtype}${formatShape(x.shape)}`);
      }
      grads.set(x.id, accumulate(grads.get(x.id), gi));
    });
  }
  return wrt.map((w) => grads.get(w.id) ?? fill(graph, w.shape, 0, w.dtype));
}
