// Float64 reference AdamW step with global-norm gradient clipping (PyTorch clip_grad_norm_ + AdamW semantics); no schedules, no amsgrad, no per-group options.
import type { AdamWConfig } from '../../src/autodiff/optimizer';
import { get, need } from './tensor';

// The settings type is shared with the compiled optimiser; the arithmetic below is independent of it.
export type { AdamWConfig };

/**
 * One AdamW step; mutates params, m and v in place. Every record must hold the same names with the same lengths.
 *   gradNorm = sqrt(sum_all g^2)                      (before clipping; returned)
 *   coef     = min(1, maxGradNorm / (gradNorm + 1e-6)); g' = g * coef
 *   m = beta1*m + (1-beta1)*g';  v = beta2*v + (1-beta2)*g'^2
 *   mhat = m / (1-beta1^step);   vhat = v / (1-beta2^step)
 *   p = p - lr*weightDecay*p;    p = p - lr*mhat/(sqrt(vhat)+eps)
 * Parameters are visited in name-sorted order so the floating-point sums are deterministic.
 */
export function adamwStep(
  params: Record<string, Float64Array>,
  grads: Record<string, Float64Array>,
  m: Record<string, Float64Array>,
  v: Record<string, Float64Array>,
  step: number /* 1-based */,
  cfg: AdamWConfig,
): { gradNorm: number } {
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`step must be a 1-based integer, got ${step}`);
  const names = Object.keys(params).sort();
  for (const name of Object.keys(grads)) {
    if (!(name in params)) throw new Error(`gradient "${name}" has no parameter`);
  }
  for (const name of names) {
    const n = need(params, name).length;
    for (const [what, rec] of [['grad', grads], ['m', m], ['v', v]] as const) {
      const len = need(rec, name).length;
      if (len !== n) throw new Error(`${what} "${name}": length ${len}, expected ${n}`);
    }
  }

  // Global L2 norm over every gradient entry.
  let sumSq = 0;
  for (const name of names) {
    const g = need(grads, name);
    for (let i = 0; i < g.length; i++) sumSq += get(g, i) * get(g, i);
  }
  const gradNorm = Math.sqrt(sumSq);
  const coef = Math.min(1, cfg.maxGradNorm / (gradNorm + 1e-6));

  const bc1 = 1 - Math.pow(cfg.beta1, step);
  const bc2 = 1 - Math.pow(cfg.beta2, step);
  for (const name of names) {
    const p = need(params, name);
    const g = need(grads, name);
    const mt = need(m, name);
    const vt = need(v, name);
    for (let i = 0; i < p.length; i++) {
      const gi = get(g, i) * coef;
      const mi = cfg.beta1 * get(mt, i) + (1 - cfg.beta1) * gi;
      const vi = cfg.beta2 * get(vt, i) + (1 - cfg.beta2) * gi * gi;
      mt[i] = mi;
      vt[i] = vi;
      const mhat = mi / bc1;
      const vhat = vi / bc2;
      let pi = get(p, i);
      pi = pi - cfg.lr * cfg.weightDecay * pi; // decoupled weight decay on the old p
      pi = pi - (cfg.lr * mhat) / (Math.sqrt(vhat) + cfg.eps);
      p[i] = pi;
    }
  }
  return { gradNorm };
}
