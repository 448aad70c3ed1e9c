// SGD on the full implicit loss of Hu, Koren & Volinsky with the Gramian trick (Krichene et al. 2019, "Efficient
// training on very large corpora via Gramian estimation"): every unobserved cell counts (p = 0, c = 1), not a few
// sampled ones, at the cost of k x k Gramians instead of a pass over all cells.
//
//   L = sum_obs c_ui (1 - s_ui)^2 + sum_unobs s_ui^2 + lambda (||X||^2 + ||Y||^2),   s_ui = x_u . y_i
//     = sum_obs [c_ui (1 - s_ui)^2 - s_ui^2] + sum_u x_u^T (Y^T Y) x_u + lambda (||X||^2 + ||Y||^2)
//
// The all-cells term's gradients are 2 (Y^T Y) x_u and 2 (X^T X) y_i. Both Gramians are computed exactly at the start
// of each epoch; Y^T Y is held fixed through it (keeping it exact by rank updates as every item moves cost 2 k^2 per
// cell, two thirds of an epoch, for no gain on the validation splits: docs/quality-notes.md), X^T X follows each row's
// move (k^2 per row; holding it fixed too lost on the validation splits). One step per session
// row (shuffled): the row's gradient moves x_u, then each of its items y_i takes a step on its share of the loss
// (its observed cell, 1/n_i of the all-cells term and of the penalty).
// Per-vector AdaGrad rates. This is the objective the product's fold-in solves exactly (foldIn with unobserved
// weight 1 and the same lambda), so the session vector the ranking uses is the one training assumed.
import { LatentInputError } from './errors';
import { confidences, validateMatrix } from './sgd';
import { gramian } from './foldIn';
import { dot } from './linalg';
import { assertModelFinite, initModel, type MfModel } from './model';
import { makeFastUint32, makeRng, normalInit, uniformInit } from './random';
import { makeGramianWasmKernel, wasmSgdKernelAvailable, type KernelMemory } from './sgdKernel';
import type { CsrMatrix } from './sparse';
import { checkFiniteLoss, nowMs, type Steps, type TrainHooks } from './train';
import { requireNonNegative, requireNonNegativeInt, requirePositive, requirePositiveInt } from './validate';

export interface GramianSgdParams {
  k: number;
  epochs: number;
  /** AdaGrad base rate */
  learningRate: number;
  lambda: number;
  alpha: number;
  epsilon: number;
  seed: string | number;
  initStd?: number;
  /**
   * 'auto' (default): the WebAssembly kernel where the host has it (SIMD) and k is a multiple of 4, else JS; 'js':
   * always JS. Both take the same steps in the same order, the kernel in float32 and JS in float64: each is
   * deterministic for a seed, and they differ in rounding only (sgdKernel.test bounds it).
   */
  kernel?: 'auto' | 'js';
  /**
   * X and Y handed back as views into the kernel's memory instead of copies (which keep that memory alive while they
   * are held), with that memory (`kernelMemory`): for a caller that copies what it keeps and lets the rest go (a full
   * fit keeps Y and one row of X, then hands the memory to its EASE).
   */
  viewsOut?: boolean;
  /** where the WebAssembly kernel works, when it gives a memory of the size asked (default: a memory of its own) */
  workIn?: (bytes: number) => KernelMemory | undefined;
}

/** The kernel trainSgdGramian runs for these params on this host (JS too for a problem over 2 GiB). */
export function gramianSgdKernel(params: Pick<GramianSgdParams, 'k' | 'kernel'>): 'wasm-simd' | 'js' {
  return params.kernel !== 'js' && params.k % 4 === 0 && wasmSgdKernelAvailable() ? 'wasm-simd' : 'js';
}

/**
 * Where a warm-started run begins (recommenderUpdate.ts): the previous fit's vectors, and what of the whole history the
 * matrix's rows (a subset of its sessions) do not hold.
 */
export interface GramianWarmStart {
  /** nRows * k: each row's starting vector */
  userFactors: Float32Array;
  /** nCols * k: each item's starting vector */
  itemFactors: Float32Array;
  /** X^T X (k x k) of the sessions outside the matrix, added to the rows' own: the items' all-cells term sees them all */
  outsideGram: Float64Array;
  /**
   * Per item, its observed cells in the whole history: each visit applies 1/n_i of its all-cells term and penalty,
   * as in a full epoch, so a subset epoch is a sample of a full one rather than a full step per sampled cell.
   */
  observed: Float64Array;
  /** Y^T Y of itemFactors when the caller has it already (the update's fold-in needed it): not computed again */
  itemGram?: Float64Array;
}

/** Rows between pause points of the steps (a few ms of work). */
const ROWS_PER_STEP = 64;

export function* trainSgdGramianSteps(
  matrix: CsrMatrix,
  params: GramianSgdParams,
  hooks?: TrainHooks,
  warm?: GramianWarmStart,
): Steps<MfModel & { userGram?: Float64Array; kernelMemory?: KernelMemory }> {
  requirePositiveInt('k', params.k);
  requireNonNegativeInt('epochs', params.epochs);
  requirePositive('learningRate', params.learningRate);
  requireNonNegative('lambda', params.lambda);
  requireNonNegative('alpha', params.alpha);
  requirePositive('epsilon', params.epsilon);
  validateMatrix(matrix, 'trainSgdGramian');
  const { k, lambda } = params;
  const rng = makeRng(params.seed);
  if (
    warm &&
    (warm.userFactors.length !== matrix.nRows * k ||
      warm.itemFactors.length !== matrix.nCols * k ||
      warm.outsideGram.length !== k * k ||
      warm.observed.length !== matrix.nCols ||
      (warm.itemGram !== undefined && warm.itemGram.length !== k * k))
  ) {
    throw new LatentInputError('trainSgdGramian: the warm start does not match the matrix and k');
  }
  const nRows = matrix.nRows;
  const nItems = matrix.nCols;
  const { indptr, indices } = matrix;
  const cells = matrix.values.length;
  const nObs = warm ? warm.observed : new Float64Array(nItems);
  if (!warm) for (let t = 0; t < indices.length; t++) nObs[indices[t]]++;
  const accX = new Float64Array(nRows);
  const accY = new Float64Array(nItems);
  let order: Int32Array = new Int32Array(nRows);
  for (let u = 0; u < nRows; u++) order[u] = u;
  // The WebAssembly kernel runs stepRow on X, Y and order in its own memory: the trainer works on those views
  // (shuffles, Gramians, loss, checks), and the model gets copies of X and Y at the end. Made first, so that a cold
  // start draws its vectors and writes its cells' weights there, not into arrays copied in (30 MB at 1M cells).
  const wasm =
    gramianSgdKernel(params) === 'wasm-simd'
      ? makeGramianWasmKernel({ ...(warm ? { X: warm.userFactors, Y: warm.itemFactors } : {}), cells, indptr, indices, nObs, order, k, lambda, learningRate: params.learningRate }, params.workIn)
      : undefined;
  // A warm start draws no random vectors (they would be overwritten), so its shuffles differ from a cold run's.
  const model = warm
    ? { ...initModel('implicit', 1, 1, k, rng, 0), nUsers: matrix.nRows, nItems: matrix.nCols, userBias: new Float32Array(matrix.nRows), itemBias: new Float32Array(matrix.nCols), userFactors: wasm ? wasm.X : warm.userFactors.slice(), itemFactors: wasm ? wasm.Y : warm.itemFactors.slice() }
    : coldStart(matrix.nRows, matrix.nCols, k, rng, params.initStd ?? 0.01, wasm);
  const outside = warm?.outsideGram;
  const next = makeFastUint32(rng);
  const X = model.userFactors;
  const Y = model.itemFactors;
  const conf = confidences(matrix, params.alpha, params.epsilon, 'trainSgdGramian', wasm?.conf);
  // A stored zero signal is an observed p = 0 cell at confidence c (as in the sampled trainer).
  const pref = wasm ? wasm.pref : new Float32Array(cells);
  for (let t = 0; t < cells; t++) pref[t] = matrix.values[t] > 0 ? 1 : 0;
  if (wasm) order = wasm.order;
  const gx = new Float64Array(k);
  const gy = new Float64Array(k);
  const old = new Float64Array(k);
  const vec = new Float64Array(k);
  const lr0 = params.learningRate;
  const start = nowMs();
  // The kernel computes the Gramians where it has the rows (the same arithmetic, a few times faster).
  const gramOf = (of: 'X' | 'Y'): Float64Array => (wasm ? wasm.gram(of) : gramian(of === 'X' ? X : Y, k));
  const gramX = (): Float64Array => {
    const g = gramOf('X');
    if (outside) for (let t = 0; t < g.length; t++) g[t] += outside[t];
    return g;
  };
  let grams = { X: gramX(), Y: warm?.itemGram ?? gramOf('Y') };

  // One session row's steps. A plain function, not inline in the generator: V8 compiles loops inside a generator
  // less well (an epoch ran about 2x slower).
  const stepRow = (u: number, GX: Float64Array, GY: Float64Array): void => {
    const from = indptr[u];
    const to = indptr[u + 1];
    if (from === to) return;
    const xu = u * k;
    // Row gradient (halved): sum_obs -(c (p - s) + s) y_i + (Y^T Y) x_u + lambda x_u.
    for (let a = 0; a < k; a++) vec[a] = X[xu + a];
    matVec(GY, vec, gx, k);
    for (let a = 0; a < k; a++) gx[a] += lambda * vec[a];
    for (let t = from; t < to; t++) {
      const yi = indices[t] * k;
      let s = 0;
      for (let a = 0; a < k; a++) s += X[xu + a] * Y[yi + a];
      const w = conf[t] * (pref[t] - s) + s;
      for (let a = 0; a < k; a++) gx[a] -= w * Y[yi + a];
    }
    let g2 = 0;
    for (let a = 0; a < k; a++) g2 += gx[a] * gx[a];
    accX[u] += g2 / k;
    const lrX = lr0 / Math.sqrt(accX[u] + 1e-12);
    // X^T X follows x_u's move (k^2 per row): the item steps below read it.
    for (let a = 0; a < k; a++) {
      const o = X[xu + a];
      const v = o - lrX * gx[a];
      X[xu + a] = v;
      const row = a * k;
      for (let b = 0; b < a; b++) {
        const d = v * X[xu + b] - o * old[b];
        GX[row + b] += d;
        GX[b * k + a] += d;
      }
      GX[row + a] += v * v - o * o;
      old[a] = o;
    }
    // Each item of the row: its observed cell, plus its 1/n_i share of the all-cells term and of the penalty.
    for (let t = from; t < to; t++) {
      const i = indices[t];
      const yi = i * k;
      let s = 0;
      for (let a = 0; a < k; a++) s += X[xu + a] * Y[yi + a];
      const w = conf[t] * (pref[t] - s) + s;
      const share = 1 / Math.max(1, nObs[i]);
      for (let a = 0; a < k; a++) vec[a] = Y[yi + a];
      matVec(GX, vec, gy, k);
      let h2 = 0;
      for (let a = 0; a < k; a++) {
        const g = (gy[a] + lambda * vec[a]) * share - w * X[xu + a];
        gy[a] = g;
        h2 += g * g;
      }
      accY[i] += h2 / k;
      const lrY = lr0 / Math.sqrt(accY[i] + 1e-12);
      for (let a = 0; a < k; a++) Y[yi + a] -= lrY * gy[a];
    }
  };

  for (let epoch = 0; epoch < params.epochs; epoch++) {
    // Gramians exact at the start of the epoch, then held fixed through it (see the header).
    const GX = grams.X;
    const GY = grams.Y;
    for (let i = nRows - 1; i > 0; i--) {
      const j = next() % (i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    if (wasm) {
      wasm.setGrams(GX, GY);
      for (let r = 0; r < nRows; r += ROWS_PER_STEP) {
        wasm.rows(r, Math.min(nRows, r + ROWS_PER_STEP));
        if (r + ROWS_PER_STEP <= nRows) {
          yield;
          if (hooks?.shouldStop?.()) break;
        }
      }
    } else {
      for (let r = 0; r < nRows; r++) {
        stepRow(order[r], GX, GY);
        if (r % ROWS_PER_STEP === ROWS_PER_STEP - 1) {
          yield;
          if (hooks?.shouldStop?.()) break;
        }
      }
    }
    grams = { X: gramX(), Y: gramOf('Y') };
    const loss = fullLoss(matrix, conf, pref, X, Y, k, lambda, grams, wasm ? wasm.cellLoss() : undefined) / Math.max(1, nRows * nItems);
    // A finite loss means finite factors too (it sums every entry's square), so this check covers the model as well.
    checkFiniteLoss(loss, epoch + 1, 'trainSgdGramian', lr0);
    hooks?.onEpoch?.({ epoch: epoch + 1, loss, elapsedMs: nowMs() - start, learningRate: lr0 });
    yield;
    if (hooks?.shouldStop?.()) break;
  }
  // X^T X for what a fit keeps of its sessions (factorModelOf): made for the last epoch's loss (by the kernel, or by
  // foldIn.gramian on the JS path), and every way out of the loop passes there (grams.X is the final X's; without a
  // warm start nothing is added to it). Made later from the copy, it took a new memory as large as X (22 MB at 1M
  // interactions). Not for a warm start (an update keeps the Gramian of its fresh rows only).
  const userGram = warm ? undefined : grams.X;
  if (wasm && !params.viewsOut) {
    // plain arrays of their own, not views that keep the kernel's memory alive
    model.userFactors = X.slice();
    model.itemFactors = Y.slice();
  }
  assertModelFinite(model, 'trainSgdGramian');
  const out = userGram ? { ...model, userGram } : model;
  return wasm && params.viewsOut ? { ...out, kernelMemory: wasm.memory } : out;
}

/**
 * A cold start's vectors: the items' N(0, std^2) from the seeded generator (normalInit), the sessions' uniform with the
 * same deviation from a fast generator seeded from it (uniformInit). A session's vector only has to start small and
 * unlike the others: at a heavy year its 5.5 million draws were 0.3 s of a 5 s retrain by normalInit's Box-Muller over
 * seedrandom, 0.02 s so. Same quality (training parts' validation NDCG@10, docs/quality-notes.md, twenty-sixth pass).
 */
function coldStart(nRows: number, nCols: number, k: number, rng: () => number, std: number, into?: { X: Float32Array; Y: Float32Array }): MfModel {
  requirePositiveInt('nUsers', nRows);
  requirePositiveInt('nItems', nCols);
  requireNonNegative('initStd', std);
  const itemFactors = normalInit(nCols * k, std, rng, into?.Y);
  const userFactors = uniformInit(nRows * k, std, makeFastUint32(rng), into?.X);
  return { kind: 'implicit', k, nUsers: nRows, nItems: nCols, mu: 0, userBias: new Float32Array(nRows), itemBias: new Float32Array(nCols), userFactors, itemFactors };
}

/** out = G v for a k x k row-major G (v copied to float64 first: the epoch's hot loop, twice the plain loop's speed). */
function matVec(G: Float64Array, v: Float64Array, out: Float64Array, k: number): void {
  for (let a = 0; a < k; a++) out[a] = dot(G, a * k, v, 0, k);
}

/** The objective L above, exactly (the all-cells term through the Gramians). */
export function fullLoss(
  matrix: CsrMatrix,
  conf: Float32Array,
  pref: Float32Array,
  X: Float32Array,
  Y: Float32Array,
  k: number,
  lambda: number,
  grams = { X: gramian(X, k), Y: gramian(Y, k) },
  observed = observedLoss(matrix, conf, pref, X, Y, k),
): number {
  let l = observed;
  for (let t = 0; t < k * k; t++) l += grams.X[t] * grams.Y[t];
  let n2 = 0;
  for (let t = 0; t < X.length; t++) n2 += X[t] * X[t];
  for (let t = 0; t < Y.length; t++) n2 += Y[t] * Y[t];
  return l + lambda * n2;
}

/** L's sum over observed cells, c (p - s)^2 - s^2 (the WebAssembly kernel's cellLoss computes the same value). */
export function observedLoss(matrix: CsrMatrix, conf: Float32Array, pref: Float32Array, X: Float32Array, Y: Float32Array, k: number): number {
  let l = 0;
  for (let u = 0; u < matrix.nRows; u++) {
    for (let t = matrix.indptr[u]; t < matrix.indptr[u + 1]; t++) {
      const yi = matrix.indices[t] * k;
      let s = 0;
      for (let a = 0; a < k; a++) s += X[u * k + a] * Y[yi + a];
      const d = pref[t] - s;
      l += conf[t] * (d * d) - s * s;
    }
  }
  return l;
}
