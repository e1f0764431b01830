// Checkpoint decoding validates field by field (issue 9): the step is digits, every tensor is present with its shape
// and float dtype, values are finite and second moments non-negative; each refusal names the field.
import { describe, expect, it } from 'vitest';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, initialCheckpoint, type ParamSpec } from '../../src/onnx/checkpoint';
import { bytesOf, decodeSafetensors, encodeSafetensors } from '../../src/onnx/safetensors';
import { thrown } from '../support/thrown';

const specs: ParamSpec[] = [{ name: 'w', shape: [2, 2] }, { name: 'b', shape: [2] }];
const init = { w: Float32Array.from([1, 2, 3, 4]), b: Float32Array.from([0.5, -0.5]) };
const good = encodeCheckpoint({ ...initialCheckpoint(specs, init, 'float32'), step: 3 }, specs);

/** `good` with its metadata or tensors changed. */
function altered(change: (metadata: Record<string, string>, tensors: ReturnType<typeof decodeSafetensors>['tensors']) => void): Uint8Array {
  const { metadata, tensors } = decodeSafetensors(good);
  change(metadata, tensors);
  return encodeSafetensors(tensors, metadata);
}

const refusal = (bytes: Uint8Array): CheckpointError => thrown(() => decodeCheckpoint(bytes, specs), CheckpointError);

describe('decodeCheckpoint', () => {
  it('reads back what encodeCheckpoint wrote', () => {
    const { checkpoint } = decodeCheckpoint(good, specs);
    expect(checkpoint.step).toBe(3);
    expect(Array.from(checkpoint.params['w']!)).toEqual([1, 2, 3, 4]);
    expect(Array.from(checkpoint.v['b']!)).toEqual([0, 0]);
  });

  it.each([[''], [' 3'], ['3.0'], ['1e3'], ['-1'], ['0x10'], ['03'], ['9007199254740993']])('refuses step %j (an empty step read as 0)', (step) => {
    const e = refusal(altered((m) => (m['step'] = step)));
    expect(e.message).toBe(`checkpoint field 'step' must be a non-negative integer written in digits, got ${JSON.stringify(step)}`);
  });

  it('refuses a missing step', () => {
    expect(refusal(altered((m) => delete m['step'])).message).toBe("checkpoint field 'step' must be a non-negative integer written in digits, got nothing");
  });

  it('refuses non-finite parameters and moments, and negative second moments, naming tensor and index', () => {
    const nan = refusal(altered((_, t) => (t['param.w']!.bytes = bytesOf(Float32Array.from([1, NaN, 3, 4])))));
    expect(nan.message).toBe("checkpoint tensor 'param.w' holds NaN at index 1; a checkpoint holds finite values");
    const inf = refusal(altered((_, t) => (t['adam_m.b']!.bytes = bytesOf(Float32Array.from([0, -Infinity])))));
    expect(inf.message).toBe("checkpoint tensor 'adam_m.b' holds -Infinity at index 1; a checkpoint holds finite values");
    const negative = refusal(altered((_, t) => (t['adam_v.b']!.bytes = bytesOf(Float32Array.from([0, -1e-3])))));
    expect(negative.message).toMatch(/^checkpoint tensor 'adam_v\.b' holds -0\.001\d* at index 1; second moments are never negative/);
  });

  it('refuses tensors of mixed float widths', () => {
    const mixed = refusal(altered((_, t) => (t['adam_m.w'] = { dtype: 'F64', shape: [2, 2], bytes: bytesOf(new Float64Array(4)) })));
    expect(mixed.message).toBe("checkpoint tensor 'adam_m.w' is F64 but 'param.w' is F32; one checkpoint holds one float type");
  });
});
