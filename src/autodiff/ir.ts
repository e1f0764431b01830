// The graph IR: typed tensors (dtype + static/symbolic shape), nodes, and the Graph that records them.
// Ops are built by the functions in ops.ts; this file holds only the data structures and their invariants.
import { GraphError } from './errors';
import type { Dim, Shape } from './shape';

export type FloatDType = 'float32' | 'float64';
/** 'uint8' holds packed quantised weights (MatMulNBits codes); no arithmetic op takes it except Cast and Gather. */
export type DType = FloatDType | 'int64' | 'int32' | 'bool' | 'uint8';

export type TypedData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

export type AttrValue = number | boolean | string | readonly number[] | readonly Dim[];
export type Attrs = Readonly<Record<string, AttrValue>>;

export type TensorSource = 'input' | 'constant' | 'node';

export class Tensor {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly source: TensorSource,
    /** Graph-input name, for inputs. */
    readonly name?: string,
  ) {}
  get rank(): number {
    return this.shape.length;
  }
  get isFloat(): boolean {
    return this.dtype === 'float32' || this.dtype === 'float64';
  }
}

export interface Node {
  readonly id: number;
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Attrs;
}

export interface OutputSpec {
  dtype: DType;
  shape: Shape;
}

/**
 * A graph under construction. Nodes are appended in creation order, which is a topological order.
 * `dtype` is the float type of the graph's computations (float32 on devices, float64 in reference tests).
 */
export class Graph {
  readonly inputs: Tensor[] = [];
  readonly nodes: Node[] = [];
  readonly constants = new Map<number, TypedData>();
  readonly producers = new Map<number, Node>();
  private nextId = 0;
  private readonly scalarCache = new Map<string, Tensor>();

  constructor(readonly dtype: FloatDType = 'float32') {}

  /** Declares a graph input (batch data, a parameter, optimiser state or a frozen weight). */
  input(name: string, shape: Shape, dtype: DType = this.dtype): Tensor {
    if (this.inputs.some((t) => t.name === name)) {
      throw new GraphError(`input '${name}' is declared twice; give each graph input a unique name`);
    }
    const t = new Tensor(this, this.nextId++, dtype, [...shape], 'input', name);
    this.inputs.push(t);
    return t;
  }

  /**
   * A constant baked into the graph (an initialiser). `data` is row-major and must match the shape; numeric
   * arrays are converted to `dtype` (a Float64Array for a float32 constant is rounded once, here).
   */
  constant(data: TypedData, shape: readonly number[], dtype: DType): Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    if (data.length !== size) {
      throw new GraphError(`constant of shape (${shape.join(',')}) needs ${size} values, got ${data.length}`);
    }
    const t = new Tensor(this, this.nextId++, dtype, [...shape], 'constant');
    this.constants.set(t.id, coerce(data, dtype));
    return t;
  }

  /** A float scalar constant in the graph's dtype (cached, so repeated scalars share one initialiser). */
  scalar(value: number, dtype: DType = this.dtype): Tensor {
    const key = `${dtype}:${Object.is(value, -0) ? '-0' : String(value)}`;
    let t = this.scalarCache.get(key);
    if (!t) {
      t = this.constant(dataOf(dtype, [value]), [], dtype);
      this.scalarCache.set(key, t);
    }
    return t;
  }

  /** Appends a node; used by ops.ts after it has checked shapes. */
  addNode(op: string, inputs: readonly Tensor[], attrs: Attrs, outputs: readonly OutputSpec[]): Tensor[] {
    for (const x of inputs) {
      if (x.graph !== this) throw new GraphError(`${op}: an input tensor belongs to another graph`);
    }
    const id = this.nodes.length;
    const outs = outputs.map((o) => new Tensor(this, this.nextId++, o.dtype, [...o.shape], 'node'));
    const node: Node = { id, op, inputs: [...inputs], outputs: outs, attrs };
    this.nodes.push(node);
    for (const o of outs) this.producers.set(o.id, node);
    return outs;
  }

  producer(t: Tensor): Node | undefined {
    return this.producers.get(t.id);
  }

  constantData(t: Tensor): TypedData | undefined {
    return this.constants.get(t.id);
  }
}

const ARRAY_OF: Record<DType, new (n: number) => TypedData> = {
  float32: Float32Array,
  float64: Float64Array,
  int64: BigInt64Array,
  int32: Int32Array,
  bool: Uint8Array,
  uint8: Uint8Array,
};

/** `data` as the typed array class of `dtype` (a copy when the class differs). */
export function coerce(data: TypedData, dtype: DType): TypedData {
  if (data instanceof ARRAY_OF[dtype]) return data;
  if (data instanceof BigInt64Array) return dataOf(dtype, Array.from(data, Number));
  if (dtype === 'int64') return BigInt64Array.from(Array.from(data, (v) => BigInt(v)));
  return dataOf(dtype, Array.from(data));
}

/** Typed array of the given dtype holding `values`. */
export function dataOf(dtype: DType, values: readonly number[]): TypedData {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'int64':
      return BigInt64Array.from(values.map((v) => BigInt(v)));
    case 'int32':
      return Int32Array.from(values);
    case 'bool':
      return Uint8Array.from(values.map((v) => (v ? 1 : 0)));
    case 'uint8':
      return Uint8Array.from(values);
  }
}
