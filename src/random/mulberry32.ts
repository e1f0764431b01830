// Seeded pseudo-random numbers (mulberry32 uniforms, Box-Muller normals) for parameter initialisation,
// toy data and reproducible tests. Not cryptographic.

/** Uniforms in [0, 1). */
export type Rng = () => number;

/** mulberry32: 32-bit state, period 2^32; the same seed gives the same sequence everywhere. */
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

/** A uniform integer in 0..k-1. */
export function randomInt(rng: Rng, k: number): number {
  return Math.floor(rng() * k);
}

/**
 * A generator for one named thing drawn with a user's seed (a built-in or demo task's examples): FNV-1a of the name
 * mixed with the seed, so things drawn with one seed do not share a random sequence.
 */
export function namedRng(name: string, seed: number): Rng {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return mulberry32(((h >>> 0) ^ Math.imul(seed, 0x9e3779b1)) >>> 0);
}
