// The safetensors codec: exact round trips, 8-byte aligned data, and a named error for every kind of damage.
import { describe, expect, it } from 'vitest';
import { SafetensorsError, bytesOf, decodeSafetensors, encodeSafetensors, parseSafetensorsHeader } from '../../src/onnx/safetensors';

function file(header: object, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

describe('safetensors', () => {
  it('round-trips tensors and metadata; data starts 8-byte aligned', () => {
    const a = Float32Array.from([1.5, -2, 3.25, 0]);
    const b = BigInt64Array.from([5n, -7n]);
    const bytes = encodeSafetensors(
      { a: { dtype: 'F32', shape: [2, 2], bytes: bytesOf(a) }, b: { dtype: 'I64', shape: [2], bytes: bytesOf(b) } },
      { note: 'hello' },
    );
    const { metadata, entries, dataStart } = parseSafetensorsHeader(bytes);
    expect(dataStart % 8).toBe(0);
    expect(metadata).toEqual({ note: 'hello' });
    expect(entries.map((e) => [e.name, e.begin, e.end])).toEqual([['a', 0, 16], ['b', 16, 32]]);
    const back = decodeSafetensors(bytes);
    expect(Array.from(new Float32Array(back.tensors['a']!.bytes.buffer))).toEqual([1.5, -2, 3.25, 0]);
    expect(Array.from(new BigInt64Array(back.tensors['b']!.bytes.buffer))).toEqual([5n, -7n]);
    expect(back.tensors['a']!.shape).toEqual([2, 2]);
  });

  it('reads a file written by the reference layout (header then data, offsets relative to data)', () => {
    const data = bytesOf(Float32Array.from([7, 8, 9]));
    const t = decodeSafetensors(file({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } }, data));
    expect(Array.from(new Float32Array(t.tensors['x']!.bytes.buffer))).toEqual([7, 8, 9]);
  });

  it.each([
    ['too short', new Uint8Array(4), /starts with an 8-byte header length/],
    ['absurd header length', (() => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 10n ** 12n, true); return b; })(), /not plausible/],
    ['truncated header', file({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }).slice(0, 20), /truncated/],
    ['not JSON', (() => { const b = file({}); b[8] = 0x41; return b; })(), /not valid UTF-8 JSON/],
    ['unknown dtype', file({ x: { dtype: 'F8', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /unsupported dtype F8/],
    ['offsets disagree with shape', file({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /needs 8 bytes, offsets give 4/],
    ['overlapping tensors', file({ x: { dtype: 'U8', shape: [2], data_offsets: [0, 2] }, y: { dtype: 'U8', shape: [2], data_offsets: [1, 3] } }, new Uint8Array(3)), /overlap or leave gaps/],
    ['truncated data', file({ x: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(8)), /truncated download/],
  ])('rejects %s', (_, bytes, message) => {
    expect(() => decodeSafetensors(bytes)).toThrow(SafetensorsError);
    expect(() => decodeSafetensors(bytes)).toThrow(message);
  });

  it('refuses to encode a tensor whose bytes do not match its shape', () => {
    expect(() => encodeSafetensors({ x: { dtype: 'F32', shape: [3], bytes: new Uint8Array(8) } })).toThrow(/needs 12 bytes, got 8/);
  });
});
