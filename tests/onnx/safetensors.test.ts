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

/** A file from header JSON text (so keys such as "__proto__" are written as they are). */
function rawFile(headerJson: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(headerJson);
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

describe('names and metadata are data (issue 9)', () => {
  it('a tensor named "__proto__" is kept as a tensor of that name (it silently vanished)', () => {
    const bytes = rawFile('{"__proto__": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}, "b": {"dtype": "U8", "shape": [1], "data_offsets": [2, 3]}}', Uint8Array.from([7, 8, 9]));
    expect(parseSafetensorsHeader(bytes).entries.map((e) => e.name)).toEqual(['__proto__', 'b']);
    const { tensors } = decodeSafetensors(bytes);
    expect(Object.keys(tensors)).toEqual(['__proto__', 'b']);
    expect(Object.hasOwn(tensors, '__proto__')).toBe(true);
    expect(Array.from(tensors['__proto__']!.bytes)).toEqual([7, 8]);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
  });

  it('encodes a tensor named "__proto__" and reads it back', () => {
    const tensors: Record<string, { dtype: 'U8'; shape: number[]; bytes: Uint8Array }> = {};
    Object.defineProperty(tensors, '__proto__', { value: { dtype: 'U8', shape: [1], bytes: Uint8Array.from([5]) }, enumerable: true });
    const back = decodeSafetensors(encodeSafetensors(tensors));
    expect(Array.from(back.tensors['__proto__']!.bytes)).toEqual([5]);
  });

  it('metadata keys such as "__proto__" and "constructor" are kept as strings', () => {
    const { metadata } = decodeSafetensors(rawFile('{"__metadata__": {"__proto__": "x", "constructor": "y"}}'));
    expect(Object.keys(metadata)).toEqual(['__proto__', 'constructor']);
    expect([metadata['__proto__'], metadata['constructor']]).toEqual(['x', 'y']);
  });

  it.each([
    ['a string', '"abc"'],
    ['an array', '["a"]'],
    ['a number', '3'],
    ['null', 'null'],
  ])('__metadata__ as %s is refused (a string became an object of its characters)', (_, value) => {
    const bytes = rawFile(`{"__metadata__": ${value}}`);
    expect(() => decodeSafetensors(bytes)).toThrow(SafetensorsError);
    expect(() => decodeSafetensors(bytes)).toThrow(/__metadata__ must be an object of string values/);
  });

  it('a metadata value that is not a string names the key', () => {
    expect(() => decodeSafetensors(rawFile('{"__metadata__": {"step": 3}}'))).toThrow("metadata 'step' must be a string, got 3");
  });
});

describe('zero-size tensors anywhere (issue 9)', () => {
  const data = Uint8Array.from([1, 2, 3, 4]);
  it.each([
    ['at offset 0, listed after a tensor that also starts at 0', '{"w": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]}, "empty": {"dtype": "F32", "shape": [0, 3], "data_offsets": [0, 0]}}'],
    ['at offset 0, listed first', '{"empty": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}, "w": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]}}'],
    ['in the middle', '{"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}, "b": {"dtype": "U8", "shape": [2], "data_offsets": [2, 4]}, "empty": {"dtype": "I64", "shape": [2, 0], "data_offsets": [2, 2]}}'],
    ['at the end', '{"w": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]}, "empty": {"dtype": "U8", "shape": [0], "data_offsets": [4, 4]}}'],
  ])('a valid file with a zero-size tensor %s is read', (_, header) => {
    const { tensors } = decodeSafetensors(rawFile(header, data));
    const empty = Object.entries(tensors).find(([name]) => name === 'empty')![1];
    expect(empty.bytes.byteLength).toBe(0);
    const total = Object.values(tensors).reduce((n, t) => n + t.bytes.byteLength, 0);
    expect(total).toBe(4);
  });

  it('the data end is the largest end, whatever the order', () => {
    const { entries } = parseSafetensorsHeader(rawFile('{"w": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]}, "empty": {"dtype": "U8", "shape": [0], "data_offsets": [0, 0]}}', data));
    expect(entries.at(-1)!.end).toBe(4);
  });
});

describe('offsets and shapes beyond what the file can hold (issue 9)', () => {
  it.each([
    ['a shape whose size is not a safe integer', '{"x": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 73786976294838210000]}}', /shape \[4294967296,4294967296\] has more elements than any file can hold/],
    ['offsets past the end of the file', '{"x": {"dtype": "U8", "shape": [8], "data_offsets": [0, 8]}}', /^data ends at byte 76 but the file has 72 bytes \(truncated download\?\)$/],
  ])('%s is refused by the header check', (_, header, message) => {
    const bytes = rawFile(header, new Uint8Array(4));
    expect(() => parseSafetensorsHeader(bytes)).toThrow(SafetensorsError);
    expect(() => parseSafetensorsHeader(bytes)).toThrow(message);
  });
});
