// Shapes with static and symbolic dimensions, and the broadcasting rules of ONNX (numpy style).
// A symbolic dimension is a name such as 'B' or 'T'; a slice of one may derive 'T-1'. Nothing here builds nodes.
import { ShapeError } from './errors';

/** A dimension: a static size, or a symbol bound at run time ('B', 'T', or a derived 'T-1'). */
export type Dim = number | string;
export type Shape = readonly Dim[];

export function formatShape(shape: Shape): string {
  return `(${shape.join(',')})`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Number of elements, or undefined when a dimension is symbolic. */
export function staticSize(shape: Shape): number | undefined {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') return undefined;
    n *= d;
  }
  return n;
}

/** Normalises a possibly negative axis for a tensor of the given rank. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new ShapeError(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return a;
}

/** Result shape of broadcasting a and b; throws naming the op and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else {
      throw new ShapeError(
        `${op}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast (dimension ${i} is ${da} vs ${db}); ` +
          'make them equal or 1, or reshape one of them',
      );
    }
  }
  return out;
}

/** Parses a derived symbol 'T-1' / 'T+2' into its base symbol and offset; a plain symbol has offset 0. */
export function parseSymbol(dim: string): { base: string; offset: number } {
  const m = /^(.*?)([+-]\d+)$/.exec(dim);
  if (m && m[1] && m[2]) return { base: m[1], offset: Number(m[2]) };
  return { base: dim, offset: 0 };
}

/** dim + delta for a static or symbolic dimension ('T' + -1 -> 'T-1'). */
export function offsetDim(dim: Dim, delta: number): Dim {
  if (typeof dim === 'number') return dim + delta;
  const { base, offset } = parseSymbol(dim);
  const k = offset + delta;
  return k === 0 ? base : `${base}${k > 0 ? '+' : ''}${k}`;
}

/**
 * A dim expression as a constant plus symbols with integer coefficients: 'P+T-1' -> { constant: -1,
 * terms: [['P', 1], ['T', 1]] }. Plain numbers have no terms.
 */
export function parseDimExpression(dim: Dim): { constant: number; terms: [string, number][] } {
  if (typeof dim === 'number') return { constant: dim, terms: [] };
  const terms = new Map<string, number>();
  let constant = 0;
  for (const m of dim.replace(/\s+/g, '').matchAll(/([+-]?)([^+-]+)/g)) {
    const sign = m[1] === '-' ? -1 : 1;
    const body = m[2]!;
    if (/^\d+$/.test(body)) constant += sign * Number(body);
    else terms.set(body, (terms.get(body) ?? 0) + sign);
  }
  return { constant, terms: [...terms].filter(([, k]) => k !== 0) };
}
