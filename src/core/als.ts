// Alternating least squares. Explicit: fix Q, solve each user's ridge regression over the items it rated,
// (Q_u^T Q_u + lambda I) p_u = Q_u^T (r_u - mu); then the same for items. Implicit (Hu, Koren & Volinsky 2008):
// (Y^T Y + Y^T (C_u - I) Y + lambda I) x_u = Y^T C_u p_u, with Y^T Y computed once per half-sweep.
import { confidences, validateMatrix } from './sgd';
import { LatentInputError } from './errors';
import { gramian } from './foldIn';
import { solveScratch, solveSpd, type SolveScratch } from './linalg';
import { explicitLoss, hkvLoss } from './losses';
import { assertModelFinite, initModel, type MfModel } from './model';
import { makeRng } from './random';
import type { CsrMatrix } from './sparse';
import { checkFiniteLoss, Convergence, nowMs, type ConvergenceParams, type TrainHooks } from './train';
import { requireIndex, requireNonNegative, requireNonNegativeInt, requirePositive, requirePositiveInt } from './validate';

export interface AlsParams extends ConvergenceParams {
  k: number;
  /** Sweeps (each solves all users, then all items). */
  epochs: number;
  lambda: number;
  seed: string | number;
  initStd?: number;
  /** Explicit only: subtract the global mean (mu) before fitting p.q. Default true. */
  center?: boolean;
}

export interface ImplicitAlsParams extends AlsParams {
  alpha: number;
  epsilon: number;
  /**
   * Warm start: item vectors to start from (row-major, k per row) for the first rows of the matrix's columns (items
   * added since have their random start). The first half-sweep solves the sessions from them.
   */
  initItemFactors?: Float32Array;
}

/**
 * Ridge solve for one row: minimise sum_t w_t (y_t - x . f_{idx_t})^2 + lambda ||x||^2 over the factor rows
 * f_j = factors[j*k .. j*k+k). With `base` (= sum_all f f^T, weights w_t - 1 added on top) this is the HKV solve.
 */
export function alsSolveRow(
  factors: Float32Array,
  k: number,
  idx: ArrayLike<number>,
  targets: ArrayLike<number>,
  lambda: number,
  weights?: ArrayLike<number>,
  base?: Float64Array,
  scratch?: SolveScratch,
): Float64Array {
  requirePositiveInt('k', k);
  if (idx.length !== targets.length) throw new LatentInputError(`indices and targets must have equal lengths (${idx.length}, ${targets.length})`);
  const n = factors.length / k;
  const { A, b, x, L } = scratch ?? solveScratch(k);
  if (base) A.set(base);
  else A.fill(0);
  b.fill(0);
  for (let t = 0; t < idx.length; t++) {
    const j = idx[t];
    requireIndex('index', j, n);
    const w = weights ? weights[t] : 1;
    const aw = base ? w - 1 : w;
    const o = j * k;
    for (let a = 0; a < k; a++) {
      const fa = factors[o + a];
      b[a] += w * targets[t] * fa;
      if (aw !== 0) for (let c = 0; c < k; c++) A[a * k + c] += aw * fa * factors[o + c];
    }
  }
  for (let a = 0; a < k; a++) A[a * k + a] += lambda;
  return solveSpd(A, b, k, x, L);
}

function validateAls(matrix: CsrMatrix, p: AlsParams, where: string): void {
  requirePositiveInt('k', p.k);
  requireNonNegativeInt('epochs', p.epochs);
  requireNonNegative('lambda', p.lambda);
  if (p.initStd !== undefined) requireNonNegative('initStd', p.initStd);
  validateMatrix(matrix, where);
}

function sweepAndCheck(
  model: MfModel,
  params: AlsParams,
  hooks: TrainHooks | undefined,
  where: string,
  halfSweep: () => void,
  lossOf: () => number,
): MfModel {
  const start = nowMs();
  const convergence = new Convergence(params, model);
  for (let epoch = 0; epoch < params.epochs; epoch++) {
    halfSweep();
    const loss = lossOf();
    checkFiniteLoss(loss, epoch + 1, where);
    assertModelFinite(model, `${where} sweep ${epoch + 1}`);
    hooks?.onEpoch?.({ epoch: epoch + 1, loss, elapsedMs: nowMs() - start });
    if (hooks?.shouldStop?.()) break;
    if (convergence.reached(loss, model)) break;
  }
  assertModelFinite(model, where);
  return model;
}

/** Explicit ALS: r_hat = mu + p_u . q_i (no per-row biases); reported loss is explicitLoss(..., 'global'). */
export function trainAls(matrix: CsrMatrix, params: AlsParams, hooks?: TrainHooks): MfModel {
  validateAls(matrix, params, 'trainAls');
  const { k, lambda } = params;
  const model = initModel('explicit', matrix.nRows, matrix.nCols, k, makeRng(params.seed), params.initStd);
  if (params.center ?? true) {
    let s = 0;
    for (let t = 0; t < matrix.nnz; t++) s += matrix.values[t];
    model.mu = s / matrix.nnz;
  }
  const T = matrix.transpose();
  // Ridge with 1/2 loss and lambda/2 penalty has the same normal equations as the design's lambda ||.||^2 form.
  const scratch = solveScratch(k);
  let ys = new Float64Array(0);
  const solveSide = (X: CsrMatrix, target: Float32Array, fixed: Float32Array): void => {
    for (let r = 0; r < X.nRows; r++) {
      const a = X.indptr[r];
      const b = X.indptr[r + 1];
      if (a === b) {
        target.fill(0, r * k, r * k + k);
        continue;
      }
      if (ys.length < b - a) ys = new Float64Array(2 * (b - a));
      const y = ys.subarray(0, b - a);
      for (let t = a; t < b; t++) y[t - a] = X.values[t] - model.mu;
      const x = alsSolveRow(fixed, k, X.indices.subarray(a, b), y, lambda, undefined, undefined, scratch);
      for (let f = 0; f < k; f++) target[r * k + f] = x[f];
    }
  };
  return sweepAndCheck(
    model,
    params,
    hooks,
    'trainAls',
    () => {
      solveSide(matrix, model.userFactors, model.itemFactors);
      solveSide(T, model.itemFactors, model.userFactors);
    },
    () => explicitLoss(model, matrix, lambda, 'global'),
  );
}

/** Implicit HKV ALS over all cells; Y^T Y (resp. X^T X) computed once per half-sweep. itemBias stays 0. */
export function trainAlsImplicit(matrix: CsrMatrix, params: ImplicitAlsParams, hooks?: TrainHooks): MfModel {
  validateAls(matrix, params, 'trainAlsImplicit');
  requireNonNegative('alpha', params.alpha);
  requirePositive('epsilon', params.epsilon);
  const { k, lambda, alpha, epsilon } = params;
  const model = initModel('implicit', matrix.nRows, matrix.nCols, k, makeRng(params.seed), params.initStd);
  const warm = params.initItemFactors;
  if (warm) {
    if (warm.length % k !== 0 || warm.length > model.itemFactors.length) {
      throw new LatentInputError(`trainAlsImplicit: initItemFactors must hold at most ${matrix.nCols} rows of ${k}, got ${warm.length} values`);
    }
    model.itemFactors.set(warm);
  }
  const T = matrix.transpose();
  const cRows = confidences(matrix, alpha, epsilon, 'trainAlsImplicit');
  const cCols = confidences(T, alpha, epsilon, 'trainAlsImplicit');
  const scratch = solveScratch(k);
  let pref = new Float64Array(0);
  const solveSide = (X: CsrMatrix, conf: Float32Array, target: Float32Array, fixed: Float32Array): void => {
    const G = gramian(fixed, k);
    for (let r = 0; r < X.nRows; r++) {
      const a = X.indptr[r];
      const b = X.indptr[r + 1];
      if (pref.length < b - a) pref = new Float64Array(2 * (b - a));
      const p = pref.subarray(0, b - a);
      for (let t = a; t < b; t++) p[t - a] = X.values[t] > 0 ? 1 : 0;
      const x = alsSolveRow(fixed, k, X.indices.subarray(a, b), p, lambda, conf.subarray(a, b), G, scratch);
      for (let f = 0; f < k; f++) target[r * k + f] = x[f];
    }
  };
  return sweepAndCheck(
    model,
    params,
    hooks,
    'trainAlsImplicit',
    () => {
      solveSide(matrix, cRows, model.userFactors, model.itemFactors);
      solveSide(T, cCols, model.itemFactors, model.userFactors);
    },
    () => hkvLoss(model, matrix, alpha, epsilon, lambda),
  );
}
