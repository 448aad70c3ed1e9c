// EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"), the item x item reference of DESIGN.md
// section 5: X = binary sessions x items, P = (X^T X + lambda I)^-1, B = -P / diag(P) column-wise with diag(B) = 0,
// score of item j for a context C = sum_{c in C} B[c, j]. Dense: O(n^2) memory and O(n^3) time in the items kept,
// so histories with more items than `maxItems` keep the most used ones (the others score 0 and say so in `details`).
import { indexOfKeys } from './idMap';
import { LatentInputError } from './errors';
import { dot } from './linalg';
import { groupSessions, sessionItemIndices, validationSplit, MetricTotals, TiesCounter, type EvalMethod, type Ranker, type ValidationSplit } from './evalProtocol';
import type { History, Interaction } from './interaction';
import { itemListsOf, listCount, weightedCounts, type ItemLists } from './itemLists';
import { makeSpdInverseWasmKernel, mappedFloat32Array, mappedFloat64Array, sharedKernelMemoryOf, type KernelMemory, type SpdInverseWasmKernel } from './sgdKernel';
import { bucketOrder } from './sparse';
import type { SessionWeights } from './easeSessionWeights';
import { finishSteps, type Steps } from './train';

/**
 * Inverse of a symmetric positive definite n x n matrix (row-major, float64) by Cholesky; `A` is overwritten and
 * returned. `kernel` 'js' keeps to the pure-JS path (see invertSpdSteps).
 */
export function invertSpd(A: Float64Array, n: number, kernel: SpdInverseKernel = 'auto'): Float64Array {
  return finishSteps(invertSpdSteps(A, n, kernel));
}

/**
 * Which code computes invertSpd: 'auto' runs the WebAssembly SIMD kernel (sgdKernel.wat) where the host has it and
 * the matrix fits its memory (n <= 16,381), the pure-JS one otherwise; 'js' always the JS one. The two differ by
 * rounding only (the unit tests bound it: P within 1e-10 relative); each is deterministic.
 */
export type SpdInverseKernel = 'auto' | 'js';

/**
 * invertSpd as steps, pausing every few rows (O(n^2) work each): 2,000 items take seconds, which the in-process
 * trainer must cut into slices so the editor's event loop keeps turning. The WebAssembly path copies A into a
 * workspace (spdWorkspace) and P back into A at the end: memory as the JS path at the peak (A here, one matrix there
 * against A and U: 16 n^2 bytes, 144 MB at n = 3,000). EASE's fits write their matrix into the workspace instead
 * (no second copy of it).
 */
export function* invertSpdSteps(A: Float64Array, n: number, kernel: SpdInverseKernel = 'auto'): Steps<Float64Array> {
  if (A.length !== n * n) throw new LatentInputError(`invertSpd: need ${n * n} entries, got ${A.length}`);
  const ws = spdWorkspace(n, kernel);
  if (!ws.wasm) return yield* invertSpdJsSteps(A, n);
  A.set(yield* invertWorkspaceSteps(loadWorkspace(ws, A)));
  return A;
}

/**
 * An n x n symmetric positive definite matrix to invert in place: in the WebAssembly kernel's memory where the host
 * has it (invertSpdSteps says when), else in a JS array. Entry (i, j) is A[i * stride + j]; the caller writes it
 * (at least the lower triangle and the diagonal), then invertWorkspaceSteps inverts it, and the same workspace may
 * take the next matrix of this size (EASE's lambda choice: one memory for every lambda, not one each).
 */
export interface SpdWorkspace {
  readonly n: number;
  readonly A: Float64Array;
  readonly stride: number;
  /** the kernel whose memory A is, on the WebAssembly path */
  readonly wasm?: SpdInverseWasmKernel;
}

/** A workspace for n x n inverses, all zero (see SpdWorkspace), in `reuse` when that is large enough. */
export function spdWorkspace(n: number, kernel: SpdInverseKernel = 'auto', reuse?: KernelMemory): SpdWorkspace {
  const wasm = kernel === 'auto' ? makeSpdInverseWasmKernel(n, reuse) : undefined;
  return wasm ? { n, A: wasm.A, stride: wasm.stride, wasm } : { n, A: new Float64Array(n * n), stride: n };
}

/** Writes the n x n row-major matrix A into the workspace, row by row at its stride. */
function loadWorkspace(ws: SpdWorkspace, A: Float64Array): SpdWorkspace {
  for (let i = 0; i < ws.n; i++) ws.A.set(A.subarray(i * ws.n, i * ws.n + ws.n), i * ws.stride);
  return ws;
}

/**
 * Inverts the workspace's matrix: P, n x n row-major, in the workspace's own memory (a view of the kernel's, or A
 * itself on the JS path), valid until the workspace takes another matrix. A caller that keeps P copies it.
 */
export function* invertWorkspaceSteps(ws: SpdWorkspace): Steps<Float64Array> {
  const { wasm, n } = ws;
  if (!wasm) return yield* invertSpdJsSteps(ws.A, n);
  for (let j = 0; j < n; j += ROWS_PER_PAUSE) {
    const bad = wasm.chol(j, Math.min(n, j + ROWS_PER_PAUSE));
    if (bad >= 0) throw notPositiveDefinite(bad, wasm.pivot(bad));
    yield;
  }
  for (let j = 0; j < n; j += ROWS_PER_PAUSE) {
    wasm.inv(j, Math.min(n, j + ROWS_PER_PAUSE));
    yield;
  }
  wasm.clearL();
  for (let a = 0; a < n; a += ROWS_PER_PAUSE) {
    wasm.prod(a, Math.min(n, a + ROWS_PER_PAUSE));
    yield;
  }
  return wasm.packed();
}

function notPositiveDefinite(j: number, s: number): LatentInputError {
  return new LatentInputError(`invertSpd: matrix is not positive definite (pivot ${j}: ${s})`);
}

/** invertSpdSteps in pure JS (hosts without WebAssembly SIMD, matrices too large for its memory, kernel 'js'). */
function* invertSpdJsSteps(A: Float64Array, n: number): Steps<Float64Array> {
  // Every inner loop below is a dot product of two contiguous row segments (row-major), taken in pairs that share
  // one operand where possible: memory traffic, not arithmetic, bounds these loops (about 2x faster than one by one).
  // A = L L^T, L stored in the lower triangle of A.
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    const s = A[rj + j] - dot(A, rj, A, rj, j);
    if (!(s > 0)) throw notPositiveDefinite(j, s);
    const d = Math.sqrt(s);
    A[rj + j] = d;
    let i = j + 1;
    for (; i + 1 < n; i += 2) {
      const ri = i * n;
      dot2(A, rj, A, ri, A, ri + n, j);
      A[ri + j] = (A[ri + j] - pair[0]) / d;
      A[ri + n + j] = (A[ri + n + j] - pair[1]) / d;
    }
    if (i < n) A[i * n + j] = (A[i * n + j] - dot(A, i * n, A, rj, j)) / d;
    if (j % ROWS_PER_PAUSE === 0) yield;
  }
  // U row j = column j of L^-1 (entries j..n-1): forward substitution.
  const U = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const uj = j * n;
    U[uj + j] = 1 / A[j * n + j];
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      U[uj + i] = -dot(A, ri + j, U, uj + j, i - j) / A[ri + i];
    }
    if (j % ROWS_PER_PAUSE === 0) yield;
  }
  // P = L^-T L^-1: P[a, b] = sum_{k >= max(a, b)} U[a, k] U[b, k].
  const P = A;
  for (let a = 0; a < n; a++) {
    const ua = a * n;
    let b = a;
    for (; b + 1 < n; b += 2) {
      const ub = b * n;
      dot2(U, ua + b + 1, U, ub + b + 1, U, ub + n + b + 1, n - b - 1);
      const t0 = pair[0] + U[ua + b] * U[ub + b];
      const t1 = pair[1];
      P[ua + b] = t0;
      P[ub + a] = t0;
      P[ua + b + 1] = t1;
      P[ub + n + a] = t1;
    }
    if (b < n) {
      const t = dot(U, ua + b, U, b * n + b, n - b);
      P[ua + b] = t;
      P[b * n + a] = t;
    }
    if (a % ROWS_PER_PAUSE === 0) yield;
  }
  return P;
}

/** dot2's results: pair[0] = x . y, pair[1] = x . z (a preallocated pair, so the hot loop allocates nothing). */
const pair = new Float64Array(2);

/** Two dot products that share x, read once. */
function dot2(x: Float64Array, xo: number, y: Float64Array, yo: number, z: Float64Array, zo: number, len: number): void {
  let a0 = 0;
  let a1 = 0;
  let b0 = 0;
  let b1 = 0;
  let k = 0;
  for (; k + 1 < len; k += 2) {
    const x0 = x[xo + k];
    const x1 = x[xo + k + 1];
    a0 += x0 * y[yo + k];
    a1 += x1 * y[yo + k + 1];
    b0 += x0 * z[zo + k];
    b1 += x1 * z[zo + k + 1];
  }
  if (k < len) {
    a0 += x[xo + k] * y[yo + k];
    b0 += x[xo + k] * z[zo + k];
  }
  pair[0] = a0 + a1;
  pair[1] = b0 + b1;
}

/** Rows of the O(n^3) solves between pause points: ~n^2 * 8 multiply-adds, a few ms at 2,000 items. */
const ROWS_PER_PAUSE = 8;

export interface EaseModel {
  /** item indices (into the caller's item list) kept, most used first */
  kept: Int32Array;
  /** caller's item index -> row of B, -1 when not kept */
  position: Int32Array;
  /** kept x kept weights, row-major: B[c * m + j] */
  B: Float32Array;
  lambda: number;
}

/**
 * Adds the lower triangle and diagonal of X^T X (all that the inverse reads) of binary sessions (each a list of
 * distinct item indices in 0..nItems-1; session s counting `weights[s]`, default 1) over the m kept items (item i at
 * `position[i]`, or -1) into A (entry (a, b) at A[a * stride + b]; A starts at zero). Row by row of A, from each kept
 * item's sessions, their kept items in ascending order up to the row's own: half the additions of the whole matrix,
 * and one row's land together.
 */
function* addGramOfSessions(sessions: ItemLists, position: Int32Array, m: number, A: Float64Array, stride: number, weights?: ArrayLike<number>): Steps<void> {
  const runs = keptRuns(sessions, position);
  yield;
  const { ptr, order } = bucketOrder(runs.kept, m);
  for (let a = 0; a < m; ) {
    a = addGramRows(runs, ptr, order, a, A, stride, weights);
    yield;
  }
}

/** Each session's kept items as positions, ascending (`kept[start[s] .. start[s + 1])`), and the session of each. */
function keptRuns(sessions: ItemLists, position: Int32Array): { start: Int32Array; kept: Int32Array; owner: Int32Array } {
  const { ptr, items } = sessions;
  const n = listCount(sessions);
  const start = new Int32Array(n + 1);
  let total = 0;
  for (let s = 0; s < n; s++) {
    for (let q = ptr[s]; q < ptr[s + 1]; q++) if (position[items[q]] >= 0) total++;
    start[s + 1] = total;
  }
  const kept = new Int32Array(total);
  const owner = new Int32Array(total);
  for (let s = 0, t = 0; s < n; s++) {
    for (let q = ptr[s]; q < ptr[s + 1]; q++) {
      const p = position[items[q]];
      if (p < 0) continue;
      // insertion into the session's ascending run (sessions hold a few items)
      owner[t] = s;
      let u = t++;
      for (; u > start[s] && kept[u - 1] > p; u--) kept[u] = kept[u - 1];
      kept[u] = p;
    }
  }
  return { start, kept, owner };
}

/**
 * Rows a0.. of addGramOfSessions until about GRAM_WORK_PER_PAUSE additions are made (a plain function: V8 optimizes
 * the loop better than inside a generator); returns the next row.
 */
function addGramRows(
  runs: { start: Int32Array; kept: Int32Array; owner: Int32Array },
  ptr: Int32Array,
  order: Int32Array,
  a0: number,
  A: Float64Array,
  stride: number,
  weights: ArrayLike<number> | undefined,
): number {
  const { start, kept, owner } = runs;
  const m = ptr.length - 1;
  let work = 0;
  let a = a0;
  for (; a < m && work < GRAM_WORK_PER_PAUSE; a++) {
    const row = a * stride;
    for (let q = ptr[a]; q < ptr[a + 1]; q++) {
      const s = owner[order[q]];
      const end = start[s + 1];
      let t = start[s];
      const w = weights ? weights[s] : 1;
      for (; t < end && kept[t] <= a; t++) A[row + kept[t]] += w;
      work += t - start[s];
    }
  }
  return a;
}

/** Additions into X^T X between pause points (a few ms). */
const GRAM_WORK_PER_PAUSE = 1 << 18;

/**
 * Fits EASE on binary sessions. Keeps the `maxItems` items used in the most sessions (ties: lower index first).
 */
export function fitEase(sessions: SessionItems, nItems: number, lambda: number, maxItems = EASE_MAX_ITEMS): EaseModel {
  return finishSteps(fitEaseSteps(sessions, nItems, lambda, maxItems));
}

/** EASE before its weights: the kept items and P = (X^T X + lambda I)^-1 over them (float64, m x m). */
export interface EaseInverse {
  kept: Int32Array;
  position: Int32Array;
  P: Float64Array;
  lambda: number;
  /** what a session added to X^T X later counts (easeLive.ts): the newest session's weight in it, 1 unweighted */
  sessionWeight: number;
}

/** Sessions as lists of distinct item indices: arrays, or one CSR pattern (itemLists.ts) as the fit has them. */
export type SessionItems = ReadonlyArray<readonly number[]> | ItemLists;

function asItemLists(sessions: SessionItems): ItemLists {
  return Array.isArray(sessions) ? itemListsOf(sessions) : (sessions as ItemLists);
}

/**
 * The kept items and P of fitEase (the product keeps P to update it as sessions arrive: easeLive.ts). Items are kept
 * by the number of sessions using them, each session counting `weights.keep[s]` (default 1): the product weighs
 * recent sessions more (easeKeepWeights), so files in use now are kept before ones used a lot long ago. X^T X counts
 * session s `weights.gram[s]` times (default 1; the product's: easeGramWeights) and is written straight into the
 * inverse's workspace. With `keep` false P may be a view of that workspace's memory, for a caller that reads it and
 * lets it go (the weights, a neighbour table): no copy of an m x m matrix.
 */
export function* fitEaseInverseSteps(
  sessions: SessionItems,
  nItems: number,
  lambda: number,
  maxItems = EASE_MAX_ITEMS,
  weights: SessionWeights = {},
  keep = true,
  reuse: EaseReuse = {},
): Steps<EaseInverse> {
  checkLambda(lambda);
  const lists = asItemLists(sessions);
  const { kept, position } = keptItems(lists, nItems, maxItems, weights.keep);
  const ws = spdWorkspace(kept.length, 'auto', reuse.memory);
  yield* addGramOfSessions(lists, position, kept.length, ws.A, ws.stride, weights.gram);
  const P = yield* invertWorkspaceSteps(addRidge(ws, lambda));
  // On the JS path P is the workspace's own array, no one else's.
  const sessionWeight = weights.gram && weights.gram.length > 0 ? weights.gram[weights.gram.length - 1] : 1;
  return { kept, position, P: keep && ws.wasm ? copied(P, reuse) : P, lambda, sessionWeight };
}

/**
 * Memory a fit's EASE may use instead of taking more (a full fit's: recommenderFit.ts): a finished kernel's for its
 * workspace, and an array of P's size that nothing reads any more (the replaced model's P) for the P it keeps. At a
 * million interactions each saves the 32 MB that a 2,000-item P takes, at the fit's last high point.
 */
export interface EaseReuse {
  memory?: KernelMemory;
  into?: Float64Array;
  /** makes the array for a P that `into` cannot take (RetrainMemory.newP); default a new Float64Array */
  newP?: (length: number) => Float64Array;
}

/**
 * P copied out of the kernel's memory: into `into` when it has P's size, else into a new array; left where it is when
 * the kernel worked in a shared memory that is a home for P (sharedKernelMemory, a full fit's: recommenderFit.ts).
 */
function copied(P: Float64Array, reuse: EaseReuse): Float64Array {
  if (sharedKernelMemoryOf(P)) return P;
  const out = reuse.into?.length === P.length ? reuse.into : reuse.newP?.(P.length);
  if (!out) return P.slice();
  out.set(P);
  return out;
}

function checkLambda(lambda: number): void {
  if (!(lambda > 0)) throw new LatentInputError(`EASE lambda must be > 0, got ${lambda}`);
}

/** The items EASE keeps: the `maxItems` with the most votes (ties: lower index first), none without a vote. */
export function mostVoted(votes: ArrayLike<number>, maxItems: number): Int32Array {
  const order = Array.from({ length: votes.length }, (_, i) => i).filter((i) => votes[i] > 0);
  order.sort((a, b) => votes[b] - votes[a] || a - b);
  return Int32Array.from(order.slice(0, maxItems));
}

/** The `maxItems` items used in the most sessions (mostVoted), and each item's place among them (or -1). */
function keptItems(sessions: ItemLists, nItems: number, maxItems: number, sessionWeights?: ArrayLike<number>): { kept: Int32Array; position: Int32Array } {
  const kept = mostVoted(weightedCounts(sessions, nItems, sessionWeights), maxItems);
  const position = new Int32Array(nItems).fill(-1);
  kept.forEach((i, p) => (position[i] = p));
  return { kept, position };
}

/** Adds lambda to the workspace matrix's diagonal. */
function addRidge(ws: SpdWorkspace, lambda: number): SpdWorkspace {
  for (let i = 0; i < ws.n; i++) ws.A[i * ws.stride + i] += lambda;
  return ws;
}

/** EASE's weight of item j for context item c, from P: -P[c, j] / P[j, j], 0 on the diagonal (float32, as stored). */
export function easeWeight(P: Float64Array, m: number, c: number, j: number): number {
  return c === j ? 0 : Math.fround(-P[c * m + j] / P[j * m + j]);
}

/** easeWeight(P, m, c, j) for every j into `out`, with P's diagonal given (`diag`): a row without strided reads. */
export function easeWeightRow(P: Float64Array, m: number, c: number, diag: Float64Array, out: Float32Array): void {
  const o = c * m;
  for (let j = 0; j < m; j++) out[j] = -P[o + j] / diag[j];
  out[c] = 0;
}

/** fitEase as steps (see invertSpdSteps). */
export function* fitEaseSteps(sessions: SessionItems, nItems: number, lambda: number, maxItems = EASE_MAX_ITEMS): Steps<EaseModel> {
  return yield* easeWeightsSteps(yield* fitEaseInverseSteps(sessions, nItems, lambda, maxItems, undefined, false));
}

/** EASE's weights B from P (easeWeight), into `B` when given (m x m). */
function* easeWeightsSteps({ kept, position, P, lambda }: Omit<EaseInverse, 'sessionWeight'>, B = new Float32Array(kept.length ** 2)): Steps<EaseModel> {
  const m = kept.length;
  for (let c = 0; c < m; c++) {
    for (let j = 0; j < m; j++) B[c * m + j] = easeWeight(P, m, c, j);
    if (c % 256 === 255) yield;
  }
  return { kept, position, B, lambda };
}

/**
 * Scores of every item (caller's indexing) for a context of item indices: sum of B's rows; items not kept: 0.
 * `keptScratch` (one per kept item) spares easeKeptScores an array per call.
 */
export function easeScores(model: EaseModel, context: readonly number[], nItems: number, out = new Float64Array(nItems), keptScratch?: Float64Array): Float64Array {
  out.fill(0);
  const kept = easeKeptScores(model, context, keptScratch);
  model.kept.forEach((i, p) => (out[i] = kept[p]));
  return out;
}

/**
 * easeScores for the kept items alone (out[p]: the item kept at p; every other item scores 0), summed context by
 * context. The ridge's choice counts its cases from these (TiesCounter.tiesOfPlaced): at 30,000 items and 700 kept
 * it had scored and counted every item, for each of its 2,000 cases and each ridge it tried.
 */
export function easeKeptScores(model: EaseModel, context: readonly number[], out: Float64Array = new Float64Array(model.kept.length)): Float64Array {
  const m = model.kept.length;
  out.fill(0, 0, m);
  for (const c of context) {
    const p = c < model.position.length ? model.position[c] : -1;
    if (p < 0) continue;
    const o = p * m;
    for (let j = 0; j < m; j++) out[j] += model.B[o + j];
  }
  return out;
}

/**
 * Dense inverse of at most this many items: 3,000 items take about 2.4 s with WebAssembly SIMD (the JS path: about
 * 12 s); either holds two 72 MB matrices at its peak (A and the kernel's one, or A and U), with the weights after.
 */
export const EASE_MAX_ITEMS = 3000;
export const EASE_LAMBDAS = [2, 5, 10, 20, 50, 100, 200];

function sessionsAsIndices(train: readonly Interaction[], index: ReadonlyMap<string, number>): number[][] {
  return sessionItemIndices(groupSessions(train), index);
}

/**
 * Chooses lambda by NDCG@10 on the section 4 protocol applied to the training interactions alone (older 80% fit,
 * newer 20% validate): never the test cases. Falls back to `fallback` when the training part has no validation case.
 */
export function chooseEaseLambda(train: readonly Interaction[], lambdas = EASE_LAMBDAS, maxItems = EASE_MAX_ITEMS, fallback = 10): EaseLambdaChoice {
  return finishSteps(chooseEaseLambdaSteps(train, lambdas, maxItems, fallback));
}

export interface EaseLambdaChoice {
  lambda: number;
  cases: number;
  ndcg: number;
}

/** chooseEaseLambda as steps (see invertSpdSteps); `maxCases` keeps the newest validation cases only. */
export function* chooseEaseLambdaSteps(
  train: History,
  lambdas = EASE_LAMBDAS,
  maxItems = EASE_MAX_ITEMS,
  fallback = 10,
  maxCases = Infinity,
  /** validationSplit(train), when the caller has it already (the fit does: one split of a large history, not two) */
  given?: Omit<ValidationSplit, 'trainInteractions'>,
  /** X^T X's session weights, from the split's training sessions in time order (the product's: easeGramWeights) */
  gramWeightsOf?: (sessions: number) => ArrayLike<number>,
): Steps<EaseLambdaChoice> {
  let split: Omit<ValidationSplit, 'trainInteractions'> | undefined = given;
  try {
    split ??= validationSplit(train);
  } catch (e) {
    if (e instanceof LatentInputError) return { lambda: fallback, cases: 0, ndcg: NaN };
    throw e;
  }
  const cases = split.cases.slice(-maxCases);
  if (cases.length === 0) return { lambda: fallback, cases: 0, ndcg: NaN };
  const index = indexOfKeys(split.items);
  const sessions = split.trainLists;
  const n = split.items.length;
  let best = { lambda: fallback, cases: cases.length, ndcg: -1 };
  const counter = new TiesCounter(n);
  // X^T X does not depend on lambda: built once, copied into one workspace (and one B) that every lambda reuses.
  const { kept, position } = keptItems(sessions, n, maxItems);
  const m = kept.length;
  const G = mappedFloat64Array(m * m);
  yield* addGramOfSessions(sessions, position, m, G, m, gramWeightsOf?.(listCount(sessions)));
  const ws = spdWorkspace(m);
  const B = mappedFloat32Array(m * m);
  const keptScores = new Float64Array(m);
  function* ndcgAt(lambda: number): Steps<number> {
    checkLambda(lambda);
    const P = yield* invertWorkspaceSteps(addRidge(loadWorkspace(ws, G), lambda));
    const model = yield* easeWeightsSteps({ kept, position, P, lambda }, B);
    const totals = new MetricTotals();
    for (const [at, c] of cases.entries()) {
      if (at % 64 === 0) yield;
      const ctx = c.context.map((it) => index.get(it) as number);
      const t = counter.tiesOfPlaced(easeKeptScores(model, ctx, keptScores), model.position, index.get(c.target) as number, ctx);
      totals.add(t.above, t.ties);
    }
    return totals.mean().ndcg10;
  }
  for (const lambda of lambdas) {
    const ndcg = yield* ndcgAt(lambda);
    if (ndcg > best.ndcg) best = { lambda, cases: cases.length, ndcg };
  }
  // A best on the grid's edge may have a better one beyond it (EASE's best ridge grows with the history: more
  // sessions, larger counts in X^T X): the grid goes on past that edge by its own last ratio while that improves.
  const grid = [...new Set(lambdas)].sort((a, b) => a - b);
  if (grid.length >= 2) {
    const edge = best.lambda === grid[grid.length - 1] ? grid[grid.length - 1] / grid[grid.length - 2] : best.lambda === grid[0] ? grid[0] / grid[1] : 1;
    for (let step = 0, lambda = best.lambda * edge; edge !== 1 && step < EASE_LAMBDA_EDGE_STEPS; step++, lambda *= edge) {
      const ndcg = yield* ndcgAt(lambda);
      if (!(ndcg > best.ndcg)) break;
      best = { lambda, cases: cases.length, ndcg };
    }
  }
  return best;
}

/** How far the lambda choice goes past the edge of its grid at most (in steps of the edge's ratio). */
export const EASE_LAMBDA_EDGE_STEPS = 4;

export interface EaseMethodOptions {
  /** fixed lambda; default: chosen on a validation split of the training part */
  lambda?: number;
  maxItems?: number;
}

export function easeMethod(opts: EaseMethodOptions = {}): EvalMethod {
  const maxItems = opts.maxItems ?? EASE_MAX_ITEMS;
  return {
    name: 'ease',
    fit(train, items): Ranker {
      const choice = opts.lambda !== undefined ? { lambda: opts.lambda, cases: 0, ndcg: NaN } : chooseEaseLambda(train, EASE_LAMBDAS, maxItems);
      const index = indexOfKeys(items);
      const model = fitEase(sessionsAsIndices(train, index), items.length, choice.lambda, maxItems);
      const keptScratch = new Float64Array(model.kept.length);
      return {
        score(context) {
          const ctx: number[] = [];
          for (const it of context) {
            const i = index.get(it);
            if (i !== undefined) ctx.push(i);
          }
          return easeScores(model, ctx, items.length, undefined, keptScratch);
        },
        details: {
          lambda: choice.lambda,
          lambdaChosenOn: opts.lambda !== undefined ? 'fixed' : `validation split of the training part (${choice.cases} cases)`,
          itemsKept: model.kept.length,
          itemsTotal: items.length,
          capped: model.kept.length < items.length,
        },
      };
    },
  };
}
