// Runs a training bundle step after step on onnxruntime-web (WebGPU or wasm). Parameters and AdamW state stay
// in the runtime between steps (on the GPU with 'gpu-buffer' outputs on WebGPU); only loss, gradient norm and
// the finite flag come back each step. Runs are serialised: concurrent session runs fail on WebGPU.
import type * as ortTypes from 'onnxruntime-web';
import { ADAMW_DEFAULTS, type AdamWConfig, HYPER_INPUTS, hyperInputName } from '../autodiff/optimizer';
import type { Checkpoint, FloatArray } from '../onnx/checkpoint';
import { sizeOf } from '../onnx/checkpoint';
import { type TensorSpec, type TrainingBundle, names } from '../onnx/bundle';
import type { DeviceWeights } from './device-weights';
import type { Backend } from './device';

export type { Backend };
import { ortWebGpuDevice } from './webgpu-device';
import { deviceIdle, onDevice } from './device-queue';
import { FeedError, type HostTensor, type Ort, fromOrt, toOrt } from './host-tensor';


export interface TrainerOptions {
  backend: Backend;
  /** Frozen weights (the bundle manifest's `frozen`), uploaded once for this backend and shared; not owned. */
  frozen?: DeviceWeights;
  /** AdamW settings; per-step overrides go to trainStep. */
  hyper?: Partial<AdamWConfig>;
}

export interface StepResult {
  /** Optimiser updates applied so far, including this one when it was finite. */
  step: number;
  /** Loss of the batch before the update. */
  loss: number;
  gradNorm: number;
  /** False when the loss or gradients were not finite: parameters and state were left unchanged. */
  finite: boolean;
  /** The model's extra step outputs (manifest.stepOutputs), on the host. */
  outputs: Record<string, HostTensor>;
}

type OrtTensor = ortTypes.Tensor;

export class Trainer {
  private state = new Map<string, OrtTensor>();
  private frozen = new Map<string, OrtTensor>();
  private stepCount: number;
  private evalSession: Promise<ortTypes.InferenceSession> | undefined;
  private readonly hyper: AdamWConfig;

  private constructor(
    private readonly ort: Ort,
    readonly bundle: TrainingBundle,
    readonly backend: Backend,
    private readonly trainSession: ortTypes.InferenceSession,
    /** Opens the forward-only session; called on the first evaluate() (GFlowPO training never needs it). */
    private readonly openEval: () => Promise<ortTypes.InferenceSession>,
    options: TrainerOptions,
  ) {
    this.hyper = { ...ADAMW_DEFAULTS, ...options.hyper };
    this.stepCount = bundle.checkpoint.step;
    this.setState(bundle.checkpoint);
    const weights = options.frozen;
    for (const spec of bundle.manifest.frozen) {
      const what = `frozen weight '${spec.name}'`;
      if (!weights?.has(spec.name)) throw new FeedError(`${what} was not given; upload it with DeviceWeights.upload and pass it as options.frozen`);
      if (weights.backend !== backend) throw new FeedError(`${what} was uploaded for ${weights.backend}, this trainer runs on ${backend}`);
      const dims = weights.dims(spec.name)!;
      if (weights.dtype(spec.name) !== bundle.manifest.dtype || dims.join(',') !== spec.shape.join(',')) {
        throw new FeedError(`${what} is ${weights.dtype(spec.name)} (${dims.join(',')}); the model expects ${bundle.manifest.dtype} (${spec.shape.join(',')})`);
      }
      this.frozen.set(names.frozen(spec.name), weights.tensor(spec.name));
    }
  }

  static async create(ort: Ort, bundle: TrainingBundle, options: TrainerOptions): Promise<Trainer> {
    const stateOutputs = bundle.manifest.params.flatMap((p) => [names.param(p.name), names.m(p.name), names.v(p.name)].map(names.next));
    const gpu = options.backend === 'webgpu';
    if (gpu) await ortWebGpuDevice(ort);
    const common: ortTypes.InferenceSession.SessionOptions = {
      executionProviders: [options.backend],
      // Fusions emit float32-only contrib ops; float64 bundles (reference tests) keep basic rewrites only.
      graphOptimizationLevel: bundle.manifest.dtype === 'float64' ? 'basic' : 'all',
      // Errors only: ORT warns on every WebGPU session that shape ops run on the CPU, which is by design.
      logSeverityLevel: 3,
    };
    const trainSession = await ort.InferenceSession.create(bundle.trainStep, {
      ...common,
      ...(gpu ? { preferredOutputLocation: Object.fromEntries(stateOutputs.map((n) => [n, 'gpu-buffer' as const])) } : {}),
    });
    return new Trainer(ort, bundle, options.backend, trainSession, () => ort.InferenceSession.create(bundle.evaluate, common), options);
  }

  get step(): number {
    return this.stepCount;
  }

  /** The current device tensor of trainable parameter `name` (borrowed: valid until the next step). */
  parameterTensor(name: string): OrtTensor {
    const t = this.state.get(names.param(name));
    if (!t) throw new FeedError(`the trainer has no parameter '${name}'`);
    return t;
  }

  /** Where the parameters and optimiser state live now ('cpu' before the first WebGPU step, then 'gpu-buffer'). */
  stateLocations(): Set<string> {
    return new Set([...this.state.values()].map((t) => t.location));
  }

  /** One AdamW step on `batch`. Hyper-parameter overrides apply to this step only (e.g. a warm-up lr). */
  trainStep(batch: Readonly<Record<string, HostTensor>>, hyper: Partial<AdamWConfig> = {}): Promise<StepResult> {
    return onDevice(async () => {
      const hp = { ...this.hyper, ...hyper };
      const feeds: Record<string, OrtTensor> = { ...this.batchFeeds(batch), ...Object.fromEntries(this.state), ...Object.fromEntries(this.frozen) };
      const scalar = (v: number): OrtTensor => new this.ort.Tensor(this.bundle.manifest.dtype, this.floats([v]) as never, []);
      for (const h of HYPER_INPUTS) feeds[hyperInputName(h)] = scalar(h === 'step' ? this.stepCount + 1 : hp[h]);
      const out = await this.trainSession.run(feeds);
      const finite = Boolean((out[names.finite]!.data as Uint8Array)[0]);
      const loss = Number((out[names.loss]!.data as FloatArray)[0]);
      const gradNorm = Number((out[names.gradNorm]!.data as FloatArray)[0]);
      for (const [name, old] of this.state) {
        const next = out[names.next(name)]!;
        if (finite) {
          this.state.set(name, next);
          old.dispose();
        } else next.dispose(); // the graph returned the old values; keep ours untouched
      }
      const outputs: Record<string, HostTensor> = {};
      for (const spec of this.bundle.manifest.stepOutputs) outputs[spec.name] = await fromOrt(out[spec.name]!);
      for (const k of [names.loss, names.finite, names.gradNorm, ...this.bundle.manifest.stepOutputs.map((s) => s.name)]) out[k]!.dispose();
      if (finite) this.stepCount++;
      return { step: this.stepCount, loss, gradNorm, finite, outputs };
    });
  }

  /** Forward pass only: the eval graph's outputs (loss and the model's extra outputs) on the host. */
  evaluate(batch: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>> {
    return onDevice(async () => {
      const params = [...this.state].filter(([k]) => k.startsWith('param.'));
      this.evalSession ??= this.openEval().catch((error: unknown) => {
        this.evalSession = undefined; // retried on the next call
        throw error;
      });
      const out = await (await this.evalSession).run({ ...this.batchFeeds(batch), ...Object.fromEntries(params), ...Object.fromEntries(this.frozen) });
      const result: Record<string, HostTensor> = {};
      for (const [k, v] of Object.entries(out)) {
        result[k] = await fromOrt(v);
        v.dispose();
      }
      return result;
    });
  }

  /** Copies parameters, moments and step to the host. */
  saveCheckpoint(): Promise<Checkpoint> {
    return onDevice(async () => {
      const c: Checkpoint = { step: this.stepCount, params: {}, m: {}, v: {} };
      for (const p of this.bundle.manifest.params) {
        c.params[p.name] = await this.read(names.param(p.name));
        c.m[p.name] = await this.read(names.m(p.name));
        c.v[p.name] = await this.read(names.v(p.name));
      }
      return c;
    });
  }

  /** Replaces parameters, moments and step (e.g. to resume a run). */
  loadCheckpoint(c: Checkpoint): Promise<void> {
    return onDevice(async () => {
      const old = [...this.state.values()];
      this.setState(c);
      this.stepCount = c.step;
      for (const t of old) t.dispose();
    });
  }

  async release(): Promise<void> {
    await deviceIdle();
    for (const t of this.state.values()) t.dispose();
    // Frozen weights are borrowed from their DeviceWeights owner and stay alive for other sessions.
    await this.trainSession.release();
    const evalSession = await this.evalSession?.catch(() => undefined);
    await evalSession?.release();
  }


  private floats(values: ArrayLike<number>): FloatArray {
    return this.bundle.manifest.dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
  }

  private async read(name: string): Promise<FloatArray> {
    const t = await fromOrt(this.state.get(name)!);
    return this.floats(t.data as FloatArray);
  }

  private setState(c: Checkpoint): void {
    const dtype = this.bundle.manifest.dtype;
    const state = new Map<string, OrtTensor>();
    for (const p of this.bundle.manifest.params) {
      for (const [name, values] of [[names.param(p.name), c.params[p.name]], [names.m(p.name), c.m[p.name]], [names.v(p.name), c.v[p.name]]] as const) {
        if (!values || values.length !== sizeOf(p.shape)) throw new FeedError(`checkpoint value for '${name}' is missing or has the wrong size`);
        state.set(name, new this.ort.Tensor(dtype, this.floats(values) as never, [...p.shape]));
      }
    }
    this.state = state;
  }

  private batchFeeds(batch: Readonly<Record<string, HostTensor>>): Record<string, OrtTensor> {
    const feeds: Record<string, OrtTensor> = {};
    const symbols = new Map<string, { value: number; input: string }>();
    for (const spec of this.bundle.manifest.batchInputs) {
      const t = batch[spec.name];
      if (!t) throw new FeedError(`batch input '${spec.name}' is missing; the model expects ${describe(spec)}`);
      checkFeed(`batch input '${spec.name}'`, t, spec);
      spec.shape.forEach((d, i) => {
        if (typeof d !== 'string') return;
        const seen = symbols.get(d);
        if (seen && seen.value !== t.dims[i]) {
          throw new FeedError(`batch input '${spec.name}' has ${d}=${t.dims[i]} but '${seen.input}' has ${d}=${seen.value}; they must agree`);
        }
        symbols.set(d, { value: t.dims[i]!, input: spec.name });
      });
      feeds[spec.name] = toOrt(this.ort, t);
    }
    for (const k of Object.keys(batch)) {
      if (!this.bundle.manifest.batchInputs.some((s) => s.name === k)) {
        throw new FeedError(`unknown batch input '${k}'; the model takes ${this.bundle.manifest.batchInputs.map((s) => s.name).join(', ')}`);
      }
    }
    return feeds;
  }
}

function describe(spec: TensorSpec): string {
  return `${spec.dtype} (${spec.shape.join(',')})`;
}

/** Checks dtype, rank, static dims and consistent symbolic dims of a fed tensor against its spec. */
function checkFeed(what: string, t: HostTensor, spec: TensorSpec): void {
  const bad = (why: string): never => {
    throw new FeedError(`${what}: ${why}; expected ${describe(spec)}, got ${t.dtype} (${t.dims.join(',')})`);
  };
  if (t.dtype !== spec.dtype) bad('wrong dtype');
  if (t.dims.length !== spec.shape.length) bad('wrong rank');
  spec.shape.forEach((d, i) => {
    if (typeof d === 'number' && t.dims[i] !== d) bad(`dimension ${i} must be ${d}`);
  });
  if (t.data.length !== sizeOf(t.dims)) bad(`data has ${t.data.length} values`);
}
