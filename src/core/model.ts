// The factor model shared by every trainer. Explicit: r_hat = mu + b_u + b_i + p_u . q_i.
// Implicit: score = b_i + p_u . q_i (mu and b_u stay 0: they do not change a user's ranking).
import { LatentInputError, TrainingDivergedError } from './errors';
import { normalInit } from './random';
import { allFinite, requireIndex, requirePositiveInt } from './validate';

export type ModelKind = 'explicit' | 'implicit';

export interface MfModel {
  kind: ModelKind;
  k: number;
  nUsers: number;
  nItems: number;
  mu: number;
  userBias: Float32Array;
  itemBias: Float32Array;
  /** nUsers * k, row-major: user u's vector is userFactors[u*k .. u*k+k). */
  userFactors: Float32Array;
  /** nItems * k, row-major. */
  itemFactors: Float32Array;
}

/**
 * Default init std: 0.1 (Funk / Surprise use N(0, 0.1^2)); small enough that p.q starts near 0 and the
 * biases absorb the mean first, large enough to break the symmetry between factors.
 */
export const DEFAULT_INIT_STD = 0.1;

/** A model with N(0, std^2) factors and zero biases. */
export function initModel(
  kind: ModelKind,
  nUsers: number,
  nItems: number,
  k: number,
  rng: () => number,
  std: number = DEFAULT_INIT_STD,
  /** where to draw the factors (a training kernel's memory), instead of new arrays */
  into?: { userFactors: Float32Array; itemFactors: Float32Array },
): MfModel {
  requirePositiveInt('k', k);
  requirePositiveInt('nUsers', nUsers);
  requirePositiveInt('nItems', nItems);
  if (!Number.isFinite(std) || std < 0) throw new LatentInputError(`init std must be a finite number >= 0, got ${std}`);
  return {
    kind,
    k,
    nUsers,
    nItems,
    mu: 0,
    userBias: new Float32Array(nUsers),
    itemBias: new Float32Array(nItems),
    userFactors: normalInit(nUsers * k, std, rng, into?.userFactors),
    itemFactors: normalInit(nItems * k, std, rng, into?.itemFactors),
  };
}

/** Predicted rating (explicit) or preference score (implicit) for user u and item i. */
export function predict(model: MfModel, u: number, i: number): number {
  requireIndex('user', u, model.nUsers);
  requireIndex('item', i, model.nItems);
  const k = model.k;
  const P = model.userFactors;
  const Q = model.itemFactors;
  let s = model.mu + model.userBias[u] + model.itemBias[i];
  const pu = u * k;
  const qi = i * k;
  for (let f = 0; f < k; f++) s += P[pu + f] * Q[qi + f];
  return s;
}

/** Scores of every item for one user vector (fold-in or trained): b_i + p . q_i (+ mu + b_u for explicit). */
export function scoreAll(model: MfModel, userVec: ArrayLike<number>, userBias = 0): Float32Array {
  const { k, nItems, itemFactors: Q, itemBias } = model;
  if (userVec.length !== k) throw new LatentInputError(`user vector must have length k=${k}, got ${userVec.length}`);
  const out = new Float32Array(nItems);
  const base = model.mu + userBias;
  for (let i = 0; i < nItems; i++) {
    let s = base + itemBias[i];
    const qi = i * k;
    for (let f = 0; f < k; f++) s += userVec[f] * Q[qi + f];
    out[i] = s;
  }
  return out;
}

/** Deep copy (for convergence checks and snapshots). */
export function cloneModel(m: MfModel): MfModel {
  return {
    ...m,
    userBias: m.userBias.slice(),
    itemBias: m.itemBias.slice(),
    userFactors: m.userFactors.slice(),
    itemFactors: m.itemFactors.slice(),
  };
}

/** Throws TrainingDivergedError if any parameter is non-finite: a trainer never returns NaN factors. */
export function assertModelFinite(m: MfModel, where: string): void {
  if (
    !Number.isFinite(m.mu) ||
    !allFinite(m.userBias) ||
    !allFinite(m.itemBias) ||
    !allFinite(m.userFactors) ||
    !allFinite(m.itemFactors)
  ) {
    throw new TrainingDivergedError(
      `${where}: parameters became non-finite (NaN/Infinity); lower the learning rate or the confidence alpha`,
    );
  }
}
