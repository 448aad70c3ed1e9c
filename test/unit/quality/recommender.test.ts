import * as assert from 'node:assert/strict';
import { LatentInputError, ModelFormatError } from '../../../src/core/errors';
import {
  BLEND_GRID,
  DEFAULT_RECOMMENDER_CONFIG,
  deserializeRecommender,
  fitRecommender,
  priorForNewItem,
  recommend,
  serializeRecommender,
  type Interaction,
} from '../../../src/core/recommender';

// Two areas of work: the UI (src/ui/*.ts) and the tests (test/*.ts); sessions stay within one area.
const UI = ['file:src/ui/a.ts', 'file:src/ui/b.ts', 'file:src/ui/c.ts', 'file:src/ui/d.ts'];
const TESTS = ['file:test/w.ts', 'file:test/x.ts', 'file:test/y.ts', 'file:test/z.ts'];
function twoAreas(sessions = 60): Interaction[] {
  const out: Interaction[] = [];
  for (let s = 0; s < sessions; s++) {
    const area = s % 2 === 0 ? UI : TESTS;
    // rotate which 3 of the 4 files a session touches
    for (let j = 0; j < 3; j++) out.push({ session: `s${s}`, item: area[(Math.floor(s / 2) + j) % 4], time: 1000 + s * 3600, weight: 1 + j });
  }
  return out;
}
const mfOnly = { coocWeight: 0, priorWeight: 0, epochs: 40, factors: 8 };

describe('shipped ranker (recommender.ts)', () => {
  it('folding in the context changes the ranking toward the context area (MF alone)', () => {
    const model = fitRecommender(twoAreas(), mfOnly);
    assert.equal(model.mode, 'mf');
    const ui = recommend(model, [{ item: UI[0], weight: 1 }], { n: 3, exclude: new Set([UI[0]]) }).map((r) => r.item);
    const tests = recommend(model, [{ item: TESTS[0], weight: 1 }], { n: 3, exclude: new Set([TESTS[0]]) }).map((r) => r.item);
    assert.deepEqual([...ui].sort(), UI.slice(1));
    assert.deepEqual([...tests].sort(), TESTS.slice(1));
  });

  it('leaves out exactly the excluded items (a context item closed earlier may come back) and explains each result', () => {
    const model = fitRecommender(twoAreas());
    // UI[0] was used earlier in this session and is closed now; UI[1] is open (the caller excludes open items).
    const closed = recommend(model, [{ item: UI[0], weight: 2 }], { n: 10, exclude: new Set([UI[1]]) });
    assert.equal(closed.length, 7);
    assert.ok(!closed.some((r) => r.item === UI[1]), 'excluded item left out');
    assert.ok(closed.some((r) => r.item === UI[0]), 'a context item that is not excluded is a fine recommendation');
    const recs = recommend(model, [{ item: UI[0], weight: 2 }], { n: 10, exclude: new Set([UI[0], UI[1]]) });
    assert.equal(recs.length, 6);
    assert.ok(!recs.some((r) => r.item === UI[0] || r.item === UI[1]));
    // the items outside the context keep their scores and order: the context only adds itself to the list
    assert.deepEqual(
      closed.filter((r) => r.item !== UI[0]).map((r) => [r.item, r.score]),
      recs.map((r) => [r.item, r.score]),
    );
    for (let i = 1; i < recs.length; i++) assert.ok(recs[i - 1].score >= recs[i].score);
    assert.equal(recs[0].explanation.contributions.length, model.mf.k);
    // the contributions plus the bias are the MF score
    const sum = recs[0].explanation.contributions.reduce((a, b) => a + b, 0) + recs[0].explanation.bias;
    assert.ok(Math.abs(sum - recs[0].mfScore) < 1e-4);
    assert.equal(recs[0].explanation.coUsed[0], UI[0]);
  });

  it('gives a file with no history a prior from its folder and ranks it in its area', () => {
    const model = fitRecommender(twoAreas(), mfOnly);
    const p = priorForNewItem(model, 'file:src/ui/new.ts');
    assert.ok(p);
    assert.deepEqual(p.from.map((i) => model.items[i]).sort(), [...UI].sort());
    assert.equal(priorForNewItem(model, 'file:docs/x.rb'), undefined);
    const recs = recommend(model, [{ item: UI[0], weight: 1 }], { n: 4, candidates: ['file:src/ui/new.ts'] });
    const at = recs.findIndex((r) => r.item === 'file:src/ui/new.ts');
    assert.ok(at > 0, 'the new file is among the top 4 for a UI context');
    // it ranks right behind its best neighbour, with that neighbour's score
    assert.equal(recs[at].source, 'new');
    assert.ok(recs[at - 1].item.startsWith('file:src/ui/'));
    assert.equal(recs[at].score, recs[at - 1].score);
    // an unknown context file pulls in its folder's area too
    const viaNew = recommend(model, [{ item: 'file:test/new.ts', weight: 1 }], { n: 4, exclude: new Set(['file:test/new.ts']) }).map((r) => r.item);
    assert.deepEqual([...viaNew].sort(), [...TESTS].sort());
  });

  it('falls back to frecency with too little history and says so', () => {
    const few = twoAreas(4);
    const model = fitRecommender(few);
    assert.equal(model.mode, 'frecency');
    const recs = recommend(model, [], { n: 8 });
    assert.ok(recs.every((r) => r.source === 'frecency'));
    // the most recent session (s3: tests) ranks first
    assert.ok(recs[0].item.startsWith('file:test/'));
    for (let i = 1; i < recs.length; i++) assert.ok(recs[i - 1].priorScore >= recs[i].priorScore);
  });

  it('round-trips through serialization with identical recommendations', () => {
    const model = fitRecommender(twoAreas());
    const back = deserializeRecommender(serializeRecommender(model));
    assert.deepEqual(back.items, model.items);
    assert.deepEqual(back.config, model.config);
    const ctx = [{ item: TESTS[2], weight: 1 }];
    assert.deepEqual(recommend(back, ctx, { n: 5 }), recommend(model, ctx, { n: 5 }));
    assert.throws(() => deserializeRecommender('{"format":"latent-recommender","version":2}'), ModelFormatError);
    const broken = JSON.parse(serializeRecommender(model)) as Record<string, unknown>;
    broken.items = (broken.items as string[]).slice(1);
    assert.throws(() => deserializeRecommender(JSON.stringify(broken)), ModelFormatError);
    assert.throws(() => deserializeRecommender('not json'), ModelFormatError);
  });

  it('chooses the blend on the newest 20% of its own sessions, or keeps the configured one when too few', () => {
    const small = fitRecommender(twoAreas(20), { coocWeight: 0.7 });
    assert.equal(small.stats.blendCases, 0);
    assert.equal(small.config.coocWeight, 0.7);
    const big = fitRecommender(twoAreas(200));
    // 40 validation sessions x 3 items, leave-one-out: 120 cases
    assert.equal(big.stats.blendCases, 120);
    // the configured blend, or one from the grid
    const d = DEFAULT_RECOMMENDER_CONFIG;
    const isDefault = big.config.coocWeight === d.coocWeight && big.config.priorWeight === d.priorWeight && big.config.priorHalfLifeDays === d.priorHalfLifeDays;
    const inGrid =
      BLEND_GRID.coocWeight.includes(big.config.coocWeight) &&
      BLEND_GRID.priorWeight.includes(big.config.priorWeight) &&
      BLEND_GRID.priorHalfLifeDays.includes(big.config.priorHalfLifeDays);
    assert.ok(isDefault || inGrid, JSON.stringify(big.config));
    // areas are perfectly separated, so the chosen blend ranks the held-out area item within the top 3 of 7
    assert.ok(big.stats.blendNdcg >= 0.5, `validation NDCG ${big.stats.blendNdcg}`);
    const off = fitRecommender(twoAreas(200), { autoBlend: false });
    assert.equal(off.stats.blendCases, 0);
    assert.equal(off.config.coocWeight, DEFAULT_RECOMMENDER_CONFIG.coocWeight);
  });

  it('reports progress 1..epochs once, whether or not a validation fit runs first', () => {
    for (const sessions of [20, 200]) {
      const seen: number[] = [];
      const m = fitRecommender(twoAreas(sessions), { epochs: 8 }, { onEpoch: (e) => seen.push(e.epoch) });
      assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8], `${sessions} sessions (blend cases ${m.stats.blendCases})`);
    }
  });

  it('is deterministic for a seed', () => {
    const a = fitRecommender(twoAreas());
    const b = fitRecommender(twoAreas());
    assert.deepEqual(a.mf.itemFactors, b.mf.itemFactors);
  });

  it('rejects bad input with typed errors', () => {
    assert.throws(() => fitRecommender([]), LatentInputError);
    assert.throws(() => fitRecommender([{ session: 's', item: 'i', time: 1, weight: NaN }]), LatentInputError);
    assert.throws(() => fitRecommender([{ session: 's', item: 'i', time: 1, weight: 0 }]), LatentInputError);
    assert.throws(() => fitRecommender(twoAreas(), { factors: 0 }), LatentInputError);
    assert.throws(() => fitRecommender(twoAreas(), { nonsense: 1 } as unknown as typeof DEFAULT_RECOMMENDER_CONFIG), LatentInputError);
    const model = fitRecommender(twoAreas());
    assert.throws(() => recommend(model, [{ item: UI[0], weight: -1 }], { n: 3 }), LatentInputError);
  });
});
