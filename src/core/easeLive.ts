// The product's item x item part kept live between full fits: EASE's P = (X^T X + lambda I)^-1 is kept with the model
// it belongs to, and each new session x (binary) changes X^T X by w x x^T (w: what the newest session counts in the
// fit's X^T X, easeSessionWeights.ts), so P follows exactly by Sherman-Morrison:
//   P' = P - w (P x)(P x)^T / (1 + w x^T P x)      (a session added)
//   P' = P + w (P x)(P x)^T / (1 - w x^T P x)      (a session's older item set taken back, when it went on)
// Sessions added between full fits all count w: the decay of older ones waits for the next full fit.
// O(m^2) per session instead of an O(m^3) solve. A new item with no session yet adds a row and column of G that is
// lambda on the diagonal only, so P grows by 1 / lambda there (exact too) while there is room under the item cap;
// at the cap, a new item takes the slot of the kept item with the least recent use (easeSwapItem, exact as well).
import type { EaseInverse } from './ease';
import { easeWeightRow } from './ease';
import type { NeighbourTable } from './recommenderModel';
import { topIndices } from './ranking';
import { makeEaseLiveWasmKernel, type EaseLiveWasmKernel } from './sgdKernel';
import { finishSteps, type Steps } from './train';

/** The live state: which model items are kept (row p of P is item kept[p]) and P itself. */
export interface EaseLive {
  lambda: number;
  kept: number[];
  /** model item index -> row of P (absent: not kept) */
  position: Map<number, number>;
  P: Float64Array;
  /** what a session added or taken back counts in X^T X (EaseInverse.sessionWeight) */
  sessionWeight: number;
}

export function easeLiveOf(inv: Pick<EaseInverse, 'kept' | 'P' | 'lambda' | 'sessionWeight'>): EaseLive {
  const position = new Map<number, number>();
  inv.kept.forEach((item, p) => position.set(item, p));
  return { lambda: inv.lambda, kept: Array.from(inv.kept), position, P: inv.P, sessionWeight: inv.sessionWeight };
}

/**
 * Makes room for new items (model indices, no session yet) while under `maxItems`; returns how many were kept. The
 * larger P is made by `newP` (RetrainMemory.newP): zeroed, or a view from the start of the buffer live.P is in, where
 * P grows in place.
 */
export function easeAddItems(live: EaseLive, items: readonly number[], maxItems: number, newP: (length: number) => Float64Array = (length) => new Float64Array(length)): number {
  const m = live.kept.length;
  const add = items.filter((i) => !live.position.has(i)).slice(0, Math.max(0, maxItems - m));
  if (add.length === 0) return 0;
  const n = m + add.length;
  const P = newP(n * n);
  if (P.buffer === live.P.buffer) {
    if (P.byteOffset !== live.P.byteOffset) throw new Error('easeAddItems: a new P in the buffer of the old one must start where it starts');
    // In place: the new rows first (past every old entry, m * m <= m * n), then each old row to its wider place from
    // the last one down (row a moves from a * m to a * n >= a * m: no row is overwritten before it moved).
    P.fill(0, m * n, n * n);
    for (let a = m - 1; a >= 0; a--) {
      P.copyWithin(a * n, a * m, a * m + m);
      P.fill(0, a * n + m, a * n + n);
    }
  } else {
    for (let a = 0; a < m; a++) P.set(live.P.subarray(a * m, a * m + m), a * n);
  }
  for (let a = m; a < n; a++) P[a * n + a] = 1 / live.lambda;
  for (const i of add) {
    live.position.set(i, live.kept.length);
    live.kept.push(i);
  }
  live.P = P;
  return add.length;
}

/**
 * At the item cap, gives the kept slot of `out` to `inItem`, a new item with no session yet: `out` leaves G (its row
 * and column removed: P_rest = P_rest - P[:, p] P[p, :] / P[p, p], the inverse of G without it, exact) and `inItem`
 * takes its row of P as 1 / lambda on the diagonal, as easeAddItems borders one in. O(m^2).
 */
export function easeSwapItem(live: EaseLive, out: number, inItem: number): void {
  const p = live.position.get(out);
  if (p === undefined) throw new RangeError(`EASE swap: item ${out} is not kept`);
  if (live.position.has(inItem)) throw new RangeError(`EASE swap: item ${inItem} is kept already`);
  const m = live.kept.length;
  const P = live.P;
  const col = P.slice(p * m, p * m + m);
  const d = col[p];
  for (let a = 0; a < m; a++) {
    const f = a === p ? 0 : col[a] / d;
    if (f === 0) continue;
    const o = a * m;
    for (let b = 0; b < m; b++) if (b !== p) P[o + b] -= f * col[b];
  }
  for (let a = 0; a < m; a++) {
    P[a * m + p] = 0;
    P[p * m + a] = 0;
  }
  P[p * m + p] = 1 / live.lambda;
  live.position.delete(out);
  live.position.set(inItem, p);
  live.kept[p] = inItem;
}

/**
 * New items (no session yet) that easeAddItems found no room for take the slots of the kept items with the fewest
 * votes (weightedCounts with easeKeepWeights), while a newcomer has more votes than the item it replaces; at most `maxSwaps`. Returns how many.
 */
export function easeSwapInNewItems(live: EaseLive, newcomers: readonly number[], votes: ArrayLike<number>, maxSwaps: number): number {
  const candidates = newcomers.filter((i) => !live.position.has(i)).sort((a, b) => votes[b] - votes[a] || a - b);
  if (candidates.length === 0) return 0;
  const victims = live.kept.slice().sort((a, b) => votes[a] - votes[b] || b - a);
  let swaps = 0;
  while (swaps < Math.min(maxSwaps, candidates.length, victims.length) && votes[candidates[swaps]] > votes[victims[swaps]]) {
    easeSwapItem(live, victims[swaps], candidates[swaps]);
    swaps++;
  }
  return swaps;
}

/** Adds (sign 1) or takes back (sign -1) one binary session of model item indices; items not kept are ignored. */
export function easeAddSession(live: EaseLive, items: readonly number[], sign: 1 | -1, scratch = new Float64Array(live.kept.length)): void {
  const m = live.kept.length;
  const rows = keptRows(live, items);
  if (rows.length === 0) return;
  const P = live.P;
  // u = P x: the sum of P's rows of the session's items (P is symmetric).
  const u = scratch.length === m ? scratch.fill(0) : new Float64Array(m);
  for (const p of rows) {
    const o = p * m;
    for (let j = 0; j < m; j++) u[j] += P[o + j];
  }
  const f = shermanMorrisonFactor(u, rows, sign, live.sessionWeight);
  for (let a = 0; a < m; a++) {
    const ua = u[a] * f;
    if (ua === 0) continue;
    const o = a * m;
    for (let b = 0; b < m; b++) P[o + b] += ua * u[b];
  }
}

/**
 * easeAddSession for each change in order. In WebAssembly where the host has it: on P where it lies when P starts a
 * shared kernel memory (sharedKernelMemory: the worker's), else on a copy of P, copied back; each change's u is summed
 * here from P's rows as the updates still pending would have left them, and up to EASE_UPDATE_BATCH updates go over P
 * in one pass (easeRankMany), in slices of rows: P ends bit-identical to
 * easeAddSession's, with P read from memory once a batch instead of once a change (32 MB at 2,000 items). Returns
 * the kernel, its P equal to live.P, for easeNeighboursSteps (undefined on the JS path or without changes).
 */
export function* easeAddSessionsSteps(live: EaseLive, changes: ReadonlyArray<{ items: readonly number[]; sign: 1 | -1 }>): Steps<EaseLiveWasmKernel | undefined> {
  const m = live.kept.length;
  const kernel = changes.length > 0 ? makeEaseLiveWasmKernel(live.P, m) : undefined;
  if (!kernel) {
    const scratch = new Float64Array(m);
    for (const c of changes) {
      easeAddSession(live, c.items, c.sign, scratch);
      yield;
    }
    return undefined;
  }
  let pending: number[] = [];
  function* flush(): Steps<void> {
    for (let a = 0; a < m; a += EASE_ROWS_PER_STEP) {
      kernel?.rankMany(pending, a, Math.min(m, a + EASE_ROWS_PER_STEP));
      yield;
    }
    pending = [];
  }
  const row = new Float64Array(m);
  try {
    for (const c of changes) {
      const rows = keptRows(live, c.items);
      if (rows.length === 0) continue;
      const u = kernel.U.subarray(pending.length * m, (pending.length + 1) * m);
      pendingRowSum(kernel, pending, rows, m, u, row);
      pending.push(shermanMorrisonFactor(u, rows, c.sign, live.sessionWeight));
      if (pending.length === kernel.batch) yield* flush();
    }
  } finally {
    // Also when a change is refused (not positive definite): the ones before it stay applied, as in the JS path.
    if (pending.length > 0) finishSteps(flush());
    if (!kernel.inPlace) live.P.set(kernel.P);
  }
  return kernel;
}

/** Rows of P a step of easeRankMany updates (about 1-3 ms of work at 2,000 items and a full batch). */
const EASE_ROWS_PER_STEP = 256;

/**
 * u = the sum of P's rows `rows`, in order, each row as the pending updates (u_t of kernel.U, factor f[t]) would leave
 * it: easeAddSession's sum over the P it would see, the same operations in the same order.
 */
function pendingRowSum(kernel: EaseLiveWasmKernel, f: readonly number[], rows: readonly number[], m: number, u: Float64Array, row: Float64Array): void {
  const { P, U } = kernel;
  u.fill(0);
  for (const p of rows) {
    row.set(P.subarray(p * m, (p + 1) * m));
    for (let t = 0; t < f.length; t++) {
      const ut = U[t * m + p] * f[t];
      if (ut === 0) continue;
      const o = t * m;
      for (let b = 0; b < m; b++) row[b] += ut * U[o + b];
    }
    for (let b = 0; b < m; b++) u[b] += row[b];
  }
}

/** The rows of P of a session's kept items, each once, in the session's order. */
function keptRows(live: EaseLive, items: readonly number[]): number[] {
  const rows: number[] = [];
  for (const i of items) {
    const p = live.position.get(i);
    if (p !== undefined && !rows.includes(p)) rows.push(p);
  }
  return rows;
}

/**
 * -sign w / (1 + sign w x^T P x) for u = P x (x: the `rows` indicator, w the session's weight); throws where P would
 * not stay positive definite.
 */
function shermanMorrisonFactor(u: Float64Array, rows: readonly number[], sign: 1 | -1, w: number): number {
  let xu = 0;
  for (const p of rows) xu += u[p];
  const denom = 1 + sign * w * xu;
  // Adding keeps G + lambda I positive definite; taking back a session that was added keeps it too (denom > 0).
  if (!(denom > 0)) throw new RangeError(`EASE update: not positive definite (1 ${sign > 0 ? '+' : '-'} w x'Px = ${denom})`);
  return (-sign * w) / denom;
}

/**
 * The stored item x item table from P: each kept item's `neighbours` largest weights by size (negative too), ordered
 * by size then item index; items not kept have none. One row of weights at a time, partial selection per row.
 */
export function* easeNeighboursSteps(
  live: Pick<EaseLive, 'kept' | 'P'>,
  nItems: number,
  neighbours: number,
  hint?: NeighbourTable,
  kernel?: EaseLiveWasmKernel,
): Steps<NeighbourTable> {
  const kept = live.kept;
  const m = kept.length;
  const fast = kernel && kernel.P.length === m * m ? kernel : undefined;
  const scratch: NeighbourScratch = fast
    ? { w: fast.W, size: new Float64Array(m), nonzero: new Uint8Array(m), chosen: fast.C, cands: fast.weightCands }
    : { w: new Float32Array(m), size: new Float64Array(m), nonzero: new Uint8Array(m), chosen: new Int32Array(m) };
  const diag = fast ? fast.D : new Float64Array(m);
  for (let j = 0; j < m; j++) diag[j] = live.P[j * m + j];
  const perRow: Array<{ indices: Int32Array; values: Float32Array } | undefined> = new Array(nItems);
  for (let c = 0; c < m; c++) {
    perRow[kept[c]] = neighbourRow(live.P, m, c, kept, neighbours, hintedBound(hint, kept[c], neighbours), diag, scratch);
    if (c % 64 === 63) yield;
  }
  const indptr = new Int32Array(nItems + 1);
  for (let i = 0; i < nItems; i++) indptr[i + 1] = indptr[i] + (perRow[i]?.indices.length ?? 0);
  const indices = new Int32Array(indptr[nItems]);
  const values = new Float32Array(indptr[nItems]);
  for (let i = 0; i < nItems; i++) {
    const r = perRow[i];
    if (!r) continue;
    indices.set(r.indices, indptr[i]);
    values.set(r.values, indptr[i]);
  }
  return { indptr, indices, values };
}

/**
 * One row of the table: item c's `neighbours` largest weights by size. A plain function (the loops ran several times
 * slower inside the generator). Candidates: every entry at least as large as the `neighbours`-th largest. Any bound
 * with that many entries above it holds them all, so the previous table's smallest kept size for this row (P moved a
 * little since), lowered by 10% (`bound`), spares the heap on an update; without one, the heap's top `neighbours` and
 * the entries tied with the last. Sorted by size, then item index, and cut: exactly a full sort's first `neighbours`.
 * The bounded pass runs in WebAssembly when the scratch has the kernel's (`cands`, over the same P): the same list
 * and the same w at it.
 */
function neighbourRow(
  P: Float64Array,
  m: number,
  c: number,
  kept: readonly number[],
  neighbours: number,
  bound: number,
  diag: Float64Array,
  scratch: NeighbourScratch,
): { indices: Int32Array; values: Float32Array } {
  const { w, size, nonzero, chosen } = scratch;
  let count = 0;
  // The kernel's pass writes w at its candidates only; a bound near float32's underflow keeps to JS (the cheap test's
  // margin is relative).
  const fast = scratch.cands && bound >= 2 ** -100 ? scratch.cands : undefined;
  if (neighbours > 0 && bound > 0 && fast) count = fast(c, bound);
  else if (neighbours > 0 && bound > 0) {
    // easeWeightRow's weights, each tested against the bound as it is made (|w| >= bound > 0: w is not 0).
    const o = c * m;
    for (let j = 0; j < m; j++) {
      w[j] = -P[o + j] / diag[j];
      if (Math.abs(w[j]) >= bound && j !== c) chosen[count++] = j;
    }
    w[c] = 0;
  } else easeWeightRow(P, m, c, diag, w);
  if (neighbours > 0 && count < neighbours) {
    // No bound, or it held too few: the heap over every nonzero weight.
    if (fast) easeWeightRow(P, m, c, diag, w);
    for (let j = 0; j < m; j++) {
      size[j] = Math.abs(w[j]);
      nonzero[j] = w[j] !== 0 ? 1 : 0;
    }
    const top = topIndices(size, neighbours, nonzero);
    count = 0;
    if (top.length === neighbours) {
      const edge = size[top[top.length - 1]];
      for (let j = 0; j < m; j++) if (nonzero[j] && size[j] >= edge) chosen[count++] = j;
    } else for (const j of top) chosen[count++] = j;
  }
  for (let t = 0; t < count; t++) size[chosen[t]] = Math.abs(w[chosen[t]]);
  // By size, then item index (a total order: the kept items are distinct). Insertion: rows hold a few more than
  // `neighbours` candidates, and the comparator of Array.prototype.sort cost as much as the rest of the row.
  for (let t = 1; t < count; t++) {
    const j = chosen[t];
    const sj = size[j];
    const kj = kept[j];
    let u = t - 1;
    while (u >= 0 && (size[chosen[u]] < sj || (size[chosen[u]] === sj && kept[chosen[u]] > kj))) {
      chosen[u + 1] = chosen[u];
      u--;
    }
    chosen[u + 1] = j;
  }
  const n = Math.min(count, neighbours);
  const indices = new Int32Array(n);
  const values = new Float32Array(n);
  for (let t = 0; t < n; t++) {
    indices[t] = kept[chosen[t]];
    values[t] = w[chosen[t]];
  }
  return { indices, values };
}

/** neighbourRow's per-row arrays, m each, made once per table. */
interface NeighbourScratch {
  w: Float32Array;
  size: Float64Array;
  nonzero: Uint8Array;
  chosen: Int32Array;
  /** the kernel's bounded pass (EaseLiveWasmKernel.weightCands): chosen, and w at the chosen entries only */
  cands?: (c: number, bound: number) => number;
}

/** 0.9 of the smallest weight size `hint` keeps for `item` when it keeps a full row, else -1 (no usable bound). */
function hintedBound(hint: NeighbourTable | undefined, item: number, neighbours: number): number {
  if (!hint || item + 1 >= hint.indptr.length) return -1;
  const from = hint.indptr[item];
  const to = hint.indptr[item + 1];
  if (to - from < neighbours) return -1;
  let low = Infinity;
  for (let t = from; t < to; t++) low = Math.min(low, Math.abs(hint.values[t]));
  return 0.9 * low;
}
