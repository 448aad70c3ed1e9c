// The shipped ranker and its MF part as EvalMethods, so `cli eval` judges them by the same protocol as the baselines.
import { trainAlsImplicit } from './als';
import { confidence } from './confidence';
import { candidateScores, type EvalMethod, type Ranker } from './evalProtocol';
import { foldIn, gramian } from './foldIn';
import { rowDots } from './linalg';
import type { Interaction } from './interaction';
import { DEFAULT_RECOMMENDER_CONFIG, fitRecommender, scoreItems, type RecentSession, type RecommenderConfig, type RecommenderModel } from './recommender';
import { ScoreBuffers } from './scoreBuffers';
import { itemIndexOf } from './scoring';
import { retrainRecommenderSteps, type RetrainMemory } from './recommenderUpdate';
import { finishSteps } from './train';
import { buildTrainingMatrix } from './trainingData';

function recommenderMethod(name: string, config: Partial<RecommenderConfig>, train: (data: readonly Interaction[]) => RecommenderModel = (d) => fitRecommender(d, config), details?: () => Record<string, number | string | boolean>): EvalMethod {
  return {
    name,
    fit(data, items): Ranker {
      const model = train(data);
      // The model orders items by first appearance in `train`; the protocol by session time. A candidate the model
      // never saw (-1) scores below every item it knows (as refittedReplayMethod's).
      const index = itemIndexOf(model.items);
      const toModel = Int32Array.from(items, (it) => index.get(it) ?? -1);
      // Often the same order: then the scores are handed over as they are, without a copy of every item's score.
      const same = model.items.length === items.length && toModel.every((m, j) => m === j);
      // Reused from case to case, as the live ranker does (Ranker.score's result is read before the next call).
      const buffers = new ScoreBuffers();
      const out = new Float64Array(items.length);
      // Sessions since the fit (replay): the recent-use prior counts them, as the live ranking does.
      const recentSessions: RecentSession[] = [];
      return {
        observe(session) {
          if (session.length > 0) recentSessions.push({ start: Math.min(...session.map((x) => x.time)), items: session.map((x) => x.item) });
        },
        score(context, now) {
          // The protocol leaves out the context (recommend() itself leaves out only what it is told to).
          const s = scoreItems(model, context.map((item) => ({ item, weight: 1 })), { now, exclude: new Set(context), recentSessions }, buffers).score;
          if (same && s.length === out.length) return s;
          return candidateScores(s, model.items.length, toModel, out);
        },
        ...(details ? { details: details() } : {}),
      };
    },
  };
}

/**
 * The shipped ranker with the given settings (defaults: DEFAULT_RECOMMENDER_CONFIG). `retrain: 'incremental'` makes
 * every fit after the first a retrain as the extension's (recommenderUpdate.ts: an update of the previous model
 * unless drift calls for a full fit), for the replay protocol; details count each kind.
 */
export function latentMethod(config: Partial<RecommenderConfig> = {}, opts: { retrain?: 'full' | 'incremental' } = {}): EvalMethod {
  return retrainedMethod('latent', config, opts.retrain);
}

function retrainedMethod(name: string, config: Partial<RecommenderConfig>, retrain: 'full' | 'incremental' | undefined): EvalMethod {
  if (retrain !== 'incremental') return recommenderMethod(name, config);
  let previous: RecommenderModel | undefined;
  const memory: RetrainMemory = {};
  const counts = { fullFits: 0, updates: 0, lastFullReason: '' };
  return recommenderMethod(
    name,
    config,
    (data) => {
      const { model, plan } = finishSteps(retrainRecommenderSteps(previous, data, config, undefined, memory));
      if (plan.kind === 'full') {
        counts.fullFits++;
        counts.lastFullReason = plan.reason;
      } else counts.updates++;
      previous = model;
      return model;
    },
    () => ({ ...counts }),
  );
}

/**
 * The MF model alone: folded-in session vector . item factors + item bias, no priors. `retrain` as latentMethod's:
 * under replay its factors are updated as the extension updates the shipped ranker's.
 */
export function mfMethod(config: Partial<RecommenderConfig> = {}, opts: { retrain?: 'full' | 'incremental' } = {}): EvalMethod {
  // itemModel 'cosine': the item x item part has weight 0 here, so it is not worth EASE's dense solve.
  return retrainedMethod('mf', { ...config, mfWeight: 1, coocWeight: 0, priorWeight: 0, autoBlend: false, minSessions: 0, itemModel: 'cosine' }, opts.retrain);
}

export interface IalsOptions {
  k?: number;
  alpha?: number;
  epsilon?: number;
  lambda?: number;
  epochs?: number;
  halfLifeDays?: number;
  seed?: number | string;
}

/**
 * Implicit-ALS settings of the reference: k, alpha and lambda as the product's MF (an equal-hyperparameter
 * comparison of exact ALS solves vs the product's SGD). Grid on the validation split of vscode-pull-request-github's
 * training part (alpha 1/10/40 x lambda 0.1/1/10/50): (10, 10) 0.374, best (40, 50) 0.400; on prettier's
 * validation split (10, 10) 0.556 vs (40, 50) 0.544. docs/quality-notes.md reports both settings on the test split.
 */
export const IALS_DEFAULTS = { alpha: 10, epsilon: 1, lambda: 10, epochs: 15 };
/**
 * Sweeps of a warm-started refit under replay (from the last fit's item vectors, see ialsMethod). On the replay of
 * vscode-pull-request-github's training part (`--protocol replay --validation --methods ials`) 3 warm sweeps at each
 * refit gave NDCG@10 0.37234 in 16.5 s of fitting, 15 sweeps from scratch 0.37234 in 97.7 s.
 */
export const IALS_WARM_EPOCHS = 3;

/**
 * The implicit-ALS reference of DESIGN.md section 5 (Hu, Koren & Volinsky 2008, exact solves): the same decayed
 * signal matrix as the product, all unobserved cells at confidence 1, the context folded in with the same lambda.
 */
export function ialsMethod(opts: IalsOptions = {}, replay: { retrain?: 'full' | 'incremental' } = {}): EvalMethod {
  const k = opts.k ?? DEFAULT_RECOMMENDER_CONFIG.factors;
  const alpha = opts.alpha ?? IALS_DEFAULTS.alpha;
  const epsilon = opts.epsilon ?? IALS_DEFAULTS.epsilon;
  const lambda = opts.lambda ?? IALS_DEFAULTS.lambda;
  const epochs = opts.epochs ?? IALS_DEFAULTS.epochs;
  // 'incremental' (replay): every fit after the first starts from the last fit's item vectors and runs warmEpochs.
  let previous: { Q: Float32Array; items: readonly string[] } | undefined;
  const counts = { fullFits: 0, warmFits: 0 };
  return {
    name: 'ials',
    fit(train, items): Ranker {
      const td = buildTrainingMatrix(train, opts.halfLifeDays ?? DEFAULT_RECOMMENDER_CONFIG.halfLifeDays);
      let initItemFactors: Float32Array | undefined;
      if (replay.retrain === 'incremental' && previous) {
        // Items keep their index from fit to fit when the history only grows (first appearance order).
        const { Q, items: before } = previous;
        const same = before.every((it, i) => td.itemIndex.get(it) === i);
        if (same) initItemFactors = Q;
      }
      const mf = trainAlsImplicit(td.matrix, {
        k,
        epochs: initItemFactors ? IALS_WARM_EPOCHS : epochs,
        lambda,
        alpha,
        epsilon,
        seed: opts.seed ?? DEFAULT_RECOMMENDER_CONFIG.seed,
        initItemFactors,
      });
      if (initItemFactors) counts.warmFits++;
      else counts.fullFits++;
      const Q = mf.itemFactors;
      previous = { Q, items: td.items };
      const gram = gramian(Q, k);
      const toModel = items.map((it) => td.itemIndex.get(it) ?? -1);
      // Every model item's x . q_i by linalg.rowDots (the same sums in the same order), then gathered into `items`.
      const dots = new Float64Array(td.items.length);
      const zeros = new Float64Array(td.items.length);
      return {
        score(context) {
          const ctx: number[] = [];
          for (const it of context) {
            const i = td.itemIndex.get(it);
            if (i !== undefined) ctx.push(i);
          }
          const x = ctx.length > 0 ? foldIn(Q, k, ctx, ctx.map(() => confidence(1, alpha, epsilon)), lambda, { gram }) : new Float32Array(k);
          rowDots(Q, k, x, zeros, dots);
          const out = new Float64Array(items.length);
          for (let j = 0; j < items.length; j++) if (toModel[j] >= 0) out[j] = dots[toModel[j]];
          return out;
        },
        details: { k, alpha, lambda, epochs, ...(replay.retrain === 'incremental' ? { warmEpochs: IALS_WARM_EPOCHS, ...counts } : {}) },
      };
    },
  };
}
