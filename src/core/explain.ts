// Why an item was recommended: per-factor contributions to its score, and its nearest items in factor space.
import { LatentInputError } from './errors';
import type { Scored } from './ranking';
import { topN } from './ranking';
import { requireIndex, requireNonNegativeInt, requirePositiveInt } from './validate';

/** u_f * q_if for each factor f: they sum to the dot-product part of the score. */
export function contributions(userVec: ArrayLike<number>, itemFactors: Float32Array, k: number, item: number): number[] {
  requirePositiveInt('k', k);
  if (userVec.length !== k) throw new LatentInputError(`user vector must have length k=${k}, got ${userVec.length}`);
  requireIndex('item', item, itemFactors.length / k);
  const out: number[] = [];
  for (let f = 0; f < k; f++) out.push(userVec[f] * itemFactors[item * k + f]);
  return out;
}

/** The n items with the highest cosine similarity to `item` (itself excluded; zero vectors score 0). */
export function similarItems(itemFactors: Float32Array, k: number, item: number, n: number, exclude?: Set<number>): Scored[] {
  requirePositiveInt('k', k);
  requireNonNegativeInt('n', n);
  const nItems = itemFactors.length / k;
  requireIndex('item', item, nItems);
  const o = item * k;
  let na = 0;
  for (let f = 0; f < k; f++) na += itemFactors[o + f] ** 2;
  na = Math.sqrt(na);
  const sims = new Float32Array(nItems);
  for (let j = 0; j < nItems; j++) {
    const p = j * k;
    let dot = 0;
    let nb = 0;
    for (let f = 0; f < k; f++) {
      dot += itemFactors[o + f] * itemFactors[p + f];
      nb += itemFactors[p + f] ** 2;
    }
    const den = na * Math.sqrt(nb);
    sims[j] = den > 0 ? dot / den : 0;
  }
  const skip = new Set<number>(exclude ?? []);
  skip.add(item);
  return topN(sims, n, skip);
}
