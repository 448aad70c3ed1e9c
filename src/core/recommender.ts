// The shipped ranker: what the extension, the training worker and `cli eval` all use to turn implicit feedback
// into recommendations. Sessions are rows, items are columns (DESIGN.md section 3); implicit SGD with sampled
// negatives learns item factors, the current session is folded in, and the MF score is blended with an item
// co-occurrence prior and a frecency prior (weights chosen on a validation split carved from training data).
//
// This module is a barrel: the code lives in recommenderConfig.ts (settings), recommenderModel.ts (types),
// trainingData.ts (interactions -> decayed signal matrix), recommenderFit.ts (fitting and its validation),
// newItemPrior.ts (items with no history), scoring.ts (scoreItems / recommend) and recommenderFormat.ts (files).
export type { Interaction } from './interaction';
export type { TrainHooks } from './train';
export { DEFAULT_RECOMMENDER_CONFIG, resolveConfig, type RecommenderConfig } from './recommenderConfig';
export {
  HELD_OUT_K,
  type ContextItem,
  type HeldOutResult,
  type NeighbourTable,
  type RecentSession,
  type Recommendation,
  type RecommendMode,
  type RecommendOptions,
  type RecommenderModel,
  type RecommenderStats,
  type TrainingRecord,
} from './recommenderModel';
export { BLEND_MAX_CASES, BLEND_MIN_CASES, fitRecommender, fitRecommenderSteps } from './recommenderFit';
export { priorForNewItem, type ItemPrior } from './newItemPrior';
export { recommend, scoreItems, type ScoredItems } from './scoring';
export { deserializeRecommender, deserializeRecommenderSteps, RECOMMENDER_FORMAT, serializeRecommender } from './recommenderFormat';
