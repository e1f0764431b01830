// Test support: checks a graph's reverse-mode gradients against central finite differences, in float64,
// by emitting both to ONNX and running them on onnxruntime-web's wasm backend.
import { gradients } from '../../src/autodiff/grad';
import { mulberry32 } from '../../src/random/mulberry32';
import { Graph, type Tensor } from '../../src/autodiff/ir';
import { mul, reduceSum } from '../../src/autodiff/ops';
import { emitModel } from '../../src/onnx/emit';
import { type HostTensor, hostTensor } from '../../src/runtime/host-tensor';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { GraphSession } from '../../src/runtime/run-graph';

/** float64 kernels exist for basic-level graphs only (fusions emit float32 contrib ops). */
const F64 = { optimization: 'basic' } as const;

export interface CheckInput {
  tensor: Tensor;
  value: HostTensor;
  /** Differentiate with respect to this input (float inputs only). */
  differentiate?: boolean;
}

export interface GradCheckResult {
  /** Largest |analytic - numeric| / max(|analytic| + |numeric|, floor) over all checked entries. */
  maxRelError: number;
  checked: number;
  analytic: Record<string, Float64Array>;
}

/** Deterministic uniforms in [lo, hi). */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const rng = mulberry32(seed);
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * rng());
}

export function f64(dims: number[], seed: number, lo = -1, hi = 1): HostTensor {
  return hostTensor('float64', dims, uniform(dims.reduce((a, b) => a * b, 1), seed, lo, hi));
}

export function i64(dims: number[], values: number[]): HostTensor {
  return hostTensor('int64', dims, BigInt64Array.from(values.map(BigInt)));
}

/**
 * `build` declares inputs on a float64 graph and returns them with the output y. The checked scalar is
 * sum(y * W) for a fixed random W, so every element of y's Jacobian contributes.
 */
export async function gradCheck(
  build: (g: Graph) => { inputs: CheckInput[]; y: Tensor },
  options: { h?: number; floor?: number } = {},
): Promise<GradCheckResult> {
  const h = options.h ?? 1e-5;
  const floor = options.floor ?? 1e-7;
  const ort = await loadOrtNode();
  const g = new Graph('float64');
  const { inputs, y } = build(g);
  const feeds: Record<string, HostTensor> = Object.fromEntries(inputs.map((i) => [i.tensor.name!, i.value]));

  // y's concrete dims, to size the weights W.
  const probe = await GraphSession.open(ort, emitModel(g, { y }), F64);
  const yDims = (await probe.run(feeds))['y']!.dims;
  await probe.release();
  const w = g.input('__weights', y.shape, 'float64');
  const wValue = f64([...yDims], 12345);
  const loss = reduceSum(mul(y, w));
  const diff = inputs.filter((i) => i.differentiate !== false && i.tensor.isFloat);
  const grads = gradients(loss, diff.map((i) => i.tensor));
  const outputs: Record<string, Tensor> = { loss };
  diff.forEach((i, k) => (outputs[`grad_${i.tensor.name}`] = grads[k]!));

  const full = await GraphSession.open(ort, emitModel(g, outputs), F64);
  const forward = await GraphSession.open(ort, emitModel(g, { loss }), F64);
  const all = { ...feeds, __weights: wValue };
  const result = await full.run(all);

  let maxRelError = 0;
  let checked = 0;
  const analytic: Record<string, Float64Array> = {};
  for (const i of diff) {
    const name = i.tensor.name!;
    const ga = result[`grad_${name}`]!.data as Float64Array;
    analytic[name] = ga;
    const base = i.value.data as Float64Array;
    for (let k = 0; k < base.length; k++) {
      const plus = Float64Array.from(base);
      const minus = Float64Array.from(base);
      plus[k]! += h;
      minus[k]! -= h;
      const lp = (await forward.run({ ...all, [name]: { ...i.value, data: plus } }))['loss']!.data[0] as number;
      const lm = (await forward.run({ ...all, [name]: { ...i.value, data: minus } }))['loss']!.data[0] as number;
      const numeric = (lp - lm) / (2 * h);
      const a = ga[k]!;
      const rel = Math.abs(a - numeric) / Math.max(Math.abs(a) + Math.abs(numeric), floor);
      maxRelError = Math.max(maxRelError, rel);
      checked++;
    }
  }
  await Promise.all([full.release(), forward.release()]);
  return { maxRelError, checked, analytic };
}
