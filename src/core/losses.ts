// The objectives the trainers minimise, each with its analytic gradient (checked against finite differences in
// the tests). Explicit score: mu + b_u + b_i + p_u.q_i; implicit score: b_i + p_u.q_i.
import { confidence } from './confidence';
import { LatentInputError } from './errors';
import type { MfModel } from './model';
import type { CsrMatrix } from './sparse';
import { crossGram } from './train';

export interface Gradient {
  userFactors: Float64Array;
  itemFactors: Float64Array;
  userBias: Float64Array;
  itemBias: Float64Array;
}

export function zeroGradient(m: MfModel): Gradient {
  return {
    userFactors: new Float64Array(m.userFactors.length),
    itemFactors: new Float64Array(m.itemFactors.length),
    userBias: new Float64Array(m.nUsers),
    itemBias: new Float64Array(m.nItems),
  };
}

function checkShape(m: MfModel, x: CsrMatrix): void {
  if (x.nRows !== m.nUsers || x.nCols !== m.nItems) {
    throw new LatentInputError(`matrix is ${x.nRows} x ${x.nCols} but the model is ${m.nUsers} x ${m.nItems}`);
  }
}

function score(m: MfModel, u: number, i: number): number {
  const k = m.k;
  let s = m.mu + m.userBias[u] + m.itemBias[i];
  for (let f = 0; f < k; f++) s += m.userFactors[u * k + f] * m.itemFactors[i * k + f];
  return s;
}

/** Adds w * d(1/2 c (target - s)^2 + per-visit reg)/dtheta for one cell; returns the cell's loss. */
function addCell(
  m: MfModel,
  u: number,
  i: number,
  target: number,
  c: number,
  lambdaPerVisit: number,
  biases: { user: boolean; item: boolean },
  g?: Gradient,
): number {
  const k = m.k;
  const e = target - score(m, u, i);
  let loss = 0.5 * c * e * e;
  const P = m.userFactors;
  const Q = m.itemFactors;
  for (let f = 0; f < k; f++) {
    const p = P[u * k + f];
    const q = Q[i * k + f];
    loss += 0.5 * lambdaPerVisit * (p * p + q * q);
    if (g) {
      g.userFactors[u * k + f] += -c * e * q + lambdaPerVisit * p;
      g.itemFactors[i * k + f] += -c * e * p + lambdaPerVisit * q;
    }
  }
  if (biases.user) {
    loss += 0.5 * lambdaPerVisit * m.userBias[u] ** 2;
    if (g) g.userBias[u] += -c * e + lambdaPerVisit * m.userBias[u];
  }
  if (biases.item) {
    loss += 0.5 * lambdaPerVisit * m.itemBias[i] ** 2;
    if (g) g.itemBias[i] += -c * e + lambdaPerVisit * m.itemBias[i];
  }
  return loss;
}

/**
 * Explicit objective. 'perVisit' (what SGD minimises): sum_obs [1/2 e^2 + lambda/2 (||p_u||^2 + ||q_i||^2 + b_u^2 + b_i^2)].
 * 'global' (batch GD, ALS): 1/2 sum_obs e^2 + lambda/2 (||P||^2 + ||Q||^2 + ||b_u||^2 + ||b_i||^2).
 * mu is a constant (the training mean), not a parameter. When g is given, the gradient is added into it.
 */
export function explicitLoss(m: MfModel, x: CsrMatrix, lambda: number, reg: 'perVisit' | 'global', g?: Gradient): number {
  checkShape(m, x);
  const biases = { user: true, item: true };
  const visitLambda = reg === 'perVisit' ? lambda : 0;
  let loss = 0;
  for (let u = 0; u < x.nRows; u++) {
    for (let t = x.indptr[u]; t < x.indptr[u + 1]; t++) loss += addCell(m, u, x.indices[t], x.values[t], 1, visitLambda, biases, g);
  }
  if (reg === 'global') loss += globalReg(m, lambda, g, biases);
  return loss;
}

function globalReg(m: MfModel, lambda: number, g: Gradient | undefined, biases: { user: boolean; item: boolean }): number {
  let r = 0;
  const add = (a: Float32Array, ga: Float64Array | undefined): void => {
    for (let t = 0; t < a.length; t++) {
      r += a[t] * a[t];
      if (ga) ga[t] += lambda * a[t];
    }
  };
  add(m.userFactors, g?.userFactors);
  add(m.itemFactors, g?.itemFactors);
  if (biases.user) add(m.userBias, g?.userBias);
  if (biases.item) add(m.itemBias, g?.itemBias);
  return 0.5 * lambda * r;
}

/** Cells used as sampled negatives (p = 0, c = 1) in the implicit SGD objective. */
export interface CellList {
  users: ArrayLike<number>;
  items: ArrayLike<number>;
}

/**
 * Implicit SGD objective for a fixed negative sample: sum_obs [1/2 c (p - s)^2 + reg] + sum_neg [1/2 s^2 + reg],
 * reg = lambda/2 (||p_u||^2 + ||q_i||^2 + b_i^2) per visit; p = [r > 0], c = 1 + alpha log(1 + r/eps).
 */
export function implicitSampledLoss(
  m: MfModel,
  x: CsrMatrix,
  negatives: CellList,
  alpha: number,
  epsilon: number,
  lambda: number,
  g?: Gradient,
): number {
  checkShape(m, x);
  const biases = { user: false, item: true };
  let loss = 0;
  for (let u = 0; u < x.nRows; u++) {
    for (let t = x.indptr[u]; t < x.indptr[u + 1]; t++) {
      const r = x.values[t];
      loss += addCell(m, u, x.indices[t], r > 0 ? 1 : 0, confidence(r, alpha, epsilon), lambda, biases, g);
    }
  }
  for (let t = 0; t < negatives.users.length; t++) loss += addCell(m, negatives.users[t], negatives.items[t], 0, 1, lambda, biases, g);
  return loss;
}

/**
 * Hu-Koren-Volinsky objective over ALL cells (what implicit ALS minimises), without biases:
 * 1/2 sum_ui c_ui (p_ui - x_u.y_i)^2 + lambda/2 (||X||^2 + ||Y||^2), unobserved cells have c = 1, p = 0.
 * The unobserved part is summed through Gram matrices: sum_all s^2 = <X^T X, Y^T Y>, O((N + M) k^2 + nnz k).
 */
export function hkvLoss(m: MfModel, x: CsrMatrix, alpha: number, epsilon: number, lambda: number, g?: Gradient): number {
  checkShape(m, x);
  const k = m.k;
  const X = m.userFactors;
  const Y = m.itemFactors;
  const XtX = crossGram(X, X, k);
  const YtY = crossGram(Y, Y, k);
  let loss = 0;
  for (let t = 0; t < k * k; t++) loss += 0.5 * XtX[t] * YtY[t];
  if (g) {
    // d/dX of 1/2 sum_all s^2 = X (Y^T Y); d/dY = Y (X^T X).
    mulAdd(X, YtY, k, g.userFactors);
    mulAdd(Y, XtX, k, g.itemFactors);
  }
  for (let u = 0; u < x.nRows; u++) {
    for (let t = x.indptr[u]; t < x.indptr[u + 1]; t++) {
      const i = x.indices[t];
      const r = x.values[t];
      const c = confidence(r, alpha, epsilon);
      const p = r > 0 ? 1 : 0;
      let s = 0;
      for (let f = 0; f < k; f++) s += X[u * k + f] * Y[i * k + f];
      // Replace the c = 1, p = 0 term counted above by the observed one.
      loss += 0.5 * c * (p - s) ** 2 - 0.5 * s * s;
      if (g) {
        const d = -c * (p - s) - s; // d/ds of the correction
        for (let f = 0; f < k; f++) {
          g.userFactors[u * k + f] += d * Y[i * k + f];
          g.itemFactors[i * k + f] += d * X[u * k + f];
        }
      }
    }
  }
  loss += globalReg(m, lambda, g, { user: false, item: false });
  return loss;
}

/** out += A G for A n x k (row-major), G k x k. */
function mulAdd(A: Float32Array, G: Float64Array, k: number, out: Float64Array): void {
  const n = A.length / k;
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < k; a++) {
      const v = A[r * k + a];
      if (v === 0) continue;
      for (let c = 0; c < k; c++) out[r * k + c] += v * G[a * k + c];
    }
  }
}
