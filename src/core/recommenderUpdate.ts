// Retraining whose cost follows what changed (issue 10): warm-start the saved model on the sessions since it was
// trained plus a replayed sample of older ones, and fit from scratch only when drift calls for it (planRetrain).
//
// What an update learns and what it keeps:
// - MF: SGD on the full implicit loss (sgdGramian.ts), started from the saved item vectors, over the new sessions,
//   the newest old ones and a uniform sample of the rest (UPDATE_RECENT...). Each row starts at its exact fold-in
//   (the objective's optimum for that row given the items), and each new item at its own given the rows (all its
//   cells are in the rows), after which the rows are solved again; the items' all-cells term sees every session
//   through the saved sessions' Gramian, and each visit to an item applies 1/n_i of its regularisation as a full
//   epoch would.
// - The recent-use prior and the generic items: recomputed on the whole history (one linear pass).
// - The item x item part (EASE): P of the previous model, kept in memory (RetrainMemory), takes the new sessions
//   exactly (easeLive.ts: Sherman-Morrison, new items bordered in while under the item cap), and the table is rebuilt
//   from it. Without it in memory (a new worker, a model read from disk), or at the item cap once the items a full fit
//   would keep drifted from the kept ones (EASE_KEPT_DRIFT), EASE is solved again on the whole history.
// - EASE's ridge: kept from the last full fit, which chose it; the blend's weights are the configured ones.
// Drift, which calls for a full fit, is judged by planRetrain: see there.
import type { Session } from './evalProtocol';
import { confidence } from './confidence';
import { LatentInputError } from './errors';
import type { MfModel } from './model';
import { foldInRowsSteps, gramian } from './foldIn';
import { nowMs } from './host';
import { asColumns, historyLength, type History, type InteractionColumns } from './interaction';
import { HELD_OUT_K, type ModelLineage, type NeighbourTable, type RecommenderModel, type TrainingRow } from './recommenderModel';
import { resolveConfig, type RecommenderConfig } from './recommenderConfig';
import { fitEaseInverseSteps, mostVoted } from './ease';
import { easeKeepWeights, easeSessionWeights } from './easeSessionWeights';
import { easeAddItems, easeAddSessionsSteps, easeLiveOf, easeNeighboursSteps, easeSwapInNewItems, type EaseLive } from './easeLive';
import { fitRecommenderWithInverseSteps, genericDiscount, type FitHooks, genericItems, priorBasisOf, recentUsePrior, recordedRow, type ValidationOutcome } from './recommenderFit';
import { indexHistory, sessionOf } from './historyIndex';
import { listAt, listCount, listsOfAtLeast, weightedCounts } from './itemLists';
import { makeFastUint32, makeRng, normalInit } from './random';
import { itemIndexOf } from './scoring';
import { ScoreBuffers } from './scoreBuffers';
import { heldOutRank } from './targetRank';
import { trainSgdGramianSteps } from './sgdGramian';
import type { EaseLiveWasmKernel, KernelMemory } from './sgdKernel';
import { CsrMatrix } from './sparse';
import type { Steps, TrainHooks } from './train';
import { decayFactor, validateColumns } from './trainingData';

/** Drift thresholds (see planRetrain). */
export const UPDATE_LIMITS = {
  /** interactions added since the full fit, as a share of what it learned from */
  growth: 0.25,
  /** items added since the full fit, as a share of what it knew */
  newItems: 0.1,
  /** updates in a row */
  updates: 50,
  /** the fresh hit rate may fall to this share of the full fit's held-out rate... */
  hitRateFloor: 0.75,
  /** ...judged once this many fresh cases were seen */
  minFreshCases: 50,
};

/**
 * Warm-start effort, a fixed cost whatever the history's length: epochs over the update's rows, which are the new
 * sessions, the UPDATE_RECENT newest old ones, and a uniform sample of the older ones (UPDATE_REPLAY_PER_NEW per new
 * session, at least UPDATE_MIN_REPLAY). Chosen on the replay protocol over training parts (`cli eval --protocol
 * replay --validation`, docs/quality-notes.md). First on vscode-pull-request-github: NDCG@10 of the shipped ranker
 * 0.396 with 256 uniform rows and 10 epochs, 0.416 with 30 epochs, 0.419 with the 1,000 newest added (10 epochs),
 * 0.424 with every session; full fits at every retrain 0.434. Then at the extension's cadence (50 events) with the
 * factor model alone (`--methods mf`), vscode-pull-request-github / prettier: 1,000 newest and 10 epochs 0.359 /
 * 0.401; 2,000 newest 0.374 / 0.400; 5,000 newest 0.370 / 0.417; 5,000 newest and 5 epochs 0.368 / 0.418; full fits
 * 0.370 / 0.425. The items' step from a sample of old rows weighted up to stand for all of them (unbiased, but
 * noisy) lost on prettier (0.364). The shipped ranker with 5,000 and 5 epochs against 1,000 and 10: chalk 0.379 /
 * 0.379, vscode-pull-request-github 0.421 / 0.419, prettier 0.478 / 0.478, vs-commands-dev2684 0.685 / 0.682,
 * vs-commands-dev2680 0.649 / 0.651.
 */
export const UPDATE_EPOCHS = 5;
export const UPDATE_RECENT = 5000;
export const UPDATE_REPLAY_PER_NEW = 4;
export const UPDATE_MIN_REPLAY = 256;
/** New items that may take a kept EASE slot per update at the item cap (each swap is O(easeMaxItems^2)). */
export const UPDATE_MAX_EASE_SWAPS = 64;
/**
 * At the item cap, the share of the items a full fit would keep in EASE (the easeMaxItems used most lately) that may
 * be missing from the kept ones before an update solves EASE again, as a full fit would (about a second at 2,000
 * items, where an update takes a quarter). Only a new file can take a kept slot in an update (easeSwapInNewItems): an
 * older file that work comes back to waits for the next full fit, with no item x item part meanwhile. On prettier's
 * validation replay (the one shared history past the cap: 6,639 items) NDCG@10 0.4900 -> 0.4910 (EASE solved in every
 * update 0.4911; full fits at every retrain 0.4922), EASE solved in 4 of its 128 updates (any missing item: 52, for
 * 0.4911). But on the bench's 10,000 evenly used files the items near the line of what is kept change places with
 * every few sessions, and the same rule solved EASE in many updates (`scale.incremental50`: median 164 -> 255 ms, the
 * slowest 946); counting only the missing items with EASE_KEPT_DRIFT_MARGIN times the votes of the last one kept:
 * prettier 0.4910 (the same at 4 times), the bench as before (165 ms, the slowest 221).
 */
export const EASE_KEPT_DRIFT = 0.01;
export const EASE_KEPT_DRIFT_MARGIN = 2;

/** Settings an update cannot change: a different value means a full fit (EASE's ridge alone is the fit's choice). */
const FIXED_BY_FULL_FIT: ReadonlyArray<keyof RecommenderConfig> = [
  'factors', 'alpha', 'epsilon', 'lambda', 'learningRate', 'negatives', 'trainer', 'halfLifeDays', 'foldInLambda',
  'genericShare', 'mfWeight', 'coocWeight', 'priorWeight', 'priorHalfLifeDays', 'neighbours', 'itemModel', 'easeMaxItems', 'autoBlend', 'minSessions', 'seed',
];

/**
 * On a large history a full fit for drift (growth, new or departed items, many updates) keeps the settings its
 * predecessor's validation chose (EASE's ridge, with the blend's held-out rate measured there) until the history is
 * REVALIDATE_GROWTH times what they were validated on. There the validation is dear (a second fit of the factor
 * model and of EASE before the fit's own: 0.4-0.9 s at a million interactions) and its choice stable; on a small one it is cheap
 * and a choice made on a few hundred sessions is worth making again. Kept at every size on the training parts'
 * replays (docs/quality-notes.md, twentieth pass): prettier 0.4905 -> 0.4922, vscode-pull-request-github 0.4486 ->
 * 0.4520, but on the two smallest it moves one choice made on about a hundred sessions, either way (chalk +0.026,
 * vs-commands-dev2684 -0.027). No shared history reaches this size, so none of their figures moves.
 */
export const KEEP_VALIDATION_MIN_INTERACTIONS = 100_000;
export const REVALIDATE_GROWTH = 2;
/**
 * ...and for at most this many full fits in a row: the store keeps at most 200,000 events (older sessions folded), so
 * a busy workspace's history stops growing, and its settings are chosen again every fifth full fit (a full fit every
 * 50 updates, so every week or two at a heavy year's pace).
 */
export const REVALIDATE_AFTER_KEPT_FITS = 4;

/**
 * The fresh hit rate below which the sessions since the full fit ranked clearly worse than validated: hitRateFloor of
 * the held-out rate, less one standard error of a rate measured on `cases` cases at that floor. Without the margin a
 * rate measured on 50 cases was taken at its face: at a held-out rate of 0.16 (the bench's synthetic history under the
 * fixed blend) 0.118 against a floor of 0.1185 called for a full fit, the dearest retrain, on noise.
 */
export function freshRateFloor(held: number, cases: number): number {
  const floor = UPDATE_LIMITS.hitRateFloor * held;
  return floor - Math.sqrt((floor * (1 - floor)) / cases);
}

/**
 * `keepsChoice`: a full fit for drift, which may keep the validated settings (keptValidation); absent for the
 * fits that choose again: the first, one asked for (the Retrain command), after a setting changed, from a model that
 * ranked by recent use, and when the fresh sessions ranked worse than the validation promised.
 */
export type RetrainPlan = { kind: 'full'; reason: string; keepsChoice?: true } | { kind: 'update'; reason: string };

/**
 * Full fit or update? A full fit when there is no model to start from, the settings changed, the model ranks by
 * recent use alone, or the history drifted from what the full fit saw: a quarter more interactions, a tenth more
 * items, an item of the model gone from the history (its vector would linger), 50 updates in a row, or the saved
 * model ranking the new sessions clearly worse than its held-out rate promised (fresh HR@10 below 0.75 of it, once
 * 50 fresh cases were seen). Otherwise an update.
 */
export function planRetrain(previous: RecommenderModel | undefined, data: History, overrides: Partial<RecommenderConfig> = {}, full = false): RetrainPlan {
  if (full) return { kind: 'full', reason: 'a full retrain was asked for' };
  if (!previous) return { kind: 'full', reason: 'no model to start from' };
  if (previous.mode !== 'mf') return { kind: 'full', reason: 'the model ranks by recent use alone' };
  const wanted = resolveConfig({ ...overrides });
  for (const key of FIXED_BY_FULL_FIT) {
    if (key in overrides && wanted[key] !== previous.config[key]) return { kind: 'full', reason: `the setting ${key} changed` };
  }
  const lineage = previous.lineage ?? fullLineage(previous);
  if (lineage.updates >= UPDATE_LIMITS.updates) return { kind: 'full', reason: `${lineage.updates} updates since the last full fit`, keepsChoice: true };
  if (historyLength(data) > lineage.fullInteractions * (1 + UPDATE_LIMITS.growth)) {
    return { kind: 'full', reason: `the history grew by more than ${UPDATE_LIMITS.growth * 100}% since the last full fit`, keepsChoice: true };
  }
  const { present, added } = itemsPresent(previous.items, asColumns(data));
  if (present < previous.items.length) return { kind: 'full', reason: `${previous.items.length - present} item(s) of the model left the history`, keepsChoice: true };
  if (previous.items.length + added > lineage.fullItems * (1 + UPDATE_LIMITS.newItems)) {
    return { kind: 'full', reason: `more than ${UPDATE_LIMITS.newItems * 100}% new items since the last full fit`, keepsChoice: true };
  }
  const held = previous.training.heldOut.value;
  if (held !== null && lineage.freshCases >= UPDATE_LIMITS.minFreshCases && lineage.freshHits / lineage.freshCases < freshRateFloor(held, lineage.freshCases)) {
    const rate = lineage.freshHits / lineage.freshCases;
    return { kind: 'full', reason: `recent sessions ranked worse than validated (HR@10 ${rate.toFixed(3)} vs ${held.toFixed(3)})` };
  }
  return { kind: 'update', reason: `${lineage.updates + 1} update(s) since the last full fit` };
}

/** How many of the model's items the history still has, and how many items it has that the model does not. */
function itemsPresent(modelItems: readonly string[], data: InteractionColumns): { present: number; added: number } {
  // Each name the rows use, looked up once.
  const used = new Uint8Array(data.items.length);
  for (let i = 0; i < data.item.length; i++) used[data.item[i]] = 1;
  const index = itemIndexOf(modelItems);
  const seen = new Uint8Array(modelItems.length);
  const added = new Set<string>();
  let present = 0;
  data.items.forEach((item, t) => {
    if (!used[t]) return;
    const i = index.get(item);
    if (i === undefined) added.add(item);
    else if (seen[i] === 0) {
      seen[i] = 1;
      present++;
    }
  });
  return { present, added: added.size };
}

/** The lineage of a full fit: what it learned from, no updates yet. */
export function fullLineage(model: RecommenderModel): ModelLineage {
  return { fullInteractions: model.stats.interactions, fullItems: model.items.length, updates: 0, freshHits: 0, freshCases: 0 };
}

/**
 * What one retrain leaves for the next, in memory only (the worker keeps it between jobs): EASE's P for the model it
 * made, named by modelKey. Too large for the model file (32 MB at 2,000 items); losing it costs one EASE solve.
 */
export interface RetrainMemory {
  current?: { key: string; ease?: EaseLive };
  /**
   * makes the array a new P is kept in (the worker: memory shared with the host, training/messages.ts): zeroed, or a
   * view from the start of the buffer of the P it replaces (easeAddItems)
   */
  newP?: (length: number) => Float64Array;
  /** a full fit's memory when there is no P to take the new one (FitFromPrevious.home) */
  home?: (bytes: number) => KernelMemory | undefined;
}

/** Names a trained model (its newest interaction, size, update count and fit time): what RetrainMemory is for. */
export function modelKey(m: RecommenderModel): string {
  return `${m.trainedAt}|${m.stats.interactions}|${m.items.length}|${m.mf.nSessions}|${m.lineage?.updates ?? 0}|${m.stats.fitMs}`;
}

/** The retrain as planned: a full fit (with its lineage) or an update of `previous`. */
export function* retrainRecommenderSteps(
  previous: RecommenderModel | undefined,
  data: History,
  overrides: Partial<RecommenderConfig> = {},
  hooks?: FitHooks & { onPlan?(plan: RetrainPlan): void },
  memory: RetrainMemory = {},
  full = false,
): Steps<{ model: RecommenderModel; plan: RetrainPlan }> {
  const columns = previous ? asColumns(data) : data;
  const plan = planRetrain(previous, columns, overrides, full);
  hooks?.onPlan?.(plan);
  if (plan.kind === 'update' && previous) return { model: yield* updateRecommenderSteps(previous, columns, hooks, memory), plan };
  // The replaced model's P is not read by a full fit: its array may take the new one (EaseReuse).
  const easeP = memory.current?.ease?.P;
  memory.current = undefined;
  const kept = previous && keptValidation(previous, plan, historyLength(columns));
  const fit = yield* fitRecommenderWithInverseSteps(data, overrides, hooks, true, { validation: kept?.outcome, easeP, ...(memory.newP ? { newP: memory.newP } : {}), ...(memory.home ? { home: memory.home } : {}) });
  const validatedInteractions = kept?.interactions ?? fit.model.stats.interactions;
  const lineage: ModelLineage = { ...fullLineage(fit.model), validatedInteractions, ...(kept ? { keptFits: kept.keptFits } : {}) };
  const model = { ...fit.model, lineage };
  memory.current = { key: modelKey(model), ease: fit.inverse ? easeLiveOf(fit.inverse) : undefined };
  return { model, plan };
}

/** Interactions the settings in use were validated on (files saved before it was recorded: the last full fit's). */
function validatedOn(l: ModelLineage): number {
  return l.validatedInteractions ?? l.fullInteractions;
}

/**
 * The validation `previous` stands on, for a full fit that keeps it (RetrainPlan.keepsChoice; made on at least
 * KEEP_VALIDATION_MIN_INTERACTIONS and under REVALIDATE_GROWTH times fewer than `interactions`, kept by fewer than
 * REVALIDATE_AFTER_KEPT_FITS full fits so far), as the fit takes it;
 * undefined when the fit must validate again (or when `previous` has no validation to keep: autoBlend off, or no
 * held-out cases).
 */
export function keptValidation(previous: RecommenderModel, plan: RetrainPlan, interactions: number): { outcome: ValidationOutcome; interactions: number; keptFits: number } | undefined {
  if (plan.kind !== 'full' || !plan.keepsChoice || previous.mode !== 'mf' || !previous.config.autoBlend) return undefined;
  const lineage = previous.lineage ?? fullLineage(previous);
  const held = previous.training.heldOut;
  if (held.value === null) return undefined;
  const validated = validatedOn(lineage);
  if (validated < KEEP_VALIDATION_MIN_INTERACTIONS || interactions >= REVALIDATE_GROWTH * validated) return undefined;
  const keptFits = (lineage.keptFits ?? 0) + 1;
  if (keptFits > REVALIDATE_AFTER_KEPT_FITS) return undefined;
  return {
    outcome: {
      chosen: { easeLambda: previous.config.easeLambda },
      blend: { cases: held.cases, ndcg: previous.stats.blendNdcg, hitRate: held.value },
      cases: held.cases,
    },
    interactions: validated,
    keptFits,
  };
}

/** An update of `previous` on `data` (the whole history, previous's included): see the header. */
export function* updateRecommenderSteps(previous: RecommenderModel, history: History, hooks?: TrainHooks, memory: RetrainMemory = {}): Steps<RecommenderModel> {
  // P is changed in place below: a run stopped half-way must not leave it named after the previous model.
  const kept = memory.current?.key === modelKey(previous) ? memory.current.ease : undefined;
  memory.current = undefined;
  const started = nowMs();
  const cfg = previous.config;
  const k = cfg.factors;
  if (previous.mf.k !== k) throw new LatentInputError('updateRecommender: the model and its settings disagree on k');
  const data = asColumns(history);
  const n = data.time.length;
  if (n === 0) throw new LatentInputError('updateRecommender: no interactions to learn from');
  validateColumns(data);
  const h = indexHistory(previous.items, data);
  const { items, trainedAt, lists } = h;
  const nSessions = listCount(lists);
  yield;
  // New: any interaction after the model's newest (a session that went on counts again). Old: a uniform sample.
  const fresh: number[] = [];
  const old: number[] = [];
  for (let s = 0; s < nSessions; s++) (h.newest[s] > previous.trainedAt ? fresh : old).push(s);
  const freshSessions = fresh.map((s) => sessionOf(h, data, s));
  const rng = makeRng(`${String(cfg.seed)}:update:${n}`);
  const next = makeFastUint32(rng);
  const recent = Math.min(old.length, UPDATE_RECENT);
  const pool = old.slice(0, old.length - recent);
  const rc = Math.min(pool.length, Math.max(UPDATE_MIN_REPLAY, UPDATE_REPLAY_PER_NEW * fresh.length));
  for (let i = 0; i < rc; i++) {
    const j = i + (next() % (pool.length - i));
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  const rows = fresh.concat(old.slice(old.length - recent), pool.slice(0, rc));

  // How the saved model ranks the fresh sessions before learning from them: the drift signal for the next plan.
  const lineage = previous.lineage ?? fullLineage(previous);
  const { hits, cases } = rankFresh(previous, freshSessions);
  yield;

  // The rows' decayed signal, as buildTrainingMatrix builds it (age from the newest interaction).
  let nnz = 0;
  for (const s of rows) nnz += h.rowPtr[s + 1] - h.rowPtr[s];
  const ri = new Int32Array(nnz);
  const ci = new Int32Array(nnz);
  const vi = new Float64Array(nnz);
  let t = 0;
  rows.forEach((s, r) => {
    for (let q = h.rowPtr[s]; q < h.rowPtr[s + 1]; q++) {
      const x = h.rows[q];
      ri[t] = r;
      ci[t] = h.colOf[data.item[x]];
      vi[t] = data.weight[x] * decayFactor(trainedAt - data.time[x], cfg.halfLifeDays);
      t++;
    }
  });
  const matrix = CsrMatrix.fromTriples(rows.length, items.length, ri, ci, vi);
  const observed = weightedCounts(lists, items.length);
  const Y = new Float32Array(items.length * k);
  Y.set(previous.mf.itemFactors);
  if (items.length > previous.items.length) Y.set(normalInit((items.length - previous.items.length) * k, 0.01, rng), previous.items.length * k);
  let gramY = gramian(Y, k);
  const conf = new Float64Array(matrix.values.length);
  for (let q = 0; q < conf.length; q++) conf[q] = confidence(matrix.values[q], cfg.alpha, cfg.epsilon);
  let X = yield* foldInRowsSteps(Y, k, matrix, conf, cfg.lambda, gramY);
  // The saved sessions' Gramian stands for every session outside the rows; the replayed ones are in both, so it is
  // scaled by the share of old sessions not replayed (they are a uniform sample).
  const outsideGram = previous.mf.sessionGram.slice();
  const keep = previous.mf.nSessions > 0 ? Math.max(0, 1 - (recent + rc) / Math.max(recent + rc, previous.mf.nSessions)) : 0;
  for (let q = 0; q < outsideGram.length; q++) outsideGram[q] *= keep;
  if (items.length > previous.items.length) {
    // New items start at their exact solve given the rows (every cell of a new item is in a fresh session, so among
    // the rows), as the rows start at theirs; then the rows are solved again with them.
    Y.set(yield* foldInNewItemsSteps(matrix, X, previous.items.length, cfg, outsideGram), previous.items.length * k);
    gramY = gramian(Y, k);
    X = yield* foldInRowsSteps(Y, k, matrix, conf, cfg.lambda, gramY);
  }
  const losses: number[] = [];
  let finalLoss = NaN;
  const mf = yield* trainSgdGramianSteps(
    matrix,
    { k, epochs: UPDATE_EPOCHS, learningRate: cfg.learningRate, lambda: cfg.lambda, alpha: cfg.alpha, epsilon: cfg.epsilon, seed: `${String(cfg.seed)}:update:${n}` },
    {
      onEpoch: (e) => {
        losses.push(e.loss);
        finalLoss = e.loss;
        hooks?.onEpoch?.({ ...e, elapsedMs: nowMs() - started });
      },
      shouldStop: hooks?.shouldStop,
    },
    { userFactors: X, itemFactors: Y, outsideGram, observed, itemGram: gramY },
  );
  yield;

  // Sessions: the saved Gramian plus the fresh sessions' new vectors (the next update's Gramian of the rest). The
  // replayed old rows' new vectors are not kept: their saved ones stand for them, as before the update.
  const sessionGram = gramian(mf.userFactors.subarray(0, fresh.length * k), k);
  for (let q = 0; q < sessionGram.length; q++) sessionGram[q] += previous.mf.sessionGram[q];
  const discount = genericDiscount(observed, nSessions, cfg.genericShare);
  const { prior, scale } = recentUsePrior(lists, h.start, items.length, trainedAt, cfg.priorHalfLifeDays, discount);
  const generic = genericItems(discount);
  const multiItemSessions = listsOfAtLeast(lists, 2);
  // The item x item part takes the fresh sessions (see the header).
  let neighbours = withItems(previous.neighbours, items.length);
  let ease: EaseLive | undefined;
  let kernel: EaseLiveWasmKernel | undefined;
  // EASE on the whole history, as a full fit solves it (without P from the last retrain, or when it cannot follow).
  function* solveEase(): Steps<EaseLive> {
    return easeLiveOf(yield* fitEaseInverseSteps(lists, items.length, cfg.easeLambda, cfg.easeMaxItems, easeSessionWeights(h.start, trainedAt), true, memory.newP ? { newP: memory.newP } : {}));
  }
  if (cfg.itemModel === 'ease') {
    if (kept) {
      const live = kept;
      ease = live;
      const newcomers = range(previous.items.length, items.length);
      easeAddItems(live, newcomers, cfg.easeMaxItems, memory.newP);
      // At the cap, with files it does not keep, what a full fit keeps (the items used most lately) moves as work moves.
      const votes = items.length > live.kept.length ? weightedCounts(lists, items.length, easeKeepWeights(h.start, trainedAt)) : undefined;
      // New files in use now replace kept ones least used lately (a full fit keeps them the same way).
      if (votes && newcomers.some((i) => !live.position.has(i))) easeSwapInNewItems(live, newcomers, votes, UPDATE_MAX_EASE_SWAPS);
      if (votes && keptMissing(live, votes, cfg.easeMaxItems) > EASE_KEPT_DRIFT * cfg.easeMaxItems) {
        ease = yield* solveEase();
      } else {
        // A session that went on since the model: its older item set is taken back, then the whole set added.
        const changes: Array<{ items: number[]; sign: 1 | -1 }> = [];
        for (const s of fresh) {
          const before = new Set<number>();
          for (let q = h.rowPtr[s]; q < h.rowPtr[s + 1]; q++) if (data.time[h.rows[q]] <= previous.trainedAt) before.add(h.colOf[data.item[h.rows[q]]]);
          if (before.size > 0) changes.push({ items: [...before], sign: -1 });
          changes.push({ items: listAt(lists, s), sign: 1 });
        }
        try {
          kernel = yield* easeAddSessionsSteps(ease, changes);
        } catch (e) {
          // A session taken back at the newest's weight that the fit counted less (one that went on while newer ones
          // began) could leave P indefinite: solved again instead.
          if (!(e instanceof RangeError)) throw e;
          ease = yield* solveEase();
        }
      }
    } else {
      ease = yield* solveEase();
    }
    // With the kernel that took the changes (its P is ease.P): the rows' bounded pass in WebAssembly.
    neighbours = yield* easeNeighboursSteps(ease, items.length, cfg.neighbours, previous.neighbours, kernel);
  }
  const model: RecommenderModel = {
    ...previous,
    config: previous.config,
    items,
    mf: { k, nItems: items.length, mu: mf.mu, itemBias: new Float32Array(items.length), itemFactors: mf.itemFactors, nSessions: previous.mf.nSessions + fresh.length, sessionGram },
    prior,
    generic,
    priorBasis: priorBasisOf(scale, generic, discount),
    neighbours,
    trainedAt,
    stats: {
      ...previous.stats,
      sessions: nSessions,
      multiItemSessions,
      interactions: n,
      items: items.length,
      epochs: losses.length,
      finalLoss,
      fitMs: nowMs() - started,
    },
    training: { losses, heldOut: previous.training.heldOut, ...newestRow(matrix, mf, freshSessions, previous.mf.nSessions) },
    lineage: { ...lineage, updates: lineage.updates + 1, freshHits: lineage.freshHits + hits, freshCases: lineage.freshCases + cases },
  };
  memory.current = { key: modelKey(model), ease };
  return model;
}

/**
 * The vectors of items `first` .. nCols - 1 given the rows' vectors X: each item's fold-in on the matrix's transpose,
 * with the Gramian of every session (the rows' plus `outsideGram`, the sessions outside them): the loss the SGD takes
 * steps on, solved exactly for those items.
 */
export function* foldInNewItemsSteps(matrix: CsrMatrix, X: Float32Array, first: number, cfg: RecommenderConfig, outsideGram: Float64Array): Steps<Float32Array> {
  const k = cfg.factors;
  const byItem = matrix.transpose();
  const base = byItem.indptr[first];
  const indptr = Int32Array.from(byItem.indptr.subarray(first), (q) => q - base);
  const indices = byItem.indices.subarray(base);
  const cellConf = new Float64Array(indices.length);
  for (let q = 0; q < cellConf.length; q++) cellConf[q] = confidence(byItem.values[base + q], cfg.alpha, cfg.epsilon);
  const gramX = gramian(X, k);
  for (let q = 0; q < gramX.length; q++) gramX[q] += outsideGram[q];
  return yield* foldInRowsSteps(X, k, { indptr, indices }, cellConf, cfg.lambda, gramX);
}

/**
 * How many of the items a full fit would keep in EASE (mostVoted by `votes`) `live` does not keep, counting only those
 * with EASE_KEPT_DRIFT_MARGIN times the votes of the last item kept: near that line which items are kept changes with
 * every few sessions (on the bench's synthetic history, 10,000 files used about evenly) and matters little.
 */
export function keptMissing(live: Pick<EaseLive, 'position'>, votes: ArrayLike<number>, maxItems: number): number {
  const wanted = mostVoted(votes, maxItems);
  const line = wanted.length > 0 ? EASE_KEPT_DRIFT_MARGIN * votes[wanted[wanted.length - 1]] : 0;
  let missing = 0;
  for (const i of wanted) if (votes[i] >= line && !live.position.has(i)) missing++;
  return missing;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/**
 * Fresh cases ranked per update, the newest first, for the drift signal (each ranks every item: on 10,000 items a few
 * ms): every fresh case at the extension's cadence, bounded after a long absence. On the training parts' replays 60
 * against 20: prettier 0.4797 -> 0.4832, the others the same.
 */
const FRESH_CASES = 60;

/** The neighbour table with empty rows for items added after it was built. */
function withItems(table: NeighbourTable, nItems: number): NeighbourTable {
  const have = table.indptr.length - 1;
  if (have === nItems) return table;
  const indptr = new Int32Array(nItems + 1);
  indptr.set(table.indptr);
  indptr.fill(table.indptr[have], have + 1);
  return { ...table, indptr };
}

/**
 * How `model` ranks the fresh sessions before learning them: HR@10, the drift signal. Leave-one-out cases of the
 * newest sessions (whole sessions until FRESH_CASES, so a long absence does not make the update slow), items it knows
 * only, as its held-out rate is measured.
 */
function rankFresh(model: RecommenderModel, fresh: readonly Session[]): { hits: number; cases: number } {
  const index = itemIndexOf(model.items);
  const buffers = new ScoreBuffers();
  let hits = 0;
  let cases = 0;
  for (let s = fresh.length - 1; s >= 0 && cases < FRESH_CASES; s--) {
    const known = fresh[s].items.filter((it) => index.has(it));
    if (known.length < 2) continue;
    for (const target of known) {
      if (heldOutRank(model, known.filter((it) => it !== target), index.get(target) as number, buffers) < HELD_OUT_K) hits++;
      cases++;
    }
  }
  return { hits, cases };
}

/**
 * What the output channel says after a full fit that kept the validated settings (keptValidation); undefined after
 * any other retrain.
 */
export function keptSettingsNote(model: RecommenderModel): string | undefined {
  const l = model.lineage;
  if (!l?.keptFits || l.updates > 0) return undefined;
  return (
    `It kept the settings validated on ${validatedOn(l)} interactions (EASE's ridge, and the held-out hit rate): ` +
    `they are chosen again after ${REVALIDATE_AFTER_KEPT_FITS - l.keptFits} more such full fit(s), once the history doubles, or on Retrain.`
  );
}

/** The newest fresh session's row (TrainingRecord.lastRow), numbered after the sessions the model had. */
function newestRow(matrix: CsrMatrix, mf: MfModel, fresh: readonly Session[], firstRow: number): { lastRow?: TrainingRow } {
  if (fresh.length === 0) return {};
  let r = 0;
  for (let i = 1; i < fresh.length; i++) if (fresh[i].time >= fresh[r].time) r = i;
  return { lastRow: recordedRow(matrix, mf, r, fresh[r].id, firstRow + r) };
}
