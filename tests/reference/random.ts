// Seeded test randomness: mulberry32 uniform PRNG, Box-Muller normals, random parameter records; not cryptographic, not for production sampling.

import { type Rng, mulberry32, randn } from '../../src/random/mulberry32';

export { type Rng, mulberry32, randn };

/**
 * scale * N(0,1) entries for every named shape; each array has prod(shape) elements.
 * Names are filled in sorted order, so the result does not depend on the key order of `shapes`.
 */
export function randomParams(
  shapes: Record<string, number[]>, rng: Rng, scale: number,
): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const name of Object.keys(shapes).sort()) {
    const shape = shapes[name] ?? [];
    const size = shape.reduce((a, b) => a * b, 1);
    const x = new Float64Array(size);
    for (let i = 0; i < size; i++) x[i] = scale * randn(rng);
    out[name] = x;
  }
  return out;
}

/** Int32Array of n uniform integers in 0..k-1. */
export function randomInts(n: number, k: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rng() * k);
  return out;
}
