// Priors for items with no history (a new file): borrowed from known items in the same folder / with the same extension.
import { itemPlace } from './itemKey';
import type { RecommenderModel } from './recommenderModel';

export interface ItemPrior {
  vector: Float32Array;
  bias: number;
  prior: number;
  /** indices of the known items it was borrowed from, and their weights */
  from: number[];
  weights: number[];
}

/**
 * Prior for an item with no history: the mean factors, bias and frecency prior of known items of the same kind
 * in the same folder and with the same extension (weight 2), else in the same folder (weight 1), else with the
 * same extension in any folder (weight 0.5). Undefined when there is no such neighbour.
 */
export function priorForNewItem(model: RecommenderModel, item: string): ItemPrior | undefined {
  const me = itemPlace(item);
  const k = model.mf.k;
  const Q = model.mf.itemFactors;
  const vector = new Float32Array(k);
  let bias = 0;
  let prior = 0;
  let total = 0;
  const from: number[] = [];
  const weights: number[] = [];
  const add = (i: number, w: number): void => {
    weights.push(w);
    for (let f = 0; f < k; f++) vector[f] += w * Q[i * k + f];
    bias += w * model.mf.itemBias[i];
    prior += w * model.prior[i];
    total += w;
    from.push(i);
  };
  const sameFolder: Array<[number, boolean]> = [];
  const sameExt: number[] = [];
  model.items.forEach((key, i) => {
    const p = itemPlace(key);
    if (p.kind !== me.kind || key === item) return;
    if (p.folder === me.folder) sameFolder.push([i, p.ext === me.ext]);
    else if (me.ext !== '' && p.ext === me.ext) sameExt.push(i);
  });
  if (sameFolder.length > 0) for (const [i, sameE] of sameFolder) add(i, sameE ? 2 : 1);
  else for (const i of sameExt) add(i, 0.5);
  if (total === 0) return undefined;
  for (let f = 0; f < k; f++) vector[f] /= total;
  return { vector, bias: bias / total, prior: prior / total, from, weights };
}
