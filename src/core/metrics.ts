// Accuracy (RMSE, MAE) and ranking metrics (HR@K, NDCG@K, MRR, recall@K) for leave-one-out evaluation.
import { LatentInputError } from './errors';

function pairCheck(pred: ArrayLike<number>, actual: ArrayLike<number>, name: string): void {
  if (pred.length !== actual.length) throw new LatentInputError(`${name}: lengths differ (${pred.length}, ${actual.length})`);
  if (pred.length === 0) throw new LatentInputError(`${name}: no values`);
}

export function rmse(pred: ArrayLike<number>, actual: ArrayLike<number>): number {
  pairCheck(pred, actual, 'rmse');
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += (pred[i] - actual[i]) ** 2;
  return Math.sqrt(s / pred.length);
}

export function mae(pred: ArrayLike<number>, actual: ArrayLike<number>): number {
  pairCheck(pred, actual, 'mae');
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += Math.abs(pred[i] - actual[i]);
  return s / pred.length;
}

function positionOf<T>(ranked: ArrayLike<T>, target: T): number {
  for (let i = 0; i < ranked.length; i++) if (ranked[i] === target) return i;
  return -1;
}

function checkK(K: number): void {
  if (!Number.isInteger(K) || K <= 0) throw new LatentInputError(`K must be a positive integer, got ${K}`);
}

/** 1 when target is among the first K ranked, else 0. */
export function hitRate<T>(ranked: ArrayLike<T>, target: T, K: number): number {
  checkK(K);
  const p = positionOf(ranked, target);
  return p >= 0 && p < K ? 1 : 0;
}

/** NDCG@K with one relevant item: 1 / log2(rank + 1) for 1-based rank <= K (ideal DCG is 1). */
export function ndcg<T>(ranked: ArrayLike<T>, target: T, K: number): number {
  checkK(K);
  const p = positionOf(ranked, target);
  return p >= 0 && p < K ? 1 / Math.log2(p + 2) : 0;
}

/** 1 / rank of the target (1-based), 0 when it is not ranked. */
export function reciprocalRank<T>(ranked: ArrayLike<T>, target: T): number {
  const p = positionOf(ranked, target);
  return p >= 0 ? 1 / (p + 1) : 0;
}

/** Fraction of the relevant items found in the first K. */
export function recallAtK<T>(ranked: ArrayLike<T>, relevant: Iterable<T>, K: number): number {
  checkK(K);
  const rel = new Set(relevant);
  if (rel.size === 0) throw new LatentInputError('recallAtK: no relevant items');
  const found = new Set<T>();
  for (let i = 0; i < Math.min(K, ranked.length); i++) if (rel.has(ranked[i])) found.add(ranked[i]);
  return found.size / rel.size;
}

/** Leave-one-out metrics of one case: hit rates at 1, 3 and 10, NDCG@10 and reciprocal rank. */
export interface RankMetrics {
  hr1: number;
  hr3: number;
  hr10: number;
  ndcg10: number;
  rr: number;
}

/**
 * The metrics of a target that `above` candidates outscore and `ties` other candidates tie with, in expectation over
 * a uniformly random order of the tied items (DESIGN.md section 4): its 0-based position is uniform on
 * above .. above + ties. Neither optimistic nor pessimistic, and the same for every method. O(min(ties, 10)) plus a
 * harmonic sum for the reciprocal rank.
 */
export function expectedRankMetrics(above: number, ties: number): RankMetrics {
  if (!Number.isInteger(above) || above < 0) throw new LatentInputError(`above must be an integer >= 0, got ${above}`);
  if (!Number.isInteger(ties) || ties < 0) throw new LatentInputError(`ties must be an integer >= 0, got ${ties}`);
  const n = ties + 1;
  const last = above + ties;
  const within = (k: number): number => Math.max(0, Math.min(last, k - 1) - above + 1);
  let dcg = 0;
  for (let p = above; p <= Math.min(last, 9); p++) dcg += 1 / Math.log2(p + 2);
  let rr = 0;
  if (ties <= 4096) for (let p = above; p <= last; p++) rr += 1 / (p + 1);
  else rr = harmonic(last + 1) - harmonic(above);
  return { hr1: within(1) / n, hr3: within(3) / n, hr10: within(10) / n, ndcg10: dcg / n, rr: rr / n };
}

/** H_m = sum_{i=1..m} 1/i; exact below 4096, else the asymptotic expansion (error < 1e-15). */
function harmonic(m: number): number {
  if (m <= 4096) {
    let s = 0;
    for (let i = 1; i <= m; i++) s += 1 / i;
    return s;
  }
  return Math.log(m) + 0.5772156649015329 + 1 / (2 * m) - 1 / (12 * m * m);
}
