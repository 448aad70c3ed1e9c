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

  it('in frecency mode the whole score is the prior', () => {
    const few = fitRecommender(data.slice(0, 8), { seed: 3, epochs: 2 });
    assert.equal(few.mode, 'frecency');
    for (const r of recommend(few, [], { n: 5 })) {
      assert.deepEqual(r.breakdown.terms.map((t) => t.part), ['prior']);
      assert.equal(r.breakdown.total, r.score);
    }
  });
});
