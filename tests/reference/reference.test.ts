// Tests of the float64 reference itself: finite-difference gradient checks (every entry), hand-computed AdamW and forward values, causality/RoPE properties, and 30-step training; does not test the ONNX graphs.
import { describe, expect, it } from 'vitest';
import { adamwStep, type AdamWConfig } from './adamw';
import { mlpLossAndGrads, mlpShapes, trainMlp, type MlpBatch, type MlpDims } from './mlp';
import { mulberry32, randn, randomInts, randomParams, type Rng } from './random';
import {
  ropeForward, trainTransformer, transformerLossAndGrads, transformerShapes,
  type TransformerBatch, type TransformerDims,
} from './transformer';
import { cloneTensors, get, need, zerosLike, type Tensors } from './tensor';

/** Array element or an error (keeps `noUncheckedIndexedAccess` honest in assertions). */
function at<T>(xs: readonly T[], i: number): T {
  const x = xs[i];
  if (x === undefined) throw new RangeError(`index ${i} out of range for length ${xs.length}`);
  return x;
}

/** Relative closeness for hand-computed literals: |a-e| <= tol * max(1, |e|). */
function expectClose(actual: number, expected: number, tol = 1e-12): void {
  const err = Math.abs(actual - expected) / Math.max(1, Math.abs(expected));
  expect(err, `actual ${actual} vs expected ${expected}`).toBeLessThanOrEqual(tol);
}

function expectAllClose(actual: Float64Array, expected: number[], tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expectClose(get(actual, i), e, tol));
}

const FD_H = 1e-6;
const FD_REL = 1e-6;
const FD_ABS = 1e-9;

/** maxRelErr is taken over entries with max(|ana|,|num|) >= 1e-4, where the relative error is meaningful. */
interface FdReport { checked: number; failures: string[]; maxRelErr: number; maxAbsErr: number; minScale: number }

/**
 * Central differences on EVERY entry of every parameter:
 *   num = (L(p+h) - L(p-h)) / ((p+h) - (p-h)),  pass iff |ana - num| <= max(FD_REL * max(|ana|,|num|), FD_ABS).
 * Mutates `params` temporarily and restores each entry exactly.
 */
function finiteDifferenceCheck(lossOf: (p: Tensors) => number, params: Tensors, grads: Tensors): FdReport {
  const report: FdReport = { checked: 0, failures: [], maxRelErr: 0, maxAbsErr: 0, minScale: Infinity };
  for (const name of Object.keys(params).sort()) {
    const p = need(params, name);
    const g = need(grads, name);
    expect(g.length, `grad "${name}" length`).toBe(p.length);
    for (let i = 0; i < p.length; i++) {
      const saved = get(p, i);
      const up = saved + FD_H;
      const down = saved - FD_H;
      p[i] = up;
      const lossUp = lossOf(params);
      p[i] = down;
      const lossDown = lossOf(params);
      p[i] = saved;
      const num = (lossUp - lossDown) / (up - down);
      const ana = get(g, i);
      const absErr = Math.abs(ana - num);
      const scale = Math.max(Math.abs(ana), Math.abs(num));
      const relErr = scale > 0 ? absErr / scale : 0;
      report.checked++;
      report.maxAbsErr = Math.max(report.maxAbsErr, absErr);
      if (scale >= 1e-4) report.maxRelErr = Math.max(report.maxRelErr, relErr);
      if (scale > 0) report.minScale = Math.min(report.minScale, scale);
      if (absErr > Math.max(FD_REL * scale, FD_ABS)) {
        report.failures.push(`${name}[${i}]: analytic ${ana}, numeric ${num}, abs err ${absErr}, rel err ${relErr}`);
      }
    }
  }
  return report;
}

function totalSize(t: Tensors): number {
  return Object.values(t).reduce((s, x) => s + x.length, 0);
}

function l2(t: Tensors): number {
  let s = 0;
  for (const name of Object.keys(t).sort()) for (const x of need(t, name)) s += x * x;
  return Math.sqrt(s);
}

// ---------------------------------------------------------------------------------------------
// fixtures

function mlpFixture(seed: number, dims: MlpDims): { params: Tensors; batch: MlpBatch } {
  const rng = mulberry32(seed);
  const params = randomParams(mlpShapes(dims), rng, 0.5);
  const x = new Float64Array(dims.B * dims.Din);
  for (let i = 0; i < x.length; i++) x[i] = randn(rng);
  return { params, batch: { x, y: randomInts(dims.B, dims.K, rng) } };
}

/** Random weights; RMSNorm gains near 1 so every sub-block carries signal. */
function transformerParams(rng: Rng, dims: TransformerDims): Tensors {
  const params = randomParams(transformerShapes(dims), rng, 0.4);
  for (const name of ['g1', 'g2', 'gf']) {
    const g = need(params, name);
    for (let i = 0; i < g.length; i++) g[i] = 1 + 0.1 * randn(rng);
  }
  return params;
}

const TDIMS: TransformerDims = { B: 2, T: 4, V: 7, C: 8, H: 2, F: 12 };
// Token 1 appears three times (both sequences), token 2 twice in a row; tokens 0 and 4 never appear as inputs.
const TBATCH: TransformerBatch = {
  ids: Int32Array.from([1, 3, 1, 5, 2, 2, 6, 1]),
  targets: Int32Array.from([3, 1, 5, 0, 2, 6, 1, 4]),
};

const ADAM: AdamWConfig = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1.0 };

// ---------------------------------------------------------------------------------------------

describe('adamwStep', () => {
  it('matches a hand-computed step 1 without clipping (bias correction makes the step lr*sign(g))', () => {
    const params = { a: Float64Array.from([1, -2]), b: Float64Array.from([0.5]) };
    const grads = { a: Float64Array.from([0.1, -0.2]), b: Float64Array.from([0.3]) };
    const m = zerosLike(params);
    const v = zerosLike(params);
    const cfg: AdamWConfig = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 1 };
    const { gradNorm } = adamwStep(params, grads, m, v, 1, cfg);
    // gradNorm = sqrt(0.01 + 0.04 + 0.09) = sqrt(0.14); 1/(0.374...+1e-6) > 1, so coef = 1.
    expectClose(gradNorm, 0.37416573867739417);
    // m = 0.1*g, v = 0.001*g^2; mhat = g, vhat = g^2.
    expectAllClose(need(m, 'a'), [0.01, -0.02]);
    expectAllClose(need(m, 'b'), [0.03]);
    expectAllClose(need(v, 'a'), [1e-5, 4e-5]);
    expectAllClose(need(v, 'b'), [9e-5]);
    // p = p*(1 - 0.01) - 0.1*g/(|g| + 1e-8):
    //   a0 = 0.99 - 0.01/0.10000001 = 0.89000000999999900...
    //   a1 = -1.98 + 0.02/0.20000001 = -1.88000000499999975...
    //   b0 = 0.495 - 0.03/0.30000001 = 0.39500000333333322...
    expectAllClose(need(params, 'a'), [0.890000009999999, -1.8800000049999996]);
    expectAllClose(need(params, 'b'), [0.39500000333333324]);
  });

  it('matches a hand-computed step 3 with clipping active and non-zero moments', () => {
    const params = { a: Float64Array.from([2, 0]), b: Float64Array.from([-1]) };
    const grads = { a: Float64Array.from([3, 0]), b: Float64Array.from([4]) };
    const m = { a: Float64Array.from([0.5, -0.2]), b: Float64Array.from([0.1]) };
    const v = { a: Float64Array.from([0.04, 0.01]), b: Float64Array.from([0.09]) };
    const cfg: AdamWConfig = { lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.05, maxGradNorm: 1 };
    const gradsBefore = cloneTensors(grads);
    const { gradNorm } = adamwStep(params, grads, m, v, 3, cfg);
    // Pre-clip norm sqrt(9 + 16) = 5; coef = 1/5.000001 = 0.199999960000008; g' = (0.599999880000024, 0, 0.799999840000032).
    expect(gradNorm).toBe(5);
    // m = 0.9*m + 0.1*g':  a0 = 0.45 + 0.0599999880000024, a1 = -0.18, b0 = 0.09 + 0.0799999840000032.
    expectAllClose(need(m, 'a'), [0.5099999880000023, -0.18]);
    expectAllClose(need(m, 'b'), [0.1699999840000032]);
    // v = 0.99*v + 0.01*g'^2: a0 = 0.0396 + 0.01*0.35999985600002..., a1 = 0.0099, b0 = 0.0891 + 0.01*0.63999974400003...
    expectAllClose(need(v, 'a'), [0.04319999856000043, 0.0099]);
    expectAllClose(need(v, 'b'), [0.09549999744000076]);
    // bc1 = 1 - 0.9^3 = 0.271, bc2 = 1 - 0.99^3 = 0.029701;
    // p = p*(1 - 0.0005) - 0.01*(m/0.271)/(sqrt(v/0.029701) + 1e-8):
    //   a1 = 0 - 0.01*(-0.664206642...)/0.577342... = 0.0115045899836475...  (decay is a no-op at p = 0)
    expectAllClose(need(params, 'a'), [1.9833956910214101, 0.011504589983647501]);
    expectAllClose(need(params, 'b'), [-1.0029983514972982]);
    // Clipping scales the update, not the caller's gradient arrays.
    expect(Array.from(need(grads, 'a'))).toEqual(Array.from(need(gradsBefore, 'a')));
  });

  it('rejects mismatched records and bad steps', () => {
    const params = { a: new Float64Array(2) };
    const ok = { a: new Float64Array(2) };
    expect(() => adamwStep(params, { a: new Float64Array(3) }, zerosLike(ok), zerosLike(ok), 1, ADAM)).toThrow(/length/);
    expect(() => adamwStep(params, { b: new Float64Array(2) }, zerosLike(ok), zerosLike(ok), 1, ADAM)).toThrow();
    expect(() => adamwStep(params, ok, zerosLike(ok), zerosLike(ok), 0, ADAM)).toThrow(/1-based/);
  });
});

describe('finite-difference checker', () => {
  it('flags a single corrupted gradient entry (the gradient tests can fail)', () => {
    const dims: MlpDims = { B: 3, Din: 2, H: 3, K: 2 };
    const { params, batch } = mlpFixture(7, dims);
    const { grads } = mlpLossAndGrads(params, batch, dims);
    const w1 = need(grads, 'w1');
    w1[4] = get(w1, 4) * (1 + 1e-5) + 1e-8;
    const report = finiteDifferenceCheck((p) => mlpLossAndGrads(p, batch, dims).loss, params, grads);
    expect(report.failures.length).toBe(1);
    expect(at(report.failures, 0)).toMatch(/^w1\[4\]/);
  });
});

describe('MLP reference', () => {
  it('forward matches a hand-computed value', () => {
    // h = tanh(0.5); logits = (h, -h); loss = -log softmax_0 = log(1 + exp(-2h)).
    const params = {
      w1: Float64Array.from([1]), b1: Float64Array.from([0]),
      w2: Float64Array.from([1, -1]), b2: Float64Array.from([0, 0]),
    };
    const { loss } = mlpLossAndGrads(params, { x: Float64Array.from([0.5]), y: Int32Array.from([0]) }, { B: 1, Din: 1, H: 1, K: 2 });
    expectClose(loss, 0.33420907309227155);
  });

  it('zero weights give loss ln K (mean, not sum, over the batch)', () => {
    const dims: MlpDims = { B: 5, Din: 3, H: 4, K: 3 };
    const { params, batch } = mlpFixture(3, dims);
    const zero = zerosLike(params);
    expectClose(mlpLossAndGrads(zero, batch, dims).loss, 1.0986122886681098);
  });

  it('every gradient entry matches central finite differences', () => {
    const dims: MlpDims = { B: 5, Din: 4, H: 6, K: 3 };
    const { params, batch } = mlpFixture(42, dims);
    const { grads } = mlpLossAndGrads(params, batch, dims);
    const report = finiteDifferenceCheck((p) => mlpLossAndGrads(p, batch, dims).loss, params, grads);
    expect(report.checked).toBe(4 * 6 + 6 + 6 * 3 + 3);
    expect(report.failures).toEqual([]);
    expect(l2(grads)).toBeGreaterThan(1e-2); // non-trivial gradients
    console.info(`MLP FD: ${report.checked} entries, max abs err ${report.maxAbsErr.toExponential(2)}, max rel err (|g|>=1e-4) ${report.maxRelErr.toExponential(2)}, smallest non-zero |g| ${report.minScale.toExponential(2)}`);
  });

  it('30 AdamW steps on a fixed batch more than halve the loss; conventions hold', () => {
    const dims: MlpDims = { B: 16, Din: 4, H: 16, K: 3 };
    const { params, batch } = mlpFixture(1, dims);
    const before = cloneTensors(params);
    const { losses, gradNorms, params: trained } = trainMlp(params, Array.from({ length: 30 }, () => batch), dims, ADAM);
    expect(losses.length).toBe(30);
    expect(gradNorms.length).toBe(30);
    // losses[0] is the loss at the initial params, before any update.
    const init = mlpLossAndGrads(params, batch, dims);
    expect(at(losses, 0)).toBe(init.loss);
    expect(at(gradNorms, 0)).toBe(l2(init.grads));
    expect(at(losses, 29)).toBeLessThan(0.5 * at(losses, 0));
    // The caller's arrays are untouched; the returned ones moved.
    for (const name of Object.keys(before)) {
      expect(Array.from(need(params, name))).toEqual(Array.from(need(before, name)));
      expect(need(trained, name)).not.toBe(need(params, name));
    }
    expect(Array.from(need(trained, 'w2'))).not.toEqual(Array.from(need(params, 'w2')));
    console.info(`MLP train: loss ${at(losses, 0).toFixed(4)} -> ${at(losses, 29).toFixed(4)}`);
  });
});

describe('transformer reference', () => {
  it('RoPE matches the HF rotate-half formula on hand-picked values', () => {
    // D = 4: channel pairs (0,2) use angle t*1, (1,3) use angle t*10000^(-1/2) = t*0.01.
    const inp = Float64Array.from([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]); // (B=1,T=3,H=1,D=4)
    const out = new Float64Array(12);
    ropeForward(out, inp, 1, 3, 1, 4);
    expectAllClose(out.subarray(0, 4), [1, 2, 3, 4]); // t = 0: identity
    expectAllClose(out.subarray(4, 8), [-1.9841106485555495, 1.959900667496664, 2.4623779024123156, 4.019799668334994]);
    expectAllClose(out.subarray(8, 12), [-3.1440391170241875, 1.9196053465598233, -0.33914308281574557, 4.039197360052977]);
  });

  it('RoPE scores depend only on the relative position', () => {
    const rng = mulberry32(5);
    const T = 6, H = 2, D = 8, C = H * D;
    const qv = Array.from({ length: C }, () => randn(rng));
    const kv = Array.from({ length: C }, () => randn(rng));
    const q = new Float64Array(T * C); // (1,T,C), the same raw vector at every position
    const k = new Float64Array(T * C);
    for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) { q[t * C + c] = at(qv, c); k[t * C + c] = at(kv, c); }
    const qr = new Float64Array(T * C);
    const kr = new Float64Array(T * C);
    ropeForward(qr, q, 1, T, H, D);
    ropeForward(kr, k, 1, T, H, D);
    const dot = (t: number, s: number, hh: number): number => {
      let acc = 0;
      for (let d = 0; d < D; d++) acc += get(qr, t * C + hh * D + d) * get(kr, s * C + hh * D + d);
      return acc;
    };
    for (let hh = 0; hh < H; hh++) {
      expectClose(dot(3, 1, hh), dot(5, 3, hh), 1e-12);
      expectClose(dot(2, 2, hh), dot(0, 0, hh), 1e-12);
      expect(Math.abs(dot(3, 1, hh) - dot(3, 0, hh))).toBeGreaterThan(1e-6); // and it does depend on it
    }
  });

  it('zero output projection gives loss ln V', () => {
    const params = transformerParams(mulberry32(9), TDIMS);
    need(params, 'wout').fill(0);
    const { loss, logits } = transformerLossAndGrads(params, TBATCH, TDIMS);
    expect(logits.length).toBe(TDIMS.B * TDIMS.T * TDIMS.V);
    expectClose(loss, 1.9459101490553132);
  });

  it('is causal: changing token t changes logits only at positions >= t of that sequence', () => {
    const params = transformerParams(mulberry32(11), TDIMS);
    const { T, V } = TDIMS;
    const base = transformerLossAndGrads(params, TBATCH, TDIMS).logits;
    const ids = Int32Array.from(TBATCH.ids);
    ids[2] = 4; // batch 0, position 2
    const changed = transformerLossAndGrads(params, { ids, targets: TBATCH.targets }, TDIMS).logits;
    const row = (l: Float64Array, b: number, t: number): number[] => Array.from(l.subarray((b * T + t) * V, (b * T + t + 1) * V));
    expect(row(changed, 0, 0)).toEqual(row(base, 0, 0));
    expect(row(changed, 0, 1)).toEqual(row(base, 0, 1));
    expect(row(changed, 0, 2)).not.toEqual(row(base, 0, 2));
    expect(row(changed, 0, 3)).not.toEqual(row(base, 0, 3));
    for (let t = 0; t < T; t++) expect(row(changed, 1, t)).toEqual(row(base, 1, t));
  });

  it('every gradient entry of every parameter matches central finite differences (repeated ids)', () => {
    const params = transformerParams(mulberry32(2024), TDIMS);
    const { grads } = transformerLossAndGrads(params, TBATCH, TDIMS);
    const report = finiteDifferenceCheck((p) => transformerLossAndGrads(p, TBATCH, TDIMS).loss, params, grads);
    expect(report.checked).toBe(totalSize(params));
    expect(report.failures).toEqual([]);
    // Every parameter receives signal; embedding rows of unused tokens get exactly zero.
    for (const name of Object.keys(grads)) {
      const g = need(grads, name);
      expect(Math.max(...Array.from(g, Math.abs)), `grad "${name}" non-zero`).toBeGreaterThan(1e-6);
    }
    const demb = need(grads, 'emb');
    const { C } = TDIMS;
    for (const unused of [0, 4]) expect(Array.from(demb.subarray(unused * C, (unused + 1) * C)).every((x) => x === 0)).toBe(true);
    for (const used of [1, 2]) expect(Array.from(demb.subarray(used * C, (used + 1) * C)).some((x) => x !== 0)).toBe(true);
    console.info(`transformer FD: ${report.checked} entries, max abs err ${report.maxAbsErr.toExponential(2)}, max rel err (|g|>=1e-4) ${report.maxRelErr.toExponential(2)}, smallest non-zero |g| ${report.minScale.toExponential(2)}`);
  });

  it('losses[i] is the loss before update i+1 (matches a manual loop)', () => {
    const params = transformerParams(mulberry32(3), TDIMS);
    const rng = mulberry32(4);
    const n = TDIMS.B * TDIMS.T;
    const batches: TransformerBatch[] = [0, 1, 2].map(() => ({ ids: randomInts(n, TDIMS.V, rng), targets: randomInts(n, TDIMS.V, rng) }));
    const trained = trainTransformer(params, batches, TDIMS, ADAM);
    const p = cloneTensors(params);
    const m = zerosLike(p);
    const v = zerosLike(p);
    batches.forEach((batch, i) => {
      const { loss, grads } = transformerLossAndGrads(p, batch, TDIMS);
      expect(at(trained.losses, i)).toBe(loss);
      expect(at(trained.gradNorms, i)).toBe(adamwStep(p, grads, m, v, i + 1, ADAM).gradNorm);
    });
    for (const name of Object.keys(p)) expect(Array.from(need(trained.params, name))).toEqual(Array.from(need(p, name)));
  });

  it('30 AdamW steps on a fixed batch more than halve the loss; initParams untouched', () => {
    const params = transformerParams(mulberry32(77), TDIMS);
    const before = cloneTensors(params);
    const { losses, gradNorms } = trainTransformer(params, Array.from({ length: 30 }, () => TBATCH), TDIMS, ADAM);
    expect(losses.length).toBe(30);
    expect(gradNorms.every((g) => Number.isFinite(g) && g > 0)).toBe(true);
    expect(at(losses, 0)).toBe(transformerLossAndGrads(params, TBATCH, TDIMS).loss);
    expect(at(losses, 29)).toBeLessThan(0.5 * at(losses, 0));
    for (const name of Object.keys(before)) expect(Array.from(need(params, name))).toEqual(Array.from(need(before, name)));
    console.info(`transformer train: loss ${at(losses, 0).toFixed(4)} -> ${at(losses, 29).toFixed(4)}`);
  });
});
