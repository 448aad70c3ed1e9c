// The factor model as the recommender keeps it: every item's vector, and of the sessions only their count and their
// Gramian X^T X. Ranking folds the current session in from its items (foldIn.ts) and an update needs the other
// sessions only through the all-cells term (recommenderUpdate.ts), so no session vector is kept: at a heavy year
// (170,000 sessions, k = 32) they were 22 MB of floats, 29 of the 31.7 MB of the model file the extension host parses
// at startup (3.0 MB without them).
import { gramian } from './foldIn';
import type { MfModel } from './model';

export interface FactorModel {
  k: number;
  nItems: number;
  /** 0 for the implicit trainers; kept so every score is mu + b_i + x . y_i as the panel explains it */
  mu: number;
  itemBias: Float32Array;
  /** nItems * k, row-major: item i's vector is itemFactors[i*k .. i*k+k) */
  itemFactors: Float32Array;
  /** session vectors the model was trained with (a session that went on after an update counts again) */
  nSessions: number;
  /** X^T X over those session vectors, k x k row-major, float64 */
  sessionGram: Float64Array;
}

/** What the recommender keeps of a trained factor model (`userGram`: X^T X when the trainer made it already). */
export function factorModelOf(mf: MfModel & { userGram?: Float64Array }): FactorModel {
  return {
    k: mf.k,
    nItems: mf.nItems,
    mu: mf.mu,
    itemBias: mf.itemBias,
    itemFactors: mf.itemFactors,
    nSessions: mf.nUsers,
    sessionGram: mf.userGram ?? gramian(mf.userFactors, mf.k),
  };
}
