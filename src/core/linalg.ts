// Dense k x k solvers for ALS and fold-in (k is small: tens). Float64 throughout for stability.
import { LatentInputError } from './errors';

/**
 * Buffers for solving one k x k system after another (ALS solves every row of a sweep, the fold-in runs per ranking
 * and per row of an update): A and b to fill, L and x for solveSpd. Fresh arrays per solve made most of the time a
 * collection. A solve's result is `x`, overwritten by the next one.
 */
export interface SolveScratch {
  A: Float64Array;
  b: Float64Array;
  L: Float64Array;
  x: Float64Array;
}

export function solveScratch(k: number): SolveScratch {
  return { A: new Float64Array(k * k), b: new Float64Array(k), L: new Float64Array(k * k), x: new Float64Array(k) };
}

/**
 * Solves A x = b for symmetric positive definite A (row-major k x k) by Cholesky. A and b are not modified.
 * Falls back to Gaussian elimination with partial pivoting when A is not positive definite.
 */
export function solveSpd(A: Float64Array, b: Float64Array, k: number, out?: Float64Array, scratchL?: Float64Array): Float64Array {
  // Only L's lower triangle is read, each entry after it is written here: a reused scratch needs no clearing.
  const L = scratchL ?? new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * k + j];
      for (let p = 0; p < j; p++) s -= L[i * k + p] * L[j * k + p];
      if (i === j) {
        if (!(s > 1e-12 * Math.max(1, Math.abs(A[i * k + i])))) return solveGeneral(A, b, k, out);
        L[i * k + i] = Math.sqrt(s);
      } else {
        L[i * k + j] = s / L[j * k + j];
      }
    }
  }
  const x = out ?? new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = b[i];
    for (let p = 0; p < i; p++) s -= L[i * k + p] * x[p];
    x[i] = s / L[i * k + i];
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = x[i];
    for (let p = i + 1; p < k; p++) s -= L[p * k + i] * x[p];
    x[i] = s / L[i * k + i];
  }
  return x;
}

/** Gaussian elimination with partial pivoting; throws LatentInputError on a singular system. */
export function solveGeneral(A: Float64Array, b: Float64Array, k: number, out?: Float64Array): Float64Array {
  const M = Float64Array.from(A);
  const x = out ?? new Float64Array(k);
  x.set(b.subarray(0, k));
  let scale = 0;
  for (let t = 0; t < k * k; t++) scale = Math.max(scale, Math.abs(M[t]));
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(M[r * k + c]) > Math.abs(M[piv * k + c])) piv = r;
    if (!(Math.abs(M[piv * k + c]) > 1e-12 * Math.max(scale, 1e-300))) {
      throw new LatentInputError('singular linear system (too few observations for k factors); use lambda > 0');
    }
    if (piv !== c) {
      for (let j = 0; j < k; j++) {
        const t = M[c * k + j];
        M[c * k + j] = M[piv * k + j];
        M[piv * k + j] = t;
      }
      const t = x[c];
      x[c] = x[piv];
      x[piv] = t;
    }
    for (let r = c + 1; r < k; r++) {
      const f = M[r * k + c] / M[c * k + c];
      if (f === 0) continue;
      for (let j = c; j < k; j++) M[r * k + j] -= f * M[c * k + j];
      x[r] -= f * x[c];
    }
  }
  for (let r = k - 1; r >= 0; r--) {
    let s = x[r];
    for (let j = r + 1; j < k; j++) s -= M[r * k + j] * x[j];
    x[r] = s / M[r * k + r];
  }
  return x;
}

/**
 * x[xo..xo+len) . y[yo..yo+len) with four partial sums (independent adds pipeline: about twice the plain loop). The
 * hot kernel of EASE's dense inverse and of the Gramian SGD's k x k products.
 */
export function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += x[xo + k] * y[yo + k];
    s1 += x[xo + k + 1] * y[yo + k + 1];
    s2 += x[xo + k + 2] * y[yo + k + 2];
    s3 += x[xo + k + 3] * y[yo + k + 3];
  }
  for (; k < len; k++) s0 += x[xo + k] * y[yo + k];
  return s0 + s1 + (s2 + s3);
}

/**
 * out[i] = init[i] + sum_f x[f] Y[i k + f] for every row i of Y (rows x k, row-major), each sum taken in f order:
 * the same bits as the plain per-row loop. Eight rows at a time, so their independent sums pipeline instead of one
 * row's adds waiting on each other (2.2x the plain loop at 30,000 x 32, four rows 2x). Fold-in scoring runs it
 * over every item on each editor change.
 */
export function rowDots(Y: Float32Array, k: number, x: ArrayLike<number>, init: ArrayLike<number>, out: Float64Array): void {
  const rows = out.length;
  let i = 0;
  for (; i + 7 < rows; i += 8) {
    const o = i * k;
    let s0 = init[i];
    let s1 = init[i + 1];
    let s2 = init[i + 2];
    let s3 = init[i + 3];
    let s4 = init[i + 4];
    let s5 = init[i + 5];
    let s6 = init[i + 6];
    let s7 = init[i + 7];
    for (let f = 0; f < k; f++) {
      const xf = x[f];
      const p = o + f;
      s0 += xf * Y[p];
      s1 += xf * Y[p + k];
      s2 += xf * Y[p + 2 * k];
      s3 += xf * Y[p + 3 * k];
      s4 += xf * Y[p + 4 * k];
      s5 += xf * Y[p + 5 * k];
      s6 += xf * Y[p + 6 * k];
      s7 += xf * Y[p + 7 * k];
    }
    out[i] = s0;
    out[i + 1] = s1;
    out[i + 2] = s2;
    out[i + 3] = s3;
    out[i + 4] = s4;
    out[i + 5] = s5;
    out[i + 6] = s6;
    out[i + 7] = s7;
  }
  for (; i < rows; i++) {
    let s = init[i];
    for (let f = 0; f < k; f++) s += x[f] * Y[i * k + f];
    out[i] = s;
  }
}
