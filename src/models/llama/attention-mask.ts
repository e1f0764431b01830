// Host-side attention masks and positions for batched, left-padded decoding with a key/value cache:
// query t of row b (absolute index past + t) may see key s when s <= past + t and s is not padding.
// Pure TS; the graphs take these as inputs.

export interface MaskAndPositions {
  /** (B, T, past + T) row-major, 1 where attention is allowed. */
  mask: Uint8Array;
  /** (B, T) absolute positions, counted from each row's first real token. */
  positions: BigInt64Array;
}

/**
 * `padding[b]` is the number of left-padding slots of row b (keys 0..padding-1 are never attended);
 * `past` is the number of cached positions; `t` the number of new tokens per row.
 */
export function maskAndPositions(padding: readonly number[], past: number, t: number): MaskAndPositions {
  const B = padding.length;
  const S = past + t;
  const mask = new Uint8Array(B * t * S);
  const positions = new BigInt64Array(B * t);
  for (let b = 0; b < B; b++) {
    const pad = padding[b]!;
    for (let q = 0; q < t; q++) {
      const abs = past + q;
      positions[b * t + q] = BigInt(Math.max(0, abs - pad));
      for (let s = pad; s <= abs; s++) mask[(b * t + q) * S + s] = 1;
    }
  }
  return { mask, positions };
}
