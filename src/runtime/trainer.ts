// Runs a training bundle on onnxruntime-web (WebGPU or wasm): a fused train step per batch ('step' bundles), or
// gradient accumulation ('accumulate' bundles: accumulate() per micro-batch, then applyUpdate() for one clipped
// AdamW step). Parameters, AdamW moments and gradient accumulators stay in the runtime between runs (on the GPU
// with 'gpu-buffer' outputs on WebGPU); only losses, the gradient norm, the finite flag and the model's step
// outputs come back. Runs are serialised: concurrent session runs fail on WebGPU.
import type * as ortTypes from 'onnxruntime-web';
import { ADAMW_DEFAULTS, type AdamWConfig, HYPER_INPUTS, hyperInputName } from '../autodiff/optimizer';
import type { Checkpoint, FloatArray } from '../onnx/checkpoint';
import { sizeOf } from '../onnx/checkpoint';
import { type TrainingBundle, names } from '../onnx/bundle';
import { batchFeeds } from './batch-feeds';
import type { DeviceWeights } from './device-weights';
import type { Backend } from './device';
import { ortWebGpuDevice } from './webgpu-device';
import { deviceIdle, onDevice } from './device-queue';
import { FeedError, type HostTensor, type Ort, fromOrt } from './host-tensor';

export type { Backend };

export interface TrainerOptions {
  backend: Backend;
  /** Frozen weights (the bundle manifest's `frozen`), uploaded once for this backend and shared; not owned. */
  frozen?: DeviceWeights;
  /** AdamW settings; per-step overrides go to trainStep / applyUpdate. */
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

export interface AccumulateResult {
  /** Loss of this micro-batch (not scaled). */
  loss: number;
  /** The model's extra step outputs (manifest.stepOutputs), on the host. */
  outputs: Record<string, HostTensor>;
}

export interface ApplyResult {
  /** Optimiser updates applied so far, including this one when it was finite. */
  step: number;
  /** Global norm of the accumulated gradient before clipping. */
  gradNorm: number;
  /** False when an accumulated loss or gradient was not finite: parameters, moments and step are unchanged. */
  finite: boolean;
}

export class TrainerError extends Error {
  override name = 'TrainerError';
}

type OrtTensor = ortTypes.Tensor;
type Session = ortTypes.InferenceSession;
type StepSessions = { kind: 'step'; train: Session } | { kind: 'accumulate'; grad: Session; apply: Session };

export class Trainer {
  /** param.*, adam_m.*, adam_v.* */
  private state = new Map<string, OrtTensor>();
  /** grad_acc.* and grad_acc_loss ('accumulate' bundles only). */
  private accumulators = new Map<string, OrtTensor>();
  private pending = 0;
  private frozen = new Map<string, OrtTensor>();
  private stepCount: number;
  private evalSession: Promise<Session> | undefined;
  private readonly hyper: AdamWConfig;

  private constructor(
    private readonly ort: Ort,
    readonly bundle: TrainingBundle,
    readonly backend: Backend,
    private readonly sessions: StepSessions,
    /** Opens the forward-only session; called on the first evaluate() (GFlowPO training never needs it). */
    private readonly openEval: () => Promise<Session>,
    options: TrainerOptions,
  ) {
    this.hyper = { ...ADAMW_DEFAULTS, ...options.hyper };
    this.stepCount = bundle.checkpoint.step;
    this.setState(bundle.checkpoint);
    this.zeroAccumulators();
    const weights = options.frozen;
    for (const spec of bundle.manifest.frozen) {
      const what = `frozen weight '${spec.name}'`;
      if (!weights?.has(spec.name)) throw new FeedError(`${what} was not given; upload it with DeviceWeights.upload and pass it as options.frozen`);
      if (weights.backend !== backend) throw new FeedError(`${what} was uploaded for ${weights.backend}, this trainer runs on ${backend}`);
      const dims = weights.dims(spec.name)!;
      const dtype = spec.dtype ?? bundle.manifest.dtype; // 'uint8' for quantised codes
      if (weights.dtype(spec.name) !== dtype || dims.join(',') !== spec.shape.join(',')) {
        throw new FeedError(`${what} is ${weights.dtype(spec.name)} (${dims.join(',')}); the model expects ${dtype} (${spec.shape.join(',')})`);
      }
      this.frozen.set(names.frozen(spec.name), weights.tensor(spec.name));
    }
  }

  static async create(ort: Ort, bundle: TrainingBundle, options: TrainerOptions): Promise<Trainer> {
    const params = bundle.manifest.params;
    const stateOutputs = params.flatMap((p) => [names.param(p.name), names.m(p.name), names.v(p.name)].map(names.next));
    const accOutputs = [...params.map((p) => names.next(names.gradAcc(p.name))), names.next(names.lossAcc)];
    const gpu = options.backend === 'webgpu';
    if (gpu) await ortWebGpuDevice(ort);
    const common: ortTypes.InferenceSession.SessionOptions = {
      executionProviders: [options.backend],
      // Fusions emit float32-only contrib ops; float64 bundles (reference tests) keep basic rewrites only.
      graphOptimizationLevel: bundle.manifest.dtype === 'float64' ? 'basic' : 'all',
      // Errors only: ORT warns on every WebGPU session that shape ops run on the CPU, which is by design.
      logSeverityLevel: 3,
    };
    const open = (bytes: Uint8Array, onDeviceOutputs: readonly string[]): Promise<Session> =>
      ort.InferenceSession.create(bytes, {
        ...common,
        ...(gpu ? { preferredOutputLocation: Object.fromEntries(onDeviceOutputs.map((n) => [n, 'gpu-buffer' as const])) } : {}),
      });
    const sessions: StepSessions =
      bundle.kind === 'step'
        ? { kind: 'step', train: await open(bundle.trainStep, stateOutputs) }
        : { kind: 'accumulate', grad: await open(bundle.grad, accOutputs), apply: await open(bundle.apply, [...stateOutputs, ...accOutputs]) };
    return new Trainer(ort, bundle, options.backend, sessions, () => ort.InferenceSession.create(bundle.evaluate, common), options);
  }

  get step(): number {
    return this.stepCount;
  }

  /** Micro-batches accumulated since the last applyUpdate (0 for 'step' bundles). */
  get pendingMicroBatches(): number {
    return this.pending;
  }

  /** The current device tensor of trainable parameter `name` (borrowed: valid until the next step). */
  parameterTensor(name: string): OrtTensor {
    const t = this.state.get(names.param(name));
    if (!t) throw new FeedError(`the trainer has no parameter '${name}'`);
    return t;
  }

  /** Where the parameters and optimiser state live now ('cpu' before the first WebGPU step, then 'gpu-buffer'). */
  stateLocations(): Set<string> {
    return new Set([...this.state.values(), ...this.accumulators.values()].map((t) => t.location));
  }

  /**
   * One AdamW step on `batch`. Hyper-parameter overrides apply to this step only (e.g. a warm-up lr). On an
   * 'accumulate' bundle this is one micro-batch of weight 1 followed by the update (nothing may be pending).
   */
  trainStep(batch: Readonly<Record<string, HostTensor>>, hyper: Partial<AdamWConfig> = {}): Promise<StepResult> {
    return onDevice(async () => {
      const s = this.sessions;
      if (s.kind === 'accumulate') {
        if (this.pending > 0) throw new TrainerError(`${this.pending} micro-batch(es) are accumulated; finish them with applyUpdate() before trainStep()`);
        const { loss, outputs } = await this.runGrad(s.grad, batch, 1);
        const r = await this.runApply(s.apply, hyper);
        return { ...r, loss, outputs };
      }
      const feeds: Record<string, OrtTensor> = { ...this.batchFeeds(batch), ...Object.fromEntries(this.state), ...Object.fromEntries(this.frozen), ...this.hyperFeeds(hyper) };
      const out = await s.train.run(feeds);
      const finite = Boolean((out[names.finite]!.data as Uint8Array)[0]);
      const loss = Number((out[names.loss]!.data as FloatArray)[0]);
      const gradNorm = Number((out[names.gradNorm]!.data as FloatArray)[0]);
      this.takeState(out, finite);
      const outputs = await this.stepOutputs(out);
      for (const k of [names.loss, names.finite, names.gradNorm]) out[k]!.dispose();
      if (finite) this.stepCount++;
      return { step: this.stepCount, loss, gradNorm, finite, outputs };
    });
  }

  /**
   * Forward and backward of one micro-batch: adds `scale` * its gradient (scale = 1 / micro-batches of the step)
   * to the accumulators on the device. Parameters do not change until applyUpdate().
   */
  accumulate(batch: Readonly<Record<string, HostTensor>>, options: { scale: number }): Promise<AccumulateResult> {
    return onDevice(async () => {
      if (!(Number.isFinite(options.scale) && options.scale > 0)) throw new TrainerError(`gradient scale must be a positive number, got ${options.scale}`);
      return this.runGrad(this.accumulating().grad, batch, options.scale);
    });
  }

  /**
   * One clipped AdamW step on the accumulated gradient (hyper-parameter overrides for this step only), then the
   * accumulators are zeroed. When the accumulated loss or gradient is not finite nothing else changes.
   */
  applyUpdate(hyper: Partial<AdamWConfig> = {}): Promise<ApplyResult> {
    return onDevice(async () => {
      const s = this.accumulating();
      if (this.pending === 0) throw new TrainerError('no micro-batch was accumulated since the last update; call accumulate() first');
      return this.runApply(s.apply, hyper);
    });
  }

  /** Drops any gradient accumulated since the last update (a step that starts over). */
  clearAccumulated(): Promise<void> {
    return onDevice(async () => {
      this.accumulating();
      this.zeroAccumulators();
    });
  }

  /** Forward pass only: the eval graph's outputs (loss and the model's extra outputs) on the host. */
  evaluate(batch: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>> {
    return onDevice(async () => {
      this.evalSession ??= this.openEval().catch((error: unknown) => {
        this.evalSession = undefined; // retried on the next call
        throw error;
      });
      const out = await (await this.evalSession).run({ ...this.batchFeeds(batch), ...this.paramFeeds(), ...Object.fromEntries(this.frozen) });
      const result: Record<string, HostTensor> = {};
      for (const [k, v] of Object.entries(out)) {
        result[k] = await fromOrt(v);
        v.dispose();
      }
      return result;
    });
  }

  /** Copies parameters, moments and step to the host (a gradient accumulated but not yet applied is not included). */
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

  /** Replaces parameters, moments and step (e.g. to resume a run); any accumulated gradient is dropped. */
  loadCheckpoint(c: Checkpoint): Promise<void> {
    return onDevice(async () => {
      const old = [...this.state.values()];
      this.setState(c);
      this.stepCount = c.step;
      for (const t of old) t.dispose();
      this.zeroAccumulators();
    });
  }

  async release(): Promise<void> {
    await deviceIdle();
    for (const t of [...this.state.values(), ...this.accumulators.values()]) t.dispose();
    // Frozen weights are borrowed from their DeviceWeights owner and stay alive for other sessions.
    const s = this.sessions;
    if (s.kind === 'step') await s.train.release();
    else await Promise.all([s.grad.release(), s.apply.release()]);
    const evalSession = await this.evalSession?.catch(() => undefined);
    await evalSession?.release();
  }

  private accumulating(): Extract<StepSessions, { kind: 'accumulate' }> {
    const s = this.sessions;
    if (s.kind !== 'accumulate') throw new TrainerError("this bundle has a fused train step; compile it with compileAccumulatingBundle to accumulate gradients");
    return s;
  }

  private async runGrad(session: Session, batch: Readonly<Record<string, HostTensor>>, scale: number): Promise<AccumulateResult> {
    const feeds: Record<string, OrtTensor> = {
      ...this.batchFeeds(batch),
      ...this.paramFeeds(), // moments are the apply graph's
      ...Object.fromEntries(this.accumulators),
      ...Object.fromEntries(this.frozen),
      [names.gradScale]: this.scalar(scale),
    };
    const out = await session.run(feeds);
    const loss = Number((out[names.loss]!.data as FloatArray)[0]);
    for (const [name, old] of this.accumulators) {
      this.accumulators.set(name, out[names.next(name)]!);
      old.dispose();
    }
    this.pending++;
    const outputs = await this.stepOutputs(out);
    out[names.loss]!.dispose();
    return { loss, outputs };
  }

  private async runApply(session: Session, hyper: Partial<AdamWConfig>): Promise<ApplyResult> {
    const feeds: Record<string, OrtTensor> = { ...Object.fromEntries(this.state), ...Object.fromEntries(this.accumulators), ...this.hyperFeeds(hyper) };
    const out = await session.run(feeds);
    const finite = Boolean((out[names.finite]!.data as Uint8Array)[0]);
    const gradNorm = Number((out[names.gradNorm]!.data as FloatArray)[0]);
    this.takeState(out, finite);
    for (const [name, old] of this.accumulators) {
      this.accumulators.set(name, out[names.next(name)]!); // zeros, on the device
      old.dispose();
    }
    this.pending = 0;
    out[names.finite]!.dispose();
    out[names.gradNorm]!.dispose();
    if (finite) this.stepCount++;
    return { step: this.stepCount, gradNorm, finite };
  }

  /** Adopts the graph's new params/moments when the step was finite; otherwise keeps ours (the graph returned the old values). */
  private takeState(out: Record<string, OrtTensor>, finite: boolean): void {
    for (const [name, old] of this.state) {
      const next = out[names.next(name)]!;
      if (finite) {
        this.state.set(name, next);
        old.dispose();
      } else next.dispose();
    }
  }

  private async stepOutputs(out: Record<string, OrtTensor>): Promise<Record<string, HostTensor>> {
    const outputs: Record<string, HostTensor> = {};
    for (const spec of this.bundle.manifest.stepOutputs) {
      outputs[spec.name] = await fromOrt(out[spec.name]!);
      out[spec.name]!.dispose();
    }
    return outputs;
  }

  /** The trainable parameters' current tensors (no moments), as feeds. */
  private paramFeeds(): Record<string, OrtTensor> {
    return Object.fromEntries([...this.state].filter(([k]) => k.startsWith('param.')));
  }

  private hyperFeeds(overrides: Partial<AdamWConfig>): Record<string, OrtTensor> {
    const hp = { ...this.hyper, ...overrides };
    const feeds: Record<string, OrtTensor> = {};
    for (const h of HYPER_INPUTS) feeds[hyperInputName(h)] = this.scalar(h === 'step' ? this.stepCount + 1 : hp[h]);
    return feeds;
  }

  private scalar(v: number): OrtTensor {
    return new this.ort.Tensor(this.bundle.manifest.dtype, this.floats([v]) as never, []);
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

  /** Fresh zero accumulators on the host ('accumulate' bundles); the device copies follow from the first run. */
  private zeroAccumulators(): void {
    for (const t of this.accumulators.values()) t.dispose();
    this.accumulators = new Map();
    this.pending = 0;
    if (this.bundle.kind !== 'accumulate') return;
    const dtype = this.bundle.manifest.dtype;
    for (const p of this.bundle.manifest.params) this.accumulators.set(names.gradAcc(p.name), new this.ort.Tensor(dtype, this.floats(new Array<number>(sizeOf(p.shape)).fill(0)) as never, [...p.shape]));
    this.accumulators.set(names.lossAcc, this.scalar(0));
  }

  private batchFeeds(batch: Readonly<Record<string, HostTensor>>): Record<string, OrtTensor> {
    return batchFeeds(this.ort, this.bundle.manifest.batchInputs, batch);
  }
}
