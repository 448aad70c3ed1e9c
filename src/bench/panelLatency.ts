// What opening and refreshing "Inside the model" costs the extension host at a given workspace size: the panel's state
// is built there (views/factorsPanel/state.ts) on open, on a "why" and after a new model.
import { ScoreBuffers } from '../core/scoreBuffers';
import { buildPanelState, prepareModelParts } from '../views/factorsPanel/state';
import { maxStallDuring } from './stall';
import { percentile } from './percentile';
import { handedOver, rankModel } from './rankLatency';

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
  // As the panel host scores: into arrays it keeps while the panel is open.
  const buffers = new ScoreBuffers();
  for (let i = 0; i < WARMUP + runs; i++) {
    context[0] = { item: data[(i * 7) % data.length].item, weight: 1 + (i % 4) };
    const t = performance.now();
    buildPanelState({ model, context, why: model.items[i % model.items.length] }, buffers);
    if (i >= WARMUP) times[i - WARMUP] = performance.now() - t; // the first ones include JIT warm-up
  }
  times.sort();
  // The median of a few, each a new copy as a retrain hands it over.
  const firsts = new Float64Array(NEW_MODELS);
  for (let r = 0; r < NEW_MODELS; r++) {
    const fresh = handedOver(model);
    firsts[r] = await maxStallDuring(async () => {
      await prepareModelParts(fresh);
      buildPanelState({ model: fresh, context }, buffers);
    });
  }
  firsts.sort();
  return { items: model.items.length, newModelMs: percentile(firsts, 0.5), refreshP50Ms: percentile(times, 0.5), refreshMaxMs: times[runs - 1] };
}
