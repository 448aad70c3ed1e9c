// What each session counts for in the product's EASE (ease.ts, easeLive.ts): its vote for which items are kept, and
// its share of X^T X. No imports: the panel's webview names the half-life too.

/**
 * Half-life, in days before the newest session, of a session's vote for which items EASE keeps when a workspace has
 * more than easeMaxItems. Chosen on the validation split of prettier's training part, the one shared history above
 * the cap (6,639 items): validation targets among the 2,000 kept, raw counts 4,360 of 4,847; by half-life 7 days
 * 4,803, 30 days 4,803, 90 days 4,810, 365 days 4,784, 1,000 days 4,545.
 */
export const EASE_KEEP_HALF_LIFE_DAYS = 90;

/** What each session counts for in fitEaseInverseSteps (ease.ts): its vote for the kept set, its share of X^T X (default 1 each). */
export interface SessionWeights {
  keep?: ArrayLike<number>;
  gram?: ArrayLike<number>;
}

/**
 * Half-life, in sessions, of a session's share of the product's X^T X: what goes with what drifts as code is
 * rewritten and moved, so a session with h sessions after it counts 2^(-h / this) times the newest. Counted in
 * sessions, not days, so that a slow repository (chalk: 349 commits over 12 years) keeps its history and a busy one
 * weighs its last few thousand sessions most; no shared history with fewer than about 1,000 sessions moves. Chosen on
 * the validation splits of the training parts (docs/quality-notes.md, eighteenth pass).
 */
export const EASE_GRAM_HALF_LIFE_SESSIONS = 2000;

/**
 * X^T X's weights for `n` sessions in time order (groupSessions' order, the newest last): 2^(-(n - 1 - s) /
 * EASE_GRAM_HALF_LIFE_SESSIONS), scaled to a mean of 1 so that lambda keeps its meaning against the counts (the
 * newest then counts n / sum). A session added later (easeLive.ts) counts as the newest does.
 */
export function easeGramWeights(n: number, halfLife = EASE_GRAM_HALF_LIFE_SESSIONS): Float64Array {
  const out = new Float64Array(n);
  let sum = 0;
  for (let s = 0; s < n; s++) sum += out[s] = 2 ** (-(n - 1 - s) / halfLife);
  for (let s = 0; s < n; s++) out[s] *= n / sum;
  return out;
}

/** The product's weights for sessions in time order starting at `sessionTimes` (unix s), `newest` the newest time. */
export function easeSessionWeights(sessionTimes: ArrayLike<number>, newest: number): SessionWeights {
  return { keep: easeKeepWeights(sessionTimes, newest), gram: easeGramWeights(sessionTimes.length) };
}

/** Per session, its vote for the kept set: 2^(-age / EASE_KEEP_HALF_LIFE_DAYS), age from the newest (unix s). */
export function easeKeepWeights(sessionTimes: ArrayLike<number>, newest: number): Float64Array {
  const out = new Float64Array(sessionTimes.length);
  for (let s = 0; s < sessionTimes.length; s++) out[s] = 2 ** (-Math.max(0, newest - sessionTimes[s]) / (86_400 * EASE_KEEP_HALF_LIFE_DAYS));
  return out;
}
