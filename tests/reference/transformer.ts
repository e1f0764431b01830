// Float64 reference one-block pre-norm Llama-style decoder (RMSNorm, RoPE, causal MHA, SwiGLU) with hand-written forward/backward and AdamW training; no KV cache, no GQA, no dropout, no biases.
import { adamwStep, type AdamWConfig } from './adamw';
import {
  addAt, checkSizes, cloneTensors, crossEntropyBackward, crossEntropyForward, get,
  matmulBackward, matmulForward, need, zerosLike, type Tensors,
} from './tensor';

/** B batch, T sequence length, V vocab, C model width, H heads (D = C/H head width), F SwiGLU hidden width. */
export interface TransformerDims { B: number; T: number; V: number; C: number; H: number; F: number }

/** One batch: ids (B,T) input token ids, targets (B,T) next-token ids, both in 0..V-1. */
export interface TransformerBatch { ids: Int32Array; targets: Int32Array }

export const RMS_EPS = 1e-5;
export const ROPE_THETA = 10000;
export const MASK_VALUE = -1e9;

/** Parameter shapes (row-major). */
export function transformerShapes(dims: TransformerDims): Record<string, number[]> {
  const { V, C, F } = dims;
  return {
    emb: [V, C], g1: [C], wq: [C, C], wk: [C, C], wv: [C, C], wo: [C, C],
    g2: [C], wg: [C, F], wu: [C, F], wd: [F, C], gf: [C], wout: [C, V],
  };
}

function headDim(dims: TransformerDims): number {
  const D = dims.C / dims.H;
  if (!Number.isInteger(D) || D % 2 !== 0) throw new Error(`C/H = ${D} must be an even integer for RoPE`);
  return D;
}

// ---------------------------------------------------------------------------------------------
// RMSNorm: out = a / sqrt(mean_C(a^2) + eps) * g

/** out (N,C), rstd (N) = 1/sqrt(mean_C(a^2)+eps), a (N,C), g (C). */
export function rmsnormForward(
  out: Float64Array, rstd: Float64Array, a: Float64Array, g: Float64Array, N: number, C: number,
): void {
  for (let n = 0; n < N; n++) {
    let ss = 0;
    for (let c = 0; c < C; c++) ss += get(a, n * C + c) * get(a, n * C + c);
    const r = 1 / Math.sqrt(ss / C + RMS_EPS);
    rstd[n] = r;
    for (let c = 0; c < C; c++) out[n * C + c] = get(a, n * C + c) * r * get(g, c);
  }
}

/**
 * ACCUMULATES da (N,C) and dg (C) from dout (N,C); a (N,C), g (C), rstd (N) from the forward.
 * With xn = a*r:  dg += sum_n dout*xn;  da = r * (dxn - xn * mean_C(dxn*xn)),  dxn = dout*g.
 */
export function rmsnormBackward(
  da: Float64Array, dg: Float64Array, dout: Float64Array,
  a: Float64Array, g: Float64Array, rstd: Float64Array, N: number, C: number,
): void {
  for (let n = 0; n < N; n++) {
    const r = get(rstd, n);
    let dot = 0; // sum_C dxn*xn
    for (let c = 0; c < C; c++) {
      const xn = get(a, n * C + c) * r;
      const dxn = get(dout, n * C + c) * get(g, c);
      addAt(dg, c, get(dout, n * C + c) * xn);
      dot += dxn * xn;
    }
    for (let c = 0; c < C; c++) {
      const xn = get(a, n * C + c) * r;
      const dxn = get(dout, n * C + c) * get(g, c);
      addAt(da, n * C + c, r * (dxn - xn * (dot / C)));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// RoPE, HF rotate-half layout: for head channel j, i = j mod D/2, angle = t * theta^(-2i/D);
// out = x*cos + rotate_half(x)*sin with rotate_half(x) = concat(-x[D/2:], x[:D/2]).

/** cos/sin tables, each (T, D/2). */
function ropeTables(T: number, D: number): { cos: Float64Array; sin: Float64Array } {
  const half = D / 2;
  const cos = new Float64Array(T * half); // (T,D/2)
  const sin = new Float64Array(T * half); // (T,D/2)
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t * Math.pow(ROPE_THETA, (-2 * i) / D);
      cos[t * half + i] = Math.cos(angle);
      sin[t * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/** out (B,T,H*D) = RoPE(inp (B,T,H*D)); head hh occupies channels hh*D..hh*D+D-1; position t is 0-based. */
export function ropeForward(out: Float64Array, inp: Float64Array, B: number, T: number, H: number, D: number): void {
  const half = D / 2;
  const { cos, sin } = ropeTables(T, D);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let hh = 0; hh < H; hh++) {
        const base = (b * T + t) * H * D + hh * D;
        for (let i = 0; i < half; i++) {
          const c = get(cos, t * half + i);
          const s = get(sin, t * half + i);
          const x1 = get(inp, base + i); // first half
          const x2 = get(inp, base + half + i); // second half
          out[base + i] = x1 * c - x2 * s;
          out[base + half + i] = x2 * c + x1 * s;
        }
      }
    }
  }
}

/** ACCUMULATES dinp (B,T,H*D) from dout (B,T,H*D): the transpose of each 2x2 rotation. */
export function ropeBackward(dinp: Float64Array, dout: Float64Array, B: number, T: number, H: number, D: number): void {
  const half = D / 2;
  const { cos, sin } = ropeTables(T, D);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let hh = 0; hh < H; hh++) {
        const base = (b * T + t) * H * D + hh * D;
        for (let i = 0; i < half; i++) {
          const c = get(cos, t * half + i);
          const s = get(sin, t * half + i);
          const d1 = get(dout, base + i);
          const d2 = get(dout, base + half + i);
          addAt(dinp, base + i, d1 * c + d2 * s);
          addAt(dinp, base + half + i, -d1 * s + d2 * c);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Causal multi-head attention on (B,T,C) tensors viewed as (B,T,H,D); the (B,H,T,D) transpose is done by indexing.

/**
 * o (B,T,C), p (B,H,T,T) softmax probabilities; q, k, v (B,T,C) with RoPE already applied to q and k.
 * score[t,s] = q_t . k_s / sqrt(D), set to MASK_VALUE where s > t; p = softmax_s(score); o_t = sum_s p[t,s] v_s.
 */
function attentionForward(
  o: Float64Array, p: Float64Array, q: Float64Array, k: Float64Array, v: Float64Array,
  B: number, T: number, H: number, D: number,
): void {
  const C = H * D;
  const scale = 1 / Math.sqrt(D);
  const score = new Float64Array(T); // (T) one query row
  for (let b = 0; b < B; b++) {
    for (let hh = 0; hh < H; hh++) {
      for (let t = 0; t < T; t++) {
        const qBase = (b * T + t) * C + hh * D;
        let max = -Infinity;
        for (let s = 0; s < T; s++) {
          let sc = MASK_VALUE;
          if (s <= t) {
            const kBase = (b * T + s) * C + hh * D;
            let dot = 0;
            for (let d = 0; d < D; d++) dot += get(q, qBase + d) * get(k, kBase + d);
            sc = dot * scale;
          }
          score[s] = sc;
          max = Math.max(max, sc);
        }
        let sum = 0;
        for (let s = 0; s < T; s++) sum += Math.exp(get(score, s) - max);
        const pBase = ((b * H + hh) * T + t) * T;
        for (let s = 0; s < T; s++) p[pBase + s] = Math.exp(get(score, s) - max) / sum;
        for (let d = 0; d < D; d++) {
          let acc = 0;
          for (let s = 0; s < T; s++) acc += get(p, pBase + s) * get(v, (b * T + s) * C + hh * D + d);
          o[qBase + d] = acc;
        }
      }
    }
  }
}

/**
 * ACCUMULATES dq, dk, dv (B,T,C) from do_ (B,T,C); p (B,H,T,T), q, k, v (B,T,C) from the forward.
 * dp[t,s] = do_t . v_s;  dv_s += p[t,s] do_t;  dscore = p * (dp - sum_s p*dp);
 * dq_t += dscore[t,s] k_s / sqrt(D);  dk_s += dscore[t,s] q_t / sqrt(D). Masked entries have p = 0, so dscore = 0.
 */
function attentionBackward(
  dq: Float64Array, dk: Float64Array, dv: Float64Array, do_: Float64Array,
  p: Float64Array, q: Float64Array, k: Float64Array, v: Float64Array,
  B: number, T: number, H: number, D: number,
): void {
  const C = H * D;
  const scale = 1 / Math.sqrt(D);
  const dp = new Float64Array(T); // (T) one query row
  for (let b = 0; b < B; b++) {
    for (let hh = 0; hh < H; hh++) {
      for (let t = 0; t < T; t++) {
        const qBase = (b * T + t) * C + hh * D;
        const pBase = ((b * H + hh) * T + t) * T;
        let sumPdp = 0;
        for (let s = 0; s < T; s++) {
          const sBase = (b * T + s) * C + hh * D;
          const pts = get(p, pBase + s);
          let acc = 0;
          for (let d = 0; d < D; d++) {
            const g = get(do_, qBase + d);
            acc += g * get(v, sBase + d);
            addAt(dv, sBase + d, pts * g);
          }
          dp[s] = acc;
          sumPdp += pts * acc;
        }
        for (let s = 0; s < T; s++) {
          const dscore = get(p, pBase + s) * (get(dp, s) - sumPdp) * scale;
          const sBase = (b * T + s) * C + hh * D;
          for (let d = 0; d < D; d++) {
            addAt(dq, qBase + d, dscore * get(k, sBase + d));
            addAt(dk, sBase + d, dscore * get(q, qBase + d));
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

function checkInputs(params: Tensors, batch: TransformerBatch, dims: TransformerDims): void {
  const { B, T, V, C, F } = dims;
  headDim(dims);
  checkSizes(params, {
    emb: V * C, g1: C, wq: C * C, wk: C * C, wv: C * C, wo: C * C,
    g2: C, wg: C * F, wu: C * F, wd: F * C, gf: C, wout: C * V,
  }, 'transformer param');
  for (const [name, arr] of [['ids', batch.ids], ['targets', batch.targets]] as const) {
    if (arr.length !== B * T) throw new Error(`transformer ${name}: length ${arr.length}, expected ${B * T}`);
    for (let i = 0; i < arr.length; i++) {
      const id = get(arr, i);
      if (id < 0 || id >= V) throw new RangeError(`transformer ${name}[${i}] = ${id} not in 0..${V - 1}`);
    }
  }
}

/**
 * Mean next-token cross-entropy over all B*T positions, d loss / d param for every parameter,
 * and the logits (B,T,V). Does not modify params or batch.
 */
export function transformerLossAndGrads(
  params: Record<string, Float64Array>, batch: TransformerBatch, dims: TransformerDims,
): { loss: number; grads: Record<string, Float64Array>; logits: Float64Array } {
  checkInputs(params, batch, dims);
  const { B, T, V, C, H, F } = dims;
  const D = headDim(dims);
  const N = B * T; // rows of every (B,T,*) tensor; row n = b*T + t
  const emb = need(params, 'emb'); // (V,C)
  const g1 = need(params, 'g1'); // (C)
  const wq = need(params, 'wq'); // (C,C)
  const wk = need(params, 'wk'); // (C,C)
  const wv = need(params, 'wv'); // (C,C)
  const wo = need(params, 'wo'); // (C,C)
  const g2 = need(params, 'g2'); // (C)
  const wg = need(params, 'wg'); // (C,F)
  const wu = need(params, 'wu'); // (C,F)
  const wd = need(params, 'wd'); // (F,C)
  const gf = need(params, 'gf'); // (C)
  const wout = need(params, 'wout'); // (C,V)
  const ids = batch.ids; // (B,T)
  const targets = batch.targets; // (B,T)

  // ---- forward ----
  const x = new Float64Array(N * C); // (B,T,C) token embeddings
  for (let n = 0; n < N; n++) {
    const id = get(ids, n);
    for (let c = 0; c < C; c++) x[n * C + c] = get(emb, id * C + c);
  }

  // attention sub-block
  const h1 = new Float64Array(N * C); // (B,T,C)
  const rstd1 = new Float64Array(N); // (B,T)
  rmsnormForward(h1, rstd1, x, g1, N, C);
  const qRaw = new Float64Array(N * C); // (B,T,C) = (B,T,H,D) before RoPE
  const kRaw = new Float64Array(N * C); // (B,T,C)
  const v = new Float64Array(N * C); // (B,T,C)
  matmulForward(qRaw, h1, wq, null, N, C, C);
  matmulForward(kRaw, h1, wk, null, N, C, C);
  matmulForward(v, h1, wv, null, N, C, C);
  const q = new Float64Array(N * C); // (B,T,C) after RoPE
  const k = new Float64Array(N * C); // (B,T,C) after RoPE
  ropeForward(q, qRaw, B, T, H, D);
  ropeForward(k, kRaw, B, T, H, D);
  const p = new Float64Array(B * H * T * T); // (B,H,T,T)
  const o = new Float64Array(N * C); // (B,T,C) = heads concatenated
  attentionForward(o, p, q, k, v, B, T, H, D);
  const attnOut = new Float64Array(N * C); // (B,T,C)
  matmulForward(attnOut, o, wo, null, N, C, C);
  const x2 = new Float64Array(N * C); // (B,T,C) residual
  for (let i = 0; i < N * C; i++) x2[i] = get(x, i) + get(attnOut, i);

  // SwiGLU sub-block
  const h2 = new Float64Array(N * C); // (B,T,C)
  const rstd2 = new Float64Array(N); // (B,T)
  rmsnormForward(h2, rstd2, x2, g2, N, C);
  const a = new Float64Array(N * F); // (B,T,F) gate pre-activation
  const u = new Float64Array(N * F); // (B,T,F) up projection
  matmulForward(a, h2, wg, null, N, C, F);
  matmulForward(u, h2, wu, null, N, C, F);
  const sig = new Float64Array(N * F); // (B,T,F) sigmoid(a)
  const gate = new Float64Array(N * F); // (B,T,F) silu(a) * u
  for (let i = 0; i < N * F; i++) {
    const ai = get(a, i);
    const si = 1 / (1 + Math.exp(-ai));
    sig[i] = si;
    gate[i] = ai * si * get(u, i);
  }
  const ff = new Float64Array(N * C); // (B,T,C)
  matmulForward(ff, gate, wd, null, N, F, C);
  const x3 = new Float64Array(N * C); // (B,T,C) residual
  for (let i = 0; i < N * C; i++) x3[i] = get(x2, i) + get(ff, i);

  // head
  const hf = new Float64Array(N * C); // (B,T,C)
  const rstdf = new Float64Array(N); // (B,T)
  rmsnormForward(hf, rstdf, x3, gf, N, C);
  const logits = new Float64Array(N * V); // (B,T,V)
  matmulForward(logits, hf, wout, null, N, C, V);
  const probs = new Float64Array(N * V); // (B,T,V)
  const loss = crossEntropyForward(probs, logits, targets, N, V);

  // ---- backward ----
  const grads = zerosLike(params);
  const dlogits = new Float64Array(N * V); // (B,T,V)
  crossEntropyBackward(dlogits, probs, targets, N, V);
  const dhf = new Float64Array(N * C); // (B,T,C)
  matmulBackward(dhf, need(grads, 'wout'), null, dlogits, hf, wout, N, C, V);
  const dx3 = new Float64Array(N * C); // (B,T,C)
  rmsnormBackward(dx3, need(grads, 'gf'), dhf, x3, gf, rstdf, N, C);

  // SwiGLU sub-block: x3 = x2 + ff, so dx2 = dx3 + (path through ff)
  const dx2 = Float64Array.from(dx3); // (B,T,C)
  const dgate = new Float64Array(N * F); // (B,T,F)
  matmulBackward(dgate, need(grads, 'wd'), null, dx3, gate, wd, N, F, C);
  const da = new Float64Array(N * F); // (B,T,F)
  const du = new Float64Array(N * F); // (B,T,F)
  for (let i = 0; i < N * F; i++) {
    const ai = get(a, i);
    const si = get(sig, i);
    const dg = get(dgate, i);
    du[i] = dg * ai * si; // d gate / d u = silu(a)
    da[i] = dg * get(u, i) * si * (1 + ai * (1 - si)); // silu'(a) = sig(a) * (1 + a*(1 - sig(a)))
  }
  const dh2 = new Float64Array(N * C); // (B,T,C)
  matmulBackward(dh2, need(grads, 'wg'), null, da, h2, wg, N, C, F);
  matmulBackward(dh2, need(grads, 'wu'), null, du, h2, wu, N, C, F);
  rmsnormBackward(dx2, need(grads, 'g2'), dh2, x2, g2, rstd2, N, C);

  // attention sub-block: x2 = x + o@wo, so dx = dx2 + (path through attention)
  const dx = Float64Array.from(dx2); // (B,T,C)
  const dO = new Float64Array(N * C); // (B,T,C)
  matmulBackward(dO, need(grads, 'wo'), null, dx2, o, wo, N, C, C);
  const dq = new Float64Array(N * C); // (B,T,C) w.r.t. rotated q
  const dk = new Float64Array(N * C); // (B,T,C) w.r.t. rotated k
  const dv = new Float64Array(N * C); // (B,T,C)
  attentionBackward(dq, dk, dv, dO, p, q, k, v, B, T, H, D);
  const dqRaw = new Float64Array(N * C); // (B,T,C)
  const dkRaw = new Float64Array(N * C); // (B,T,C)
  ropeBackward(dqRaw, dq, B, T, H, D);
  ropeBackward(dkRaw, dk, B, T, H, D);
  const dh1 = new Float64Array(N * C); // (B,T,C)
  matmulBackward(dh1, need(grads, 'wq'), null, dqRaw, h1, wq, N, C, C);
  matmulBackward(dh1, need(grads, 'wk'), null, dkRaw, h1, wk, N, C, C);
  matmulBackward(dh1, need(grads, 'wv'), null, dv, h1, wv, N, C, C);
  rmsnormBackward(dx, need(grads, 'g1'), dh1, x, g1, rstd1, N, C);

  // embedding: scatter-add, repeated ids accumulate
  const demb = need(grads, 'emb'); // (V,C)
  for (let n = 0; n < N; n++) {
    const id = get(ids, n);
    for (let c = 0; c < C; c++) addAt(demb, id * C + c, get(dx, n * C + c));
  }

  return { loss, grads, logits };
}

/**
 * AdamW on the batches in order, one step per batch (step = i+1).
 * losses[i] / gradNorms[i]: loss and pre-clip global grad norm of batch i with the params before update i.
 * initParams is copied, never mutated; `params` are the final parameters.
 */
export function trainTransformer(
  initParams: Record<string, Float64Array>, batches: TransformerBatch[], dims: TransformerDims, cfg: AdamWConfig,
): { losses: number[]; gradNorms: number[]; params: Record<string, Float64Array> } {
  const params = cloneTensors(initParams);
  const m = zerosLike(params);
  const v = zerosLike(params);
  const losses: number[] = [];
  const gradNorms: number[] = [];
  batches.forEach((batch, i) => {
    const { loss, grads } = transformerLossAndGrads(params, batch, dims);
    const { gradNorm } = adamwStep(params, grads, m, v, i + 1, cfg);
    losses.push(loss);
    gradNorms.push(gradNorm);
  });
  return { losses, gradNorms, params };
}
