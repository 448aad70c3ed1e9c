// The shipped ranker and its MF part as EvalMethods, so `cli eval` judges them by the same protocol as the baselines.
import type { EvalMethod, Ranker } from './evalProtocol';
import { fitRecommender, scoreItems, type RecommenderConfig } from './recommender';

function recommenderMethod(name: string, config: Partial<RecommenderConfig>): EvalMethod {
  return {
    name,
    fit(train, items): Ranker {
      const model = fitRecommender(train, config);
      // The model orders items by first appearance in `train`; the protocol by session time.
      const index = new Map<string, number>();
      model.items.forEach((it, i) => index.set(it, i));
      const toModel = items.map((it) => index.get(it) as number);
      return {
        score(context, now) {
          // The protocol leaves out the context (recommend() itself leaves out only what it is told to).
          const s = scoreItems(model, context.map((item) => ({ item, weight: 1 })), { now, exclude: new Set(context) });
          const out = new Float64Array(items.length);
          for (let j = 0; j < items.length; j++) out[j] = s.score[toModel[j]];
          return out;
        },
      };
    },
  };
}

/** The shipped ranker with the given settings (defaults: DEFAULT_RECOMMENDER_CONFIG). */
export function latentMethod(config: Partial<RecommenderConfig> = {}): EvalMethod {
  return recommenderMethod('latent', config);
}

/** The MF model alone: folded-in session vector . item factors + item bias, no priors. */
export function mfMethod(config: Partial<RecommenderConfig> = {}): EvalMethod {
  return recommenderMethod('mf', { ...config, mfWeight: 1, coocWeight: 0, priorWeight: 0, autoBlend: false, minSessions: 0 });
}
