// The ONNX protobuf schema (onnx-proto, protobufjs static code) and small constructors for its messages.
// Only this file touches the generated classes; emit.ts speaks in these helpers.
import onnxProto from 'onnx-proto';
import type { onnx as O } from 'onnx-proto';
import type { DType, TypedData } from '../autodiff/ir';
import type { Shape } from '../autodiff/shape';

export const onnx = onnxProto.onnx;
export type NodeProto = O.INodeProto;
export type AttributeProto = O.IAttributeProto;
export type TensorProto = O.ITensorProto;
export type ValueInfoProto = O.IValueInfoProto;
export type ModelProto = O.IModelProto;

const A = onnx.AttributeProto.AttributeType;
const T = onnx.TensorProto.DataType;

export function elemType(dtype: DType): number {
  switch (dtype) {
    case 'float32':
      return T.FLOAT;
    case 'float64':
      return T.DOUBLE;
    case 'int64':
      return T.INT64;
    case 'int32':
      return T.INT32;
    case 'bool':
      return T.BOOL;
    case 'uint8':
      return T.UINT8;
  }
}

export const attr = {
  int: (name: string, i: number): AttributeProto => ({ name, type: A.INT, i }),
  ints: (name: string, ints: readonly number[]): AttributeProto => ({ name, type: A.INTS, ints: [...ints] }),
  float: (name: string, f: number): AttributeProto => ({ name, type: A.FLOAT, f }),
  string: (name: string, s: string): AttributeProto => ({ name, type: A.STRING, s: new TextEncoder().encode(s) }),
  tensor: (name: string, t: TensorProto): AttributeProto => ({ name, type: A.TENSOR, t }),
};

/** A tensor with raw little-endian data (an initialiser or an attribute value). */
export function tensorProto(name: string, dtype: DType, dims: readonly number[], data: TypedData): TensorProto {
  return {
    name,
    dataType: elemType(dtype),
    dims: [...dims],
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

export function valueInfo(name: string, dtype: DType, shape: Shape): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: elemType(dtype),
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

export function decodeModel(bytes: Uint8Array): O.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
