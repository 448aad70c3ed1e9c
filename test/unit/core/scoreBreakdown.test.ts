import * as assert from 'node:assert/strict';
import { syntheticInteractions } from '../../../src/bench/synthetic';
import { fitRecommender, recommend } from '../../../src/core/recommender';
import { partShares, type ScorePart } from '../../../src/core/scoreBreakdown';

describe('scoreBreakdown: every term of a score, adding up to it', function () {
  this.timeout(60_000);
  const data = syntheticInteractions({ interactions: 3000, items: 120, areas: 4, seed: 'why' });
  const model = fitRecommender(data, { seed: 3, epochs: 5 });

  it('factors, bias, co-used items, prior and offset sum to the score of every recommendation', () => {
    assert.equal(model.mode, 'mf');
    const context = model.items.slice(0, 3).map((item) => ({ item, weight: 2 }));
    const newFile = `${model.items[5].slice(0, model.items[5].lastIndexOf('/') + 1)}brand-new.ts`;
    const recs = recommend(model, context, { n: 40, exclude: new Set(context.map((c) => c.item)), candidates: [newFile] });
    assert.equal(recs.length, 40);
    for (const r of recs) {
      const sum = r.breakdown.terms.reduce((s, t) => s + t.value, 0);
      assert.ok(Math.abs(sum - r.score) < 1e-9, `${r.item}: terms ${sum} vs score ${r.score}`);
      assert.ok(Math.abs(r.breakdown.total - r.score) < 1e-9);
      const byPart = (p: ScorePart) => r.breakdown.terms.filter((t) => t.part === p).reduce((s, t) => s + t.value, 0);
      for (const p of ['factors', 'itemItem', 'prior', 'offset', 'borrowed'] as const) assert.ok(Math.abs(byPart(p) - r.breakdown.parts[p]) < 1e-12);
      if (r.source === 'mf') {
        // one term per factor plus the bias; co-use terms name context items only
        assert.equal(r.breakdown.terms.filter((t) => t.part === 'factors').length, model.mf.k + 1);
        for (const t of r.breakdown.terms.filter((x) => x.part === 'itemItem')) assert.ok(context.some((c) => c.item === t.item));
      }
    }
    const shares = partShares(recs.map((r) => r.breakdown));
    const total = Object.values(shares).reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(total - 1) < 1e-9, `shares sum to 1: ${JSON.stringify(shares)}`);
    assert.equal(shares.offset, 0);
  });

  it('strength: each part\'s lift over the item it favours least, 1 for the item it favours most, 0 for the least', () => {
    const context = model.items.slice(0, 3).map((item) => ({ item, weight: 2 }));
    const all = recommend(model, context, { n: model.items.length, exclude: new Set(context.map((c) => c.item)) }).filter((r) => r.source === 'mf');
    assert.ok(all.length > 100);
    for (const part of ['factors', 'itemItem'] as const) {
      const s = all.map((r) => r.breakdown.strength[part]);
      assert.ok(s.every((v) => v >= 0 && v <= 1), part);
      // Ordered as the part's own terms (the offset is the same for every item), spanning the whole range.
      const order = all.slice().sort((a, b) => a.breakdown.parts[part] - b.breakdown.parts[part]);
      for (let i = 1; i < order.length; i++) assert.ok(order[i].breakdown.strength[part] >= order[i - 1].breakdown.strength[part] - 1e-12, part);
      assert.ok(Math.abs(Math.max(...s) - 1) < 1e-9, `${part}: the most favoured reads 1 (${Math.max(...s)})`);
      // The least favoured item of all may be one of the context's (excluded here), so the lowest shown is near 0.
      assert.ok(Math.min(...s) < 0.2, `${part}: ${Math.min(...s)}`);
    }
  });

  it('in frecency mode the whole score is the prior', () => {
    const few = fitRecommender(data.slice(0, 8), { seed: 3, epochs: 2 });
    assert.equal(few.mode, 'frecency');
    for (const r of recommend(few, [], { n: 5 })) {
      assert.deepEqual(r.breakdown.terms.map((t) => t.part), ['prior']);
      assert.equal(r.breakdown.total, r.score);
    }
  });
});
