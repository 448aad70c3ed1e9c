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
