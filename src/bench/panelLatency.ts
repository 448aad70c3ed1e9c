// What opening and refreshing "Inside the model" costs the extension host at a given workspace size: the panel's state
// is built there (views/factorsPanel/state.ts) on open, on a "why" and after a new model.
import { gramian } from '../core/foldIn';
import { itemDotsSteps, itemIndexSteps, primeGram } from '../core/scoring';
import { finishSteps } from '../core/train';
import { buildPanelState, prepareModelParts } from '../views/factorsPanel/state';
import { maxStallDuring } from './stall';
import { percentile } from './percentile';
import { freshCopy, rankModel } from './rankLatency';

export interface PanelLatency {
  items: number;
  /**
   * The longest stretch of the host's event loop while the panel shows a model a retrain just handed over (its Y^T Y
   * primed, as the worker sends it): its parts prepared in slices, then its state built. Median of 5.
   */
  newModelMs: number;
  /** later states for the same model (a new session, a "why"): median and slowest */
  refreshP50Ms: number;
  refreshMaxMs: number;
}

const WARMUP = 5;
const NEW_MODELS = 5;

export async function measurePanelLatency(o: { items: number; seed: string; runs?: number }): Promise<PanelLatency> {
  const runs = o.runs ?? 20;
  const { model, data } = rankModel(o.items, o.seed);
  const context = data.slice(0, 6).map((x) => ({ item: x.item, weight: x.weight }));
  const times = new Float64Array(runs);
  for (let i = 0; i < WARMUP + runs; i++) {
    context[0] = { item: data[(i * 7) % data.length].item, weight: 1 + (i % 4) };
    const t = performance.now();
    buildPanelState({ model, context, why: model.items[i % model.items.length] });
    if (i >= WARMUP) times[i - WARMUP] = performance.now() - t; // the first ones include JIT warm-up
  }
  times.sort();
  // As a retrain hands a model over: its Y^T Y comes from the worker and the ranker has built its key index and its
  // ranking product (in slices) before the switch. The median of a few, each a new copy.
  const firsts = new Float64Array(NEW_MODELS);
  for (let r = 0; r < NEW_MODELS; r++) {
    const fresh = freshCopy(model);
    primeGram(fresh.mf, gramian(fresh.mf.itemFactors, fresh.mf.k));
    finishSteps(itemIndexSteps(fresh.items));
    finishSteps(itemDotsSteps(fresh.mf));
    firsts[r] = await maxStallDuring(async () => {
      await prepareModelParts(fresh);
      buildPanelState({ model: fresh, context });
    });
  }
  firsts.sort();
  return { items: model.items.length, newModelMs: percentile(firsts, 0.5), refreshP50Ms: percentile(times, 0.5), refreshMaxMs: times[runs - 1] };
}
