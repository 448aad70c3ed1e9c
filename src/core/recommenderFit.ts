// Fitting the shipped ranker: the decayed signal matrix (trainingData.ts), implicit SGD factors, the frecency prior,
// the item x item neighbour table (EASE, its ridge chosen per workspace on a validation split of the training data),
// and the blend's held-out hit rate measured on that split.
import { CooccurrenceIndex } from './baselines';
import { chooseEaseLambdaSteps, fitEaseInverseSteps, type EaseInverse, type EaseReuse, type SessionItems } from './ease';
import { easeGramWeights, easeSessionWeights, type SessionWeights } from './easeSessionWeights';
import { easeNeighboursSteps } from './easeLive';
import { LatentInputError } from './errors';
import { rowOf } from './explainView';
import { factorModelOf, type FactorModel } from './factorModel';
import type { MfModel } from './model';
import { newestSessions, validationSplit, TRAIN_FRACTION, type ValidationSplit } from './evalProtocol';
import { indexHistory } from './historyIndex';
import { nowMs } from './host';
import { asColumns, historyLength, isColumns, type History } from './interaction';
import { listCount, listsAsArrays, listsOfAtLeast, weightedCounts, type ItemLists } from './itemLists';
import { resolveConfig, type RecommenderConfig } from './recommenderConfig';
import {
  HELD_OUT_K,
  TRAINING_ROW_CELLS,
  type HeldOutResult,
  type PriorBasis,
  type NeighbourTable,
  type RecommendMode,
  type RecommenderModel,
  type TrainingRow,
} from './recommenderModel';
import { itemIndexOf } from './scoring';
import { ScoreBuffers } from './scoreBuffers';
import { trainSgdImplicitSteps } from './sgd';
import { heldOutRank } from './targetRank';
import { trainSgdGramianSteps } from './sgdGramian';
import type { KernelMemory } from './sgdKernel';
import type { CsrMatrix } from './sparse';
import { buildTrainingMatrix, DAY_SECONDS, decayedFrecency, validateColumns, validateInteraction } from './trainingData';
import { finishSteps, type EpochInfo, type Steps, type TrainHooks } from './train';

/** Why a fit without autoBlend has no held-out hit rate, in the panel's words. */
export const VALIDATION_OFF_REASON =
  'Not measured: held-out validation is off (autoBlend), so no model is fitted on older sessions to be tested on newer ones.';

/**
 * The item x item part as EASE (Steck 2019) instead of cosine: B fitted on the `maxItems` items used in the most
 * sessions, recent ones weighing more (`weights.keep`, easeKeepWeights; a bounded candidate set: O(maxItems^2) memory,
 * O(maxItems^3) time whatever the workspace's size), from X^T X with recent sessions counting more (`weights.gram`,
 * easeGramWeights), then each row keeps its `m` largest weights by size, so the stored table stays O(maxItems * m)
 * like the cosine one.
 * Negative weights stay: EASE's "seldom together" is evidence too (validation NDCG@10 with positive weights only
 * -> both signs: vscode-pull-request-github 0.428 -> 0.434, vs-commands-dev2680 0.649 -> 0.656, chalk equal,
 * dev2684 0.670 -> 0.669). Also returns P when `keep`, which retraining keeps to update the table exactly
 * (easeLive.ts); without it P is not copied out of the solver's memory.
 */
export function* buildEaseNeighboursSteps(
  sessions: SessionItems,
  nItems: number,
  lambda: number,
  maxItems: number,
  m: number,
  weights: SessionWeights = {},
  keep = true,
  reuse: EaseReuse = {},
): Steps<{ table: NeighbourTable; inverse?: EaseInverse }> {
  const inverse = yield* fitEaseInverseSteps(sessions, nItems, lambda, maxItems, weights, keep, reuse);
  const table = yield* easeNeighboursSteps({ kept: Array.from(inverse.kept), P: inverse.P }, nItems, m);
  return { table, inverse: keep ? inverse : undefined };
}

export function buildNeighbours(cooc: CooccurrenceIndex, nItems: number, m: number): NeighbourTable {
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
  data: History,
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
  data: History,
  config?: Partial<RecommenderConfig>,
  hooks?: TrainHooks,
): Steps<RecommenderModel> {
  return (yield* fitRecommenderWithInverseSteps(data, config, hooks, false)).model;
}

/**
 * fitRecommenderSteps, with EASE's P when the item x item part is EASE (retraining keeps it: recommenderUpdate.ts);
 * `keepInverse` false leaves it out (and uncopied).
 */
export function* fitRecommenderWithInverseSteps(
  data: History,
  config?: Partial<RecommenderConfig>,
  hooks?: FitHooks,
  keepInverse = true,
  from: FitFromPrevious = {},
): Steps<{ model: RecommenderModel; inverse?: EaseInverse }> {
  const kept = from.validation;
  const started = nowMs();
  let cfg = resolveConfig(config);
  const n = historyLength(data);
  if (n === 0) throw new LatentInputError('fitRecommender: no interactions to learn from');
  if (isColumns(data)) validateColumns(data);
  else data.forEach(validateInteraction);
  // Bounded cost on large histories: an epoch is O(cells k^2), so above maxCellSteps / epochs interactions (cells
  // <= interactions) the fit runs fewer epochs, never fewer than MIN_EPOCHS. The model's config records what ran.
  const budgeted = Math.max(Math.min(cfg.epochs, MIN_EPOCHS), Math.min(cfg.epochs, Math.floor(cfg.maxCellSteps / n)));
  if (budgeted !== cfg.epochs) cfg = { ...cfg, epochs: budgeted };
  yield;
  // With a blend to measure here the model is trained twice (validation fit, then the full fit): progress maps the
  // validation fit's epochs to the first half of 1..epochs and the full fit's to the second, never running backwards.
  let span = 1;
  let offset = 0;
  let lastReported = 0;
  const phased = (e: EpochInfo): void => {
    if (!hooks?.onEpoch) return;
    const epoch = Math.min(cfg.epochs, Math.round(offset + (span * e.epoch * cfg.epochs) / Math.max(1, cfg.epochs)));
    if (epoch <= lastReported) return;
    lastReported = epoch;
    hooks.onEpoch({ ...e, epoch, elapsedMs: nowMs() - started });
  };
  let outcome: ValidationOutcome;
  if (!cfg.autoBlend) outcome = { chosen: chosenOf(cfg), cases: 0, reason: VALIDATION_OFF_REASON };
  else if (kept) outcome = kept;
  else {
    const validation = blendSplitOf(validationHistory(data));
    span = validation.split ? 0.5 : 1;
    outcome = yield* validationOutcomeSteps(validation, cfg, { onEpoch: phased, shouldStop: hooks?.shouldStop });
    offset = cfg.epochs * (1 - span);
    // Everything the validation made is garbage now, its WebAssembly memories too (about 30 MB at a heavy year),
    // which V8 frees only at a full collection: one now, before the fit makes its own.
    hooks?.collect?.();
  }
  cfg = { ...cfg, ...outcome.chosen };

  let epochs = 0;
  let finalLoss = NaN;
  const losses: number[] = [];
  const epochHooks = {
    onEpoch: (e: EpochInfo) => {
      epochs = e.epoch;
      finalLoss = e.loss;
      losses.push(e.loss);
      phased(e);
    },
    shouldStop: hooks?.shouldStop,
  };
  const home = cfg.itemModel === 'ease' && keepInverse && !from.easeP ? from.home : undefined;
  const { factors, lastRow, nSessions, items, trainedAt, spare } = yield* fitFactorsSteps(data, cfg, epochHooks, home);
  yield;
  // Sessions in groupSessions' order, items numbered as the matrix numbers them: by index, without naming them.
  const { lists, start: sessionTimes } = indexHistory(items, asColumns(data));
  const discount = genericDiscount(weightedCounts(lists, items.length), listCount(lists), cfg.genericShare);
  const generic = genericItems(discount);

  const multiItemSessions = listsOfAtLeast(lists, 2);
  const mode: RecommendMode = multiItemSessions < Math.max(1, cfg.minSessions) ? 'frecency' : 'mf';
  yield;

  const ease =
    cfg.itemModel === 'ease'
      ? yield* buildEaseNeighboursSteps(lists, items.length, cfg.easeLambda, cfg.easeMaxItems, cfg.neighbours, easeSessionWeights(sessionTimes, trainedAt), keepInverse, { memory: spare, into: from.easeP, newP: from.newP })
      : undefined;
  // Co-occurrence counts only where they make the table (itemModel 'cosine'): a map per item, 94 MB at 1M interactions.
  const neighbours = ease ? ease.table : buildNeighbours(new CooccurrenceIndex(listsAsArrays(lists), items.length), items.length, cfg.neighbours);
  yield;

  const blend = outcome.blend;
  const { prior, scale } = recentUsePrior(lists, sessionTimes, items.length, trainedAt, cfg.priorHalfLifeDays, discount);
  let heldOut: HeldOutResult;
  if (mode === 'frecency') {
    // The validation measured the factor model's blend, but this model ranks by frecency: not its hit rate.
    heldOut = { k: HELD_OUT_K, value: null, cases: blend?.cases ?? 0, reason: 'Ranking by recent use (too few sessions with several items), so there is no factor-model hit rate to report.' };
  } else if (blend) {
    heldOut = { k: HELD_OUT_K, value: blend.hitRate, cases: blend.cases };
  } else {
    heldOut = { k: HELD_OUT_K, value: null, cases: outcome.cases, reason: outcome.reason ?? 'No validation ran.' };
  }
  const model: RecommenderModel = {
    version: 3,
    config: cfg,
    items,
    mf: factors,
    prior,
    generic,
    priorBasis: priorBasisOf(scale, generic, discount),
    neighbours,
    trainedAt,
    mode,
    stats: {
      sessions: nSessions,
      multiItemSessions,
      interactions: n,
      items: items.length,
      epochs,
      finalLoss,
      fitMs: nowMs() - started,
      blendCases: blend?.cases ?? 0,
      blendNdcg: blend?.ndcg ?? NaN,
    },
    training: { losses, heldOut, ...(lastRow ? { lastRow } : {}) },
  };
  return { model, inverse: ease?.inverse };
}

/**
 * The factor model of a full fit, and what the model keeps of its matrix (the newest session's row). Its own
 * generator so that the matrix and the trainer's arrays die with its frame when it returns: the fit's frame holds
 * its locals to its end, through EASE's solve (the fit's last high point).
 */
function* fitFactorsSteps(
  data: History,
  cfg: RecommenderConfig,
  hooks: TrainHooks,
  workIn?: (bytes: number) => KernelMemory | undefined,
): Steps<{ factors: FactorModel; lastRow?: TrainingRow; nSessions: number; items: string[]; trainedAt: number; spare?: KernelMemory }> {
  const { matrix, items, trainedAt, newest } = buildTrainingMatrix(data, cfg.halfLifeDays);
  yield;
  const gramianFit =
    cfg.trainer === 'gramian'
      ? yield* trainSgdGramianSteps(
          matrix,
          { k: cfg.factors, epochs: cfg.epochs, learningRate: cfg.learningRate, lambda: cfg.lambda, alpha: cfg.alpha, epsilon: cfg.epsilon, seed: cfg.seed, viewsOut: true, ...(workIn ? { workIn } : {}) },
          hooks,
        )
      : undefined;
  const mf =
    gramianFit ??
    (yield* trainSgdImplicitSteps(
      matrix,
      { k: cfg.factors, epochs: cfg.epochs, learningRate: cfg.learningRate, lambda: cfg.lambda, alpha: cfg.alpha, epsilon: cfg.epsilon, negatives: cfg.negatives, seed: cfg.seed },
      hooks,
    ));
  // Copies of what the model keeps (the item vectors, one session row): the trainer's vectors may be views into its
  // kernel's memory (viewsOut), which is handed on to EASE (or let go) when this returns.
  const factors = factorModelOf({ ...mf, itemFactors: mf.itemFactors.slice() });
  const row = newest ? { lastRow: recordedRow(matrix, mf, newest.row, newest.session) } : {};
  // Nothing reads the kernel's memory past here: EASE works in it (EaseReuse).
  return { factors, ...row, nSessions: matrix.nRows, items, trainedAt, spare: gramianFit?.kernelMemory };
}

/**
 * Per item, the share of its recent-use prior it keeps: 1, or genericShare / share for an item in more than
 * `genericShare` of all sessions (a root manifest, a changelog, the README: it goes with everything). Such an item
 * then has to be recommended on the evidence of the context (factors, item x item) more than on being touched often:
 * in prettier's history package.json (in 38% of commits, mostly dependency bumps) kept a top-5 place next to printer
 * files on recency alone. Validation NDCG@10 cost of genericShare 0.25 (vs none): chalk 0.483 -> 0.479,
 * vs-commands-dev2684 0.669 -> 0.664, vscode-pull-request-github and dev2680 unchanged; 0.1 cost chalk 14% (a small
 * repository's main file is in most commits), and dropping the prior of such items cost it 37%.
 */
export function genericDiscount(used: ArrayLike<number>, nSessions: number, genericShare: number): Float32Array {
  const keep = new Float32Array(used.length).fill(1);
  for (let i = 0; i < keep.length; i++) {
    const share = used[i] / Math.max(1, nSessions);
    if (share > genericShare) keep[i] = genericShare / share;
  }
  return keep;
}

/** Items that go with everything (genericDiscount below 1), ascending: RecommenderModel.generic. */
export function genericItems(discount: Float32Array): Int32Array {
  const out: number[] = [];
  discount.forEach((d, i) => d < 1 && out.push(i));
  return Int32Array.from(out);
}

/**
 * The recent-use prior: decayed frecency scaled by the largest, times each item's genericDiscount; with that largest
 * raw value, the scale livePrior needs to add later sessions to it (PriorBasis.scale).
 */
export function recentUsePrior(
  lists: ItemLists,
  times: ArrayLike<number>,
  nItems: number,
  at: number,
  halfLifeDays: number,
  discount: Float32Array,
): { prior: Float32Array; scale: number } {
  const p = decayedFrecency(lists, times, nItems, at, halfLifeDays * DAY_SECONDS);
  // Scaled by the largest before the discount: a discounted item that was the largest must not be scaled back up.
  const max = p.reduce((a, b) => Math.max(a, b), 0);
  for (let i = 0; i < p.length; i++) p[i] = max > 0 ? (p[i] / max) * discount[i] : p[i];
  return { prior: p, scale: max };
}

/** RecommenderModel.priorBasis: the prior's scale and the share each generic item keeps (aligned with `generic`). */
export function priorBasisOf(scale: number, generic: Int32Array, discount: Float32Array): PriorBasis {
  return { scale, genericKeep: Float32Array.from(generic, (i) => discount[i]) };
}

/** The fewest epochs maxCellSteps may leave a fit with. */
export const MIN_EPOCHS = 5;

/** The configured blend measured on the validation's held-out cases (by a model fitted on the sessions before them). */
export interface BlendHeldOut {
  cases: number;
  /** NDCG@HELD_OUT_K summed over the cases, divided by their number */
  ndcg: number;
  /** HR@HELD_OUT_K on the same cases */
  hitRate: number;
}

/** The settings a fit's validation phase chooses: EASE's ridge (the blend is fixed: BlendHeldOut). */
export type ChosenSettings = Pick<RecommenderConfig, 'easeLambda'>;

/** What a fit's validation phase settled: the settings it chose and what the model reports of it. */
export interface ValidationOutcome {
  chosen: ChosenSettings;
  /** the blend measured on held-out cases; absent without a split (or when stopped) */
  blend?: BlendHeldOut;
  /** validation cases the split gave */
  cases: number;
  /** why there is no blend, when there is none */
  reason?: string;
}

/** What a full fit may take over from the model it replaces (recommenderUpdate.ts). */
export interface FitFromPrevious {
  /** a validation made before, kept instead of validating (keptValidation) */
  validation?: ValidationOutcome;
  /** the replaced model's EASE P, which a full fit does not read: its array takes the new P when the sizes match */
  easeP?: Float64Array;
  /** where a P that easeP cannot take is made (RetrainMemory.newP) */
  newP?: (length: number) => Float64Array;
  /**
   * Without easeP: a shared memory of at least the bytes asked, a home for P (sharedKernelMemory), or none. The
   * factor model's SGD works in it, then EASE, whose P stays there: the fit makes P where it is kept instead of
   * copying it out of its workspace into a memory of its own (32 MB of new pages at 2,000 items, at the fit's end).
   */
  home?: (bytes: number) => KernelMemory | undefined;
}

export interface FitHooks extends TrainHooks {
  /**
   * A full garbage collection, where the thread may make one (the worker's, not the extension host's): called once
   * between a fit's validation and its own training.
   */
  collect?: () => void;
}

function chosenOf(cfg: RecommenderConfig): ChosenSettings {
  return { easeLambda: cfg.easeLambda };
}

function* validationOutcomeSteps(
  validation: { split: ValidationSplit | undefined; cases: number; reason?: string },
  cfg: RecommenderConfig,
  hooks: TrainHooks,
): Steps<ValidationOutcome> {
  const { cases, reason } = validation;
  if (!validation.split) {
    return { chosen: chosenOf(cfg), cases, ...(reason !== undefined ? { reason } : {}) };
  }
  // The split goes to the choice alone, which drops it as soon as it can: on a large history its sessions and cases
  // are tens of MB that neither the blend's fit nor the full fit needs.
  const chosen = yield* chooseOnValidationSteps(validation, cfg, hooks);
  return { chosen: chosenOf(chosen.cfg), cases, ...(chosen.blend ? { blend: chosen.blend } : {}) };
}

/**
 * easeLambda candidates autoBlend chooses from (EASE alone on the validation split; past 5 or 50 while that improves,
 * chooseEaseLambdaSteps), and the item cap used there. Every shared history's choice lies inside: chalk 5,
 * vscode-pull-request-github 10, prettier 10, vs-commands-dev2684 20, vs-commands-dev2680 50 (100 scores lower).
 */
export const EASE_LAMBDA_GRID = [5, 10, 20, 50];
/**
 * The item cap of EASE in the validation's models: the ridge's choice and the blend measure's model. At the fit's
 * 2,000 items instead it scored no better on any history measured (training parts' validation NDCG@10: prettier
 * static 0.5094 both, replay 0.4898 at 2,000 against 0.4905 at 1,000; ML-100K user-days 0.1419 both) for 8 times the
 * solve. 700 rather than 1,000 since the validation runs before the fit instead of beside it (2.9 times less to
 * solve; at a heavy year about 0.4 s of 5): the same ridge on all 41 histories the settings are checked on
 * (validation NDCG@10 the same to the digit statically, and under replay on 40, gnupg 0.4202 -> 0.4221).
 */
export const EASE_CHOICE_MAX_ITEMS = 700;
/** ...and the newest validation cases it is chosen on (each costs O(items): a 30,000-file history has ~40,000). */
export const EASE_CHOICE_MAX_CASES = 2000;

/** Fewer validation cases than this: too noisy to choose on or to report a hit rate from. */
export const BLEND_MIN_CASES = 30;
/** The newest cases are enough to measure the blend and keep the extra cost small. */
export const BLEND_MAX_CASES = 500;

/**
 * The newest training sessions of the validation split that the blend measure's model learns from: on a heavy year
 * (the split's 50,000 sessions, about 300,000 interactions) its fit was 0.9 s of a retrain that validates before it
 * trains. Every history the settings were chosen on has fewer, so none of their figures depend on it.
 */
export const BLEND_MAX_TRAIN_SESSIONS = 20_000;

/** Validation cases built for the choices: the newest, at most this many. */
export const BLEND_SPLIT_MAX_CASES = 10_000;

/** Hands the split over and leaves none behind in `v`. */
function takeSplit(v: { split: ValidationSplit | undefined }): ValidationSplit {
  const split = v.split as ValidationSplit;
  v.split = undefined;
  return split;
}

/**
 * EASE's ridge (EASE alone, its items capped lower to keep it cheap), then the blend's held-out figures, on the
 * validation split taken out of `v`: it is let go before the blend's fit, which reads its newest part only.
 */
function* chooseOnValidationSteps(
  v: { split: ValidationSplit | undefined },
  config: RecommenderConfig,
  hooks: TrainHooks,
): Steps<{ cfg: RecommenderConfig; blend: BlendHeldOut | undefined }> {
  let cfg = config;
  if (cfg.itemModel === 'ease') {
    cfg = yield* chooseRidgeSteps(v.split as ValidationSplit, cfg);
    yield;
  }
  // Taken out of the box here (no frame of this generator holds it): from now on only the blend's part of it is held.
  const blend = yield* blendHeldOutSteps(blendInputOf(takeSplit(v)), cfg, hooks);
  return { cfg, blend };
}

/** EASE's ridge chosen on the split (its items capped lower to keep it cheap). */
function* chooseRidgeSteps(split: ValidationSplit, cfg: RecommenderConfig): Steps<RecommenderConfig> {
  const choice = yield* chooseEaseLambdaSteps(split.trainInteractions, EASE_LAMBDA_GRID, Math.min(cfg.easeMaxItems, EASE_CHOICE_MAX_ITEMS), cfg.easeLambda, EASE_CHOICE_MAX_CASES, split, easeGramWeights);
  return choice.cases > 0 ? { ...cfg, easeLambda: choice.lambda } : cfg;
}

/** The validation split autoBlend chooses on; no split, with the reason, when the history is too small to validate on. */
function blendSplitOf(data: History): { split: ValidationSplit | undefined; cases: number; reason?: string } {
  let split: ValidationSplit;
  try {
    // The choices read the newest cases only (BLEND_MAX_CASES, EASE_CHOICE_MAX_CASES); a few times more are kept for the
    // blend's, which drops cases whose file only sessions before its training window used.
    split = validationSplit(data, TRAIN_FRACTION, BLEND_SPLIT_MAX_CASES);
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

/**
 * The validation reads at most this many of the newest sessions (80% of them train its model, 20% give its cases):
 * the ridge is chosen and the blend measured on the newest cases, and on a heavy year (170,000 sessions) fitting the
 * validation model on all of them was half of a full retrain's time, and its copy of the whole history and its split
 * were the largest part of the retrain's memory. Every shared history has fewer sessions, so none of their figures depend on it.
 */
export const VALIDATION_MAX_SESSIONS = 62_500;

/** What the validation phase reads of a fit's history: its newest VALIDATION_MAX_SESSIONS sessions. */
export function validationHistory(data: History): History {
  return newestSessions(data, VALIDATION_MAX_SESSIONS);
}

/** What the blend's measure reads of a split: its training sessions' interactions and its cases. */
type BlendInput = Pick<ValidationSplit, 'trainInteractions' | 'cases'>;

/** Those two fields alone, so that the split's lists and items are not held through the blend's fit. */
function blendInputOf(split: ValidationSplit): BlendInput {
  return { trainInteractions: split.trainInteractions, cases: split.cases };
}

/**
 * The blend in use (cfg's weights) measured on the newest held-out cases, ranked by a model fitted on the sessions
 * before them as a full fit is on all of them. Undefined when training was stopped, or when the model's window of
 * sessions knows none of the cases' targets (BLEND_MAX_TRAIN_SESSIONS).
 */
function* blendHeldOutSteps(input: BlendInput, cfg: RecommenderConfig, hooks?: TrainHooks): Steps<BlendHeldOut | undefined> {
  const train = newestSessions(input.trainInteractions, BLEND_MAX_TRAIN_SESSIONS);
  const inner = yield* fitRecommenderSteps(train, { ...cfg, autoBlend: false, minSessions: 0, easeMaxItems: Math.min(cfg.easeMaxItems, EASE_CHOICE_MAX_ITEMS) }, hooks);
  if (hooks?.shouldStop?.()) return undefined;
  const index = itemIndexOf(inner.items);
  // Cases whose file only sessions before that window used are left out (it cannot rank what it never saw).
  const cases = input.cases.filter((c) => index.has(c.target)).slice(-BLEND_MAX_CASES);
  if (cases.length === 0) return undefined;
  let ndcg = 0;
  let hits = 0;
  // One set of per-item arrays for all the cases: fresh ones per case were 240 MB of garbage over 500 cases at
  // 10,000 items.
  const buffers = new ScoreBuffers();
  for (const c of cases) {
    yield;
    const rank = heldOutRank(inner, c.context, index.get(c.target) as number, buffers);
    if (rank >= HELD_OUT_K) continue;
    ndcg += 1 / Math.log2(rank + 2);
    hits++;
  }
  return { cases: cases.length, ndcg: ndcg / cases.length, hitRate: hits / cases.length };
}

/**
 * Row `r` of the training matrix as TrainingRecord.lastRow records it: its strongest cells and the vector training
 * gave it (row r of `mf`), numbered `row` among the model's sessions.
 */
export function recordedRow(matrix: CsrMatrix, mf: MfModel, r: number, session: string, row = r): TrainingRow {
  return { session, row, x: rowOf(mf.userFactors, mf.k, r), cells: strongestCells(matrix, r) };
}

/** A training row's cells, strongest first (ties by item), at most TRAINING_ROW_CELLS: TrainingRow.cells. */
function strongestCells(matrix: CsrMatrix, row: number): TrainingRow['cells'] {
  const cells: TrainingRow['cells'] = [];
  for (let t = matrix.indptr[row]; t < matrix.indptr[row + 1]; t++) cells.push({ item: matrix.indices[t], raw: matrix.values[t] });
  cells.sort((a, b) => b.raw - a.raw || a.item - b.item);
  return cells.slice(0, TRAINING_ROW_CELLS);
}
