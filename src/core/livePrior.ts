// The recent-use prior with the sessions recorded since the model was trained: what a fit now would make of it,
// without refitting. Between retrains (every 50 events by default) the prior would otherwise forget the sessions
// since, and recent use is what a small repository's next file follows most (MRU's strength on chalk's history).
// The model's prior is raw / scale * keep at trainedAt (recommenderFit.recentUsePrior, priorBasisOf): raw halves every
// half-life, each later session adds one visit per item it used, and the largest raw scales it again.
import type { PriorBasis, RecentSession, RecommenderModel } from './recommenderModel';
import { DAY_SECONDS } from './trainingData';

/** Why a prior basis read from a file or another thread cannot be used, or undefined when it can. */
export function priorBasisProblem(b: PriorBasis): string | undefined {
  if (!(b.scale >= 0) || !Number.isFinite(b.scale)) return 'its scale must be a finite number >= 0';
  if (!b.genericKeep.every((v) => v > 0 && v <= 1)) return 'its generic items\' shares must lie in (0, 1]';
  return undefined;
}

/**
 * Writes the live prior of the model's items into out[0 .. items.length) and returns true; false (out untouched)
 * when there is nothing to add (no sessions, or a model saved before it kept its prior's basis).
 */
export function livePriorInto(model: RecommenderModel, sessions: readonly RecentSession[], index: ReadonlyMap<string, number>, out: Float64Array): boolean {
  const basis = model.priorBasis;
  if (!basis || sessions.length === 0) return false;
  const n = model.items.length;
  const halfLife = model.config.priorHalfLifeDays * DAY_SECONDS;
  // Ages from the newest session (the scale cancels out; the newest visit then weighs 1, and nothing underflows).
  let at = model.trainedAt;
  for (const s of sessions) if (s.start > at) at = s.start;
  const decay = Math.pow(0.5, (at - model.trainedAt) / halfLife);
  const { prior, generic } = model;
  for (let i = 0; i < n; i++) out[i] = prior[i] * basis.scale * decay;
  // A generic item's prior was discounted: its raw value is the prior over the share it keeps.
  generic.forEach((g, t) => (out[g] = basis.genericKeep[t] > 0 ? (prior[g] * basis.scale * decay) / basis.genericKeep[t] : 0));
  for (const s of sessions) {
    const visit = Math.pow(0.5, Math.max(0, at - s.start) / halfLife);
    for (const item of new Set(s.items)) {
      const i = index.get(item);
      if (i !== undefined && i < n) out[i] += visit;
    }
  }
  let max = 0;
  for (let i = 0; i < n; i++) if (out[i] > max) max = out[i];
  if (max > 0) for (let i = 0; i < n; i++) out[i] /= max;
  generic.forEach((g, t) => (out[g] *= basis.genericKeep[t]));
  return true;
}
