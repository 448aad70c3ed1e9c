// Builds the "Inside the model" panel state from the shipped model, the current session and the last training
// run. Pure (no vscode): the numbers the webview shows are computed and unit-tested here, the webview only draws.
import { confidence } from '../../core/confidence';
import {
  coUsedItems,
  LABEL_ITEMS,
  NAMED_FACTORS_PER_STEP,
  factorTopsSteps,
  type LabelBase,
  nameEnds,
  pcaAxesFromGram,
  type Pca2,
  projectPca,
  replaySgd,
  rowOf,
  scoreSplit,
  shownEndItems,
  type ReplayCell,
  type SgdStepView,
} from '../../core/explainView';
import { scoreItems, type ContextItem, type RecentSession, type RecommenderModel, type ScoredItems } from '../../core/recommender';
import { topIndices } from '../../core/ranking';
import { gramOf, itemDots, itemDotsSteps, itemIndexOf } from '../../core/scoring';
import { partShares, scoreBreakdown } from '../../core/scoreBreakdown';
import type { ScoreBuffers } from '../../core/scoreBuffers';
import { finishSteps, finishStepsAsync, type Steps } from '../../core/train';
import { localDateTime } from '../localTime';
import { TOY_FEATURES, TOY_LEARNING_RATE, TOY_MOVIES, TOY_MOVIE_VECTORS, TOY_RATINGS, TOY_USERS, TOY_USER_VECTORS, toyCells } from '../../core/toyExample';
import type {
  FactorView,
  MapView,
  ModelView,
  PanelState,
  StepView,
  ToyView,
  TrainingView,
  WhyView,
  WorkedUpdateView,
  HitRateView,
  ItemValue,
} from './protocol';

export interface FactorsSource {
  model: RecommenderModel | undefined;
  /** The current session (tracker.currentSession()). */
  context: readonly ContextItem[];
  /** Item the user asked "Why this?" about. */
  why?: string;
  /** Sessions that ended since the model was trained, as the live ranking counts them (RecommendOptions.recentSessions). */
  recentSessions?: readonly RecentSession[];
  /** Shown when there is no model (e.g. "Not enough data yet: 3 sessions"). */
  message?: string;
  /**
   * Items a pattern added to latent.exclude covers now: the model learned them before, the panel names none of them
   * (as the recommendations do not).
   */
  excluded?: (item: string) => boolean;
}

/**
 * Sizes of what the panel shows: enough to read, small enough for a narrow panel and a small message. An end's items
 * (factorItems) are the ones the tree's why lines name it from, so both read alike.
 */
export const PANEL_LIMITS = { heatmapItems: 16, factorItems: LABEL_ITEMS, mapPoints: 300, replayPositives: 8, replayNegatives: 2, coUsed: 5 };

function toStep(s: SgdStepView, row: string, col: string, raw: number | null): StepView {
  return { row, col, raw, ...s };
}

/** The lecture's toy matrix, replayed with its plain SGD (confidence 1, no bias, no regularization). */
export function toyView(): ToyView {
  const cells = toyCells();
  const steps = replaySgd(
    { rows: TOY_USER_VECTORS.map((r) => [...r]), cols: TOY_MOVIE_VECTORS.map((r) => [...r]), colBias: TOY_MOVIES.map(() => 0), mu: 0 },
    cells.map((c) => ({ row: c.user, col: c.movie, target: c.rating, confidence: 1 })),
    { learningRate: TOY_LEARNING_RATE, lambda: 0, updateBias: false },
  );
  return {
    users: [...TOY_USERS],
    movies: [...TOY_MOVIES],
    ratings: TOY_RATINGS.map((r) => [...r]),
    update: {
      title: 'Lecture example: Alice, Bob and Carol rate five movies',
      note:
        'Plain SGD on explicit ratings: confidence 1, no bias, no regularization, learning rate 0.01. ' +
        "Movie vectors start at their known features; Alice's start vector is the lecture's, Bob's and Carol's are chosen for the demo.",
      learningRate: TOY_LEARNING_RATE,
      lambda: 0,
      lambdaItem: 0,
      updateBias: false,
      dims: [...TOY_FEATURES],
      steps: steps.map((s, t) => toStep(s, TOY_USERS[cells[t].user], TOY_MOVIES[cells[t].movie], cells[t].rating)),
    },
  };
}

interface RowCells {
  label: string;
  x: number[];
  /** Observed items of the row with their raw (decayed, summed) signal. */
  cells: { item: number; raw: number }[];
}

/**
 * The newest training session as the trainer saw it, recorded in the model at training time (model.training.lastRow),
 * with its learned session vector. Undefined for a model saved before rows were recorded.
 */
export function lastTrainingRow(model: RecommenderModel): RowCells | undefined {
  const r = model.training.lastRow;
  if (!r || r.x.length !== model.mf.k) return undefined;
  return { label: `${sessionLabel(r.session)} (row ${r.row})`, x: r.x, cells: r.cells };
}

/**
 * A training session's id in words: `git:<hash>@<ms>` (a commit Learn from Git History read) as `commit <short hash>
 * of <its time>`, `<window>@<start ms>` (recorded here) as `your session of <its start>`, local time to the minute.
 * Anything else (an older or foreign id) as it is.
 */
export function sessionLabel(id: string): string {
  const at = id.lastIndexOf('@');
  const ms = at > 0 ? Number(id.slice(at + 1)) : NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0) return `session ${id}`;
  const when = localDateTime(ms);
  return id.startsWith('git:') ? `commit ${id.slice(4, Math.min(at, 11))} of ${when}` : `your session of ${when}`;
}

/**
 * Successive SGD steps on one session row with the model's current parameters: its observed cells (p = 1,
 * c from the raw signal), then the unobserved items the row scores highest (p = 0, c = 1, as sampled negatives
 * are): the updates the trainer would make next on this row.
 */
export function workedUpdate(model: RecommenderModel, row: RowCells, excluded?: (item: string) => boolean): WorkedUpdateView | null {
  const { mf, config: cfg, items } = model;
  const k = mf.k;
  const named = (i: number): boolean => !excluded?.(model.items[i]);
  const positives = row.cells.filter((c) => named(c.item)).slice(0, PANEL_LIMITS.replayPositives);
  if (positives.length === 0) return null;
  // The unobserved items this row scores highest: read deeper than shown (the row is the same at every refresh, so
  // this is kept per model) and taken in order as latent.exclude spares them; scored again with the exclusions only
  // when too many of them are excluded. Either way exactly the top of what is not excluded (topIndices' order is total).
  const n = PANEL_LIMITS.replayNegatives;
  const spared = unobservedTop(model, row, n + NEGATIVE_SPARES).filter(named);
  const top = spared.length >= n ? spared.slice(0, n) : Array.from(unobservedTopOf(model, row, n, excluded));
  const scored = top.map((i) => ({ i }));
  const used = [...positives.map((c) => c.item), ...scored.map((n) => n.i)];
  const cells: ReplayCell[] = [
    ...positives.map((c, t) => ({ row: 0, col: t, target: 1, confidence: confidence(c.raw, cfg.alpha, cfg.epsilon) })),
    ...scored.map((_, t) => ({ row: 0, col: positives.length + t, target: 0, confidence: 1 })),
  ];
  // The full implicit loss counts each vector's penalty once, over all of its cells: a session's over every item, an
  // item's over every session. A step on one cell takes that cell's share; the whole penalty at every cell would
  // shrink both vectors by half a step at a time (the error grows). That trainer has no bias (Hu, Koren & Volinsky's
  // has none), while the sampled trainer's per-visit steps carry the whole penalty and an item bias.
  const full = cfg.trainer === 'gramian';
  const params = full
    ? { learningRate: cfg.learningRate, lambda: cfg.lambda / Math.max(1, items.length), lambdaItem: cfg.lambda / Math.max(1, mf.nSessions), updateBias: false }
    : { learningRate: cfg.learningRate, lambda: cfg.lambda, lambdaItem: cfg.lambda, updateBias: true };
  const steps = replaySgd(
    { rows: [row.x], cols: used.map((i) => rowOf(mf.itemFactors, k, i)), colBias: used.map((i) => mf.itemBias[i]), mu: mf.mu },
    cells,
    params,
  );
  return {
    title: `Your model: ${row.label}`,
    note:
      `Observed cells have p = 1 and c = 1 + ${cfg.alpha} log(1 + r/${cfg.epsilon}).` +
      (scored.length > 0
        ? ` The last ${scored.length === 1 ? 'step is the unobserved item' : `${scored.length} steps are the unobserved items`} this session ` +
          'scores highest, trained toward p = 0 with c = 1.'
        : ' Every item of the model was used in this session, so there is no unobserved cell to show.') +
      (full
        ? ' These are per-cell SGD steps on the same loss, with the model\'s rate. The loss counts each vector\'s penalty ' +
          `once, so a cell takes its share: λ / ${items.length} items = ${params.lambda.toPrecision(3)} on x, λ / ${mf.nSessions} sessions = ` +
          `${params.lambdaItem.toPrecision(3)} on y. This trainer has no bias (b stays 0). The trainer itself takes ` +
          'one step per session on all of its cells at once, every unobserved item included through the k x k Gramian ' +
          'Y^T Y, with a per-vector adaptive (AdaGrad) rate.'
        : ''),
    learningRate: params.learningRate,
    lambda: params.lambda,
    lambdaItem: params.lambdaItem,
    updateBias: params.updateBias,
    dims: Array.from({ length: k }, (_, f) => `f${f + 1}`),
    steps: steps.map((s, t) => toStep(s, row.label, items[used[t]], t < positives.length ? positives[t].raw : null)),
  };
}

/** Unobserved items read past the worked update's negatives, for latent.exclude to leave enough of them. */
const NEGATIVE_SPARES = 8;

/**
 * The row's `n` highest-scoring unobserved items (x . y_i + b_i, best first), kept per model for the row it was
 * asked for last: the panel shows the newest training row at every refresh, and scoring every item for it was half
 * of a refresh's time at 30,000 items.
 */
const unobservedTopByModel = new WeakMap<RecommenderModel, { x: readonly number[]; n: number; top: number[] }>();

function unobservedTop(model: RecommenderModel, row: RowCells, n: number): number[] {
  const kept = unobservedTopByModel.get(model);
  if (kept && kept.x === row.x && kept.n === n) return kept.top;
  const top = Array.from(unobservedTopOf(model, row, n));
  unobservedTopByModel.set(model, { x: row.x, n, top });
  return top;
}

function unobservedTopOf(model: RecommenderModel, row: RowCells, n: number, excluded?: (item: string) => boolean): Int32Array {
  const { mf, items } = model;
  // The ranking's product (WebAssembly where the model has it): run once per model now, a plain JS loop here was
  // still cold when a new model came and held the host 10-40 ms at 30,000 items.
  const dots = new Float64Array(items.length);
  itemDots(mf, Float32Array.from(row.x), dots);
  const eligible = new Uint8Array(items.length).fill(1);
  for (const c of row.cells) eligible[c.item] = 0;
  if (excluded) for (let i = 0; i < items.length; i++) if (excluded(items[i])) eligible[i] = 0;
  return topIndices(dots, n, eligible);
}

/** The model's held-out hit rate in words: how it was measured, or why there is none. */
export function hitRateView(model: RecommenderModel): HitRateView {
  const h = model.training.heldOut;
  // Without a figure the note still names the blend in use (a fixed one, by default), unless recent use ranks alone.
  if (h.value === null) return { k: h.k, value: null, cases: h.cases, note: h.reason + (model.mode === 'mf' ? blendNote(model) : '') };
  return {
    k: h.k,
    value: h.value,
    cases: h.cases,
    note:
      `Share of ${h.cases} left-out files ranked in the top ${h.k}: a model fitted on the older 80% of the sessions, ` +
      'tested on the newest 20% (each file of a session left out in turn, the rest as context). ' +
      "EASE's ridge was chosen on these same cases, so the figure is slightly optimistic." +
      blendNote(model),
  };
}

/** The blend's weights in use. */
function blendNote(model: RecommenderModel): string {
  const c = model.config;
  return ` The blend in use: factors x ${c.mfWeight}, item x item x ${c.coocWeight}, recent use x ${c.priorWeight} (half-life ${c.priorHalfLifeDays} days).`;
}

function trainingView(model: RecommenderModel): TrainingView {
  const st = model.stats;
  const losses = model.training.losses.map((loss, i) => ({ epoch: i + 1, loss }));
  // A model saved before losses were recorded still has its final loss.
  if (losses.length === 0 && Number.isFinite(st.finalLoss)) losses.push({ epoch: st.epochs, loss: st.finalLoss });
  return {
    algorithm:
      model.config.trainer === 'gramian'
        ? 'SGD on the full implicit confidence-weighted loss (every unobserved cell counts, through the Gramian Y^T Y), AdaGrad rates'
        : `SGD, implicit confidence-weighted loss, ${model.config.negatives} sampled negatives per observed cell`,
    interactions: st.interactions,
    sessions: st.sessions,
    items: st.items,
    elapsedMs: st.fitMs,
    trainedAt: model.trainedAt,
    losses,
    hitRate: hitRateView(model),
  };
}

/** How many of the session's top recommendations the part shares are measured over. */
const SHARE_TOP = 10;

/** The ranking score of item i split into its parts, and what each part carries in the session's top recommendations. */
function rankingScore(model: RecommenderModel, scored: ScoredItems, i: number): Pick<WhyView, 'score' | 'shares'> {
  const b = scoreBreakdown(model, scored, i);
  // i is a known item (whyView answers unknown ones with a problem), so every item x item term names its context item.
  const coUse = b.terms.filter((t) => t.part === 'itemItem').map((t) => ({ item: t.item ?? '', value: t.value }));
  const eligible = new Uint8Array(scored.score.length);
  for (let j = 0; j < eligible.length; j++) eligible[j] = scored.candidate[j] && !scored.inContext[j] ? 1 : 0;
  const ranked = Array.from(topIndices(scored.score, SHARE_TOP, eligible));
  const shares = partShares(ranked.map((j) => scoreBreakdown(model, scored, j)));
  return {
    score: { total: b.total, factors: b.parts.factors, coUse, prior: b.parts.prior, offset: b.parts.offset },
    shares: { factors: shares.factors, itemItem: shares.itemItem, prior: shares.prior + shares.borrowed, over: ranked.length },
  };
}

function whyView(
  model: RecommenderModel,
  item: string,
  scored: ScoredItems | undefined,
  contextIdx: number[],
  factors: readonly FactorView[],
  excluded?: (item: string) => boolean,
): WhyView {
  const mf = model.mf;
  const i = model.items.indexOf(item);
  const userVector = scored?.userVector;
  const empty = { item, total: 0, mu: 0, bias: 0, perFactor: [], factorNames: [], coUsed: [], score: null, shares: null };
  if (excluded?.(item)) return { ...empty, problem: 'This file is excluded (latent.exclude): it is not recommended, and its history is kept until Reset.' };
  if (i < 0) return { ...empty, problem: 'This item has no history in the model yet; its score is borrowed from items in the same folder.' };
  if (!userVector) return { ...empty, problem: 'The current session has no items the model knows, so there is no session vector to explain with.' };
  const y = rowOf(mf.itemFactors, mf.k, i);
  const split = scoreSplit(userVector, y, mf.mu, mf.itemBias[i]);
  // Co-used: items that were used in the same sessions (the co-occurrence table), those in this session first.
  const nb = model.neighbours;
  const inCtx = new Set(contextIdx);
  const neighbours: { index: number; similarity: number }[] = [];
  // Positive weights only: EASE's negative ones say "seldom used together".
  for (let t = nb.indptr[i]; t < nb.indptr[i + 1]; t++) if (nb.values[t] > 0) neighbours.push({ index: nb.indices[t], similarity: nb.values[t] });
  neighbours.sort((a, b) => Number(inCtx.has(b.index)) - Number(inCtx.has(a.index)) || b.similarity - a.similarity);
  const co = neighbours.length > 0 ? neighbours : coUsedItems(mf.itemFactors, mf.k, i, contextIdx, PANEL_LIMITS.coUsed);
  return {
    item,
    total: split.total,
    mu: split.mu,
    bias: split.bias,
    perFactor: split.perFactor,
    factorNames: factors.map((f) => `f${f.factor + 1}: ${(y[f.factor] < 0 ? f.low : f.high).label}`),
    coUsed: co.filter((c) => !excluded?.(model.items[c.index])).slice(0, PANEL_LIMITS.coUsed).map((c) => ({ item: model.items[c.index], similarity: c.similarity, inSession: inCtx.has(c.index) })),
    ...(scored ? rankingScore(model, scored, i) : { score: null, shares: null }),
    problem: null,
  };
}

/**
 * A factor as shown: each end's first LABEL_ITEMS strongest items that `excluded` spares, both ends named from them (by
 * the rules that name them together: two ends that read alike are told apart), as the tree names them (FactorLabels).
 */
function shownFactor(f: FactorEnds, excluded: ((item: string) => boolean) | undefined, base: LabelBase): FactorView {
  const highItems = shownEndItems(f.high, (v) => v.item, excluded);
  const lowItems = shownEndItems(f.low, (v) => v.item, excluded);
  const names = nameEnds(highItems.map((v) => v.item), lowItems.map((v) => v.item), base);
  const high = { label: names.high, items: highItems };
  const low = { label: names.low, items: lowItems };
  return { factor: f.factor, label: high.items.length > 0 ? high.label : low.label, high, low };
}

/** A factor's strongest items at both ends, LABEL_SPARE_ITEMS more than are shown (for the excluded to leave). */
interface FactorEnds {
  factor: number;
  high: ItemValue[];
  low: ItemValue[];
}

/** What the panel shows of a model whatever the session: the factors' ends and the map's axes. */
interface ModelParts {
  ends: FactorEnds[];
  /** the factors as shown when nothing is excluded */
  factors: FactorView[];
  /** how common each folder and file type is among the model's files, for naming factor ends */
  labels: LabelBase;
  pca: Omit<Pca2, 'coords'>;
}

// Once per model (a retrain makes a new one): a refresh for a new session or a "why" then costs what depends on them.
const partsByModel = new WeakMap<RecommenderModel, ModelParts>();

function modelParts(model: RecommenderModel): ModelParts {
  return partsByModel.get(model) ?? finishSteps(modelPartsSteps(model));
}

/**
 * Builds a new model's parts in slices of a few ms (the panel awaits this before building its state): at 30,000 items
 * they took 15-20 ms in one stretch of the extension host.
 */
export async function prepareModelParts(model: RecommenderModel): Promise<void> {
  if (!partsByModel.has(model)) await finishStepsAsync(modelPartsSteps(model));
}

/** Rows of the mean's pass between yields. */
const MEAN_ROWS_PER_STEP = 8192;

/** Adds rows [from, to) of Y into `sum`: outside the generator, whose deoptimizations left its loops to bytecode (scanEnds). */
function addRows(Y: Float32Array, k: number, from: number, to: number, sum: Float64Array): void {
  for (let i = from; i < to; i++) for (let f = 0, o = i * k; f < k; f++, o++) sum[f] += Y[o];
}

function* modelPartsSteps(model: RecommenderModel): Steps<ModelParts> {
  const { mf, items } = model;
  const k = mf.k;
  // The same ends the tree's why lines name (prepared with the model by the live ranker, else made here).
  const { base: labels, summaries } = yield* factorTopsSteps(model);
  const ends: FactorEnds[] = summaries.map((s) => ({
    factor: s.factor,
    high: s.high.items.map((v) => ({ item: items[v.index], value: v.value })),
    low: s.low.items.map((v) => ({ item: items[v.index], value: v.value })),
  }));
  const factors: FactorView[] = [];
  for (const f of ends) {
    if (factors.length > 0 && factors.length % NAMED_FACTORS_PER_STEP === 0) yield;
    factors.push(shownFactor(f, undefined, labels));
  }
  // The map's axes from Y^T Y, which the fold-in keeps, and the mean: positions only for what is drawn.
  const sum = new Float64Array(k);
  for (let i = 0; i < items.length; i += MEAN_ROWS_PER_STEP) {
    if (i > 0) yield;
    addRows(mf.itemFactors, k, i, Math.min(items.length, i + MEAN_ROWS_PER_STEP), sum);
  }
  yield;
  const mean = Array.from(sum, (v) => v / Math.max(1, items.length));
  const parts = { ends, factors, labels, pca: pcaAxesFromGram(gramOf(mf), mean, items.length) };
  // The worked update's unobserved items for the newest training row, in a step of their own: not in the first state.
  const row = lastTrainingRow(model);
  if (row) {
    yield* itemDotsSteps(mf);
    yield;
    unobservedTop(model, row, PANEL_LIMITS.replayNegatives + NEGATIVE_SPARES);
  }
  partsByModel.set(model, parts);
  return parts;
}

export function modelView(source: FactorsSource & { model: RecommenderModel }, buffers?: ScoreBuffers): ModelView {
  const { model, context } = source;
  const { mf, config: cfg, items } = model;
  const k = mf.k;
  const index = itemIndexOf(items);
  const ctx = context.filter((c) => index.has(c.item) && c.weight > 0);
  const ctxIdx = [...new Set(ctx.map((c) => index.get(c.item) as number))];
  const recentSessions = source.recentSessions;
  // Nothing of `scored` outlives this build (what the state keeps is copied), so reused buffers are safe.
  const scored = ctx.length > 0 ? scoreItems(model, ctx, recentSessions ? { recentSessions } : {}, buffers) : undefined;

  const shown = (i: number): boolean => !source.excluded?.(items[i]);
  const parts = modelParts(model);
  const excluded = source.excluded;
  // Named again only where an excluded file is among an end's strongest (shown or spare).
  const factors = parts.ends.map((f, j) =>
    excluded && [...f.high, ...f.low].some((v) => excluded(v.item)) ? shownFactor(f, excluded, parts.labels) : parts.factors[j],
  );
  const { pca } = parts;

  // Items shown: the session's own, then the best scored for it (or the most used, without a session). Selected, not
  // sorted: everything here runs on the extension host, at up to 30,000 items.
  const rank = scored ? scored.mf.subarray(0, items.length) : model.prior;
  const byRank = topIndices(rank, Math.max(PANEL_LIMITS.heatmapItems, PANEL_LIMITS.mapPoints) + ctxIdx.length);
  const pick = (n: number): number[] => [...new Set([...ctxIdx, ...byRank])].filter(shown).slice(0, n);
  const heatIdx = pick(PANEL_LIMITS.heatmapItems);

  const place = (i: number): [number, number] => projectPca(rowOf(mf.itemFactors, k, i), pca.mean, pca.axes);
  const mapIdx = pick(PANEL_LIMITS.mapPoints);
  const inCtx = new Set(ctxIdx);
  let session: MapView['session'] = null;
  if (ctx.length > 0) {
    // Where this session's work is: its items' positions, weighted by their confidence.
    let wx = 0;
    let wy = 0;
    let w = 0;
    for (const c of ctx) {
      const [x, y] = place(index.get(c.item) as number);
      const cw = confidence(c.weight, cfg.alpha, cfg.epsilon);
      wx += cw * x;
      wy += cw * y;
      w += cw;
    }
    session = { x: wx / w, y: wy / w };
  }

  const fromTraining = lastTrainingRow(model);
  const fromSession: RowCells | undefined = scored
    ? {
        label: 'current session (folded in)',
        x: Array.from(scored.userVector),
        cells: ctx.map((c) => ({ item: index.get(c.item) as number, raw: c.weight })),
      }
    : undefined;
  const row = fromTraining ?? fromSession;

  return {
    kind: 'implicit', // the recommender's trainers are implicit (confidence-weighted), never explicit ratings
    settings: {
      k,
      alpha: cfg.alpha,
      epsilon: cfg.epsilon,
      lambda: cfg.lambda,
      learningRate: cfg.learningRate,
      epochs: cfg.epochs,
      negatives: cfg.negatives,
      trainer: cfg.trainer,
    },
    // Both ends, as the factor list reads (the heat map's column titles: its cells are blue or red by sign).
    factorNames: factors.map((f) => `f${f.factor + 1}: ${f.label}${f.high.items.length > 0 && f.low.items.length > 0 ? ` versus ${f.low.label}` : ''}`),
    worked: row ? workedUpdate(model, row, source.excluded) : null,
    heatmap: { items: heatIdx.map((i) => items[i]), values: heatIdx.map((i) => rowOf(mf.itemFactors, k, i)) },
    factors,
    map: {
      points: mapIdx.map((i) => {
        const [x, y] = place(i);
        return { item: items[i], x, y, inSession: inCtx.has(i) };
      }),
      session,
      explained: [...pca.explained],
    },
    training: trainingView(model),
    why: source.why !== undefined ? whyView(model, source.why, scored, ctxIdx, factors, source.excluded) : null,
  };
}

/**
 * The panel's state. `buffers`: reused per-item arrays for scoring the session (the panel host keeps one set, as the
 * live ranker does); fresh ones each time, 1-2 MB at 30,000 items, made the collector pause a refresh 20-36 ms.
 */
export function buildPanelState(source: FactorsSource, buffers?: ScoreBuffers): PanelState {
  const toy = toyView();
  if (!source.model) {
    return { v: 1, model: null, message: source.message ?? 'No model yet: Latent trains once it has seen a few working sessions.', toy };
  }
  const m = modelView({ ...source, model: source.model }, buffers);
  const message =
    source.model.mode === 'frecency'
      ? 'Too few sessions with two or more items yet: recommendations come from frecency; the factors below are still early.'
      : '';
  return { v: 1, model: m, message: source.message ?? message, toy };
}
