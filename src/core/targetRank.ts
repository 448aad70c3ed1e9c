// Where a held-out case's target ranks among the items a model scored: a full fit's held-out rate
// (recommenderFit.ts) and an update's fresh rate, the drift signal (recommenderUpdate.ts), count it the same way.
import { HELD_OUT_K } from './recommenderModel';
import type { ScoredItems } from './scoring';

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
