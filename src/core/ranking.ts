// Top-N selection with exclusions (a bounded heap in typed arrays), and a blend of the MF score with a prior (e.g. recency).
import { LatentInputError } from './errors';
import { requireNonNegativeInt } from './validate';

export interface Scored {
  index: number;
  score: number;
}

/**
 * The n highest scores, best first; ties go to the lower index. Excluded indices are skipped.
 * Throws on NaN scores (a bug upstream, not something to rank).
 */
export function topN(scores: Float32Array | number[], n: number, exclude?: Set<number>): Scored[] {
  let eligible: Uint8Array | undefined;
  if (exclude) {
    eligible = new Uint8Array(scores.length).fill(1);
    for (const i of exclude) if (i >= 0 && i < scores.length) eligible[i] = 0;
  }
  return Array.from(topIndices(scores, n, eligible), (index) => ({ index, score: scores[index] }));
}

/**
 * Indices of the n highest scores among those with eligible[i] (all when absent), best first; ties go to the lower
 * index, so the order is exactly a full sort's by (score descending, index ascending). A bounded min-heap in typed
 * arrays: O(N log n) at worst, about one comparison per item once the heap holds good scores, no object per item.
 * Throws on NaN scores, eligible or not (a bug upstream, not something to rank).
 */
export function topIndices(scores: ArrayLike<number>, n: number, eligible?: Uint8Array): Int32Array {
  requireNonNegativeInt('n', n);
  const cap = Math.min(n, scores.length);
  // The heap's root is its worst entry: lowest score, and of equal scores the highest index.
  const idx = new Int32Array(cap);
  const val = new Float64Array(cap);
  let size = 0;
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i];
    if (v !== v) throw new LatentInputError(`score of index ${i} is NaN`);
    if (cap === 0 || (eligible && !eligible[i])) continue;
    if (size < cap) {
      // Sift up: i is the highest index so far, so of equal scores it is the worse one.
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!(v < val[p] || (v === val[p] && i > idx[p]))) break;
        idx[c] = idx[p];
        val[c] = val[p];
        c = p;
      }
      idx[c] = i;
      val[c] = v;
    } else if (v > val[0]) {
      // Equal to the root's score is never better: the root has the lower index.
      siftDown(idx, val, size, i, v);
    }
  }
  // Pop the worst to the back until the heap is empty: best first.
  for (let end = size - 1; end > 0; end--) {
    const wi = idx[0];
    const wv = val[0];
    siftDown(idx, val, end, idx[end], val[end]);
    idx[end] = wi;
    val[end] = wv;
  }
  return idx.subarray(0, size);
}

/** Puts (i, v) at the root of the heap's first `size` entries and moves it down to its place. */
function siftDown(idx: Int32Array, val: Float64Array, size: number, i: number, v: number): void {
  let p = 0;
  for (;;) {
    const l = 2 * p + 1;
    if (l >= size) break;
    const r = l + 1;
    // The worse child: lower score, or equal score and higher index.
    const c = r < size && (val[r] < val[l] || (val[r] === val[l] && idx[r] > idx[l])) ? r : l;
    if (!(val[c] < v || (val[c] === v && idx[c] > i))) break;
    idx[p] = idx[c];
    val[p] = val[c];
    p = c;
  }
  idx[p] = i;
  val[p] = v;
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
