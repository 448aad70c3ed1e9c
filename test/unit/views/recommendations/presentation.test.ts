// The rows of "Go to Recommended..." and the tree: grouping with separators, labels and descriptions, and the
// one-line "why" (plain words that follow the score's parts), on hand-made recommendations and on a real model.
import * as assert from 'node:assert/strict';
import { syntheticInteractions } from '../../../../src/bench/synthetic';
import { fitRecommender, recommend, type Recommendation } from '../../../../src/core/recommender';
import type { ScoreTerm } from '../../../../src/core/scoreBreakdown';
import {
  accessibleLabel,
  groupAccessibleLabel,
  itemText,
  quickPickEntries,
  whyLine,
} from '../../../../src/views/recommendations/presentation';
import { FactorLabels, factorLabelsOf, whyMarkdown } from '../../../../src/views/recommendations/whyText';

/** A recommendation whose score is the sum of the given terms (as the ranker's breakdown guarantees). */
function rec(item: string, terms: ScoreTerm[], extra: Partial<Recommendation> = {}): Recommendation {
  const parts = { factors: 0, itemItem: 0, prior: 0, offset: 0, borrowed: 0 };
  for (const t of terms) parts[t.part] += t.value;
  const total = terms.reduce((s, t) => s + t.value, 0);
  const contributions: number[] = [];
  for (const t of terms) if (t.part === 'factors' && t.factor !== undefined && t.factor >= 0) contributions[t.factor] = t.value;
  const coUsed = terms.filter((t) => t.part === 'itemItem' && t.item).map((t) => t.item as string);
  return {
    item,
    score: total,
    mfScore: parts.factors,
    priorScore: parts.prior,
    coocScore: parts.itemItem,
    source: 'mf',
    explanation: { bias: 0, contributions: Array.from(contributions, (v) => v ?? 0), itemVector: Array.from(contributions, () => 1), coUsed },
    // No offset here: each part's lift over the least-favoured item is its value (weights of 1).
    breakdown: { total, terms, parts, strength: { factors: Math.min(1, Math.max(0, parts.factors)), itemItem: Math.min(1, Math.max(0, parts.itemItem)) } },
    ...extra,
  };
}

const f = (factor: number, value: number): ScoreTerm => ({ part: 'factors', factor, value });
const co = (item: string, value: number): ScoreTerm => ({ part: 'itemItem', item, value });
const prior = (value: number): ScoreTerm => ({ part: 'prior', value });

describe('presentation: rows of the quick pick and the tree', () => {
  const recs = [
    rec('extension:acme.lint', [prior(0.9)]),
    rec('file:src/ui/list.ts', [f(0, 0.5), co('file:src/ui/app.ts', 0.3)]),
    rec('snippet:user/ts/log', [prior(0.4)]),
    rec('file:README.md', [f(1, 0.2)]),
    rec('snippet:user/ts/test', [prior(0.3)]),
  ];

  it('groups by kind, Files then Snippets then Extensions, each after its separator, ranking order kept inside', () => {
    const entries = quickPickEntries(recs);
    assert.deepEqual(
      entries.map((e) => (e.type === 'separator' ? `-- ${e.label}` : e.item)),
      ['-- Files', 'file:src/ui/list.ts', 'file:README.md', '-- Snippets', 'snippet:user/ts/log', 'snippet:user/ts/test', '-- Extensions', 'extension:acme.lint'],
    );
  });

  it('has no separator for a kind with nothing to recommend, and no rows at all for no recommendations', () => {
    const files = quickPickEntries(recs.filter((r) => r.item.startsWith('file:')));
    assert.deepEqual(files.filter((e) => e.type === 'separator').map((e) => e.label), ['Files']);
    assert.deepEqual(quickPickEntries([]), []);
    // not an item key of a known kind: left out rather than shown under no heading
    assert.deepEqual(quickPickEntries([rec('other:thing', [prior(1)])]), []);
  });

  it('names rows as the tree does: file name with its folder, snippet with its source, extension by display name', () => {
    const byItem = new Map(quickPickEntries(recs, { extensionName: (id) => (id === 'acme.lint' ? 'Acme Lint' : undefined) }).flatMap((e) => (e.type === 'item' ? [[e.item, e]] : [])));
    assert.deepEqual(pick(byItem.get('file:src/ui/list.ts')), { label: 'list.ts', description: 'src/ui' });
    assert.deepEqual(pick(byItem.get('file:README.md')), { label: 'README.md', description: '' });
    assert.deepEqual(pick(byItem.get('snippet:user/ts/log')), { label: 'log', description: 'user/ts' });
    assert.deepEqual(pick(byItem.get('extension:acme.lint')), { label: 'Acme Lint', description: 'acme.lint' });
    // without a display name (not installed here) the id is the label
    assert.deepEqual(itemText(recs[0]), { label: 'acme.lint', description: '' });
    // a file the model has not learned is marked as a guess
    assert.equal(itemText(rec('file:src/ui/new.ts', [prior(0.1)], { source: 'new' })).description, 'src/ui · new file');
  });

  it('gives every item the one-line why as detail, its parts largest first, and the score', () => {
    const entries = quickPickEntries(recs);
    const list = entries.find((e) => e.type === 'item' && e.item === 'file:src/ui/list.ts');
    assert.ok(list && list.type === 'item');
    assert.equal(list.detail, 'Fits your current work (pattern 1); often used with app.ts · score 0.80');
    // the item x item part larger than the factors: named first
    const other = whyLine(rec('file:a/b.ts', [f(2, 0.1), co('file:a/c.ts', 0.4), co('file:a/d.ts', 0.2), prior(0.05)]), undefined);
    assert.equal(other, 'Often used with c.ts, d.ts; fits your current work (pattern 3); used recently · score 0.75');
    // negative parts are not reasons
    assert.equal(whyLine(rec('file:x.ts', [f(0, -0.2), prior(0.3)]), undefined), 'Used recently · score 0.10');
    assert.equal(whyLine(rec('file:x.ts', [{ part: 'offset', value: 0.2 }]), undefined), 'Little in your current work points to it · score 0.20');
  });

  it('names no part that lifts the item less than a twentieth of its weight, however positive its terms', () => {
    // As a small workspace's filler reads (seen: a notebook unrelated to the open one): factor terms of +0.061 summing
    // to 0.001, taken back by the offset, the factor model favouring it no more than any other file.
    const filler = rec('file:notebooks/train.ipynb', [f(17, 0.061), f(8, -0.06), { part: 'offset', value: -0.001 }], {});
    const barely = { ...filler, breakdown: { ...filler.breakdown, strength: { factors: 0.001, itemItem: 0 } } };
    assert.equal(whyLine(barely, undefined), 'Little in your current work points to it · score 0.00');
    assert.match(whyMarkdown(barely, undefined), /It barely fits what you are working on now \(0% of the best fit\); its largest factor terms:\n- factor 18: \+0\.061/);
    assert.doesNotMatch(whyMarkdown(barely, undefined), /Why: it fits/);
    // At a twentieth it is a reason again.
    const enough = { ...filler, breakdown: { ...filler.breakdown, strength: { factors: 0.05, itemItem: 0 } } };
    assert.equal(whyLine(enough, undefined), 'Fits your current work (pattern 18) · score 0.00');
    assert.match(whyMarkdown(enough, undefined), /Why: it fits what you are working on now:/);
  });

  it('says when a file is new (ranked from its neighbour) or when the model only counts recent use', () => {
    const fresh = rec('file:web/toolbar.ts', [{ part: 'borrowed', item: 'file:web/app.ts', value: 0.61 }], { source: 'new' });
    assert.equal(whyLine(fresh, undefined), 'New file, ranked right behind app.ts, its closest known neighbour · score 0.61');
    const frecency = rec('file:a.ts', [prior(0.5)], { source: 'frecency' });
    assert.match(whyLine(frecency, undefined), /^Used recently \(too few sessions yet/);
  });

  it('gives screen readers the name, kind, place and reason of a row, and the size of a group', () => {
    const list = recs[1];
    assert.equal(
      accessibleLabel(list, itemText(list), whyLine(list, undefined)),
      'list.ts, file in src/ui. Recommended: Fits your current work (pattern 1); often used with app.ts · score 0.80',
    );
    const ext = recs[0];
    assert.equal(accessibleLabel(ext, itemText(ext, 'Acme Lint'), whyLine(ext, undefined)), 'Acme Lint, extension (acme.lint). Recommended: Used recently · score 0.90');
    assert.equal(accessibleLabel(recs[3], itemText(recs[3]), 'x'), 'README.md, file. Recommended: x');
    assert.equal(groupAccessibleLabel('snippet', 2), 'Snippets: 2 recommendations');
    assert.equal(groupAccessibleLabel('file', 1), 'Files: 1 recommendation');
  });

  it('names the strongest factor with its label from a trained model, and the labels are cached per model', () => {
    const data = syntheticInteractions({ interactions: 2000, items: 60, areas: 3, seed: 'why-line' });
    const model = fitRecommender(data, { seed: 2 });
    const ctx = model.items.filter((i) => i.includes('area1/')).slice(0, 3).map((item) => ({ item, weight: 3 }));
    const top = recommend(model, ctx, { n: 5 });
    assert.ok(top.length > 0);
    const labels = factorLabelsOf(model);
    assert.ok(labels instanceof FactorLabels);
    assert.equal(factorLabelsOf(model), labels, 'one FactorLabels per model');
    assert.equal(factorLabelsOf(undefined), undefined);
    // Never "mixed files": a factor whose files share nothing telling is named by its strongest two.
    const all = Array.from({ length: model.mf.k }, (_, f) => labels.label(f));
    for (const l of all) assert.doesNotMatch(l, /^mixed/);
    assert.ok(all.some((l) => l.startsWith('led by ')), all.join(' | '));
    // Two files of one name go by their paths (areas have f0.ts .. f19.ts each).
    for (const l of all) assert.doesNotMatch(l, /^led by (\S+) and \1$/);
    let named = 0;
    for (const r of top) {
      const line = whyLine(r, labels);
      assert.match(line, / · score -?\d+\.\d\d$/);
      if (r.breakdown.parts.factors > 0 && r.explanation.contributions.some((v) => v > 0)) {
        const best = r.explanation.contributions.indexOf(Math.max(...r.explanation.contributions));
        const label = labels.labelFor(r, best);
        assert.equal(label, labels.label(best, r.explanation.itemVector[best] < 0), 'the end the item sits at');
        assert.ok(line.includes(`(${label})`), `${line} names factor ${best + 1}'s label ${label}`);
        // Area-1 files recommended for an area-1 session: their strongest factor is named for area 1. (Named by the
        // positive end, 4 of these 5 read "mostly area0/": both vectors negative on it.)
        assert.match(r.item, /area1\//);
        assert.match(label, /^(mostly )?area1\/$/, line);
        named++;
      }
    }
    assert.ok(named > 0, 'some recommendation owes part of its score to the factors');
  });
});

function pick(e: { label: string; description: string } | undefined): { label: string; description: string } | undefined {
  return e && { label: e.label, description: e.description };
}
