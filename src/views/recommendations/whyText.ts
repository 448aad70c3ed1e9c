// Plain-words explanation of one recommendation (tree tooltip). Pure: tested without VS Code.
import type { Recommendation, RecommenderModel } from '../../core/recommender';
import { factorTops, nameEnds, shownEndItems } from '../../core/explainView';
import { displayName, parseItemKey } from '../../core/itemKey';

/**
 * Factor labels ("src/views/", "*.test.ts files", or "led by a.ts and b.ts" when the strongest files share nothing
 * that is not as common among all files) for either end of a factor. Each end's strongest items are found once per
 * model; the items `hidden` covers now (latent.exclude, which can change at any time) are left out when it is named,
 * as the panel leaves them out (state.ts, shownFactor): an excluded file is never named, and each end is still named
 * from five (the first five its exclusion spares, LABEL_SPARE_ITEMS).
 */
export class FactorLabels {
  constructor(
    private readonly model: RecommenderModel,
    readonly hidden?: (item: string) => boolean,
  ) {}

  /** The label of factor `factor`'s positive end, or of its negative end (its most negative items) when `low`. */
  label(factor: number, low = false): string {
    // As the panel names its ends: from the same items (factorTops, prepared with the model), by the same rules.
    const { base, summaries } = factorTops(this.model);
    const s = summaries[factor];
    if (!s) return '';
    const shown = (end: { items: { index: number }[] }): string[] => shownEndItems(end.items.map((v) => this.model.items[v.index]), (k) => k, this.hidden);
    const names = nameEnds(shown(s.high), shown(s.low), base);
    return low ? names.low : names.high;
  }

  /**
   * The label that explains a recommendation's contribution on `factor`: the end its item sits at (a contribution
   * x_f y_f > 0 from two negative values is the negative end's doing, not the positive end's).
   */
  labelFor(rec: Recommendation, factor: number): string {
    return this.label(factor, (rec.explanation.itemVector[factor] ?? 0) < 0);
  }
}

const labelsByModel = new WeakMap<RecommenderModel, FactorLabels>();

/** The labels of a model's factors, one per model and `hidden` (the tree and the quick pick share one). */
export function factorLabelsOf(model: RecommenderModel | undefined, hidden?: (item: string) => boolean): FactorLabels | undefined {
  if (!model) return undefined;
  let labels = labelsByModel.get(model);
  if (!labels || labels.hidden !== hidden) {
    labels = new FactorLabels(model, hidden);
    labelsByModel.set(model, labels);
  }
  return labels;
}

/**
 * A part of the score is a reason to name when it lifts the item by at least this share of its weight above the item
 * it favours least (ScoreBreakdown.strength): below, its terms are noise the offset takes back, and an unrelated file
 * that only fills the list would read "fits your current work".
 */
export const REASON_MIN_STRENGTH = 0.05;

/** Markdown lines: score split, the strongest factor contributions with their labels, co-used items. */
export function whyMarkdown(rec: Recommendation, labels: FactorLabels | undefined, topFactors = 3): string {
  const lines: string[] = [];
  lines.push(`**${parseItemKey(rec.item).name}**`);
  lines.push('');
  lines.push(`Score ${rec.score.toFixed(3)} = ${scoreSum(rec)}`);
  const contrib = rec.explanation.contributions
    .map((value, factor) => ({ factor, value }))
    .filter((c) => c.value > 0)
    .sort((a, b) => b.value - a.value)
    .slice(0, topFactors);
  if (contrib.length > 0) {
    lines.push('');
    const strength = rec.breakdown.strength.factors;
    // Terms can be positive while the factor model favours it no more than any other file (the scaling takes them back).
    lines.push(
      strength >= REASON_MIN_STRENGTH
        ? 'Why: it fits what you are working on now:'
        : `It barely fits what you are working on now (${Math.round(strength * 100)}% of the best fit); its largest factor terms:`,
    );
    for (const c of contrib) {
      const label = labels ? ` (${labels.labelFor(rec, c.factor)})` : '';
      lines.push(`- factor ${c.factor + 1}${label}: +${c.value.toFixed(3)}`);
    }
  }
  if (rec.explanation.coUsed.length > 0) {
    lines.push('');
    lines.push(`Often used with: ${rec.explanation.coUsed.slice(0, 5).map((i) => '`' + displayName(i) + '`').join(', ')}`);
  }
  return lines.join('\n');
}

/** The score as the sum of its parts, every term shown, so the numbers add up (to rounding) to the score. */
export function scoreSum(rec: Recommendation): string {
  const b = rec.breakdown;
  const borrowed = b.terms.find((t) => t.part === 'borrowed');
  if (borrowed) return `the score of ${'`' + displayName(borrowed.item ?? '') + '`'}, its closest known neighbour (a new file)`;
  const terms: { label: string; value: number }[] = [];
  if (b.terms.some((t) => t.part === 'factors')) terms.push({ label: 'patterns', value: b.parts.factors });
  for (const t of b.terms) {
    // A negative item x item weight (EASE) means the two are seldom used together.
    if (t.part === 'itemItem') terms.push({ label: `${t.value < 0 ? 'seldom' : 'used'} with ${t.item ? '`' + displayName(t.item) + '`' : 'its neighbours'}`, value: t.value });
  }
  terms.push({ label: 'recent use', value: b.parts.prior });
  if (b.parts.offset !== 0) terms.push({ label: 'scaling', value: b.parts.offset });
  return terms
    .map((t, n) => `${n === 0 ? (t.value < 0 ? '−' : '') : t.value < 0 ? ' − ' : ' + '}${t.label} ${Math.abs(t.value).toFixed(3)}`)
    .join('');
}
