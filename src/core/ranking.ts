// Top-N selection with exclusions, and a blend of the MF score with a prior (e.g. recency).
import { LatentInputError } from './errors';
import { requireNonNegativeInt } from './validate';

export interface Scored {
  index: number;
  score: number;
}

/**
 * The n highest scores, best first; ties go to the lower index. Excluded indices are skipped.
 * O(N log n) with a size-n min-heap. Throws on NaN scores (a bug upstream, not something to rank).
 */
export function topN(scores: Float32Array | number[], n: number, exclude?: Set<number>): Scored[] {
  requireNonNegativeInt('n', n);
  if (n === 0) return [];
  const heapIdx: number[] = [];
  const heapVal: number[] = [];
  // "a is worse than b": lower score, or equal score and higher index.
  const worse = (ia: number, va: number, ib: number, vb: number): boolean => va < vb || (va === vb && ia > ib);
  const swap = (a: number, b: number): void => {
    const ti = heapIdx[a];
    heapIdx[a] = heapIdx[b];
    heapIdx[b] = ti;
    const tv = heapVal[a];
    heapVal[a] = heapVal[b];
    heapVal[b] = tv;
  };
  const siftDown = (start: number): void => {
    let p = start;
    for (;;) {
      const l = 2 * p + 1;
      const r = l + 1;
      let m = p;
      if (l < heapIdx.length && worse(heapIdx[l], heapVal[l], heapIdx[m], heapVal[m])) m = l;
      if (r < heapIdx.length && worse(heapIdx[r], heapVal[r], heapIdx[m], heapVal[m])) m = r;
      if (m === p) return;
      swap(p, m);
      p = m;
    }
  };
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i];
    if (v !== v) throw new LatentInputError(`score of index ${i} is NaN`);
    if (exclude && exclude.has(i)) continue;
    if (heapIdx.length < n) {
      heapIdx.push(i);
      heapVal.push(v);
      let c = heapIdx.length - 1;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(heapIdx[c], heapVal[c], heapIdx[p], heapVal[p])) break;
        swap(c, p);
        c = p;
      }
    } else if (worse(heapIdx[0], heapVal[0], i, v)) {
      heapIdx[0] = i;
      heapVal[0] = v;
      siftDown(0);
    }
  }
  const out: Scored[] = heapIdx.map((index, t) => ({ index, score: heapVal[t] }));
  out.sort((a, b) => b.score - a.score || a.index - b.index);
  return out;
}

/** How prior and MF scores are put on one scale before blending. */
export type BlendNormalization = 'none' | 'zscore' | 'minmax';

/**
 * (1 - w) * norm(mf) + w * norm(prior), the pluggable prior blend. w = 0 returns the MF scores unchanged in order.
 */
export function blendScores(
  mf: Float32Array | number[],
  prior: Float32Array | number[],
  priorWeight: number,
  normalization: BlendNormalization = 'zscore',
): Float32Array {
  if (mf.length !== prior.length) throw new LatentInputError(`mf and prior must have equal lengths (${mf.length}, ${prior.length})`);
  if (!Number.isFinite(priorWeight) || priorWeight < 0 || priorWeight > 1) {
    throw new LatentInputError(`priorWeight must be in [0, 1], got ${priorWeight}`);
  }
  const a = normalize(mf, normalization);
  const b = normalize(prior, normalization);
  const out = new Float32Array(mf.length);
  for (let i = 0; i < out.length; i++) out[i] = (1 - priorWeight) * a[i] + priorWeight * b[i];
  return out;
}

export function normalize(x: Float32Array | number[], how: BlendNormalization): Float64Array {
  const n = x.length;
  const out = Float64Array.from(x);
  if (how === 'none' || n === 0) return out;
  if (how === 'minmax') {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, out[i]);
      hi = Math.max(hi, out[i]);
    }
    const span = hi - lo;
    for (let i = 0; i < n; i++) out[i] = span > 0 ? (out[i] - lo) / span : 0;
    return out;
  }
  let mean = 0;
  for (let i = 0; i < n; i++) mean += out[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (out[i] - mean) ** 2;
  const sd = Math.sqrt(v / n);
  for (let i = 0; i < n; i++) out[i] = sd > 0 ? (out[i] - mean) / sd : 0;
  return out;
}
