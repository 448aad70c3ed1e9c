// Fold-in + ranking latency on the extension host (LiveRanker.refreshNow) at a given workspace size.
import { gramian } from '../core/foldIn';
import { fitRecommender, type Interaction, type RecommenderModel } from '../core/recommender';
import { itemDotsSteps, itemIndexSteps, primeGram } from '../core/scoring';
import { finishSteps } from '../core/train';
import { LiveRanker } from '../ranking/liveRanking';
import { percentile } from './percentile';
import { syntheticInteractions } from './synthetic';

export interface RankLatencyOptions {
  items: number;
  seed: string;
  /** Timed refreshes (after the warm-up ones), default 200. */
  runs?: number;
}

export interface RankLatency {
  /** items the fitted model knows (a few synthetic items are never drawn) */
  items: number;
  p50Ms: number;
  p99Ms: number;
  /** the slowest timed refresh */
  maxMs: number;
  /** the first refresh after a retrain hands over a new model (its Gramian from the worker, its key index built in slices before) */
  modelSwapMs: number;
}

const WARMUP = 20;

/** Synthetic areas of work, 100 items each, 6 interactions per item (as the 10k case always had). */
export function rankModel(items: number, seed: string): { model: RecommenderModel; data: Interaction[] } {
  const data = syntheticInteractions({ interactions: items * 6, items, areas: Math.round(items / 100), seed });
  // Few epochs: the cost of ranking does not depend on how well the model was trained.
  return { model: fitRecommender(data, { epochs: 2 }), data };
}

/** A copy the per-model caches (keyed by the model's arrays) have not seen: what a retrain hands the ranker. */
function freshCopy(m: RecommenderModel): RecommenderModel {
  return { ...m, items: m.items.slice(), mf: { ...m.mf } };
}

/**
 * A new copy of `m` as a retrain hands it over: the training worker sends Y^T Y with the model (runner.ts primes it),
 * and the controller has the ranker build the key index and the ranking product in slices (LiveRanker.prepare) before
 * the switch. So only what the host itself builds after that counts.
 */
export function handedOver(m: RecommenderModel): RecommenderModel {
  const fresh = freshCopy(m);
  primeGram(fresh.mf, gramian(fresh.mf.itemFactors, fresh.mf.k));
  finishSteps(itemIndexSteps(fresh.items));
  finishSteps(itemDotsSteps(fresh.mf));
  return fresh;
}

export function measureRankLatency(o: RankLatencyOptions): RankLatency {
  const runs = o.runs ?? 200;
  const { model, data } = rankModel(o.items, o.seed);
  const context = data.slice(0, 6).map((x) => ({ item: x.item, weight: x.weight }));
  const open = new Set(data.slice(0, 3).map((x) => x.item));
  const ranker = new LiveRanker({ context: () => context, openItems: () => open }, { perKind: 10 });
  ranker.setModel(model);
  const times = new Float64Array(runs);
  for (let i = 0; i < WARMUP + runs; i++) {
    context[0] = { item: data[(i * 7) % data.length].item, weight: 1 + (i % 4) }; // a new signal each time
    ranker.refreshNow();
    if (i >= WARMUP) times[i - WARMUP] = ranker.lastComputeMs; // the first runs include JIT warm-up
  }
  times.sort();
  ranker.setModel(handedOver(model));
  const modelSwapMs = ranker.lastComputeMs;
  ranker.dispose();
  return { items: model.items.length, p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99), maxMs: times[runs - 1], modelSwapMs };
}
