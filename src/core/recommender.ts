// The shipped ranker: what the extension, the training worker and `cli eval` all use to turn implicit feedback
// into recommendations. Sessions are rows, items are columns (DESIGN.md section 3); implicit SGD with sampled
// negatives learns item factors, the current session is folded in, and the MF score is blended with an item
// co-occurrence prior and a frecency prior (weights chosen on a validation split carved from training data).
import { CooccurrenceIndex } from './baselines';
import { confidence } from './confidence';
import { encodeFloat32 } from './base64';
import { LatentInputError, ModelFormatError } from './errors';
import { groupSessions, splitProtocol, type ProtocolSplit } from './evalProtocol';
import { foldIn, gramian } from './foldIn';
import { nowMs } from './host';
import type { Interaction } from './interaction';
import type { MfModel } from './model';
import { deserializeModel, float32Field, serializeModel } from './serialize';
import { topN } from './ranking';
import { trainSgdImplicitSteps } from './sgd';
import { CsrMatrix } from './sparse';
import { finishSteps, type EpochInfo, type Steps, type TrainHooks } from './train';
import { requireNonNegative, requireNonNegativeInt, requirePositive, requirePositiveInt } from './validate';

export type { Interaction } from './interaction';
export type { TrainHooks } from './train';

/** Flat scalars only: the training worker passes overrides through a validated message. */
export interface RecommenderConfig {
  /** latent dimension k */
  factors: number;
  /** confidence c = 1 + alpha log(1 + r / epsilon) */
  alpha: number;
  epsilon: number;
  /** L2 regularization of the SGD trainer */
  lambda: number;
  learningRate: number;
  epochs: number;
  /** sampled unobserved cells per observed cell and epoch */
  negatives: number;
  /** older sessions count less: raw signal * 0.5^(age / halfLife), age measured from the newest interaction */
  halfLifeDays: number;
  /** ridge term of the fold-in of the current session */
  foldInLambda: number;
  /** half-life of the frecency prior: one visit per session, worth 0.5^(age / half-life) */
  priorHalfLifeDays: number;
  /** blend weights of the three per-query normalized scores */
  mfWeight: number;
  coocWeight: number;
  priorWeight: number;
  /** co-occurrence neighbours kept per item in the model */
  neighbours: number;
  /**
   * Choose coocWeight, priorWeight and priorHalfLifeDays per workspace: fit once on the older 80% of the sessions,
   * pick the blend with the best NDCG@10 on the newer 20% (the evaluation protocol on training data only), then
   * fit on everything. Histories differ (MRU wins on some, co-use on others), so fixed weights would only fit the
   * histories they were tuned on.
   */
  autoBlend: boolean;
  /** fewer sessions with >= 2 items than this: rank by frecency and say so (mode 'frecency') */
  minSessions: number;
  seed: number | string;
}

/**
 * The shipped defaults (the extension's latent.factors / latent.halfLifeDays defaults match). How they were chosen,
 * by `src/eval/tune.ts` on validation splits carved from the training part only, then checked with
 * `src/eval/compare.ts` on the test splits and on histories never used for tuning (three synthetic workspaces and
 * ML-100K user-days):
 * - Fixed blend weights could not win everywhere (chalk favours recency, vscode-pull-request-github co-use), so the
 *   blend is chosen per workspace (autoBlend). With fixed weights chalk lost 17% to MRU; with autoBlend every
 *   history beats its best baseline.
 * - MF settings the tuner liked on validation (factors 64, lambda 0.001, lr 0.03, half-life 30 d, fold-in lambda 10;
 *   or negatives 8 with lr 0.03) did not transfer to the test splits (chalk -7.7%, vscode +16% -> +6%), so these
 *   stayed at the values below.
 * - factors 16 with a 14-day half-life dropped chalk to -0.1% vs MRU.
 */
export const DEFAULT_RECOMMENDER_CONFIG: RecommenderConfig = {
  factors: 32,
  alpha: 10,
  epsilon: 1,
  lambda: 0.01,
  learningRate: 0.05,
  epochs: 30,
  negatives: 4,
  halfLifeDays: 180,
  foldInLambda: 1,
  priorHalfLifeDays: 30,
  mfWeight: 1,
  coocWeight: 1,
  priorWeight: 0.2,
  neighbours: 50,
  autoBlend: true,
  minSessions: 10,
  seed: 42,
};

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
  /** validation cases the blend was chosen on (0: configured weights kept) and their NDCG@10 */
  blendCases: number;
  blendNdcg: number;
}

/** Top-K cut of the held-out hit rate (the protocol's HR@10). */
export const HELD_OUT_K = 10;

/**
 * Held-out hit rate of the shipped ranking: the model fitted on the older 80% of the sessions (autoBlend's
 * validation fit) ranks the left-out items of the newest 20% (at most BLEND_MAX_CASES of the newest cases) with the
 * blend that was chosen on them, so it is slightly optimistic. `value` is null, with the reason, when no validation
 * ran: never a made-up figure.
 */
export type HeldOutResult = { k: number; value: number; cases: number; reason?: undefined } | { k: number; value: null; cases: number; reason: string };

/** What training recorded besides the model: kept with it so the panel can show it after a reload. */
export interface TrainingRecord {
  /** loss of every epoch of the final fit, epoch 1 first: length === stats.epochs */
  losses: number[];
  heldOut: HeldOutResult;
}

export interface RecommenderModel {
  /** 2: with `training` (per-epoch losses, held-out hit rate). Files of version 1 are still read. */
  version: 2;
  config: RecommenderConfig;
  /** item keys; index i is column i of the MF model */
  items: string[];
  mf: MfModel;
  /** decayed frecency at trainedAt, scaled to [0, 1] */
  prior: Float32Array;
  neighbours: NeighbourTable;
  /** unix seconds of the newest interaction */
  trainedAt: number;
  mode: RecommendMode;
  stats: RecommenderStats;
  training: TrainingRecord;
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
  explanation: { bias: number; contributions: number[]; coUsed: string[] };
}

export interface RecommendOptions {
  n: number;
  exclude?: ReadonlySet<string>;
  now?: number;
  /** items with no history (e.g. new workspace files) to rank too, each with a prior from its neighbours */
  candidates?: readonly string[];
}

const DAY_SECONDS = 86400;

function checkConfig(c: RecommenderConfig): void {
  requirePositiveInt('factors', c.factors);
  requireNonNegative('alpha', c.alpha);
  requirePositive('epsilon', c.epsilon);
  requireNonNegative('lambda', c.lambda);
  requirePositive('learningRate', c.learningRate);
  requireNonNegativeInt('epochs', c.epochs);
  requireNonNegativeInt('negatives', c.negatives);
  requirePositive('halfLifeDays', c.halfLifeDays);
  requireNonNegative('foldInLambda', c.foldInLambda);
  requirePositive('priorHalfLifeDays', c.priorHalfLifeDays);
  requireNonNegative('mfWeight', c.mfWeight);
  requireNonNegative('coocWeight', c.coocWeight);
  requireNonNegative('priorWeight', c.priorWeight);
  requireNonNegativeInt('neighbours', c.neighbours);
  requireNonNegativeInt('minSessions', c.minSessions);
  if (typeof c.autoBlend !== 'boolean') throw new LatentInputError(`autoBlend must be true or false, got ${String(c.autoBlend)}`);
  if (typeof c.seed !== 'number' && typeof c.seed !== 'string') throw new LatentInputError('seed must be a number or a string');
}

export function resolveConfig(config?: Partial<RecommenderConfig>): RecommenderConfig {
  const merged: RecommenderConfig = { ...DEFAULT_RECOMMENDER_CONFIG };
  for (const [k, v] of Object.entries(config ?? {})) {
    if (!(k in DEFAULT_RECOMMENDER_CONFIG)) throw new LatentInputError(`unknown recommender setting "${k}"`);
    if (v !== undefined) (merged as unknown as Record<string, unknown>)[k] = v;
  }
  checkConfig(merged);
  return merged;
}

function validateInteraction(x: Interaction, i: number): void {
  if (typeof x.session !== 'string' || x.session === '') throw new LatentInputError(`interaction ${i}: empty session`);
  if (typeof x.item !== 'string' || x.item === '') throw new LatentInputError(`interaction ${i}: empty item`);
  if (!Number.isFinite(x.time)) throw new LatentInputError(`interaction ${i}: time must be finite, got ${x.time}`);
  if (!Number.isFinite(x.weight) || x.weight <= 0) {
    throw new LatentInputError(`interaction ${i}: weight must be a finite number > 0, got ${x.weight}`);
  }
}

/**
 * Exponentially decayed visit count: sum over sessions that used the item of 0.5^(age / halfLife). Unlike the
 * bucketed frecency its order does not depend on "now" (every score scales by the same factor), so a snapshot
 * taken at training time ranks exactly as a fresh one would.
 */
function decayedFrecency(
  sessions: ReadonlyArray<{ time: number; items: readonly string[] }>,
  itemIndex: ReadonlyMap<string, number>,
  at: number,
  halfLife: number,
): Float32Array {
  const out = new Float64Array(itemIndex.size);
  for (const s of sessions) {
    const w = Math.pow(0.5, (at - s.time) / halfLife);
    for (const it of s.items) out[itemIndex.get(it) as number] += w;
  }
  return Float32Array.from(out);
}

function buildNeighbours(cooc: CooccurrenceIndex, nItems: number, m: number): NeighbourTable {
  const indptr = new Int32Array(nItems + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < nItems; i++) {
    for (const nb of cooc.neighbours(i, m)) {
      indices.push(nb.index);
      values.push(nb.score);
    }
    indptr[i + 1] = indices.length;
  }
  return { indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

export function fitRecommender(
  data: readonly Interaction[],
  config?: Partial<RecommenderConfig>,
  hooks?: TrainHooks,
): RecommenderModel {
  return finishSteps(fitRecommenderSteps(data, config, hooks));
}

/**
 * fitRecommender as steps (core/train.ts): pauses inside the SGD epochs, between validation cases of the blend
 * choice and between phases, so the in-process training fallback can run in slices on the extension host. Same
 * model as fitRecommender: only the driver decides whether to pause.
 */
export function* fitRecommenderSteps(
  data: readonly Interaction[],
  config?: Partial<RecommenderConfig>,
  hooks?: TrainHooks,
): Steps<RecommenderModel> {
  const started = nowMs();
  let cfg = resolveConfig(config);
  if (data.length === 0) throw new LatentInputError('fitRecommender: no interactions to learn from');
  data.forEach(validateInteraction);
  yield;
  let blend: BlendChoice | undefined;
  const validation = cfg.autoBlend ? blendSplitOf(data) : { split: undefined, reason: 'Held-out validation is off (autoBlend is disabled).', cases: 0 };
  const blendSplit = validation.split;
  // With a blend to choose the model is trained twice (validation fit, then the full fit): progress maps the
  // validation fit's epochs to the first half of 1..epochs and the full fit's to the second, never running backwards.
  const span = blendSplit ? 0.5 : 1;
  let offset = 0;
  let lastReported = 0;
  const phased = (e: EpochInfo): void => {
    if (!hooks?.onEpoch) return;
    const epoch = Math.min(cfg.epochs, Math.round(offset + (span * e.epoch * cfg.epochs) / Math.max(1, cfg.epochs)));
    if (epoch <= lastReported) return;
    lastReported = epoch;
    hooks.onEpoch({ ...e, epoch, elapsedMs: nowMs() - started });
  };
  if (blendSplit) {
    blend = yield* chooseBlendSteps(blendSplit, cfg, { onEpoch: phased, shouldStop: hooks?.shouldStop });
    if (blend) cfg = { ...cfg, ...blend.weights };
    offset = cfg.epochs * 0.5;
  }

  const sessionIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const items: string[] = [];
  let trainedAt = -Infinity;
  for (const x of data) {
    if (!sessionIndex.has(x.session)) sessionIndex.set(x.session, sessionIndex.size);
    if (!itemIndex.has(x.item)) {
      itemIndex.set(x.item, items.length);
      items.push(x.item);
    }
    if (x.time > trainedAt) trainedAt = x.time;
  }

  // Raw signal per cell, decayed by age; CsrMatrix sums repeated cells.
  const halfLife = cfg.halfLifeDays * DAY_SECONDS;
  const rows = new Int32Array(data.length);
  const cols = new Int32Array(data.length);
  const vals = new Float64Array(data.length);
  data.forEach((x, t) => {
    rows[t] = sessionIndex.get(x.session) as number;
    cols[t] = itemIndex.get(x.item) as number;
    vals[t] = x.weight * Math.pow(0.5, (trainedAt - x.time) / halfLife);
  });
  const matrix = CsrMatrix.fromTriples(sessionIndex.size, items.length, rows, cols, vals);

  let epochs = 0;
  let finalLoss = NaN;
  const losses: number[] = [];
  yield;
  const mf = yield* trainSgdImplicitSteps(
    matrix,
    {
      k: cfg.factors,
      epochs: cfg.epochs,
      learningRate: cfg.learningRate,
      lambda: cfg.lambda,
      alpha: cfg.alpha,
      epsilon: cfg.epsilon,
      negatives: cfg.negatives,
      seed: cfg.seed,
    },
    {
      onEpoch: (e) => {
        epochs = e.epoch;
        finalLoss = e.loss;
        losses.push(e.loss);
        phased(e);
      },
      shouldStop: hooks?.shouldStop,
    },
  );

  yield;
  const sessions = groupSessions(data);
  const prior = decayedFrecency(sessions, itemIndex, trainedAt, cfg.priorHalfLifeDays * DAY_SECONDS);
  const maxPrior = prior.reduce((a, b) => Math.max(a, b), 0);
  if (maxPrior > 0) for (let i = 0; i < prior.length; i++) prior[i] /= maxPrior;

  const sessionItems = sessions.map((s) => s.items.map((it) => itemIndex.get(it) as number));
  const cooc = new CooccurrenceIndex(sessionItems, items.length);
  const multiItemSessions = sessionItems.filter((s) => s.length >= 2).length;
  const mode: RecommendMode = multiItemSessions < Math.max(1, cfg.minSessions) ? 'frecency' : 'mf';
  yield;

  let heldOut: HeldOutResult;
  if (mode === 'frecency') {
    // The validation measured the factor model's blend, but this model ranks by frecency: not its hit rate.
    heldOut = { k: HELD_OUT_K, value: null, cases: blend?.cases ?? 0, reason: 'Ranking by recent use (too few sessions with several items), so there is no factor-model hit rate to report.' };
  } else if (blend) {
    heldOut = { k: HELD_OUT_K, value: blend.hitRate, cases: blend.cases };
  } else {
    heldOut = { k: HELD_OUT_K, value: null, cases: validation.cases, reason: validation.reason ?? 'No validation ran.' };
  }

  return {
    version: 2,
    config: cfg,
    items,
    mf,
    prior,
    neighbours: buildNeighbours(cooc, items.length, cfg.neighbours),
    trainedAt,
    mode,
    stats: {
      sessions: sessionIndex.size,
      multiItemSessions,
      interactions: data.length,
      items: items.length,
      epochs,
      finalLoss,
      fitMs: nowMs() - started,
      blendCases: blend?.cases ?? 0,
      blendNdcg: blend?.ndcg ?? NaN,
    },
    training: { losses, heldOut },
  };
}

interface BlendChoice {
  weights: Pick<RecommenderConfig, 'coocWeight' | 'priorWeight' | 'priorHalfLifeDays'>;
  cases: number;
  ndcg: number;
  /** HR@HELD_OUT_K of the chosen blend on the same cases */
  hitRate: number;
}

export const BLEND_GRID = {
  coocWeight: [0, 0.25, 0.5, 1, 2, 4],
  priorWeight: [0, 0.1, 0.25, 0.5, 1, 2],
  priorHalfLifeDays: [3, 30, 365],
};
/** Fewer validation cases than this: too noisy to choose from, keep the configured weights. */
export const BLEND_MIN_CASES = 30;
/** Relative validation NDCG gain needed to leave the configured blend. */
export const BLEND_MIN_GAIN = 0.01;
/** The newest cases are enough to choose a blend and keep the extra cost small. */
export const BLEND_MAX_CASES = 500;

/** The validation split autoBlend chooses on; no split, with the reason, when the history is too small to validate on. */
function blendSplitOf(data: readonly Interaction[]): { split: ProtocolSplit | undefined; cases: number; reason?: string } {
  let split: ProtocolSplit;
  try {
    split = splitProtocol(data);
  } catch (e) {
    if (e instanceof LatentInputError) {
      return { split: undefined, cases: 0, reason: 'Too little history to hold any out: fewer than 2 sessions.' };
    }
    throw e;
  }
  const n = split.cases.length;
  if (n < BLEND_MIN_CASES) {
    return {
      split: undefined,
      cases: n,
      reason:
        `Too little history to hold out: the newest 20% of sessions give ${n} validation case${n === 1 ? '' : 's'}, ` +
        `${BLEND_MIN_CASES} needed (a case is a file of a recent session that older sessions used too).`,
    };
  }
  return { split, cases: n };
}

/** See RecommenderConfig.autoBlend. Undefined when training was stopped. */
function* chooseBlendSteps(split: ProtocolSplit, cfg: RecommenderConfig, hooks?: TrainHooks): Steps<BlendChoice | undefined> {
  const inner = yield* fitRecommenderSteps(split.trainInteractions, { ...cfg, autoBlend: false, minSessions: 0 }, hooks);
  if (hooks?.shouldStop?.()) return undefined;
  const index = itemIndexOf(inner.items);
  const innerSessions = groupSessions(split.trainInteractions);
  const halfLives = [cfg.priorHalfLifeDays, ...BLEND_GRID.priorHalfLifeDays.filter((h) => h !== cfg.priorHalfLifeDays)];
  const priors = halfLives.map((h) => {
    const p = decayedFrecency(innerSessions, index, inner.trainedAt, h * DAY_SECONDS);
    const max = p.reduce((a, b) => Math.max(a, b), 0);
    return max > 0 ? p.map((x) => x / max) : p;
  });
  const cases = split.cases.slice(-BLEND_MAX_CASES);
  // The configured blend comes first and is kept unless another beats it by BLEND_MIN_GAIN: on small validation
  // sets the grid's best is partly noise.
  const combos: Array<BlendChoice['weights']> = [
    { coocWeight: cfg.coocWeight, priorWeight: cfg.priorWeight, priorHalfLifeDays: cfg.priorHalfLifeDays },
  ];
  for (const priorHalfLifeDays of BLEND_GRID.priorHalfLifeDays) {
    for (const coocWeight of BLEND_GRID.coocWeight) {
      for (const priorWeight of BLEND_GRID.priorWeight) combos.push({ coocWeight, priorWeight, priorHalfLifeDays });
    }
  }
  const totals = new Float64Array(combos.length);
  const hits = new Float64Array(combos.length);
  const n = inner.items.length;
  const score = new Float64Array(n);
  for (const c of cases) {
    yield;
    // The protocol ranks everything but the context.
    const s = scoreItems(inner, c.context.map((item) => ({ item, weight: 1 })), { exclude: new Set(c.context) });
    const nm = s.mf.slice(0, n);
    const nc = s.cooc.slice(0, n);
    const cand = s.candidate.subarray(0, n);
    normalize(nm, cand);
    normalize(nc, cand);
    const target = index.get(c.target) as number;
    combos.forEach((w, t) => {
      const prior = priors[halfLives.indexOf(w.priorHalfLifeDays)];
      for (let i = 0; i < n; i++) score[i] = cfg.mfWeight * nm[i] + w.coocWeight * nc[i] + w.priorWeight * prior[i];
      let rank = 0;
      const st = score[target];
      for (let j = 0; j < n; j++) if (cand[j] && j !== target && (score[j] > st || (score[j] === st && j < target))) rank++;
      if (rank < HELD_OUT_K) {
        totals[t] += 1 / Math.log2(rank + 2);
        hits[t]++;
      }
    });
  }
  // Ties (and near-ties within noise) go to the earlier combo: fewer/lighter priors come first in the grid order.
  let best = 0;
  for (let t = 1; t < combos.length; t++) if (totals[t] > totals[best] + 1e-9) best = t;
  if (totals[best] < totals[0] * (1 + BLEND_MIN_GAIN)) best = 0;
  return { weights: combos[best], cases: cases.length, ndcg: totals[best] / cases.length, hitRate: hits[best] / cases.length };
}

/** Folder and extension of an item key, for priors of items with no history. */
function itemPlace(item: string): { kind: string; folder: string; ext: string } {
  const colon = item.indexOf(':');
  const kind = colon >= 0 ? item.slice(0, colon) : '';
  const path = colon >= 0 ? item.slice(colon + 1) : item;
  const slash = path.lastIndexOf('/');
  const folder = slash >= 0 ? path.slice(0, slash) : '';
  const base = slash >= 0 ? path.slice(slash + 1) : path;
  const dot = base.lastIndexOf('.');
  return { kind, folder, ext: dot > 0 ? base.slice(dot + 1) : '' };
}

export interface ItemPrior {
  vector: Float32Array;
  bias: number;
  prior: number;
  /** indices of the known items it was borrowed from, and their weights */
  from: number[];
  weights: number[];
}

/**
 * Prior for an item with no history: the mean factors, bias and frecency prior of known items of the same kind
 * in the same folder and with the same extension (weight 2), else in the same folder (weight 1), else with the
 * same extension in any folder (weight 0.5). Undefined when there is no such neighbour.
 */
export function priorForNewItem(model: RecommenderModel, item: string): ItemPrior | undefined {
  const me = itemPlace(item);
  const k = model.mf.k;
  const Q = model.mf.itemFactors;
  const vector = new Float32Array(k);
  let bias = 0;
  let prior = 0;
  let total = 0;
  const from: number[] = [];
  const weights: number[] = [];
  const add = (i: number, w: number): void => {
    weights.push(w);
    for (let f = 0; f < k; f++) vector[f] += w * Q[i * k + f];
    bias += w * model.mf.itemBias[i];
    prior += w * model.prior[i];
    total += w;
    from.push(i);
  };
  const sameFolder: Array<[number, boolean]> = [];
  const sameExt: number[] = [];
  model.items.forEach((key, i) => {
    const p = itemPlace(key);
    if (p.kind !== me.kind || key === item) return;
    if (p.folder === me.folder) sameFolder.push([i, p.ext === me.ext]);
    else if (me.ext !== '' && p.ext === me.ext) sameExt.push(i);
  });
  if (sameFolder.length > 0) for (const [i, sameE] of sameFolder) add(i, sameE ? 2 : 1);
  else for (const i of sameExt) add(i, 0.5);
  if (total === 0) return undefined;
  for (let f = 0; f < k; f++) vector[f] /= total;
  return { vector, bias: bias / total, prior: prior / total, from, weights };
}

// Item key -> index per item list, built once: scoreItems runs on every editor change.
const indexCache = new WeakMap<readonly string[], Map<string, number>>();
function itemIndexOf(items: readonly string[]): Map<string, number> {
  let m = indexCache.get(items);
  if (!m) {
    m = new Map();
    items.forEach((it, i) => (m as Map<string, number>).set(it, i));
    indexCache.set(items, m);
  }
  return m;
}

// Y^T Y per trained model, computed once: fold-in runs on every editor change.
const gramCache = new WeakMap<MfModel, Float64Array>();
function gramOf(mf: MfModel): Float64Array {
  let g = gramCache.get(mf);
  if (!g) {
    g = gramian(mf.itemFactors, mf.k);
    gramCache.set(mf, g);
  }
  return g;
}

/** Scales to [0, 1] by the largest value among candidates (negative MF scores shift first), so weights mean the same
 * across workspaces of different sizes and histories. */
function normalize(scores: Float64Array, candidate: Uint8Array): void {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    if (!candidate[i]) continue;
    if (scores[i] < lo) lo = scores[i];
    if (scores[i] > hi) hi = scores[i];
  }
  const span = hi - lo;
  for (let i = 0; i < scores.length; i++) scores[i] = span > 0 ? (scores[i] - lo) / span : 0;
}

export interface ScoredItems {
  mode: RecommendMode;
  /** keys of every scored item: the model's items, then the new candidates that got a prior */
  keys: string[];
  score: Float64Array;
  mf: Float64Array;
  cooc: Float64Array;
  prior: Float64Array;
  /** true where the item may be recommended: not in opts.exclude (context items stay candidates unless excluded) */
  candidate: Uint8Array;
  /** true for the session's own items (the context) */
  inContext: Uint8Array;
  userVector: Float32Array;
  itemVector(i: number): ArrayLike<number>;
  itemBias(i: number): number;
}

/**
 * Scores every known item (and the new candidates) for a session context: the core of recommend() and of eval.
 * Only `opts.exclude` is left out: a file closed earlier in the session is a fine recommendation. The evaluation
 * protocol leaves out the context by passing it as `exclude`.
 */
export function scoreItems(
  model: RecommenderModel,
  context: readonly ContextItem[],
  opts: Omit<RecommendOptions, 'n'> = {},
): ScoredItems {
  const cfg = model.config;
  const { k, itemFactors: Q, itemBias } = model.mf;
  const nKnown = model.items.length;
  const index = itemIndexOf(model.items);

  // New candidates and unknown context items borrow a prior vector from their neighbours.
  const extraKeys: string[] = [];
  const extraPriors: ItemPrior[] = [];
  const extraIndex = new Map<string, number>();
  const addExtra = (key: string): void => {
    if (index.has(key) || extraIndex.has(key)) return;
    const p = priorForNewItem(model, key);
    if (!p) return;
    extraIndex.set(key, nKnown + extraKeys.length);
    extraKeys.push(key);
    extraPriors.push(p);
  };
  for (const c of opts.candidates ?? []) addExtra(c);
  for (const c of context) addExtra(c.item);
  const n = nKnown + extraKeys.length;
  const vec = (i: number): ArrayLike<number> => (i < nKnown ? Q.subarray(i * k, i * k + k) : extraPriors[i - nKnown].vector);
  const bias = (i: number): number => (i < nKnown ? itemBias[i] : extraPriors[i - nKnown].bias);

  const ctxIdx: number[] = [];
  const ctxConf: number[] = [];
  const inContext = new Set<number>();
  for (const c of context) {
    if (!Number.isFinite(c.weight) || c.weight < 0) {
      throw new LatentInputError(`context item ${c.item}: weight must be a finite number >= 0, got ${c.weight}`);
    }
    const i = index.get(c.item) ?? extraIndex.get(c.item);
    if (i === undefined || inContext.has(i)) continue;
    inContext.add(i);
    ctxIdx.push(i);
    ctxConf.push(confidence(c.weight, cfg.alpha, cfg.epsilon));
  }

  // Fold-in of the session; new items in the context contribute their borrowed vectors (appended rows).
  let factors = Q;
  if (ctxIdx.some((i) => i >= nKnown)) {
    factors = new Float32Array(n * k);
    factors.set(Q);
    for (let i = nKnown; i < n; i++) factors.set(vec(i), i * k);
  }
  const userVector =
    ctxIdx.length > 0
      ? foldIn(factors, k, ctxIdx, ctxConf, cfg.foldInLambda, { gram: gramOf(model.mf) })
      : new Float32Array(k);

  const mf = new Float64Array(n);
  const cooc = new Float64Array(n);
  const prior = new Float64Array(n);
  const candidate = new Uint8Array(n);
  const ctxMask = new Uint8Array(n);
  for (const i of inContext) ctxMask[i] = 1;
  for (let i = 0; i < n; i++) {
    let s = bias(i);
    if (i < nKnown) {
      const o = i * k;
      for (let f = 0; f < k; f++) s += userVector[f] * Q[o + f];
    } else {
      const q = extraPriors[i - nKnown].vector;
      for (let f = 0; f < k; f++) s += userVector[f] * q[f];
    }
    mf[i] = s;
    prior[i] = i < nKnown ? model.prior[i] : extraPriors[i - nKnown].prior;
    const key = i < nKnown ? model.items[i] : extraKeys[i - nKnown];
    candidate[i] = opts.exclude?.has(key) ? 0 : 1;
  }
  const nb = model.neighbours;
  for (const c of ctxIdx) {
    if (c >= nKnown) continue;
    for (let t = nb.indptr[c]; t < nb.indptr[c + 1]; t++) cooc[nb.indices[t]] += nb.values[t];
  }
  // A new item has no co-use of its own: it borrows its neighbours' (weighted mean, like its vector).
  extraPriors.forEach((p, e) => {
    let sum = 0;
    let total = 0;
    p.from.forEach((j, t) => {
      sum += p.weights[t] * cooc[j];
      total += p.weights[t];
    });
    cooc[nKnown + e] = sum / total;
  });

  const score = new Float64Array(n);
  if (model.mode === 'frecency') {
    score.set(prior);
  } else {
    // Scales come from the candidates outside the context, as when the blend weights were chosen (the fold-in
    // inflates context items' scores; letting them set the scale would shrink everyone else's MF part).
    const scaleMask = new Uint8Array(n);
    let scaled = 0;
    for (let i = 0; i < n; i++) {
      if (!candidate[i] || ctxMask[i]) continue;
      scaleMask[i] = 1;
      scaled++;
    }
    const mask = scaled > 0 ? scaleMask : candidate;
    const nm = mf.slice();
    const nc = cooc.slice();
    normalize(nm, mask);
    normalize(nc, mask);
    for (let i = 0; i < n; i++) score[i] = cfg.mfWeight * nm[i] + cfg.coocWeight * nc[i] + cfg.priorWeight * prior[i];
    // A new item ranks right behind its best candidate neighbour (ties go to the lower index: the known item).
    // Averages (of vector, co-use, prior) put it mid-pack, below random placement: new files are worked on with
    // their folder's active files. Validation NDCG@10 of new test items (src/eval/newItems.ts on the training
    // part), mean -> this: chalk 0.26 -> 0.54, vscode-pull-request-github 0.01 -> 0.42. Borrowing a context
    // item's score scored higher still (0.86 / 0.48) but put every new file of the folder above everything, so
    // context items, whose scores the fold-in inflates, do not count; with every neighbour in the context the
    // blend of the borrowed mean components stays. Callers should pass few, recent files as candidates.
    extraPriors.forEach((p, e) => {
      let best = -Infinity;
      for (const j of p.from) if (candidate[j] && !ctxMask[j] && score[j] > best) best = score[j];
      if (best > -Infinity) score[nKnown + e] = best;
    });
  }
  return {
    mode: model.mode,
    keys: extraKeys.length > 0 ? model.items.concat(extraKeys) : model.items,
    score,
    mf,
    cooc,
    prior,
    candidate,
    inContext: ctxMask,
    userVector,
    itemVector: vec,
    itemBias: bias,
  };
}

export function recommend(model: RecommenderModel, context: readonly ContextItem[], opts: RecommendOptions): Recommendation[] {
  requireNonNegativeInt('n', opts.n);
  const s = scoreItems(model, context, opts);
  const excluded = new Set<number>();
  for (let i = 0; i < s.score.length; i++) if (!s.candidate[i]) excluded.add(i);
  const order = topN(Array.from(s.score), opts.n, excluded).map((x) => x.index);
  const k = model.mf.k;
  const nKnown = model.items.length;
  const nb = model.neighbours;
  const contextKeys = new Set(context.map((c) => c.item));
  return order.map((i) => {
    const q = s.itemVector(i);
    const contributions: number[] = [];
    for (let f = 0; f < k; f++) contributions.push(s.userVector[f] * q[f]);
    // Co-used items: neighbours that are in the current context first, then the strongest others.
    const coUsed: string[] = [];
    if (i < nKnown) {
      const nbs: string[] = [];
      for (let t = nb.indptr[i]; t < nb.indptr[i + 1]; t++) nbs.push(model.items[nb.indices[t]]);
      coUsed.push(...nbs.filter((x) => contextKeys.has(x)), ...nbs.filter((x) => !contextKeys.has(x)));
    }
    return {
      item: s.keys[i],
      score: s.score[i],
      mfScore: s.mf[i],
      priorScore: s.prior[i],
      coocScore: s.cooc[i],
      source: s.mode === 'frecency' ? 'frecency' : i >= nKnown ? 'new' : 'mf',
      explanation: { bias: s.itemBias(i), contributions, coUsed: coUsed.slice(0, 3) },
    };
  });
}

export const RECOMMENDER_FORMAT = 'latent-recommender';

function encodeInts(a: Int32Array): string {
  // Float32 holds integers exactly up to 2^24: far above any item count a workspace has.
  return encodeFloat32(Float32Array.from(a));
}

export function serializeRecommender(m: RecommenderModel): string {
  return JSON.stringify({
    format: RECOMMENDER_FORMAT,
    version: m.version,
    config: m.config,
    items: m.items,
    mf: serializeModel(m.mf),
    prior: encodeFloat32(m.prior),
    neighbours: {
      indptr: encodeInts(m.neighbours.indptr),
      indices: encodeInts(m.neighbours.indices),
      values: encodeFloat32(m.neighbours.values),
    },
    trainedAt: m.trainedAt,
    mode: m.mode,
    stats: m.stats,
    training: m.training,
  });
}

function fail(msg: string): never {
  throw new ModelFormatError(`recommender model: ${msg}`);
}

function objectField(o: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = o[key];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`field "${key}" must be an object`);
  return v as Record<string, unknown>;
}

function floatsField(o: Record<string, unknown>, key: string, length?: number): Float32Array {
  return float32Field(o, key, length, 'recommender model');
}

function intsField(o: Record<string, unknown>, key: string, length: number | undefined, max: number): Int32Array {
  const f = floatsField(o, key, length);
  const a = new Int32Array(f.length);
  for (let t = 0; t < f.length; t++) {
    if (!Number.isInteger(f[t]) || f[t] < 0 || f[t] > max) fail(`field "${key}" entry ${t} is not an index in [0, ${max}]`);
    a[t] = f[t];
  }
  return a;
}

/** Parses and validates everything; throws ModelFormatError naming the first problem. */
export function deserializeRecommender(s: string): RecommenderModel {
  let raw: unknown;
  try {
    raw = JSON.parse(s);
  } catch (e) {
    fail(`not valid JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('must be a JSON object');
  const o = raw as Record<string, unknown>;
  if (o.format !== RECOMMENDER_FORMAT) fail(`not a Latent recommender (format ${JSON.stringify(o.format)})`);
  if (o.version !== 1 && o.version !== 2) fail(`unsupported version ${JSON.stringify(o.version)} (this build reads 1 and 2)`);
  let config: RecommenderConfig;
  try {
    config = resolveConfig(objectField(o, 'config') as Partial<RecommenderConfig>);
  } catch (e) {
    fail(`bad config: ${(e as Error).message}`);
  }
  if (!Array.isArray(o.items) || !o.items.every((x) => typeof x === 'string')) fail('field "items" must be an array of strings');
  const items = o.items as string[];
  if (typeof o.mf !== 'string') fail('field "mf" must be a serialized MF model');
  const mf = deserializeModel(o.mf);
  if (mf.nItems !== items.length) fail(`MF model has ${mf.nItems} items, the item list ${items.length}`);
  const prior = floatsField(o, 'prior', items.length);
  const nbRaw = objectField(o, 'neighbours');
  const indptr = intsField(nbRaw, 'indptr', items.length + 1, 2 ** 24);
  for (let i = 0; i < items.length; i++) if (indptr[i + 1] < indptr[i]) fail('neighbour table offsets decrease');
  const nnz = indptr[items.length];
  const neighbours: NeighbourTable = {
    indptr,
    indices: intsField(nbRaw, 'indices', nnz, items.length - 1),
    values: floatsField(nbRaw, 'values', nnz),
  };
  if (typeof o.trainedAt !== 'number' || !Number.isFinite(o.trainedAt)) fail('field "trainedAt" must be a finite number');
  if (o.mode !== 'mf' && o.mode !== 'frecency') fail(`field "mode" must be "mf" or "frecency", got ${JSON.stringify(o.mode)}`);
  const st = objectField(o, 'stats');
  const num = (key: keyof RecommenderStats): number => {
    const v = st[key];
    // finalLoss is NaN (null in JSON) when no epoch ran.
    if ((key === 'finalLoss' || key === 'blendNdcg') && v === null) return NaN;
    if (typeof v !== 'number') fail(`stats field "${key}" must be a number`);
    return v;
  };
  const stats: RecommenderStats = {
    sessions: num('sessions'),
    multiItemSessions: num('multiItemSessions'),
    interactions: num('interactions'),
    items: num('items'),
    epochs: num('epochs'),
    finalLoss: num('finalLoss'),
    fitMs: num('fitMs'),
    blendCases: num('blendCases'),
    blendNdcg: num('blendNdcg'),
  };
  // Version 1 did not record the training run: no losses (the panel shows the final loss) and no hit rate.
  const training: TrainingRecord =
    o.version === 1
      ? {
          losses: [],
          heldOut: {
            k: HELD_OUT_K,
            value: null,
            cases: 0,
            reason: 'This model was saved by an earlier version of Latent that did not record it; the next training measures it.',
          },
        }
      : trainingRecordOf(objectField(o, 'training'), stats.epochs);
  return { version: 2, config, items, mf, prior, neighbours, trainedAt: o.trainedAt, mode: o.mode, stats, training };
}

/** Validates a serialized TrainingRecord (version 2): every epoch's finite loss, a hit rate in [0, 1] or a reason. */
function trainingRecordOf(t: Record<string, unknown>, epochs: number): TrainingRecord {
  const losses = t.losses;
  if (!Array.isArray(losses) || !losses.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    fail('training field "losses" must be an array of finite numbers');
  }
  if (losses.length !== epochs) fail(`training field "losses" has ${losses.length} values for ${epochs} epochs`);
  const h = objectField(t, 'heldOut');
  const { k, value, cases, reason } = h;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) fail('held-out field "k" must be a positive integer');
  if (typeof cases !== 'number' || !Number.isInteger(cases) || cases < 0) fail('held-out field "cases" must be an integer >= 0');
  if (value === null) {
    if (typeof reason !== 'string' || reason === '') fail('a held-out hit rate of null needs a "reason"');
    return { losses: losses as number[], heldOut: { k, value: null, cases, reason } };
  }
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) fail('held-out field "value" must be in [0, 1] or null');
  if (cases < 1) fail('a held-out hit rate needs at least one case');
  return { losses: losses as number[], heldOut: { k, value, cases } };
}
