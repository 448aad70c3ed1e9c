// Stochastic gradient descent, one observed cell at a time (Funk SVD), with L2 regularization, biases, a
// learning-rate schedule and, for implicit data, sampled unobserved cells (p = 0, c = 1).
//
// Per-cell objective (the SGD step is its exact negative gradient, see losses.ts):
//   l_ui = 1/2 c_ui (p_ui - s_ui)^2 + lambda/2 (||p_u||^2 + ||q_i||^2 + b_u^2 + b_i^2)
// Explicit: c = 1, p_ui = r_ui, s = mu + b_u + b_i + p_u.q_i. Implicit: c = 1 + alpha log(1 + r/eps), p = [r > 0],
// s = b_i + p_u.q_i. Both factor updates use the pre-update values (simultaneous update).
import { confidence } from './confidence';
import { LatentInputError } from './errors';
import { initModel, assertModelFinite, type MfModel } from './model';
import { makeFastUint32, makeRng } from './random';
import { makeExplicitWasmKernel, wasmSgdKernelAvailable, type ExplicitWasmKernel } from './sgdKernel';
import type { CsrMatrix } from './sparse';
import {
  checkFiniteLoss,
  Convergence,
  finishSteps,
  learningRateAt,
  nowMs,
  validateSchedule,
  type ConvergenceParams,
  type LearningRateSchedule,
  type Steps,
  type TrainHooks,
} from './train';
import { requireNonNegative, requirePositive, requirePositiveInt, requireNonNegativeInt } from './validate';

export interface SgdParams extends ConvergenceParams {
  k: number;
  epochs: number;
  learningRate: number;
  lambda: number;
  seed: string | number;
  /** Std of the N(0, std^2) factor init; default DEFAULT_INIT_STD (0.1). */
  initStd?: number;
  schedule?: LearningRateSchedule;
  /** Learn mu (fixed to the mean), b_u, b_i. Default true. */
  useBias?: boolean;
  /** Explicit SGD only: LIBMF's per-row adaptive learning rate (AdaGrad-like). Default false. */
  adaptive?: boolean;
  /**
   * Explicit SGD only: 'auto' (default) runs the WebAssembly SIMD kernel where the host has it and the pure-JS
   * kernel elsewhere; 'js' always the JS one. The two round differently (float32 vs float64 arithmetic), so their
   * factors for one seed differ slightly; each is deterministic for a seed. `adaptive` always runs in JS.
   */
  kernel?: 'auto' | 'js';
}

/**
 * The kernel trainSgd runs for these params on this host (JS too, whatever this says, for a problem over the
 * WebAssembly kernel's 2 GiB of memory).
 */
export function explicitSgdKernel(params: Pick<SgdParams, 'kernel' | 'adaptive'>): 'wasm-simd' | 'js' {
  if (params.kernel === 'js' || params.adaptive) return 'js';
  return wasmSgdKernelAvailable() ? 'wasm-simd' : 'js';
}

export interface ImplicitSgdParams extends SgdParams {
  /** Confidence c = 1 + alpha log(1 + r / epsilon). */
  alpha: number;
  epsilon: number;
  /** Unobserved cells sampled uniformly per observed cell, per epoch. */
  negatives: number;
  /**
   * Damped (proximal) step, default true: lr_eff = lr / (1 + lr c (1 + ||p_u||^2 + ||q_i||^2)). A plain step
   * overshoots once lr c ||q||^2 > 2, which large confidences (alpha log(1 + r/eps) of long dwell times) reach at
   * any useful learning rate; the damped step equals the plain one when lr c is small and never overshoots.
   */
  damped?: boolean;
}

export interface SgdStepResult {
  prediction: number;
  error: number;
  w: number[];
  h: number[];
}

/**
 * One SGD step on r ~ w.h without bias or regularization: e = r - w.h, w' = w + eta e h, h' = h + eta e w (the source
 * texts call the learning rate alpha; here alpha is always the confidence weight).
 */
export function sgdStep(w: ArrayLike<number>, h: ArrayLike<number>, r: number, learningRate: number): SgdStepResult {
  if (w.length !== h.length) throw new LatentInputError(`w and h must have equal length (${w.length}, ${h.length})`);
  let prediction = 0;
  for (let f = 0; f < w.length; f++) prediction += w[f] * h[f];
  const step = sgdStepWithError(w, h, r - prediction, learningRate);
  return { ...step, prediction };
}

/** The same step given the error e: both updates read the values from before the step. */
export function sgdStepWithError(w: ArrayLike<number>, h: ArrayLike<number>, e: number, learningRate: number): SgdStepResult {
  if (w.length !== h.length) throw new LatentInputError(`w and h must have equal length (${w.length}, ${h.length})`);
  const w2: number[] = [];
  const h2: number[] = [];
  for (let f = 0; f < w.length; f++) {
    w2.push(w[f] + learningRate * e * h[f]);
    h2.push(h[f] + learningRate * e * w[f]);
  }
  return { prediction: NaN, error: e, w: w2, h: h2 };
}

export function validateCommon(matrix: CsrMatrix, p: SgdParams | ImplicitSgdParams, where: string): void {
  requirePositiveInt('k', p.k);
  requireNonNegativeInt('epochs', p.epochs);
  requirePositive('learningRate', p.learningRate);
  requireNonNegative('lambda', p.lambda);
  if (p.initStd !== undefined) requireNonNegative('initStd', p.initStd);
  if (p.tol !== undefined) requireNonNegative('tol', p.tol);
  if (p.factorTol !== undefined) requireNonNegative('factorTol', p.factorTol);
  validateSchedule(p.schedule);
  validateMatrix(matrix, where);
}

/** Non-empty, finite values. */
export function validateMatrix(matrix: CsrMatrix, where: string): void {
  if (matrix.nnz === 0) throw new LatentInputError(`${where}: the matrix is empty (no observed cells)`);
  const v = matrix.values;
  for (let t = 0; t < v.length; t++) {
    if (!Number.isFinite(v[t])) throw new LatentInputError(`${where}: value at entry ${t} is not finite (${v[t]})`);
  }
}

/** Global mean of the stored values. */
function meanOf(values: Float32Array): number {
  let s = 0;
  for (let t = 0; t < values.length; t++) s += values[t];
  return s / values.length;
}

/** Shuffles three parallel arrays with the same permutation (Fisher-Yates). */
function shuffle3(a: Int32Array, b: Int32Array, c: Float32Array, next: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    const ta = a[i];
    a[i] = a[j];
    a[j] = ta;
    const tb = b[i];
    b[i] = b[j];
    b[j] = tb;
    const tc = c[i];
    c[i] = c[j];
    c[j] = tc;
  }
}

const STOP_POLL_MASK = 0xffff;
const CHUNK = 1 << 16;
const BLOCK = 256;

/** Block ids 0..ceil(n / BLOCK) - 1. */
function blockOrder(n: number): Int32Array {
  const out = new Int32Array(Math.ceil(n / BLOCK));
  for (let b = 0; b < out.length; b++) out[b] = b;
  return out;
}

function shuffleBlocks(a: Int32Array, next: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/**
 * The SGD kernel over cells [from, to): a standalone monomorphic function over typed arrays, which V8 optimises
 * several times better than the same loop inlined in the trainer (measured: 3-4x). Returns the sum of e^2.
 */
function explicitEpoch(
  us: Int32Array, is: Int32Array, rs: Float32Array, from: number, to: number,
  P: Float32Array, Q: Float32Array, bu: Float32Array, bi: Float32Array,
  k: number, mu: number, lr: number, lambda: number, biasOn: number,
): number {
  let sse = 0;
  for (let t = from; t < to; t++) {
    const u = us[t];
    const i = is[t];
    const pu = u * k;
    const qi = i * k;
    let dot = 0;
    for (let f = 0; f < k; f++) dot += P[pu + f] * Q[qi + f];
    const e = rs[t] - (mu + bu[u] + bi[i] + dot);
    sse += e * e;
    if (biasOn) {
      bu[u] += lr * (e - lambda * bu[u]);
      bi[i] += lr * (e - lambda * bi[i]);
    }
    for (let f = 0; f < k; f++) {
      const p = P[pu + f];
      const q = Q[qi + f];
      P[pu + f] = p + lr * (e * q - lambda * p);
      Q[qi + f] = q + lr * (e * p - lambda * q);
    }
  }
  return sse;
}

/**
 * explicitEpoch for k divisible by 4: four independent dot-product accumulators and the L2 shrink folded into
 * one multiply (measured ~35-50% faster at k = 32 under V8; same math, different float rounding order).
 */
function explicitEpoch4(
  us: Int32Array, is: Int32Array, rs: Float32Array, from: number, to: number,
  P: Float32Array, Q: Float32Array, bu: Float32Array, bi: Float32Array,
  k: number, mu: number, lr: number, lambda: number, biasOn: number,
): number {
  let sse = 0;
  const shrink = 1 - lr * lambda;
  for (let t = from; t < to; t++) {
    const u = us[t];
    const i = is[t];
    const pu = u * k;
    const qi = i * k;
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    for (let f = 0; f < k; f += 4) {
      d0 += P[pu + f] * Q[qi + f];
      d1 += P[pu + f + 1] * Q[qi + f + 1];
      d2 += P[pu + f + 2] * Q[qi + f + 2];
      d3 += P[pu + f + 3] * Q[qi + f + 3];
    }
    const e = rs[t] - (mu + bu[u] + bi[i] + (d0 + d1) + (d2 + d3));
    sse += e * e;
    if (biasOn) {
      bu[u] = shrink * bu[u] + lr * e;
      bi[i] = shrink * bi[i] + lr * e;
    }
    const le = lr * e;
    for (let f = 0; f < k; f++) {
      const p = P[pu + f];
      const q = Q[qi + f];
      P[pu + f] = shrink * p + le * q;
      Q[qi + f] = shrink * q + le * p;
    }
  }
  return sse;
}

/**
 * Same kernel with LIBMF's per-row adaptive rate (Chin et al. 2015): eta_u = lr / sqrt(G_u), and G_u grows by
 * the mean squared gradient of the row's update.
 */
function explicitEpochAdaptive(
  us: Int32Array, is: Int32Array, rs: Float32Array, from: number, to: number,
  P: Float32Array, Q: Float32Array, bu: Float32Array, bi: Float32Array, Gu: Float64Array, Gi: Float64Array,
  k: number, mu: number, lr: number, lambda: number, biasOn: number,
): number {
  let sse = 0;
  const invK = 1 / (k + biasOn);
  for (let t = from; t < to; t++) {
    const u = us[t];
    const i = is[t];
    const pu = u * k;
    const qi = i * k;
    let dot = 0;
    for (let f = 0; f < k; f++) dot += P[pu + f] * Q[qi + f];
    const e = rs[t] - (mu + bu[u] + bi[i] + dot);
    sse += e * e;
    const etaU = lr / Math.sqrt(Gu[u]);
    const etaI = lr / Math.sqrt(Gi[i]);
    let gu2 = 0;
    let gi2 = 0;
    if (biasOn) {
      const gbu = lambda * bu[u] - e;
      const gbi = lambda * bi[i] - e;
      bu[u] -= etaU * gbu;
      bi[i] -= etaI * gbi;
      gu2 += gbu * gbu;
      gi2 += gbi * gbi;
    }
    for (let f = 0; f < k; f++) {
      const p = P[pu + f];
      const q = Q[qi + f];
      const gp = lambda * p - e * q;
      const gq = lambda * q - e * p;
      P[pu + f] = p - etaU * gp;
      Q[qi + f] = q - etaI * gq;
      gu2 += gp * gp;
      gi2 += gq * gq;
    }
    Gu[u] += gu2 * invK;
    Gi[i] += gi2 * invK;
  }
  return sse;
}

/** Explicit-rating SGD: r_hat = mu + b_u + b_i + p_u . q_i. Deterministic for params.seed. */
export function trainSgd(matrix: CsrMatrix, params: SgdParams, hooks?: TrainHooks): MfModel {
  validateCommon(matrix, params, 'trainSgd');
  const { k, lambda } = params;
  const useBias = params.useBias ?? true;
  const rng = makeRng(params.seed);
  const model = initModel('explicit', matrix.nRows, matrix.nCols, k, rng, params.initStd);
  if (useBias) model.mu = meanOf(matrix.values);
  const next = makeFastUint32(rng);

  // Own copies of the cells in COO form: shuffled in place each epoch so the hot loop reads sequentially.
  const us = matrix.rowOfEntry();
  const is = matrix.indices.slice();
  const rs = matrix.values.slice();
  const n = rs.length;
  const P = model.userFactors;
  const Q = model.itemFactors;
  const bu = model.userBias;
  const bi = model.itemBias;
  const mu = model.mu;
  const biasOn = useBias ? 1 : 0;
  const start = nowMs();
  const convergence = new Convergence(params, model);

  const adaptive = params.adaptive ?? false;
  // AdaGrad-style accumulators of the mean squared gradient per user row and item row (start at 1, as LIBMF).
  const Gu = adaptive ? new Float64Array(matrix.nRows).fill(1) : new Float64Array(0);
  const Gi = adaptive ? new Float64Array(matrix.nCols).fill(1) : new Float64Array(0);

  // Cells are shuffled once; each epoch then visits blocks of BLOCK consecutive cells in a fresh random order
  // (as LIBMF does). A full per-epoch shuffle cost more than the k = 8 updates themselves (measured 3.3 ms of
  // ~4.7 ms per ML-100K epoch) because of its scattered writes.
  shuffle3(us, is, rs, next);
  let blocks = blockOrder(n);
  const unrolled = k % 4 === 0;
  // The WebAssembly kernel works on its own copy of the cells and the model, synced back after each epoch.
  const wasm: ExplicitWasmKernel | undefined =
    explicitSgdKernel(params) === 'wasm-simd'
      ? makeExplicitWasmKernel({ us, is, rs, blocks, P, Q, bu, bi, k, mu, lambda, biasOn })
      : undefined;
  if (wasm) blocks = wasm.blocks;
  const blocksPerPoll = CHUNK / BLOCK;

  for (let epoch = 0; epoch < params.epochs; epoch++) {
    const lr = learningRateAt(params.learningRate, epoch, params.schedule);
    shuffleBlocks(blocks, next);
    let sse = 0;
    let stopped = false;
    let sincePoll = 0;
    for (let b = 0; wasm && b < blocks.length; b += blocksPerPoll) {
      sse += wasm.run(b, Math.min(blocks.length, b + blocksPerPoll), lr);
      if (b + blocksPerPoll < blocks.length && hooks?.shouldStop?.()) {
        stopped = true;
        break;
      }
    }
    if (wasm) wasm.syncOut();
    for (let b = 0; !wasm && b < blocks.length; b++) {
      const from = blocks[b] * BLOCK;
      const to = Math.min(n, from + BLOCK);
      sse += adaptive
        ? explicitEpochAdaptive(us, is, rs, from, to, P, Q, bu, bi, Gu, Gi, k, mu, lr, lambda, biasOn)
        : unrolled
          ? explicitEpoch4(us, is, rs, from, to, P, Q, bu, bi, k, mu, lr, lambda, biasOn)
          : explicitEpoch(us, is, rs, from, to, P, Q, bu, bi, k, mu, lr, lambda, biasOn);
      sincePoll += to - from;
      // Polling between blocks keeps the hot kernel free of callbacks.
      if (sincePoll >= CHUNK && b + 1 < blocks.length) {
        sincePoll = 0;
        if (hooks?.shouldStop?.()) {
          stopped = true;
          break;
        }
      }
    }
    const loss = (0.5 * sse) / n;
    checkFiniteLoss(loss, epoch + 1, 'trainSgd', lr);
    assertModelFinite(model, `trainSgd epoch ${epoch + 1}`);
    hooks?.onEpoch?.({ epoch: epoch + 1, loss, elapsedMs: nowMs() - start, learningRate: lr });
    if (stopped || hooks?.shouldStop?.()) break;
    if (convergence.reached(loss, model)) break;
  }
  assertModelFinite(model, 'trainSgd');
  return model;
}

/** True when column j is stored in row u (binary search in the sorted row). */
function rowHas(indptr: Int32Array, indices: Int32Array, u: number, j: number): boolean {
  let lo = indptr[u];
  let hi = indptr[u + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = indices[mid];
    if (c === j) return true;
    if (c < j) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Confidence of every stored cell; raw signal must be >= 0. */
export function confidences(matrix: CsrMatrix, alpha: number, epsilon: number, where: string, c: Float32Array = new Float32Array(matrix.values.length)): Float32Array {
  const v = matrix.values;
  for (let t = 0; t < v.length; t++) {
    if (v[t] < 0) {
      throw new LatentInputError(`${where}: negative confidence/raw signal ${v[t]} at entry ${t}; implicit signal must be >= 0`);
    }
    c[t] = confidence(v[t], alpha, epsilon);
  }
  return c;
}

/**
 * Implicit SGD on the confidence-weighted loss over observed cells plus `negatives` uniformly sampled unobserved
 * cells per observed cell (p = 0, c = 1). Score s = b_i + p_u . q_i. Deterministic for params.seed.
 */
export function trainSgdImplicit(matrix: CsrMatrix, params: ImplicitSgdParams, hooks?: TrainHooks): MfModel {
  return finishSteps(trainSgdImplicitSteps(matrix, params, hooks));
}

/** Blocks of cells between pause points of trainSgdImplicitSteps (16 x 256 cells: about a millisecond at k = 32). */
const BLOCKS_PER_STEP = 16;

/**
 * trainSgdImplicit as steps: pauses every BLOCKS_PER_STEP blocks and after each epoch, so a caller on a shared event
 * loop can train in slices. Same arithmetic in the same order: the same model as trainSgdImplicit for a seed.
 */
export function* trainSgdImplicitSteps(matrix: CsrMatrix, params: ImplicitSgdParams, hooks?: TrainHooks): Steps<MfModel> {
  validateCommon(matrix, params, 'trainSgdImplicit');
  requireNonNegative('alpha', params.alpha);
  requirePositive('epsilon', params.epsilon);
  requireNonNegativeInt('negatives', params.negatives);
  const { k, lambda, negatives } = params;
  const useBias = params.useBias ?? true;
  const rng = makeRng(params.seed);
  const model = initModel('implicit', matrix.nRows, matrix.nCols, k, rng, params.initStd);
  const next = makeFastUint32(rng);

  const us = matrix.rowOfEntry();
  const is = matrix.indices.slice();
  const cs = confidences(matrix, params.alpha, params.epsilon, 'trainSgdImplicit');
  // Preference is folded into the sign of the stored confidence: -c means p = 0 (a stored zero signal).
  for (let t = 0; t < cs.length; t++) if (!(matrix.values[t] > 0)) cs[t] = -cs[t];
  const n = cs.length;
  const nItems = matrix.nCols;
  const { indptr, indices } = matrix;
  const P = model.userFactors;
  const Q = model.itemFactors;
  const bi = model.itemBias;
  const biasOn = useBias ? 1 : 0;
  const damped = params.damped ?? true;
  const start = nowMs();
  const convergence = new Convergence(params, model);
  shuffle3(us, is, cs, next);
  const blocks = blockOrder(n);

  // One weighted update of (u, i) toward target pref with confidence c; returns c e^2.
  const update = (u: number, i: number, pref: number, c: number, lr0: number): number => {
    const pu = u * k;
    const qi = i * k;
    let dot = 0;
    let lr = lr0;
    if (damped) {
      let norm = biasOn;
      for (let f = 0; f < k; f++) {
        const p = P[pu + f];
        const q = Q[qi + f];
        dot += p * q;
        norm += p * p + q * q;
      }
      lr = lr0 / (1 + lr0 * c * norm);
    } else {
      for (let f = 0; f < k; f++) dot += P[pu + f] * Q[qi + f];
    }
    const e = pref - (bi[i] + dot);
    const ce = c * e;
    if (biasOn) bi[i] += lr * (ce - lambda * bi[i]);
    for (let f = 0; f < k; f++) {
      const p = P[pu + f];
      const q = Q[qi + f];
      P[pu + f] = p + lr * (ce * q - lambda * p);
      Q[qi + f] = q + lr * (ce * p - lambda * q);
    }
    return ce * e;
  };

  // [sum of c e^2, updates] of the running epoch, added in the same order as a plain loop would.
  const acc = new Float64Array(2);
  // One block of cells and their sampled negatives; true when shouldStop fired. A plain function (not the
  // generator) runs the hot loop, so it is optimised as before; the generator only decides where to pause.
  const runBlock = (block: number, lr: number): boolean => {
    const from = block * BLOCK;
    const to = Math.min(n, from + BLOCK);
    for (let t = from; t < to; t++) {
      const u = us[t];
      const c = cs[t];
      acc[0] += c >= 0 ? update(u, is[t], 1, c, lr) : update(u, is[t], 0, -c, lr);
      acc[1]++;
      const rowLen = indptr[u + 1] - indptr[u];
      if (rowLen < nItems) {
        for (let s = 0; s < negatives; s++) {
          // Rejection sampling of an unobserved item; a few tries suffice unless the row is nearly full.
          let j = -1;
          for (let tries = 0; tries < 16; tries++) {
            const cand = next() % nItems;
            if (!rowHas(indptr, indices, u, cand)) {
              j = cand;
              break;
            }
          }
          if (j < 0) break;
          acc[0] += update(u, j, 0, 1, lr);
          acc[1]++;
        }
      }
      if ((t & STOP_POLL_MASK) === STOP_POLL_MASK && hooks?.shouldStop?.()) return true;
    }
    return false;
  };

  for (let epoch = 0; epoch < params.epochs; epoch++) {
    const lr = learningRateAt(params.learningRate, epoch, params.schedule);
    shuffleBlocks(blocks, next);
    acc[0] = 0;
    acc[1] = 0;
    let stopped = false;
    for (let bIdx = 0; bIdx < blocks.length && !stopped; bIdx++) {
      stopped = runBlock(blocks[bIdx], lr);
      if (bIdx % BLOCKS_PER_STEP === BLOCKS_PER_STEP - 1) yield;
    }
    const loss = (0.5 * acc[0]) / Math.max(1, acc[1]);
    checkFiniteLoss(loss, epoch + 1, 'trainSgdImplicit', lr);
    assertModelFinite(model, `trainSgdImplicit epoch ${epoch + 1}`);
    hooks?.onEpoch?.({ epoch: epoch + 1, loss, elapsedMs: nowMs() - start, learningRate: lr });
    yield;
    if (stopped || hooks?.shouldStop?.()) break;
    if (convergence.reached(loss, model)) break;
  }
  assertModelFinite(model, 'trainSgdImplicit');
  return model;
}
