// Issue 9 part 4: an item that goes with everything needs more evidence than its recent use.
import { strict as assert } from 'node:assert';
import { deserializeRecommender, fitRecommender, recommend, scoreItems, serializeRecommender } from '../../../src/core/recommender';
import { genericDiscount, recentUsePrior } from '../../../src/core/recommenderFit';
import { itemListsOf, weightedCounts } from '../../../src/core/itemLists';
import type { Interaction } from '../../../src/core/interaction';

describe('recent-use prior: generic items keep less of it', () => {
  // 8 sessions on the same day: the manifest is in all of them, a.ts in 4, b.ts in 1.
  const at = 1_000_000;
  const sessions = Array.from({ length: 8 }, (_, s) => ({
    time: at,
    items: ['package.json', ...(s < 4 ? ['a.ts'] : []), ...(s === 0 ? ['b.ts'] : [])],
  }));
  const index = new Map([
    ['package.json', 0],
    ['a.ts', 1],
    ['b.ts', 2],
  ]);
  const sessionItems = itemListsOf(sessions.map((s) => s.items.map((it) => index.get(it) as number)));
  const times = sessions.map((s) => s.time);

  it('off (genericShare 1): frecency scaled by the largest, the manifest first', () => {
    const p = recentUsePrior(sessionItems, times, 3, at, 30, genericDiscount(weightedCounts(sessionItems, 3), sessions.length, 1)).prior;
    assert.equal(p[0], 1);
    assert.ok(Math.abs(p[1] - 0.5) < 1e-6 && Math.abs(p[2] - 0.125) < 1e-6, String([...p]));
  });

  it('genericShare 0.25: an item in share s > 0.25 of sessions keeps 0.25 / s; the scale is the one before', () => {
    const p = recentUsePrior(sessionItems, times, 3, at, 30, genericDiscount(weightedCounts(sessionItems, 3), sessions.length, 0.25)).prior;
    // manifest: share 1 -> x 0.25; a.ts: share 0.5 -> 0.5 x 0.5; b.ts: share 0.125, untouched. Not rescaled to 1.
    assert.ok(Math.abs(p[0] - 0.25) < 1e-6, String(p[0]));
    assert.ok(Math.abs(p[1] - 0.25) < 1e-6, String(p[1]));
    assert.ok(Math.abs(p[2] - 0.125) < 1e-6, String(p[2]));
  });
});

describe('an item that goes with everything needs evidence from the context', () => {
  // Two areas of 6 files, two files a session (each file in 1/6 of its area's sessions), and the manifest in every
  // third session (a third of all sessions: it goes with everything).
  const A = [0, 1, 2, 3, 4, 5].map((i) => `file:src/a${i}.ts`);
  const B = [0, 1, 2, 3, 4, 5].map((i) => `file:test/b${i}.ts`);
  const data: Interaction[] = [];
  for (let s = 0; s < 120; s++) {
    const area = s % 2 === 0 ? A : B;
    const h = Math.floor(s / 2);
    const items = [area[h % 6], area[(h + 1) % 6], ...(s % 3 === 0 ? ['file:package.json'] : [])];
    for (const item of items) data.push({ session: `s${s}`, item, time: 1000 + s * 3600, weight: 1 });
  }
  const model = fitRecommender(data, { autoBlend: false, factors: 4, epochs: 10, priorWeight: 1 });
  const at = model.items.indexOf('file:package.json');

  it('the model flags it (in more than a quarter of all sessions) and keeps the flag through its file format', () => {
    assert.ok(at >= 0);
    assert.deepEqual(Array.from(model.generic), [at]);
    assert.deepEqual(Array.from(deserializeRecommender(serializeRecommender(model)).generic), [at]);
  });

  it('its recent use counts only where its item x item score is positive, and the explanation still sums', () => {
    let gated = 0;
    let kept = 0;
    for (const ctx of [A, B]) {
      for (const item of ctx) {
        const s = scoreItems(model, [{ item, weight: 1 }], { exclude: new Set([item]) });
        if (s.cooc[at] > 0) {
          kept++;
          assert.ok(s.prior[at] > 0, 'evidence: the prior stays');
        } else {
          gated++;
          assert.equal(s.prior[at], 0, 'no evidence: no prior');
        }
        const recs = recommend(model, [{ item, weight: 1 }], { n: 10, exclude: new Set([item]) });
        for (const r of recs) assert.ok(Math.abs(r.breakdown.total - r.score) < 1e-9);
      }
    }
    assert.equal(gated + kept, 12);
  });

  it('an older model file without the field flags nothing', () => {
    const raw = JSON.parse(serializeRecommender(model)) as Record<string, unknown>;
    // Files from before either field: neither the generic items nor the prior's basis (livePrior.ts).
    delete raw.generic;
    delete raw.priorBasis;
    const back = deserializeRecommender(JSON.stringify(raw));
    assert.equal(back.generic.length, 0);
    assert.equal(back.priorBasis, undefined);
  });
});
