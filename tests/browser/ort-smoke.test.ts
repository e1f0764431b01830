// Browser harness smoke test: a hand-built MatMul+Add+Softmax ONNX model runs in headless Chromium on wasm and WebGPU and matches a hand-computed softmax.
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { chooseBackend } from '../../src/runtime/device';
import { loadOrtWeb } from '../../src/runtime/ort-web';

const { onnx } = onnxProto;

const x = [0.5, -1.25, 2, 0.75]; // (1, 4)
const w = [
  [0.1, -0.2, 0.3],
  [0.4, 0.5, -0.6],
  [-0.7, 0.8, 0.9],
  [1.0, -1.1, 0.2],
]; // (4, 3)
const b = [0.05, -0.1, 0.15]; // (3)

/** softmax(x @ w + b) in float64, the value every backend must reproduce. */
function expectedSoftmax(): number[] {
  const logits = b.map((bias, j) => x.reduce((sum, xi, i) => sum + xi * (w[i]?.[j] ?? NaN), bias)); // (3)
  const max = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - max));
  const total = exps.reduce((s, e) => s + e, 0);
  return exps.map((e) => e / total);
}

function floatTensor(name: string, dims: number[], values: number[]): InstanceType<typeof onnx.TensorProto> {
  return onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: values });
}

function floatValue(name: string, dims: (number | string)[]): InstanceType<typeof onnx.ValueInfoProto> {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim } } },
  });
}

/** Y = Softmax(X @ W + B, axis = -1) with W and B as initialisers; X has a symbolic batch dim. */
function buildModel(): Uint8Array {
  const graph = onnx.GraphProto.create({
    name: 'ort_smoke',
    node: [
      onnx.NodeProto.create({ opType: 'MatMul', input: ['X', 'W'], output: ['XW'] }),
      onnx.NodeProto.create({ opType: 'Add', input: ['XW', 'B'], output: ['Z'] }),
      onnx.NodeProto.create({
        opType: 'Softmax',
        input: ['Z'],
        output: ['Y'],
        attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }],
      }),
    ],
    initializer: [floatTensor('W', [4, 3], w.flat()), floatTensor('B', [3], b)],
    input: [floatValue('X', ['batch', 4])],
    output: [floatValue('Y', ['batch', 3])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'gflowpo-lab-ort-smoke',
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

async function runSoftmax(executionProvider: 'wasm' | 'webgpu'): Promise<number[]> {
  const ort = await loadOrtWeb();
  const session = await ort.InferenceSession.create(buildModel(), { executionProviders: [executionProvider] });
  try {
    const feeds = { X: new ort.Tensor('float32', Float32Array.from(x), [1, 4]) };
    const { Y } = await session.run(feeds);
    expect(Y?.dims).toEqual([1, 3]);
    return Array.from(Y?.data as Float32Array);
  } finally {
    await session.release();
  }
}

function expectClose(actual: number[], expected: number[], tolerance: number): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => expect(Math.abs(value - (expected[i] ?? NaN))).toBeLessThan(tolerance));
}

describe('onnxruntime-web in headless Chromium', () => {
  it('loads the same configured module every time, with wasm served from our origin', async () => {
    const first = await loadOrtWeb();
    const second = await loadOrtWeb();
    expect(second).toBe(first);
    const paths = first.env.wasm.wasmPaths;
    expect(typeof paths).toBe('object');
    const { wasm, mjs } = paths as { wasm: string; mjs: string };
    for (const url of [wasm, mjs]) expect(new URL(url, location.href).origin).toBe(location.origin);
    expect(wasm).toMatch(/ort-wasm-simd-threaded\.asyncify\.wasm/);
    expect(mjs).toMatch(/ort-wasm-simd-threaded\.asyncify\.mjs/);
  });

  it("gives WebGPU when asked (--enable-unsafe-webgpu gives a SwiftShader adapter), and 'auto' prefers wasm over that fallback adapter", async () => {
    const auto = await chooseBackend();
    expect(auto.backend).toBe('wasm');
    expect(auto.reason).toMatch(/software fallback/);
    const info = await chooseBackend('webgpu');
    expect(info.backend).toBe('webgpu');
    expect(info.reason).toContain('WebGPU adapter');
    expect(info.adapter).toMatch(/.+\/.+/);
    expect(typeof info.shaderF16).toBe('boolean');
    expect(await chooseBackend('wasm')).toEqual({ backend: 'wasm', reason: 'wasm was requested', shaderF16: false });
  });

  it('the hand-computed reference is a distribution (the check below can fail)', () => {
    const p = expectedSoftmax();
    expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(Math.max(...p) - Math.min(...p)).toBeGreaterThan(0.1);
  });

  it('runs MatMul+Add+Softmax on wasm', async () => {
    expectClose(await runSoftmax('wasm'), expectedSoftmax(), 1e-5);
  });

  it('runs MatMul+Add+Softmax on webgpu when chooseBackend says webgpu', async () => {
    const info = await chooseBackend('webgpu');
    if (info.backend !== 'webgpu') return expect.unreachable(`expected WebGPU in this Chromium: ${info.reason}`);
    expectClose(await runSoftmax('webgpu'), expectedSoftmax(), 1e-5);
  });
});
