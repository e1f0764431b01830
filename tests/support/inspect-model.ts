// Test support: reads emitted ONNX bytes back into plain values (opset, names, node types, dims, initialisers).
import { decodeModel } from '../../src/onnx/proto';

export interface ModelSummary {
  opset: number;
  irVersion: number;
  inputs: string[];
  outputs: string[];
  nodes: string[];
  /** dims of each graph input: numbers for static, strings for dimParam. */
  inputDims: Record<string, (number | string)[]>;
  initializers: { name: string; bytes: Uint8Array }[];
}

export function inspectModel(bytes: Uint8Array): ModelSummary {
  const m = decodeModel(bytes);
  const g = m.graph;
  if (!g) throw new Error('model has no graph');
  return {
    opset: Number(m.opsetImport[0]?.version),
    irVersion: Number(m.irVersion),
    inputs: (g.input ?? []).map((i) => i.name ?? ''),
    outputs: (g.output ?? []).map((o) => o.name ?? ''),
    nodes: (g.node ?? []).map((n) => n.opType ?? ''),
    inputDims: Object.fromEntries(
      (g.input ?? []).map((i) => [i.name ?? '', (i.type?.tensorType?.shape?.dim ?? []).map((d) => d.dimParam || Number(d.dimValue))]),
    ),
    initializers: (g.initializer ?? []).map((t) => ({ name: t.name ?? '', bytes: Uint8Array.from(t.rawData ?? []) })),
  };
}
