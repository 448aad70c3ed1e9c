// Every term of a recommendation's score, so that "Why this?" can show numbers that add up to the score shown.
// The ranker's score (scoring.ts) is, for an item i with a session folded in as x:
//   score_i = w_mf (mf_i - lo_mf) / span_mf + w_ii (ii_i - lo_ii) / span_ii + w_prior prior_i
//   mf_i = b_i + sum_f x_f y_if            (the factor model: bias and one term per factor)
//   ii_i = sum_{c in context} B_ci         (the item x item part: one term per co-used context item)
// so it splits exactly into: one term per factor, the bias, one term per co-used context item, the recency prior,
// and the scaling offset -(w_mf lo_mf / span_mf + w_ii lo_ii / span_ii), which is the same for every item.
import type { RecommenderModel } from './recommenderModel';
import type { ScoredItems } from './scoring';

export type ScorePart = 'factors' | 'itemItem' | 'prior' | 'offset' | 'borrowed';

export interface ScoreTerm {
  part: ScorePart;
  /** a factor index (factors, bias: -1), a co-used item key (itemItem), the neighbour's key (borrowed) */
  factor?: number;
  item?: string;
  value: number;
}

export interface ScoreBreakdown {
  total: number;
  /** every term, in a stable order: factors (bias first), item x item, prior, offset; they sum to total */
  terms: ScoreTerm[];
  /** the sum of each part's terms */
  parts: Record<ScorePart, number>;
  /**
   * How far the factor model and the item x item part each lift the item above the item it favours least, as a share
   * of the part's weight: 0 no more than that item, 1 as much as the item it favours most. A part's terms can be
   * positive while it favours the item no more than any other (the offset takes them back): "Why this?" names a part
   * as a reason by this, not by the sign of its terms.
   */
  strength: { factors: number; itemItem: number };
}

function emptyParts(): Record<ScorePart, number> {
  return { factors: 0, itemItem: 0, prior: 0, offset: 0, borrowed: 0 };
}

const NO_STRENGTH = { factors: 0, itemItem: 0 } as const;

/** Item i's entries of the per-item arrays of a ScoredItems. */
export interface ItemValues {
  score: number;
  cooc: number;
  prior: number;
}

/**
 * The terms of item i's score in `scored` (an index into scored.keys). `values` are item i's entries, read from
 * scored unless given (a caller whose arrays were refilled since passes the ones it copied).
 */
export function scoreBreakdown(
  model: RecommenderModel,
  scored: ScoredItems,
  i: number,
  values: ItemValues = { score: scored.score[i], cooc: scored.cooc[i], prior: scored.prior[i] },
): ScoreBreakdown {
  const parts = emptyParts();
  const terms: ScoreTerm[] = [];
  const add = (t: ScoreTerm): void => {
    terms.push(t);
    parts[t.part] += t.value;
  };
  const nKnown = model.items.length;
  const cfg = model.config;
  if (!scored.scales) {
    // Frecency mode: the score is the decayed-frecency prior alone.
    add({ part: 'prior', value: values.score });
    return { total: values.score, terms, parts, strength: { ...NO_STRENGTH } };
  }
  if (i >= nKnown) {
    const from = scored.borrowedFrom[i - nKnown];
    if (from >= 0) {
      // A new file ranks right behind its best neighbour: its score is that neighbour's (see scoring.ts).
      add({ part: 'borrowed', item: model.items[from], value: values.score });
      return { total: values.score, terms, parts, strength: { ...NO_STRENGTH } };
    }
  }
  const { mf: mfScale, cooc: iiScale } = scored.scales;
  const mfW = mfScale.span > 0 ? cfg.mfWeight / mfScale.span : 0;
  const iiW = iiScale.span > 0 ? cfg.coocWeight / iiScale.span : 0;

  add({ part: 'factors', factor: -1, value: mfW * scored.itemBias(i) });
  const y = scored.itemVector(i);
  for (let f = 0; f < y.length; f++) add({ part: 'factors', factor: f, value: mfW * scored.userVector[f] * y[f] });

  if (i < nKnown) {
    const nb = model.neighbours;
    // B_ci is stored as item c's neighbour list: walk the context items' lists for i.
    for (const c of scored.contextIndices) {
      if (c >= nKnown) continue;
      for (let t = nb.indptr[c]; t < nb.indptr[c + 1]; t++) {
        if (nb.indices[t] === i) add({ part: 'itemItem', item: model.items[c], value: iiW * nb.values[t] });
      }
    }
  } else if (values.cooc !== 0) {
    // A new item with no better-scored neighbour keeps its borrowed co-use as one term.
    add({ part: 'itemItem', value: iiW * values.cooc });
  }
  add({ part: 'prior', value: cfg.priorWeight * values.prior });
  add({ part: 'offset', value: -(mfW * mfScale.lo + iiW * iiScale.lo) });
  let total = 0;
  for (const t of terms) total += t.value;
  // parts.factors = mfW mf_i and parts.itemItem = iiW ii_i: their lift over the lowest item, over the part's weight.
  const share = (lift: number, weight: number): number => (weight > 0 ? Math.min(1, Math.max(0, lift / weight)) : 0);
  const strength = {
    factors: mfW > 0 ? share(parts.factors - mfW * mfScale.lo, cfg.mfWeight) : 0,
    itemItem: iiW > 0 ? share(parts.itemItem - iiW * iiScale.lo, cfg.coocWeight) : 0,
  };
  return { total, terms, parts, strength };
}

/** How much of a ranking each part carries: its share of the absolute size of all terms, over these items. */
export function partShares(breakdowns: readonly ScoreBreakdown[]): Record<ScorePart, number> {
  const sums = emptyParts();
  let all = 0;
  for (const b of breakdowns) {
    for (const t of b.terms) {
      if (t.part === 'offset') continue; // the same for every item: it moves no item past another
      sums[t.part] += Math.abs(t.value);
      all += Math.abs(t.value);
    }
  }
  const out = emptyParts();
  for (const k of Object.keys(out) as ScorePart[]) out[k] = all > 0 ? sums[k] / all : 0;
  return out;
}
