// The types of a fitted recommender model and of what it returns: shared by fitting, scoring and the file format.
import type { FactorModel } from './factorModel';
import type { RecommenderConfig } from './recommenderConfig';

import type { ScoreBreakdown } from './scoreBreakdown';

export type RecommendMode = 'mf' | 'frecency';

/** Sparse item-item cosine, top `neighbours` per item, CSR over item indices. */
export interface NeighbourTable {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

export interface RecommenderStats {
  sessions: number;
  /** sessions with >= 2 distinct items: the ones that teach co-use */
  multiItemSessions: number;
  interactions: number;
  items: number;
  epochs: number;
  finalLoss: number;
  fitMs: number;
  /** validation cases the blend was measured on (0: no validation) and its NDCG@10 there */
  blendCases: number;
  blendNdcg: number;
}

/** Top-K cut of the held-out hit rate (the protocol's HR@10). */
export const HELD_OUT_K = 10;

/**
 * Held-out hit rate of the shipped ranking: the model fitted on the older 80% of the sessions (autoBlend's
 * validation fit) ranks the left-out items of the newest 20% (at most BLEND_MAX_CASES of the newest cases), with
 * EASE's ridge chosen on them, so it is slightly optimistic. `value` is null, with the reason, when no validation
 * ran: never a made-up figure.
 */
export type HeldOutResult = { k: number; value: number; cases: number; reason?: undefined } | { k: number; value: null; cases: number; reason: string };

/** What training recorded besides the model: kept with it so the panel can show it after a reload. */
export interface TrainingRecord {
  /** loss of every epoch of the final fit, epoch 1 first: length === stats.epochs */
  losses: number[];
  heldOut: HeldOutResult;
  /**
   * The newest training session as the trainer saw it (its row of the session x item matrix: decayed raw signal per
   * item, strongest first, at most TRAINING_ROW_CELLS), so the panel can replay a real training step without
   * reading the feedback store again. Absent in files saved before it was recorded.
   */
  lastRow?: TrainingRow;
}

export interface TrainingRow {
  session: string;
  /** row index in the training matrix */
  row: number;
  /** the session's vector as training left it (k values): the model keeps no other session vector */
  x: number[];
  cells: { item: number; raw: number }[];
}

export const TRAINING_ROW_CELLS = 50;

/** What a model carries about the full fit it descends from (absent: the model is a full fit itself). */
export interface ModelLineage {
  /** interactions, items and sessions the last full fit learned from */
  fullInteractions: number;
  fullItems: number;
  /** updates since that full fit */
  updates: number;
  /**
   * How the saved model ranked the sessions that arrived since the full fit, before learning from them (each file of
   * a new session given the rest, as the held-out hit rate): the drift signal.
   */
  freshHits: number;
  freshCases: number;
  /**
   * Interactions of the history the settings in use were validated on (EASE's ridge): a full fit for drift keeps them
   * until the history is REVALIDATE_GROWTH times that (recommenderUpdate.ts).
   * Absent in files saved before it was recorded: fullInteractions stands for it.
   */
  validatedInteractions?: number;
  /** full fits since that validation that kept its settings (absent: none) */
  keptFits?: number;
}

export interface RecommenderModel {
  /**
   * 3: the factor model keeps the sessions' Gramian, not their vectors (factorModel.ts). Files of versions 1 (no
   * `training`) and 2 (every session's vector) are still read.
   */
  version: 3;
  config: RecommenderConfig;
  /** item keys; index i is column i of the MF model */
  items: string[];
  mf: FactorModel;
  /** decayed frecency at trainedAt, scaled to [0, 1] (items that go with everything keep less: recentUsePrior) */
  prior: Float32Array;
  /**
   * Items that go with everything (in more than config.genericShare of all sessions: a root manifest, a changelog),
   * ascending. Their recent-use prior only counts in a context with positive item x item evidence for them.
   */
  generic: Int32Array;
  /**
   * What adds the sessions recorded since training to the prior (livePrior.ts): the largest decayed frecency it was
   * scaled by, and the share of it each generic item keeps (aligned with `generic`). Absent in files saved before.
   */
  priorBasis?: PriorBasis;
  neighbours: NeighbourTable;
  /** unix seconds of the newest interaction */
  trainedAt: number;
  mode: RecommendMode;
  stats: RecommenderStats;
  training: TrainingRecord;
  /** set by retraining (recommenderUpdate.ts): the full fit this model descends from; absent in older files */
  lineage?: ModelLineage;
}

export interface PriorBasis {
  /** the largest raw decayed frecency at trainedAt (prior = raw / scale * keep) */
  scale: number;
  /** per item of `generic`, the share of its prior it keeps (genericDiscount) */
  genericKeep: Float32Array;
}

/** A session recorded after the model's newest interaction: when it started and the items it used. */
export interface RecentSession {
  /** unix seconds */
  start: number;
  items: readonly string[];
}

export interface ContextItem {
  item: string;
  weight: number;
}

export interface Recommendation {
  item: string;
  /** blended score used for the order */
  score: number;
  mfScore: number;
  priorScore: number;
  coocScore: number;
  /** 'frecency' when the model has too little data and ranks by frecency alone; 'new' for an item with no
   * history scored from its folder/extension neighbours */
  source: 'mf' | 'frecency' | 'new';
  /**
   * `contributions[f]` = x_f * y_f; `itemVector` is y (the item's factors as scored): its sign on f says which end
   * of factor f the item sits at, and so which end's label explains a contribution.
   */
  explanation: { bias: number; contributions: number[]; itemVector: number[]; coUsed: string[] };
  /** every term of `score`, summing to it (scoreBreakdown.ts) */
  breakdown: ScoreBreakdown;
}

export interface RecommendOptions {
  n: number;
  exclude?: ReadonlySet<string>;
  now?: number;
  /** items with no history (e.g. new workspace files) to rank too, each with a prior from its neighbours */
  candidates?: readonly string[];
  /** sessions since the model's newest interaction (closed ones): the recent-use prior counts them (livePrior.ts) */
  recentSessions?: readonly RecentSession[];
}

/**
 * The model with item keys renamed (a file renamed or moved since it was trained): `rename` gives an item's new key,
 * or undefined to keep it. Vectors, neighbours and priors stay with the item. A new key the model already holds is
 * left alone (that file has a history of its own). The same model comes back when nothing changed.
 */
export function withRenamedItems(model: RecommenderModel, rename: (item: string) => string | undefined): RecommenderModel {
  let items: string[] | undefined;
  const taken = new Set(model.items);
  for (let i = 0; i < model.items.length; i++) {
    const to = rename(model.items[i]);
    if (to === undefined || to === model.items[i] || taken.has(to)) continue;
    items ??= model.items.slice();
    taken.add(to);
    items[i] = to;
  }
  return items ? { ...model, items } : model;
}
