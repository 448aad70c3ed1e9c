// Fold-in: the vector of a new row (a live session) with item factors fixed, by the implicit weighted least
// squares of Hu, Koren & Volinsky: x = (w0 Y^T Y + Y^T (C - w0 I) Y + lambda I)^-1 Y^T C (p - b).
// The full Y^T Y is precomputed once (gramian), so one fold-in costs O(n_u k^2 + k^3).
import { LatentInputError } from './errors';
import { solveScratch, solveSpd, type SolveScratch } from './linalg';
import { makeFoldInWasmKernel, wasmGram } from './sgdKernel';
import { crossGram, type Steps } from './train';
import { requireIndex, requireNonNegative, requirePositiveInt } from './validate';

/** Y^T Y (k x k, float64) over all items. */
export function gramian(itemFactors: Float32Array, k: number): Float64Array {
  requirePositiveInt('k', k);
  if (itemFactors.length % k !== 0) throw new LatentInputError(`itemFactors length ${itemFactors.length} is not a multiple of k=${k}`);
  return wasmGram(itemFactors, k) ?? crossGram(itemFactors, itemFactors, k);
}

export interface FoldInOptions {
  /** Precomputed gramian(itemFactors, k); computed on the fly when absent. */
  gram?: Float64Array;
  /** Item biases: the solve then targets p - b_i. */
  itemBias?: Float32Array;
  /** Confidence of each unobserved cell (HKV: 1). Default 1. */
  unobservedWeight?: number;
}

/**
 * Solves for one row's vector. `items` are item indices with preference 1 and `confidences` their c values
 * (>= 0; typically confidence(r, alpha, epsilon)). Duplicated items are merged by summing confidences.
 */
export function foldIn(
  itemFactors: Float32Array,
  k: number,
  items: number[],
  confidences: number[],
  lambda: number,
  opts: FoldInOptions = {},
): Float32Array {
  requirePositiveInt('k', k);
  requireNonNegative('lambda', lambda);
  if (items.length !== confidences.length) {
    throw new LatentInputError(`items and confidences must have equal lengths (${items.length}, ${confidences.length})`);
  }
  const nItems = itemFactors.length / k;
  if (!Number.isInteger(nItems)) throw new LatentInputError(`itemFactors length ${itemFactors.length} is not a multiple of k=${k}`);
  const w0 = opts.unobservedWeight ?? 1;
  requireNonNegative('unobservedWeight', w0);
  const merged = new Map<number, number>();
  for (let t = 0; t < items.length; t++) {
    checkCell(items[t], confidences[t], nItems);
    merged.set(items[t], (merged.get(items[t]) ?? 0) + confidences[t]);
  }
  const G = opts.gram ?? gramian(itemFactors, k);
  if (G.length !== k * k) throw new LatentInputError(`gram must be k x k (${k * k} entries), got ${G.length}`);
  const bias = opts.itemBias;
  if (bias && bias.length !== nItems) throw new LatentInputError(`itemBias must have length ${nItems}, got ${bias.length}`);

  const { A, b: rhs, L, x } = scratchFor(k);
  for (let t = 0; t < k * k; t++) A[t] = w0 * G[t];
  for (let f = 0; f < k; f++) A[f * k + f] += lambda;
  rhs.fill(0);
  // Unobserved cells target 0 - b_i with weight w0: rhs -= w0 * sum_all b_i y_i (observed ones corrected below).
  if (bias && w0 > 0) {
    for (let i = 0; i < nItems; i++) {
      const b = bias[i];
      if (b === 0) continue;
      for (let f = 0; f < k; f++) rhs[f] -= w0 * b * itemFactors[i * k + f];
    }
  }
  for (const [i, c] of merged) {
    const o = i * k;
    const b = bias ? bias[i] : 0;
    const dw = c - w0;
    for (let a = 0; a < k; a++) {
      const ya = itemFactors[o + a];
      rhs[a] += (c * (1 - b) + w0 * b) * ya;
      // The lower triangle only (Cholesky reads no more): half the work of the row's hot loop.
      const row = a * k;
      if (dw !== 0) for (let d = 0; d <= a; d++) A[row + d] += dw * ya * itemFactors[o + d];
    }
  }
  // Mirrored for the fallback solver, which reads all of A.
  for (let a = 1; a < k; a++) for (let d = 0; d < a; d++) A[d * k + a] = A[a * k + d];
  return Float32Array.from(solveSpd(A, rhs, k, x, L));
}

/** A fold-in cell: an item index below nItems with a finite confidence >= 0. */
function checkCell(item: number, c: number, nItems: number): void {
  requireIndex('item', item, nItems);
  if (!Number.isFinite(c) || c < 0) throw new LatentInputError(`confidence for item ${item} must be a finite number >= 0, got ${c}`);
}

/** Rows per pause of foldInRowsSteps (a few ms of work in JS). */
const FOLD_IN_ROWS_PER_STEP = 256;

/**
 * foldIn (unobserved weight 1, no biases) for every row of a CSR matrix given its cells' confidences: rows x k. In
 * WebAssembly where the host has it, in the same operations and order as foldIn, so every vector is bit-identical to
 * foldIn's on either path; a row whose Cholesky pivot fails is solved by foldIn itself. Pauses every
 * FOLD_IN_ROWS_PER_STEP rows.
 */
export function* foldInRowsSteps(
  itemFactors: Float32Array,
  k: number,
  rows: { indptr: Int32Array; indices: Int32Array },
  conf: Float64Array,
  lambda: number,
  gram: Float64Array,
): Steps<Float32Array> {
  const nRows = rows.indptr.length - 1;
  const viaJs = (r: number): Float32Array => {
    const cols: number[] = [];
    const cs: number[] = [];
    for (let q = rows.indptr[r]; q < rows.indptr[r + 1]; q++) {
      cols.push(rows.indices[q]);
      cs.push(conf[q]);
    }
    return foldIn(itemFactors, k, cols, cs, lambda, { gram });
  };
  const nItems = itemFactors.length / k;
  for (let q = 0; q < rows.indptr[nRows]; q++) checkCell(rows.indices[q], conf[q], nItems);
  requireNonNegative('lambda', lambda);
  const kernel = makeFoldInWasmKernel({ Y: itemFactors, gram, indptr: rows.indptr, indices: rows.indices, conf, k, lambda });
  const X = new Float32Array(nRows * k);
  for (let r0 = 0; r0 < nRows; r0 += FOLD_IN_ROWS_PER_STEP) {
    const r1 = Math.min(nRows, r0 + FOLD_IN_ROWS_PER_STEP);
    if (kernel) {
      for (let r = r0; r < r1; ) {
        const failed = kernel.rows(r, r1);
        const end = failed < 0 ? r1 : failed;
        X.set(kernel.X.subarray(r * k, end * k), r * k);
        if (failed < 0) break;
        X.set(viaJs(failed), failed * k);
        r = failed + 1;
      }
    } else {
      for (let r = r0; r < r1; r++) X.set(viaJs(r), r * k);
    }
    if (r1 < nRows) yield;
  }
  return X;
}

/** The fold-in's solve buffers, kept for the k last used. */
let scratch: { k: number; buffers: SolveScratch } | undefined;
function scratchFor(k: number): SolveScratch {
  if (scratch?.k !== k) scratch = { k, buffers: solveScratch(k) };
  return scratch.buffers;
}
