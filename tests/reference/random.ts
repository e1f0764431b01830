// Seeded test randomness: mulberry32 uniform PRNG, Box-Muller normals, random parameter records; not cryptographic, not for production sampling.

/** A PRNG returning uniforms in [0, 1). */
export type Rng = () => number;

/** mulberry32: 32-bit state, period 2^32; deterministic for a given seed. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One standard normal sample (Box-Muller; draws two uniforms, uses one). */
export function randn(rng: Rng): number {
  const u1 = 1 - rng(); // in (0, 1], so log is finite
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

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
