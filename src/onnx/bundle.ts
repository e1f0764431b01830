// Training artifacts: from a model (forward builder + parameter specs) compile a bundle of a train-step graph
// (batch, params, AdamW state, hyper-parameters in; loss, new params/state, finite flag out), an eval graph
// (forward only) and an initial checkpoint; and serialise bundles to bytes. Runs nothing.
import { gradients } from '../autodiff/grad';
import { Graph, type DType, type FloatDType, type Tensor } from '../autodiff/ir';
import { adamw, declareHyperInputs, HYPER_INPUTS, hyperInputName } from '../autodiff/optimizer';
import type { Shape } from '../autodiff/shape';
import { type Checkpoint, type FloatArray, type ParamSpec, decodeCheckpoint, encodeCheckpoint, initialCheckpoint } from './checkpoint';
import { emitModel } from './emit';
import { SafetensorsError, decodeSafetensors, encodeSafetensors } from './safetensors';

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
   * train-step outputs returned with each step (a running log-partition estimate, per-example log-probs).
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

export interface BundleManifest {
  format: 'gflowpo-training-bundle';
  version: 1;
  model: string;
  dtype: FloatDType;
  batchInputs: TensorSpec[];
  params: ParamSpec[];
  frozen: ParamSpec[];
  evalOutputs: TensorSpec[];
  stepOutputs: TensorSpec[];
}

export interface TrainingBundle {
  manifest: BundleManifest;
  /** ONNX bytes of the train step. */
  trainStep: Uint8Array;
  /** ONNX bytes of the forward-only graph. */
  evaluate: Uint8Array;
  checkpoint: Checkpoint;
}

export class BundleError extends Error {
  override name = 'BundleError';
}

/** ONNX value names used by train-step and eval graphs. */
export const names = {
  param: (n: string): string => `param.${n}`,
  frozen: (n: string): string => `frozen.${n}`,
  m: (n: string): string => `adam_m.${n}`,
  v: (n: string): string => `adam_v.${n}`,
  next: (input: string): string => `${input}.next`,
  loss: 'loss',
  finite: 'finite',
  gradNorm: 'grad_norm',
};

function declareWeights(g: Graph, specs: readonly ParamSpec[], name: (n: string) => string): Record<string, Tensor> {
  return Object.fromEntries(specs.map((s) => [s.name, g.input(name(s.name), s.shape)]));
}

const reserved = (name: string): boolean => /^(param|frozen|adam_m|adam_v|hp)\./.test(name);

function batchInputs(g: Graph): TensorSpec[] {
  return g.inputs.filter((t) => !reserved(t.name!)).map((t) => ({ name: t.name!, dtype: t.dtype, shape: t.shape }));
}

/** Compiles the train-step and eval graphs of `model` and an initial checkpoint from `init`. */
export function compileTrainingBundle(model: TrainableModel, init: Readonly<Record<string, FloatArray>>, dtype: FloatDType = 'float32'): TrainingBundle {
  const frozenSpecs = model.frozen ?? [];
  // Train step: forward, backward, AdamW.
  const g = new Graph(dtype);
  const params = declareWeights(g, model.params, names.param);
  const frozen = declareWeights(g, frozenSpecs, names.frozen);
  const { loss, stepOutputs = {} } = model.forward(g, params, frozen);
  for (const t of g.inputs) {
    if (reserved(t.name!) && !Object.values(params).includes(t) && !Object.values(frozen).includes(t)) {
      throw new BundleError(`batch input '${t.name}' uses a reserved prefix (param., frozen., adam_m., adam_v., hp.)`);
    }
  }
  const paramList = model.params.map((s) => params[s.name]!);
  const grads = gradients(loss, paramList);
  const m = model.params.map((s) => g.input(names.m(s.name), s.shape));
  const v = model.params.map((s) => g.input(names.v(s.name), s.shape));
  const hp = declareHyperInputs(g);
  const upd = adamw(loss, paramList, grads, m, v, hp);
  const trainOutputs: Record<string, Tensor> = { ...stepOutputs, [names.loss]: loss, [names.finite]: upd.finite, [names.gradNorm]: upd.gradNorm };
  model.params.forEach((s, i) => {
    trainOutputs[names.next(names.param(s.name))] = upd.params[i]!;
    trainOutputs[names.next(names.m(s.name))] = upd.m[i]!;
    trainOutputs[names.next(names.v(s.name))] = upd.v[i]!;
  });
  const trainStep = emitModel(g, trainOutputs, { name: `${model.name}.train_step` });

  // Eval: forward only, same inputs minus optimiser state.
  const e = new Graph(dtype);
  const eParams = declareWeights(e, model.params, names.param);
  const eFrozen = declareWeights(e, frozenSpecs, names.frozen);
  const fwd = model.forward(e, eParams, eFrozen);
  const evalOutputs: Record<string, Tensor> = { [names.loss]: fwd.loss, ...(fwd.outputs ?? {}) };
  const evaluate = emitModel(e, evalOutputs, { name: `${model.name}.eval` });

  const manifest: BundleManifest = {
    format: 'gflowpo-training-bundle',
    version: 1,
    model: model.name,
    dtype,
    batchInputs: batchInputs(g),
    params: model.params.map((s) => ({ name: s.name, shape: [...s.shape] })),
    frozen: frozenSpecs.map((s) => ({ name: s.name, shape: [...s.shape] })),
    evalOutputs: Object.entries(evalOutputs).map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape })),
    stepOutputs: Object.entries(stepOutputs).map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape })),
  };
  return { manifest, trainStep, evaluate, checkpoint: initialCheckpoint(model.params, init, dtype) };
}

/** Names of the hyper-parameter inputs, in graph order. */
export const hyperNames = HYPER_INPUTS.map(hyperInputName);

/** Bundle -> bytes: one safetensors file holding both graphs (U8), the checkpoint tensors and the manifest. */
export function encodeBundle(bundle: TrainingBundle): Uint8Array {
  const ckpt = encodeCheckpoint(bundle.checkpoint, bundle.manifest.params);
  const u8 = (bytes: Uint8Array) => ({ dtype: 'U8' as const, shape: [bytes.byteLength], bytes });
  return encodeSafetensors(
    { 'graph.train_step': u8(bundle.trainStep), 'graph.eval': u8(bundle.evaluate), checkpoint: u8(ckpt) },
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
  const manifest = JSON.parse(metadata['manifest']) as BundleManifest;
  if (manifest.version !== 1) throw new BundleError(`bundle version ${manifest.version} is not supported by this build; recompile the bundle`);
  const part = (key: string): Uint8Array => {
    const t = tensors[key];
    if (!t || t.dtype !== 'U8') throw new BundleError(`bundle lacks '${key}'`);
    return t.bytes;
  };
  const { checkpoint } = decodeCheckpoint(part('checkpoint'), manifest.params);
  return { manifest, trainStep: part('graph.train_step'), evaluate: part('graph.eval'), checkpoint };
}
