// Where a held-out case's target ranks among the items a model scored: a full fit's held-out rate
// (recommenderFit.ts) and an update's fresh rate, the drift signal (recommenderUpdate.ts), count it the same way.
import { HELD_OUT_K, type RecommenderModel } from './recommenderModel';
import { scoreItems, type ScoredItems } from './scoring';
import type { ScoreBuffers } from './scoreBuffers';

/**
 * Where `model` ranks item `target` for a held-out case, counted up to HELD_OUT_K: scored given `context` (the rest of
 * its session, each item once), with everything but the context a candidate, as the evaluation protocol ranks.
 */
export function heldOutRank(model: RecommenderModel, context: readonly string[], target: number, buffers: ScoreBuffers): number {
  const s = scoreItems(model, context.map((item) => ({ item, weight: 1 })), { exclude: new Set(context) }, buffers);
  return targetRank(s, model.items.length, target);
}

/**
 * The target's rank among the first `nItems` candidates of `s` (0: first), counted up to `limit` (only the top
 * counts): items scored above it, and those scored the same with a lower index (ranking's order for ties).
 */
export function targetRank(s: Pick<ScoredItems, 'score' | 'candidate'>, nItems: number, target: number, limit = HELD_OUT_K): number {
  const { score, candidate } = s;
  const st = score[target];
  let rank = 0;
  for (let j = 0; j < nItems; j++) {
    if (j === target || !candidate[j]) continue;
    if ((score[j] > st || (score[j] === st && j < target)) && ++rank >= limit) break;
  }
  return rank;
}
