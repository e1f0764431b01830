// Named errors of the graph compiler. Each message names the op and says what to change.

/** Shapes that cannot work together, found while the graph is being built. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** Differentiating through an op that has no gradient rule (or an input that has none). */
export class NoGradientError extends Error {
  override name = 'NoGradientError';
}

/** A misuse of the graph API that is not about shapes (unknown tensor, wrong dtype, bad attribute). */
export class GraphError extends Error {
  override name = 'GraphError';
}
