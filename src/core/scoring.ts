// Scoring with a fitted model: fold-in of the session, MF + co-occurrence + frecency prior blend, new-item priors,
// and recommend() with each recommendation's explanation.
import { confidence } from './confidence';
import { LatentInputError } from './errors';
import { livePriorInto } from './livePrior';
import { foldIn, gramian } from './foldIn';
import { rowDots } from './linalg';
import type { FactorModel } from './factorModel';
import { priorForNewItem, type ItemPrior } from './newItemPrior';
import { topIndices } from './ranking';
import { finishSteps, type Steps } from './train';
import { freshItemArrays, type ScoreBuffers } from './scoreBuffers';
import { scoreBreakdown, type ScoreBreakdown } from './scoreBreakdown';
import type { ContextItem, Recommendation, RecommendMode, RecommendOptions, RecommenderModel } from './recommenderModel';
import { allFinite, requireNonNegativeInt } from './validate';
import { rowDotsWasmKernelSteps, type RowDotsWasmKernel } from './sgdKernel';

// Item key -> index per item list, built once: scoreItems runs on every editor change.
const indexCache = new WeakMap<readonly string[], Map<string, number>>();
export function itemIndexOf(items: readonly string[]): Map<string, number> {
  return indexCache.get(items) ?? finishSteps(itemIndexSteps(items));
}

/**
 * Builds (and caches) the index in steps: a new model's index is made in slices before the ranker switches to it,
 * so the first ranking does not build 30,000 map entries in one stretch on the extension host.
 */
export function* itemIndexSteps(items: readonly string[]): Steps<Map<string, number>> {
  const cached = indexCache.get(items);
  if (cached) return cached;
  const m = new Map<string, number>();
  for (let i = 0; i < items.length; i++) {
    m.set(items[i], i);
    if ((i & 4095) === 4095) yield;
  }
  indexCache.set(items, m);
  return m;
}

// Y^T Y per trained model, computed once: fold-in runs on every editor change (and the panel's map reads it).
const gramCache = new WeakMap<FactorModel, Float64Array>();
export function gramOf(mf: FactorModel): Float64Array {
  let g = gramCache.get(mf);
  if (!g) {
    g = gramian(mf.itemFactors, mf.k);
    gramCache.set(mf, g);
  }
  return g;
}

/**
 * Takes a Y^T Y computed elsewhere for `mf`: the training worker sends it with a new model, so the extension host does
 * not spend the first ranking after a retrain on it (tens of ms at 30,000 items). Ignored unless it is k x k and
 * finite: a wrong one would silently skew every fold-in.
 */
export function primeGram(mf: FactorModel, gram: Float64Array): void {
  if (gram.length !== mf.k * mf.k || !allFinite(gram)) return;
  gramCache.set(mf, gram);
}

// The WebAssembly SIMD product for every item's MF score, per trained model (3.7x the JS loop at 25,000 items and
// k = 32, bit-identical); null where WebAssembly is unavailable (the webview) or the model is small.
const dotsCache = new WeakMap<FactorModel, RowDotsWasmKernel | null>();
const WASM_DOTS_MIN_ITEMS = 512;

/** Builds (and caches) `mf`'s ranking product in steps: LiveRanker.prepare runs it before switching models. */
export function* itemDotsSteps(mf: FactorModel): Steps<void> {
  if (dotsCache.has(mf)) return;
  const kernel = mf.nItems >= WASM_DOTS_MIN_ITEMS ? yield* rowDotsWasmKernelSteps(mf.itemFactors, mf.k, mf.itemBias) : undefined;
  dotsCache.set(mf, kernel ?? null);
}

/** x . y_i + b_i for every item i into `out`: the model's WebAssembly product where it has one (itemDotsSteps). */
export function itemDots(mf: FactorModel, x: Float32Array, out: Float64Array): void {
  if (!dotsCache.has(mf)) finishSteps(itemDotsSteps(mf));
  const kernel = dotsCache.get(mf);
  if (kernel && out.length === mf.itemBias.length) kernel.dots(x, out);
  else rowDots(mf.itemFactors, mf.k, x, mf.itemBias, out);
}

/** How a raw part was scaled into [0, 1]: (raw - lo) / span, or 0 everywhere when span is 0. */
export interface PartScale {
  lo: number;
  span: number;
}

/**
 * The [lo, hi] spans of two parts over the items with candidate[i] and not skip[i] (scoreItems leaves the context
 * out), in one pass: scoreItems scales MF and item x item alike on every ranking (per keystroke; 40,000 times over
 * 26,000 items in an evaluation), and a pass per part was a third of it.
 */
export function partScales(a: Float64Array, b: Float64Array, candidate: Uint8Array, skip?: Uint8Array): [PartScale, PartScale] {
  let aLo = Infinity;
  let aHi = -Infinity;
  let bLo = Infinity;
  let bHi = -Infinity;
  const n = a.length;
  // One loop with and without a skip mask: without one, the second test reads the candidate byte again.
  const mask = skip ?? candidate;
  const want = skip ? 0 : 1;
  for (let i = 0; i < n; i++) {
    if (candidate[i] === 0 || mask[i] !== want) continue;
    const v = a[i];
    if (v < aLo) aLo = v;
    if (v > aHi) aHi = v;
    const w = b[i];
    if (w < bLo) bLo = w;
    if (w > bHi) bHi = w;
  }
  return [scaleOf(aLo, aHi), scaleOf(bLo, bHi)];
}

/** partScales' result from the four extremes [a's lo, hi, b's lo, hi]. */
function scalesOf([aLo, aHi, bLo, bHi]: readonly number[]): [PartScale, PartScale] {
  return [scaleOf(aLo, aHi), scaleOf(bLo, bHi)];
}

function scaleOf(lo: number, hi: number): PartScale {
  const span = hi - lo;
  return { lo: Number.isFinite(lo) ? lo : 0, span: span > 0 ? span : 0 };
}

/** Scales both parts to [0, 1] by their largest values among candidates (negative MF scores shift first), so weights
 * mean the same across workspaces of different sizes and histories. Returns the scales, so a score can be split into
 * its terms. */
export function normalizeParts(a: Float64Array, b: Float64Array, candidate: Uint8Array): [PartScale, PartScale] {
  const scales = partScales(a, b, candidate);
  for (const [scores, { lo, span }] of [
    [a, scales[0]],
    [b, scales[1]],
  ] as const) {
    for (let i = 0; i < scores.length; i++) scores[i] = span > 0 ? (scores[i] - lo) / span : 0;
  }
  return scales;
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
  buffers?: ScoreBuffers,
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

  // Fold-in of the session. It reads only the context's rows, so they are handed over alone (with new items'
  // borrowed vectors): no copy of the whole factor matrix when the session holds a file the model has not seen.
  let userVector: Float32Array;
  if (ctxIdx.length > 0) {
    const rows = new Float32Array(ctxIdx.length * k);
    ctxIdx.forEach((i, r) => rows.set(vec(i), r * k));
    userVector = foldIn(rows, k, ctxIdx.map((_, r) => r), ctxConf, cfg.foldInLambda, { gram: gramOf(model.mf) });
  } else userVector = new Float32Array(k);

  // Every item's parts in typed arrays, pass by pass: the known items in bulk, the few new ones after them.
  const { mf, cooc, prior, score, candidate, inContext: ctxMask } = buffers ? buffers.take(n) : freshItemArrays(n);
  for (const i of inContext) ctxMask[i] = 1;
  itemDots(model.mf, userVector, mf.subarray(0, nKnown));
  // The sessions since training count in the recent-use prior (livePrior.ts); without any, it is the model's.
  if (!(opts.recentSessions && livePriorInto(model, opts.recentSessions, index, prior))) prior.set(model.prior);
  extraPriors.forEach((p, e) => {
    let s = p.bias;
    for (let f = 0; f < k; f++) s += userVector[f] * p.vector[f];
    mf[nKnown + e] = s;
    prior[nKnown + e] = p.prior;
  });
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

  let scales: ScoredItems['scales'];
  const borrowedFrom = new Int32Array(extraKeys.length).fill(-1);
  if (model.mode === 'frecency') {
    score.set(prior);
  } else {
    // Scales come from the candidates outside the context, as the held-out cases are ranked (the fold-in
    // inflates context items' scores; letting them set the scale would shrink everyone else's MF part).
    let outside = false;
    for (let i = 0; i < n && !outside; i++) outside = candidate[i] === 1 && ctxMask[i] === 0;
    const skip = outside ? ctxMask : undefined;
    // The same passes in WebAssembly over reused arrays that live there (ScoreBuffers), else in JS.
    const wasm = buffers?.wasm;
    const [mfScale, coocScale] = wasm ? scalesOf(wasm.partScales(n, outside)) : partScales(mf, cooc, candidate, skip);
    scales = { mf: mfScale, cooc: coocScale };
    // normalizeParts()'s arithmetic, without a scaled copy of each part.
    const { lo: mLo, span: mSpan } = scales.mf;
    const { lo: cLo, span: cSpan } = scales.cooc;
    const { mfWeight, coocWeight, priorWeight } = cfg;
    if (wasm) wasm.blend(n, mLo, mSpan, cLo, cSpan, mfWeight, coocWeight, priorWeight);
    else if (mSpan > 0 && cSpan > 0) {
      // The usual case without its two tests per item (the same arithmetic).
      for (let i = 0; i < n; i++) score[i] = mfWeight * ((mf[i] - mLo) / mSpan) + coocWeight * ((cooc[i] - cLo) / cSpan) + priorWeight * prior[i];
    } else {
      for (let i = 0; i < n; i++) {
        const nm = mSpan > 0 ? (mf[i] - mLo) / mSpan : 0;
        const nc = cSpan > 0 ? (cooc[i] - cLo) / cSpan : 0;
        score[i] = mfWeight * nm + coocWeight * nc + priorWeight * prior[i];
      }
    }
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

/** What recommend() ranks: every item scored, and the indices of the opts.n best candidates, best first. */
export interface Ranking {
  scored: ScoredItems;
  order: Int32Array;
}

export function rankItems(model: RecommenderModel, context: readonly ContextItem[], opts: RecommendOptions, buffers?: ScoreBuffers): Ranking {
  requireNonNegativeInt('n', opts.n);
  const scored = scoreItems(model, context, opts, buffers);
  return { scored, order: topIndices(scored.score, opts.n, scored.candidate) };
}

/** Where item i's score comes from (Recommendation.source). */
export function sourceOf(model: RecommenderModel, scored: ScoredItems, i: number): Recommendation['source'] {
  return scored.mode === 'frecency' ? 'frecency' : i >= model.items.length ? 'new' : 'mf';
}

/** Item i of a ranking as a Recommendation, its explanation built here: callers build only those they show. */
export function recommendationAt(model: RecommenderModel, s: ScoredItems, i: number): Recommendation {
  const k = model.mf.k;
  const nb = model.neighbours;
  const q = s.itemVector(i);
  const contributions: number[] = [];
  for (let f = 0; f < k; f++) contributions.push(s.userVector[f] * q[f]);
  // Co-used items (the first CO_USED_SHOWN): neighbours that are in the current context first, then the strongest
  // others. Rows hold up to 50 neighbours; only the few shown are built.
  const coUsed: string[] = [];
  if (i < model.items.length) {
    // Positive weights only: EASE's negative ones say "seldom used together". A known item is in the context
    // exactly when its inContext flag is set.
    for (let t = nb.indptr[i]; t < nb.indptr[i + 1] && coUsed.length < CO_USED_SHOWN; t++) {
      if (nb.values[t] > 0 && s.inContext[nb.indices[t]]) coUsed.push(model.items[nb.indices[t]]);
    }
    for (let t = nb.indptr[i]; t < nb.indptr[i + 1] && coUsed.length < CO_USED_SHOWN; t++) {
      if (nb.values[t] > 0 && !s.inContext[nb.indices[t]]) coUsed.push(model.items[nb.indices[t]]);
    }
  }
  const rec: Omit<Recommendation, 'breakdown'> = {
    item: s.keys[i],
    score: s.score[i],
    mfScore: s.mf[i],
    priorScore: s.prior[i],
    coocScore: s.cooc[i],
    source: sourceOf(model, s, i),
    explanation: { bias: s.itemBias(i), contributions, itemVector: Array.from(q), coUsed },
  };
  // Computed when first read, from the values copied above: s's per-item arrays may be refilled by then (ScoreBuffers).
  let breakdown: ScoreBreakdown | undefined;
  const values = { score: rec.score, cooc: rec.coocScore, prior: rec.priorScore };
  return Object.defineProperty(rec, 'breakdown', { enumerable: true, get: () => (breakdown ??= scoreBreakdown(model, s, i, values)) }) as Recommendation;
}

export function recommend(model: RecommenderModel, context: readonly ContextItem[], opts: RecommendOptions): Recommendation[] {
  const { scored, order } = rankItems(model, context, opts);
  return Array.from(order, (i) => recommendationAt(model, scored, i));
}
