// Seeded random streams for a run: one mulberry32 stream per purpose (sampling seeds, temperatures, replay,
// demonstrations, references), each with a 32-bit state that can be saved and restored exactly. Not cryptographic.
import { type Rng, mulberry32 } from '../random/mulberry32';

/** mulberry32 adds this to its state before every draw, so state s after n draws is seed + n * STEP (mod 2^32). */
const MULBERRY_STEP = 0x6d2b79f5;

/** A mulberry32 stream whose state is visible: `new RngStream(stream.state)` continues it exactly. */
export class RngStream {
  private generator: Rng;
  private current: number;

  constructor(state: number) {
    this.current = state >>> 0;
    this.generator = mulberry32(this.current);
  }

  /** The 32-bit state; the next draw is the first draw of mulberry32(state). */
  get state(): number {
    return this.current;
  }

  /** A uniform in [0, 1); an arrow property so the stream can be passed where an `Rng` is expected. */
  readonly next: Rng = () => {
    this.current = (this.current + MULBERRY_STEP) >>> 0;
    return this.generator();
  };

  /** A uniform integer in 0..k-1. */
  int(k: number): number {
    return Math.floor(this.next() * k);
  }

  /** A uniform 32-bit unsigned integer (a per-prompt sampling seed). */
  uint32(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }
}

export const RNG_PURPOSES = ['sampling', 'temperature', 'replay', 'demonstrations', 'references'] as const;
export type RngPurpose = (typeof RNG_PURPOSES)[number];
export type RngStates = Record<RngPurpose, number>;

/** The initial state of stream `purpose` of a run seeded with `seed`: streams of one seed are unrelated. */
export function streamSeed(seed: number, purpose: RngPurpose): number {
  const k = RNG_PURPOSES.indexOf(purpose) + 1;
  return Math.floor(mulberry32((seed ^ Math.imul(k, 0x9e3779b9)) >>> 0)() * 4294967296) >>> 0;
}

export function initialRngStates(seed: number): RngStates {
  return Object.fromEntries(RNG_PURPOSES.map((p) => [p, streamSeed(seed, p)])) as RngStates;
}

/** Up to k distinct items, uniformly without replacement (partial Fisher-Yates on a copy), in draw order. */
export function sampleWithoutReplacement<T>(items: readonly T[], k: number, rng: Rng): T[] {
  const pool = [...items];
  const n = Math.min(k, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rng() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, n);
}

/** A uniformly shuffled copy (Fisher-Yates). */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  return sampleWithoutReplacement(items, items.length, rng);
}
