// The GFlowPO reward: logR(z) = logPrior(z) / gamma + log(acc(z) + epsilon) / beta, so with gamma = 1 and
// beta = 1 / |D_train| it is R = p_ref(z | M) * acc^|D|. It computes numbers only; scoring is reward-cache.ts.

export interface RewardParameters {
  gamma: number;
  beta: number;
  epsilon: number;
}

/** log R of a prompt from its log-prior under the current meta-prompt and its training accuracy in [0, 1]. */
export function logReward(logPrior: number, accuracy: number, { gamma, beta, epsilon }: RewardParameters): number {
  return logPrior / gamma + Math.log(accuracy + epsilon) / beta;
}

/** The beta setting, with null meaning 1 / |D_train| (the official default). */
export function resolveBeta(beta: number | null, trainSize: number): number {
  if (beta !== null) return beta;
  if (!(trainSize > 0)) throw new RangeError(`beta = 1 / |train| needs a non-empty train split, got ${trainSize} examples`);
  return 1 / trainSize;
}
