// Scoring with a fitted model: fold-in of the session, MF + co-occurrence + frecency prior blend, new-item priors,
// and recommend() with each recommendation's explanation.
import { confidence } from './confidence';
import { LatentInputError } from './errors';
import { foldIn, gramian } from './foldIn';
import type { MfModel } from './model';
import { priorForNewItem, type ItemPrior } from './newItemPrior';
import { topN } from './ranking';
import { scoreBreakdown, type ScoreBreakdown } from './scoreBreakdown';
import type { ContextItem, Recommendation, RecommendMode, RecommendOptions, RecommenderModel } from './recommenderModel';
import { requireNonNegativeInt } from './validate';

// Item key -> index per item list, built once: scoreItems runs on every editor change.
const indexCache = new WeakMap<readonly string[], Map<string, number>>();
export function itemIndexOf(items: readonly string[]): Map<string, number> {
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

/** How a raw part was scaled into [0, 1]: (raw - lo) / span, or 0 everywhere when span is 0. */
export interface PartScale {
  lo: number;
  span: number;
}

/** Scales to [0, 1] by the largest value among candidates (negative MF scores shift first), so weights mean the same
 * across workspaces of different sizes and histories. Returns the scale, so a score can be split into its terms. */
export function normalize(scores: Float64Array, candidate: Uint8Array): PartScale {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    if (!candidate[i]) continue;
    if (scores[i] < lo) lo = scores[i];
    if (scores[i] > hi) hi = scores[i];
  }
  const span = hi - lo;
  for (let i = 0; i < scores.length; i++) scores[i] = span > 0 ? (scores[i] - lo) / span : 0;
  return { lo: Number.isFinite(lo) ? lo : 0, span: span > 0 ? span : 0 };
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
  /** how the MF and item x item parts were scaled (undefined in frecency mode, where the score is the prior) */
  scales?: { mf: PartScale; cooc: PartScale };
  /** the context's item indices (known items and appended new ones), for explanations */
  contextIndices: readonly number[];
  /** for each new candidate (index - items.length): the known item whose score it took, or -1 */
  borrowedFrom: Int32Array;
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
    candidate[i] = 1;
  }
  // The few excluded keys are looked up, rather than every item's key hashed against them (this runs per keystroke).
  for (const key of opts.exclude ?? []) {
    const i = index.get(key) ?? extraIndex.get(key);
    if (i !== undefined) candidate[i] = 0;
  }
  const nb = model.neighbours;
  for (const c of ctxIdx) {
    if (c >= nKnown) continue;
    for (let t = nb.indptr[c]; t < nb.indptr[c + 1]; t++) cooc[nb.indices[t]] += nb.values[t];
  }
  // An item that goes with everything needs evidence from this context: without a positive item x item score here,
  // its recent use does not count (package.json after a dependency bump is not what the printer code needs next).
  // (Not when ranking by recent use alone: there is no such evidence to ask for.)
  if (model.mode === 'mf') for (const i of model.generic) if (!(cooc[i] > 0)) prior[i] = 0;
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
  let scales: ScoredItems['scales'];
  const borrowedFrom = new Int32Array(extraKeys.length).fill(-1);
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
    scales = { mf: normalize(nm, mask), cooc: normalize(nc, mask) };
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
      for (const j of p.from) {
        if (candidate[j] && !ctxMask[j] && score[j] > best) {
          best = score[j];
          borrowedFrom[e] = j;
        }
      }
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
    ...(scales ? { scales } : {}),
    contextIndices: ctxIdx,
    borrowedFrom,
  };
}

/** Co-used items named in a recommendation's explanation. */
const CO_USED_SHOWN = 3;

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
    // Co-used items (the first CO_USED_SHOWN): neighbours that are in the current context first, then the strongest
    // others. Rows hold up to 50 neighbours; only the few shown are built, for each of the 200 candidates.
    const coUsed: string[] = [];
    if (i < nKnown) {
      // Positive weights only: EASE's negative ones say "seldom used together".
      for (let t = nb.indptr[i]; t < nb.indptr[i + 1] && coUsed.length < CO_USED_SHOWN; t++) {
        const x = model.items[nb.indices[t]];
        if (nb.values[t] > 0 && contextKeys.has(x)) coUsed.push(x);
      }
      for (let t = nb.indptr[i]; t < nb.indptr[i + 1] && coUsed.length < CO_USED_SHOWN; t++) {
        const x = model.items[nb.indices[t]];
        if (nb.values[t] > 0 && !contextKeys.has(x)) coUsed.push(x);
      }
    }
    const rec: Omit<Recommendation, 'breakdown'> = {
      item: s.keys[i],
      score: s.score[i],
      mfScore: s.mf[i],
      priorScore: s.prior[i],
      coocScore: s.cooc[i],
      source: s.mode === 'frecency' ? 'frecency' : i >= nKnown ? 'new' : 'mf',
      explanation: { bias: s.itemBias(i), contributions, coUsed },
    };
    // Computed when first read: the live ranker asks for 200 candidates to fill its groups and shows a few.
    let breakdown: ScoreBreakdown | undefined;
    return Object.defineProperty(rec, 'breakdown', { enumerable: true, get: () => (breakdown ??= scoreBreakdown(model, s, i)) }) as Recommendation;
  });
}
