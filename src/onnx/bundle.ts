// Training artifacts: from a model (forward builder + parameter specs) compile a bundle of step graphs, an eval
// graph (forward only) and an initial checkpoint; and serialise bundles to bytes. Runs nothing.
// Two kinds of step graphs:
// - 'step': one graph (batch, params, AdamW state, hyper-parameters in; loss, new params/state, finite flag out);
// - 'accumulate' (gradient accumulation): a grad graph (forward + backward of one micro-batch, adding
//   grad_scale * gradient into accumulator inputs and returning the updated accumulators) and an apply graph
//   (global-norm clip + AdamW on the accumulated gradient; returns zeroed accumulators).
import { gradients } from '../autodiff/grad';
import { Graph, type DType, type FloatDType, type Tensor } from '../autodiff/ir';
import { add, fill, mul } from '../autodiff/ops';
import { adamw, declareHyperInputs } from '../autodiff/optimizer';
import type { Shape } from '../autodiff/shape';
import { type Checkpoint, type FloatArray, type ParamSpec, decodeCheckpoint, encodeCheckpoint, initialCheckpoint } from './checkpoint';
import { emitModel } from './emit';
import { parseBundleManifest } from './manifest';
import { type RawTensor, SafetensorsError, decodeSafetensors, encodeSafetensors } from './safetensors';

/** A model the compiler can train: its parameters and a function that builds its forward pass and loss. */
export interface TrainableModel {
  name: string;
  /** Trainable parameters. */
  params: readonly ParamSpec[];
  /** Frozen weights: graph inputs fed once by the runtime, never updated, never in checkpoints. */
  frozen?: readonly ParamSpec[];
  /**
   * Declares the batch inputs on `g` (g.input) and builds the loss from them and the parameter tensors.
   * `outputs` are extra eval-graph outputs (logits, per-example log-probs); `stepOutputs` are extra
   * train-step (or grad-graph) outputs returned with each step (a running log-partition estimate, log-probs).
   */
  forward(
    g: Graph,
    params: Readonly<Record<string, Tensor>>,
    frozen: Readonly<Record<string, Tensor>>,
  ): { loss: Tensor; outputs?: Record<string, Tensor>; stepOutputs?: Record<string, Tensor> };
}

export interface TensorSpec {
  name: string;
  dtype: DType;
  shape: Shape;
}

export type BundleKind = 'step' | 'accumulate';

export interface BundleManifest {
  format: 'gflowpo-training-bundle';
  version: 2;
  kind: BundleKind;
  model: string;
  dtype: FloatDType;
  batchInputs: TensorSpec[];
  params: ParamSpec[];
  frozen: ParamSpec[];
  evalOutputs: TensorSpec[];
  stepOutputs: TensorSpec[];
}

interface BundleParts {
  manifest: BundleManifest;
  /** ONNX bytes of the forward-only graph. */
  evaluate: Uint8Array;
  checkpoint: Checkpoint;
}

/** One fused train step per batch. */
export interface StepBundle extends BundleParts {
  kind: 'step';
  /** ONNX bytes of the train step (forward, backward, AdamW). */
  trainStep: Uint8Array;
}

/** Gradient accumulation: any number of grad runs (micro-batches), then one apply run (the optimiser step). */
export interface AccumulatingBundle extends BundleParts {
  kind: 'accumulate';
  /** ONNX bytes of one micro-batch's forward and backward, adding into the accumulators. */
  grad: Uint8Array;
  /** ONNX bytes of clip + AdamW on the accumulated gradient; zeroes the accumulators. */
  apply: Uint8Array;
}

export type TrainingBundle = StepBundle | AccumulatingBundle;

export class BundleError extends Error {
  override name = 'BundleError';
}

/** ONNX value names used by the step, grad, apply and eval graphs. */
export const names = {
  param: (n: string): string => `param.${n}`,
  frozen: (n: string): string => `frozen.${n}`,
  m: (n: string): string => `adam_m.${n}`,
  v: (n: string): string => `adam_v.${n}`,
  /** Accumulated gradient of parameter n (same shape). */
  gradAcc: (n: string): string => `grad_acc.${n}`,
  /** Accumulated scaled loss, (): the apply graph's finite check covers every micro-batch's loss. */
  lossAcc: 'grad_acc_loss',
  /** () weight of this micro-batch's gradient in the accumulator (1 / micro-batches of the step). */
  gradScale: 'hp.grad_scale',
  next: (input: string): string => `${input}.next`,
  loss: 'loss',
  finite: 'finite',
  gradNorm: 'grad_norm',
};

function declareWeights(g: Graph, specs: readonly ParamSpec[], name: (n: string) => string): Record<string, Tensor> {
  return Object.fromEntries(specs.map((s) => [s.name, g.input(name(s.name), s.shape, s.dtype ?? g.dtype)]));
}

const reserved = (name: string): boolean => /^(param|frozen|adam_m|adam_v|hp|grad_acc)\./.test(name) || name === names.lossAcc;

function batchInputs(g: Graph): TensorSpec[] {
  return g.inputs.filter((t) => !reserved(t.name!)).map((t) => ({ name: t.name!, dtype: t.dtype, shape: t.shape }));
}

/** The model's forward on a fresh graph with its parameter and frozen inputs; refuses batch inputs with reserved names. */
function forwardGraph(model: TrainableModel, dtype: FloatDType) {
  const g = new Graph(dtype);
  const params = declareWeights(g, model.params, names.param);
  const frozen = declareWeights(g, model.frozen ?? [], names.frozen);
  const out = model.forward(g, params, frozen);
  const declared = new Set([...Object.values(params), ...Object.values(frozen)]);
  for (const t of g.inputs) {
    if (reserved(t.name!) && !declared.has(t)) {
      throw new BundleError(`batch input '${t.name}' uses a reserved prefix (param., frozen., adam_m., adam_v., hp., grad_acc.)`);
    }
  }
  return { g, params, frozen, ...out };
}

function evalGraph(model: TrainableModel, dtype: FloatDType): { bytes: Uint8Array; outputs: Record<string, Tensor> } {
  const fwd = forwardGraph(model, dtype);
  const outputs: Record<string, Tensor> = { [names.loss]: fwd.loss, ...(fwd.outputs ?? {}) };
  return { bytes: emitModel(fwd.g, outputs, { name: `${model.name}.eval` }), outputs };
}

function manifestOf(model: TrainableModel, kind: BundleKind, dtype: FloatDType, g: Graph, evalOutputs: Record<string, Tensor>, stepOutputs: Record<string, Tensor>): BundleManifest {
  const specs = (outs: Record<string, Tensor>): TensorSpec[] => Object.entries(outs).map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape }));
  return {
    format: 'gflowpo-training-bundle',
    version: 2,
    kind,
    model: model.name,
    dtype,
    batchInputs: batchInputs(g),
    params: model.params.map((s) => ({ name: s.name, shape: [...s.shape] })),
    frozen: (model.frozen ?? []).map((s) => ({ name: s.name, shape: [...s.shape], ...(s.dtype ? { dtype: s.dtype } : {}) })),
    evalOutputs: specs(evalOutputs),
    stepOutputs: specs(stepOutputs),
  };
}

/** Compiles the fused train-step graph (forward, backward, AdamW), the eval graph and a checkpoint from `init`. */
export function compileTrainingBundle(model: TrainableModel, init: Readonly<Record<string, FloatArray>>, dtype: FloatDType = 'float32'): StepBundle {
  const { g, params, loss, stepOutputs = {} } = forwardGraph(model, dtype);
  const paramList = model.params.map((s) => params[s.name]!);
  const grads = gradients(loss, paramList);
  const m = model.params.map((s) => g.input(names.m(s.name), s.shape));
  const v = model.params.map((s) => g.input(names.v(s.name), s.shape));
  const upd = adamw(loss, paramList, grads, m, v, declareHyperInputs(g));
  const trainOutputs: Record<string, Tensor> = { ...stepOutputs, [names.loss]: loss, [names.finite]: upd.finite, [names.gradNorm]: upd.gradNorm };
  model.params.forEach((s, i) => {
    trainOutputs[names.next(names.param(s.name))] = upd.params[i]!;
    trainOutputs[names.next(names.m(s.name))] = upd.m[i]!;
    trainOutputs[names.next(names.v(s.name))] = upd.v[i]!;
  });
  const trainStep = emitModel(g, trainOutputs, { name: `${model.name}.train_step` });
  const evaluate = evalGraph(model, dtype);
  return {
    kind: 'step',
    manifest: manifestOf(model, 'step', dtype, g, evaluate.outputs, stepOutputs),
    trainStep,
    evaluate: evaluate.bytes,
    checkpoint: initialCheckpoint(model.params, init, dtype),
  };
}

/**
 * Compiles the gradient-accumulation graphs of `model`:
 *   grad:  acc' = acc + grad_scale * d loss / d params,  loss_acc' = loss_acc + grad_scale * loss  (one micro-batch)
 *   apply: clip(acc) -> AdamW (weight decay, bias correction) -> params', m', v'; acc' = 0, loss_acc' = 0.
 * The apply graph's finite flag is false when the accumulated loss or gradient norm is not finite; then its
 * params, m and v outputs equal its inputs (the accumulators are zeroed either way).
 */
export function compileAccumulatingBundle(model: TrainableModel, init: Readonly<Record<string, FloatArray>>, dtype: FloatDType = 'float32'): AccumulatingBundle {
  // Grad graph: forward and backward of one micro-batch.
  const { g, params, loss, stepOutputs = {} } = forwardGraph(model, dtype);
  const paramList = model.params.map((s) => params[s.name]!);
  const grads = gradients(loss, paramList);
  const scale = g.input(names.gradScale, []); // ()
  const gradOutputs: Record<string, Tensor> = { ...stepOutputs, [names.loss]: loss };
  model.params.forEach((s, i) => {
    const acc = g.input(names.gradAcc(s.name), s.shape);
    gradOutputs[names.next(names.gradAcc(s.name))] = add(acc, mul(grads[i]!, scale)); // (shape of s)
  });
  const lossAcc = g.input(names.lossAcc, []);
  gradOutputs[names.next(names.lossAcc)] = add(lossAcc, mul(loss, scale)); // ()
  const grad = emitModel(g, gradOutputs, { name: `${model.name}.grad` });

  // Apply graph: the optimiser step on the accumulated gradient.
  const a = new Graph(dtype);
  const aParams = model.params.map((s) => a.input(names.param(s.name), s.shape));
  const aAcc = model.params.map((s) => a.input(names.gradAcc(s.name), s.shape));
  const aLoss = a.input(names.lossAcc, []);
  const m = model.params.map((s) => a.input(names.m(s.name), s.shape));
  const v = model.params.map((s) => a.input(names.v(s.name), s.shape));
  const upd = adamw(aLoss, aParams, aAcc, m, v, declareHyperInputs(a));
  const applyOutputs: Record<string, Tensor> = { [names.finite]: upd.finite, [names.gradNorm]: upd.gradNorm, [names.next(names.lossAcc)]: fill(a, [], 0) };
  model.params.forEach((s, i) => {
    applyOutputs[names.next(names.param(s.name))] = upd.params[i]!;
    applyOutputs[names.next(names.m(s.name))] = upd.m[i]!;
    applyOutputs[names.next(names.v(s.name))] = upd.v[i]!;
    applyOutputs[names.next(names.gradAcc(s.name))] = fill(a, s.shape, 0);
  });
  const apply = emitModel(a, applyOutputs, { name: `${model.name}.apply` });
  const evaluate = evalGraph(model, dtype);
  return {
    kind: 'accumulate',
    manifest: manifestOf(model, 'accumulate', dtype, g, evaluate.outputs, stepOutputs),
    grad,
    apply,
    evaluate: evaluate.bytes,
    checkpoint: initialCheckpoint(model.params, init, dtype),
  };
}

/** Bundle -> bytes: one safetensors file holding the graphs (U8), the checkpoint tensors and the manifest. */
export function encodeBundle(bundle: TrainingBundle): Uint8Array {
  const ckpt = encodeCheckpoint(bundle.checkpoint, bundle.manifest.params);
  const u8 = (bytes: Uint8Array) => ({ dtype: 'U8' as const, shape: [bytes.byteLength], bytes });
  const graphs: Record<string, RawTensor> = bundle.kind === 'step' ? { 'graph.train_step': u8(bundle.trainStep) } : { 'graph.grad': u8(bundle.grad), 'graph.apply': u8(bundle.apply) };
  return encodeSafetensors(
    { ...graphs, 'graph.eval': u8(bundle.evaluate), checkpoint: u8(ckpt) },
    { format: 'gflowpo-training-bundle', manifest: JSON.stringify(bundle.manifest) },
  );
}

export function decodeBundle(bytes: Uint8Array): TrainingBundle {
  let decoded;
  try {
    decoded = decodeSafetensors(bytes);
  } catch (error) {
    if (error instanceof SafetensorsError) throw new BundleError(`not a readable training bundle: ${error.message}`);
    throw error;
  }
  const { tensors, metadata } = decoded;
  if (metadata['format'] !== 'gflowpo-training-bundle' || !metadata['manifest']) {
    throw new BundleError(`not a training bundle (format '${metadata['format'] ?? 'missing'}')`);
  }
  const manifest: BundleManifest = parseBundleManifest(metadata['manifest'], (message) => new BundleError(message));
  const part = (key: string): Uint8Array => {
    const t = tensors[key];
    if (!t || t.dtype !== 'U8') throw new BundleError(`bundle lacks '${key}'`);
    return t.bytes;
  };
  const { checkpoint } = decodeCheckpoint(part('checkpoint'), manifest.params);
  const common = { manifest, evaluate: part('graph.eval'), checkpoint };
  if (manifest.kind === 'step') return { kind: 'step', trainStep: part('graph.train_step'), ...common };
  if (manifest.kind === 'accumulate') return { kind: 'accumulate', grad: part('graph.grad'), apply: part('graph.apply'), ...common };
  throw new BundleError(`unknown bundle kind '${String(manifest.kind)}'; recompile the bundle`);
}
