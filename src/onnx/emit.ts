// IR -> ONNX ModelProto bytes (opset 17). One emission case per IR op; symbolic dims in shape attributes
// are resolved at run time from the graph inputs that carry them (Shape -> Concat). Runs nothing.
import { GraphError } from '../autodiff/errors';
import { type DType, type Graph, type Tensor, dataOf } from '../autodiff/ir';
import { type Dim, type Shape, parseDimExpression } from '../autodiff/shape';
import { type NodeProto, type TensorProto, attr, elemType, encodeModel, tensorProto, valueInfo } from './proto';

export const OPSET = 17;
/** onnxruntime's contrib-op domain (MatMulNBits); imported only by graphs that use it. */
export const MS_DOMAIN = 'com.microsoft';

export interface EmitOptions {
  /** Graph name stored in the model. */
  name?: string;
}

/** Ops whose IR form maps onto the ONNX op of the same name with no inputs or attributes to translate. */
const PLAIN = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Equal', 'Less', 'LessOrEqual', 'Greater', 'And', 'Neg', 'Exp', 'Log',
  'Sqrt', 'Reciprocal', 'Sigmoid', 'Tanh', 'Abs', 'Sin', 'Cos', 'Floor', 'MatMul', 'Where',
]);

/** IR ops that become a single ONNX op of another name. */
const RENAMED: Readonly<Record<string, string>> = { StopGradient: 'Identity' };

/** Emits the part of `graph` that computes `outputs` (keyed by output name) as ONNX model bytes. */
export function emitModel(graph: Graph, outputs: Readonly<Record<string, Tensor>>, options: EmitOptions = {}): Uint8Array {
  return new Emitter(graph).emit(outputs, options.name ?? 'graph');
}

class Emitter {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly names = new Map<number, string>();
  private readonly shapeCache = new Map<string, string>();
  private readonly int64Cache = new Map<string, string>();
  private readonly symbolSources = new Map<string, { input: string; axis: number }>();
  private counter = 0;
  private usesMsDomain = false;

  constructor(private readonly graph: Graph) {
    for (const t of graph.inputs) {
      this.names.set(t.id, t.name!);
      t.shape.forEach((d, axis) => {
        if (typeof d === 'string' && !this.symbolSources.has(d)) this.symbolSources.set(d, { input: t.name!, axis });
      });
    }
  }

  emit(outputs: Readonly<Record<string, Tensor>>, name: string): Uint8Array {
    const needed = this.reachable(Object.values(outputs));
    for (const node of this.graph.nodes) {
      if (needed.has(node.id)) this.emitNode(node.op, node.inputs, node.outputs, node.attrs);
    }
    const outputInfos = Object.entries(outputs).map(([outName, t]) => {
      if (this.graph.inputs.some((i) => i.name === outName)) throw new GraphError(`output name '${outName}' is also an input name`);
      this.nodes.push({ opType: 'Identity', input: [this.ref(t)], output: [outName], name: `out_${outName}` });
      return valueInfo(outName, t.dtype, t.shape);
    });
    return encodeModel({
      irVersion: 8,
      producerName: 'gflowpo-lab',
      opsetImport: [{ domain: '', version: OPSET }, ...(this.usesMsDomain ? [{ domain: MS_DOMAIN, version: 1 }] : [])],
      graph: {
        name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.graph.inputs.map((t) => valueInfo(t.name!, t.dtype, t.shape)),
        output: outputInfos,
      },
    });
  }

  /** Ids of the nodes needed to compute `outs`. */
  private reachable(outs: readonly Tensor[]): Set<number> {
    const needed = new Set<number>();
    const stack = [...outs];
    while (stack.length > 0) {
      const t = stack.pop()!;
      const node = this.graph.producer(t);
      if (!node || needed.has(node.id)) continue;
      needed.add(node.id);
      stack.push(...node.inputs);
    }
    return needed;
  }

  /** The ONNX value name of an IR tensor; constants become initialisers on first use. */
  private ref(t: Tensor): string {
    const known = this.names.get(t.id);
    if (known) return known;
    const data = this.graph.constantData(t);
    if (!data) throw new GraphError(`tensor ${t.id} is used before it is computed`);
    const name = `const_${t.id}`;
    this.initializers.push(tensorProto(name, t.dtype, t.shape as number[], data));
    this.names.set(t.id, name);
    return name;
  }

  private fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  /** An int64 initialiser (axes, pads, shapes); equal ones are emitted once. */
  private int64Const(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `${dims.join('x')}:${values.join(',')}`;
    const known = this.int64Cache.get(key);
    if (known) return known;
    const name = this.fresh('i64');
    this.initializers.push(tensorProto(name, 'int64', dims, dataOf('int64', values)));
    this.int64Cache.set(key, name);
    return name;
  }

  private push(opType: string, input: string[], output: string[], attribute: NodeProto['attribute'] = []): void {
    this.nodes.push({ opType, input, output, attribute, name: this.fresh(opType) });
  }

  /** A 1-D int64 tensor holding `shape`, built from graph-input shapes where dims are symbolic. */
  private shapeTensor(shape: Shape): string {
    const key = shape.join(',');
    const cached = this.shapeCache.get(key);
    if (cached) return cached;
    let name: string;
    if (shape.every((d) => typeof d === 'number')) name = this.int64Const(shape as number[]);
    else {
      const pieces = shape.map((d) => this.dimTensor(d));
      name = this.fresh('shape');
      this.push('Concat', pieces, [name], [attr.int('axis', 0)]);
    }
    this.shapeCache.set(key, name);
    return name;
  }

  /**
   * A 1-D int64 tensor of one element holding dim d: a static size, a symbol carried by a graph input
   * ('T', or a whole expression such as 'P+T' when an input declares it), or a linear expression of those.
   */
  private dimTensor(d: Dim): string {
    if (typeof d === 'number') return this.int64Const([d]);
    const direct = this.symbolSources.get(d);
    if (direct) return this.shapeOf(direct);
    const { constant, terms } = parseDimExpression(d);
    if (terms.length === 0) return this.int64Const([constant]);
    let acc: string | undefined;
    for (const [symbol, coefficient] of terms) {
      const source = this.symbolSources.get(symbol);
      if (!source) throw new GraphError(`symbolic dim '${symbol}' does not appear in any graph input; declare an input with it`);
      let piece = this.shapeOf(source);
      if (coefficient !== 1) piece = this.binaryInt('Mul', piece, this.int64Const([coefficient]));
      acc = acc ? this.binaryInt('Add', acc, piece) : piece;
    }
    return constant === 0 ? acc! : this.binaryInt('Add', acc!, this.int64Const([constant]));
  }

  private shapeOf(source: { input: string; axis: number }): string {
    const dim = this.fresh('dim');
    this.push('Shape', [source.input], [dim], [attr.int('start', source.axis), attr.int('end', source.axis + 1)]);
    return dim;
  }

  private binaryInt(op: 'Add' | 'Mul', a: string, b: string): string {
    const out = this.fresh('dim');
    this.push(op, [a, b], [out]);
    return out;
  }

  private emitNode(op: string, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: Readonly<Record<string, unknown>>): void {
    const ins = inputs.map((t) => this.ref(t));
    const outs = outputs.map((t) => {
      const n = `t${t.id}`;
      this.names.set(t.id, n);
      return n;
    });
    // Attribute values were checked by the op that recorded them; these read them back with their types.
    const n = (k: string): number => attrs[k] as number;
    const ns = (k: string): number[] => attrs[k] as number[];
    const shape = (k: string): Shape => attrs[k] as Shape;
    const dtype = (k: string): DType => attrs[k] as DType;
    if (PLAIN.has(op)) return this.push(op, ins, outs);
    const renamed = RENAMED[op];
    if (renamed) return this.push(renamed, ins, outs);
    switch (op) {
      case 'Cast':
        return this.push(op, ins, outs, [attr.int('to', elemType(dtype('to')))]);
      case 'Softmax':
      case 'LogSoftmax':
      case 'Gather':
      case 'GatherElements':
      case 'Concat':
        return this.push(op, ins, outs, [attr.int('axis', n('axis'))]);
      case 'ReduceSum':
        return this.push(op, [...ins, this.int64Const(ns('axes'))], outs, [attr.int('keepdims', attrs['keepdims'] ? 1 : 0)]);
      case 'ReduceMean':
      case 'ReduceMax':
        return this.push(op, ins, outs, [attr.ints('axes', ns('axes')), attr.int('keepdims', attrs['keepdims'] ? 1 : 0)]);
      case 'ScatterND':
        return this.push(op, ins, outs, [attr.string('reduction', 'add')]);
      case 'ScatterElements':
        return this.push(op, ins, outs, [attr.int('axis', n('axis')), attr.string('reduction', 'add')]);
      case 'Transpose':
        return this.push(op, ins, outs, [attr.ints('perm', ns('perm'))]);
      case 'Reshape':
      case 'Expand':
        return this.push(op, [...ins, this.shapeTensor(shape('shape'))], outs);
      case 'Unsqueeze':
      case 'Squeeze':
        return this.push(op, [...ins, this.int64Const(ns('axes'))], outs);
      case 'Slice':
        return this.push(op, [...ins, this.int64Const([n('start')]), this.int64Const([n('end')]), this.int64Const([n('axis')])], outs);
      case 'Split':
        return this.push(op, [...ins, this.int64Const(ns('sizes'))], outs, [attr.int('axis', n('axis'))]);
      case 'Pad':
        return this.push(op, [...ins, this.int64Const(ns('pads'))], outs);
      case 'ConstantOfShape': {
        const value = tensorProto('value', dtype('dtype'), [1], dataOf(dtype('dtype'), [n('value')]));
        return this.push(op, [this.shapeTensor(shape('shape'))], outs, [attr.tensor('value', value)]);
      }
      case 'Arange': {
        const limit = this.fresh('limit');
        this.push('Squeeze', [this.dimTensor(attrs['length'] as Dim), this.int64Const([0])], [limit]);
        return this.push('Range', [this.int64Const([0], []), limit, this.int64Const([1], [])], outs);
      }
      case 'MatMulNBits': {
        this.usesMsDomain = true;
        const attribute = [attr.int('K', n('K')), attr.int('N', n('N')), attr.int('bits', n('bits')), attr.int('block_size', n('block'))];
        this.nodes.push({ opType: op, domain: MS_DOMAIN, input: ins, output: outs, attribute, name: this.fresh(op) });
        return;
      }
      case 'DimProduct': {
        const prod = this.fresh('prod');
        this.push('ReduceProd', [this.shapeTensor(shape('dims'))], [prod], [attr.int('keepdims', 0)]);
        return this.push('Cast', [prod], outs, [attr.int('to', elemType(dtype('dtype')))]);
      }
      default:
        throw new GraphError(`no ONNX emission for IR op ${op}`);
    }
  }
}
