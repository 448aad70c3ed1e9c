// Ranking validation cases under many blends at once: what a full fit's blend choice (recommenderFit.ts) and an
// update's evidence (recommenderUpdate.ts) both count, and the rule that picks a blend from those counts.
import { HELD_OUT_K, type BlendEvidence, type RecommenderModel } from './recommenderModel';
import { normalizeParts, scoreItems, type ScoredItems } from './scoring';
import { ScoreBuffers } from './scoreBuffers';

/** Relative validation NDCG gain needed to leave the configured blend. */
export const BLEND_MIN_GAIN = 0.01;

/**
 * The blend to take, as an index into `totals` (each blend's NDCG@10 sum): the largest sum among the blends `usable`
 * allows, ties (and near-ties within noise) to the earlier (fewer and lighter priors come first in the grid), unless it
 * leads `own` (the blend in use; -1 when none of them is) by less than BLEND_MIN_GAIN. -1 when nothing is usable and
 * there is no `own`. The full fit's choice and an update's (recommenderUpdate.ts) both take it.
 */
export function leadingBlend(totals: ArrayLike<number>, own: number, usable: (t: number) => boolean = () => true): number {
  let best = own;
  for (let t = 0; t < totals.length; t++) if (usable(t) && (best < 0 || totals[t] > totals[best] + 1e-9)) best = t;
  return best >= 0 && own >= 0 && totals[best] < totals[own] * (1 + BLEND_MIN_GAIN) ? own : best;
}

/**
 * NDCG@HELD_OUT_K sums of each blend in `combos` (mf weight and prior half-life the model's) over `cases` ranked by
 * `model`, as chooseBlendSteps (recommenderFit.ts) ranks its validation cases. `each` sees every case's scores first
 * (they are computed once for both).
 */
export function blendTotals(
  model: RecommenderModel,
  cases: ReadonlyArray<{ context: readonly string[]; target: number }>,
  combos: BlendEvidence['combos'],
  each?: (s: ScoredItems, caseIndex: number) => void,
): number[] {
  const totals = new Float64Array(combos.length);
  // Without blends to rank (the drift signal alone) no per-case parts are gathered.
  const parts = combos.length > 0 ? new BlendParts(model.items.length, [model.prior], combos.map(() => 0)) : undefined;
  const buffers = new ScoreBuffers();
  for (const [ci, c] of cases.entries()) {
    const s = scoreItems(model, c.context.map((item) => ({ item, weight: 1 })), { exclude: new Set(c.context) }, buffers);
    each?.(s, ci);
    if (!parts) continue;
    parts.take(s, model.generic, c.target);
    parts.addRanks(model.config.mfWeight, combos, totals);
  }
  return Array.from(totals);
}

/**
 * One validation case's parts for the blend choice: each item's normalized MF and item x item scores and its priors
 * (gated as scoreItems gates them), and the pool of candidates that some blend may rank above the target. Gathered
 * once per case into arrays in pool order, so that each blend's pass reads them in order.
 */
export class BlendParts {
  private readonly nm: Float64Array;
  private readonly nc: Float64Array;
  private readonly gated: Uint8Array;
  private readonly pool: Int32Array;
  private readonly pm: Float64Array;
  private readonly pc: Float64Array;
  private readonly pp: Float64Array;
  private readonly before: Uint8Array;
  private readonly tp: Float64Array;
  private size = 0;
  private tm = 0;
  private tc = 0;

  constructor(
    private readonly n: number,
    private readonly priors: readonly Float32Array[],
    /** each combo's prior, as an index into `priors` */
    private readonly comboPrior: readonly number[],
  ) {
    this.nm = new Float64Array(n);
    this.nc = new Float64Array(n);
    this.gated = new Uint8Array(n);
    this.pool = new Int32Array(n);
    this.pm = new Float64Array(n);
    this.pc = new Float64Array(n);
    this.pp = new Float64Array(priors.length * n);
    this.before = new Uint8Array(n);
    this.tp = new Float64Array(priors.length);
  }

  /** Takes a case: scoreItems' parts for its context and the target's index. */
  take(s: ScoredItems, generic: Int32Array, target: number): void {
    const { n, nm, nc, gated, priors, pool, pm, pc, pp, before, tp } = this;
    nm.set(s.mf.subarray(0, n));
    nc.set(s.cooc.subarray(0, n));
    const cand = s.candidate.subarray(0, n);
    normalizeParts(nm, nc, cand);
    // As scoreItems does: an item that goes with everything has no prior without item x item evidence here.
    for (const j of generic) gated[j] = s.cooc[j] > 0 ? 0 : 1;
    for (let h = 0; h < priors.length; h++) tp[h] = gated[target] ? 0 : priors[h][target];
    // Weights are >= 0 and never all 0, so a candidate below the target in every part (MF, item x item, each prior)
    // ranks below it under every blend: only the rest are ranked per blend (on 30,000 items, a few hundred).
    let size = 0;
    for (let j = 0; j < n; j++) {
      if (!cand[j] || j === target) continue;
      let below = nm[j] < nm[target] && nc[j] < nc[target];
      for (let h = 0; below && h < priors.length; h++) below = (gated[j] ? 0 : priors[h][j]) < tp[h];
      if (!below) pool[size++] = j;
    }
    for (let p = 0; p < size; p++) {
      const j = pool[p];
      pm[p] = nm[j];
      pc[p] = nc[j];
      before[p] = j < target ? 1 : 0;
      for (let h = 0; h < priors.length; h++) pp[h * n + p] = gated[j] ? 0 : priors[h][j];
    }
    this.size = size;
    this.tm = nm[target];
    this.tc = nc[target];
  }

  /**
   * Adds the taken case to each blend's NDCG@HELD_OUT_K sum (and its hit count): blend t weighs the factor model
   * `wm` and the others as combos[t] says, with the prior combo t was given.
   */
  addRanks(wm: number, combos: ReadonlyArray<{ coocWeight: number; priorWeight: number }>, totals: Float64Array, hits?: Float64Array): void {
    combos.forEach((w, t) => {
      const rank = this.rankOf(wm, w.coocWeight, w.priorWeight, t);
      if (rank >= HELD_OUT_K) return;
      totals[t] += 1 / Math.log2(rank + 2);
      if (hits) hits[t]++;
    });
  }

  /** The target's rank under blend `combo` (weights wm, wc, wp), counted up to HELD_OUT_K: only the top counts. */
  rankOf(wm: number, wc: number, wp: number, combo: number): number {
    const { pm, pc, pp, before, size } = this;
    const h = this.comboPrior[combo];
    const o = h * this.n;
    const st = wm * this.tm + wc * this.tc + wp * this.tp[h];
    let rank = 0;
    for (let p = 0; p < size; p++) {
      const sj = wm * pm[p] + wc * pc[p] + wp * pp[o + p];
      if ((sj > st || (sj === st && before[p] === 1)) && ++rank >= HELD_OUT_K) break;
    }
    return rank;
  }
}
