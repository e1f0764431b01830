// Reads the initialisers of a foreign ONNX model (raw_data, typed fields, or external data in one side file) as
// dims, element type and little-endian bytes; plus float16 -> float32 conversion. Does not interpret the graph.
import { decodeModel, onnx, type TensorProto } from '../../onnx/proto';
import { f16ToF32 } from './safetensors-weights';

export interface OnnxInitialiser {
  dims: number[];
  /** onnx.TensorProto.DataType (1 FLOAT, 7 INT64, 10 FLOAT16, ...). */
  dataType: number;
  /** Little-endian element data, a copy independent of the input buffers. */
  bytes: Uint8Array;
}

/** An initialiser this reader cannot turn into bytes (unsupported element type or storage, size mismatch). */
export class OnnxInitialiserError extends Error {
  override name = 'OnnxInitialiserError';
}

/** A tensor lives in an external data file that was not passed (or a second file, when only one was). */
export class ExternalDataMissingError extends Error {
  override name = 'ExternalDataMissingError';
}

/** A tensor's offset/length in the external data file points past its end (truncated or mismatched file). */
export class ExternalDataRangeError extends Error {
  override name = 'ExternalDataRangeError';
}

const T = onnx.TensorProto.DataType;

/** Bytes per element of the fixed-size element types. */
const ELEMENT_BYTES: Readonly<Record<number, number>> = {
  [T.FLOAT]: 4,
  [T.UINT8]: 1,
  [T.INT8]: 1,
  [T.UINT16]: 2,
  [T.INT16]: 2,
  [T.INT32]: 4,
  [T.INT64]: 8,
  [T.BOOL]: 1,
  [T.FLOAT16]: 2,
  [T.DOUBLE]: 8,
  [T.UINT32]: 4,
  [T.UINT64]: 8,
  [T.BFLOAT16]: 2,
};

function byteSize(name: string, dims: readonly number[], dataType: number): number {
  const size = ELEMENT_BYTES[dataType];
  if (size === undefined) throw new OnnxInitialiserError(`initialiser '${name}' has element type ${dataType}, which this reader does not support (fixed-size numeric types only)`);
  return dims.reduce((a, b) => a * b, 1) * size;
}

function external(t: TensorProto, name: string, dims: readonly number[], dataType: number, data: Uint8Array | undefined, file: { location: string | null }): Uint8Array {
  const entries = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = entries.get('location');
  if (!location) throw new OnnxInitialiserError(`initialiser '${name}' is marked EXTERNAL but names no location; the model file is malformed`);
  if (data === undefined) {
    throw new ExternalDataMissingError(`initialiser '${name}' is stored in '${location}'; pass that file's bytes as externalData`);
  }
  if (file.location !== null && file.location !== location) {
    throw new ExternalDataMissingError(`initialiser '${name}' is stored in '${location}', but others are in '${file.location}'; only one external data file is supported`);
  }
  file.location = location;
  const offset = Number(entries.get('offset') ?? 0);
  const expected = byteSize(name, dims, dataType);
  const length = entries.has('length') ? Number(entries.get('length')) : expected;
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new ExternalDataRangeError(`initialiser '${name}' has offset ${entries.get('offset')} and length ${entries.get('length')}; both must be non-negative integers`);
  }
  if (offset + length > data.byteLength) {
    throw new ExternalDataRangeError(`initialiser '${name}' needs bytes ${offset}..${offset + length} of '${location}', which has ${data.byteLength} bytes: a truncated or different data file`);
  }
  if (length !== expected) {
    throw new OnnxInitialiserError(`initialiser '${name}' [${dims.join(', ')}] needs ${expected} bytes, but its external data length is ${length}`);
  }
  return new Uint8Array(data.subarray(offset, offset + length)); // a copy (Buffer.slice would be a view)
}

/** Data held in the typed repeated fields (float_data, int32_data, int64_data), re-encoded little-endian. */
function typedFields(t: TensorProto, name: string, dataType: number): Uint8Array {
  if (dataType === T.FLOAT) return new Uint8Array(Float32Array.from(t.floatData ?? []).buffer);
  if (dataType === T.DOUBLE) return new Uint8Array(Float64Array.from(t.doubleData ?? []).buffer);
  if (dataType === T.INT32) return new Uint8Array(Int32Array.from(t.int32Data ?? []).buffer);
  if (dataType === T.FLOAT16) return new Uint8Array(Uint16Array.from(t.int32Data ?? []).buffer); // bits, one per int32
  if (dataType === T.INT64) return new Uint8Array(BigInt64Array.from((t.int64Data ?? []).map((v) => BigInt(v.toString()))).buffer);
  throw new OnnxInitialiserError(`initialiser '${name}' (element type ${dataType}) is stored in typed fields, which this reader supports only for FLOAT, DOUBLE, INT32, FLOAT16 and INT64; re-save the model with raw data`);
}

/**
 * Every initialiser of `model` (ONNX ModelProto bytes), by name. `externalData` is the one side file
 * (e.g. model.onnx.data) that EXTERNAL tensors point into; without it such tensors throw ExternalDataMissingError.
 */
export function readOnnxInitialisers(model: Uint8Array, externalData?: Uint8Array): Map<string, OnnxInitialiser> {
  const graph = decodeModel(model).graph;
  if (!graph) throw new OnnxInitialiserError('the model has no graph; is this an ONNX ModelProto file?');
  return graphInitialisers(graph, externalData);
}

/** The initialisers of an already decoded graph (a reader that also walks the nodes decodes the model once). */
export function graphInitialisers(graph: { initializer?: TensorProto[] | null }, externalData?: Uint8Array): Map<string, OnnxInitialiser> {
  const file = { location: null as string | null };
  const out = new Map<string, OnnxInitialiser>();
  for (const t of graph.initializer ?? []) {
    const name = t.name ?? '';
    const dims = (t.dims ?? []).map(Number);
    const dataType = t.dataType ?? 0;
    let bytes: Uint8Array;
    if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) bytes = external(t, name, dims, dataType, externalData, file);
    else if (t.rawData && t.rawData.byteLength > 0) bytes = new Uint8Array(t.rawData); // a copy: protobufjs hands out Buffer views
    else bytes = typedFields(t, name, dataType);
    const expected = byteSize(name, dims, dataType);
    if (bytes.byteLength !== expected) {
      throw new OnnxInitialiserError(`initialiser '${name}' [${dims.join(', ')}] needs ${expected} bytes, but holds ${bytes.byteLength}`);
    }
    out.set(name, { dims, dataType, bytes });
  }
  return out;
}

/** Float32 values of little-endian IEEE binary16 bytes, exact (via f16ToF32). */
export function float16ToFloat32Array(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 2 !== 0) throw new OnnxInitialiserError(`float16 data needs an even number of bytes, got ${bytes.byteLength}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 2);
  for (let i = 0; i < out.length; i++) out[i] = f16ToF32(view.getUint16(2 * i, true));
  return out;
}
