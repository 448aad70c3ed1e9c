// The ranking's fast path (typed-array scoring, bounded-heap selection, recommendations built only for what is kept)
// against straightforward references: a full sort of every candidate and plain per-item loops, on a model whose
// quantized values make many scores tie.
import * as assert from 'node:assert/strict';
import { syntheticInteractions } from '../../../src/bench/synthetic';
import { itemKind, type ItemKind } from '../../../src/core/itemKey';
import { makeRng } from '../../../src/core/random';
import { topIndices, topN } from '../../../src/core/ranking';
import { fitRecommender, recommend, scoreItems, type ContextItem, type RecommenderModel } from '../../../src/core/recommender';
import { LiveRanker } from '../../../src/ranking/liveRanking';

/** Candidate indices best first by a full sort: score descending, then index ascending. */
function fullSort(score: ArrayLike<number>, eligible?: Uint8Array): number[] {
  const idx: number[] = [];
  for (let i = 0; i < score.length; i++) if (!eligible || eligible[i]) idx.push(i);
  return idx.sort((a, b) => (score[a] === score[b] ? a - b : score[b] - score[a]));
}

/**
 * A fitted model whose items repeat 40 rows of factors, bias and prior (so most scores tie with others), with
 * neighbour weights on a coarse grid, and keys of all three kinds.
 */
function tiedModel(seed: string): RecommenderModel {
  const data = syntheticInteractions({ interactions: 3000, items: 240, areas: 6, seed });
  const m = fitRecommender(data, { seed: 5, epochs: 3 });
  const k = m.mf.k;
  const rows = 40;
  const itemFactors = m.mf.itemFactors.map((_, t) => m.mf.itemFactors[(Math.floor(t / k) % rows) * k + (t % k)]);
  const kinds = ['file', 'file', 'snippet', 'extension'];
  // Renamed keys stay in their folder (new files borrow from it); the kind changes for some.
  const items = m.items.map((key, i) => (i % 4 < 2 ? key : `${kinds[i % 4]}:${key.slice(key.indexOf(':') + 1)}`));
  return {
    ...m,
    items,
    mf: { ...m.mf, itemFactors, itemBias: m.mf.itemBias.map((_, i) => m.mf.itemBias[i % rows]) },
    prior: m.prior.map((_, i) => (i % rows) / rows),
    neighbours: { ...m.neighbours, values: m.neighbours.values.map((x) => Math.round(x * 4) / 4) },
  };
}

describe('ranking selection: the fast path equals a full sort', function () {
  this.timeout(60_000);

  it('topIndices (and topN) order candidates exactly as a full sort does, ties to the lower index', () => {
    const rng = makeRng('top');
    for (let trial = 0; trial < 200; trial++) {
      const len = Math.floor(rng() * 60);
      const scores = Float64Array.from({ length: len }, () => Math.floor(rng() * 5) - 2);
      const eligible = trial % 2 ? Uint8Array.from({ length: len }, () => (rng() < 0.7 ? 1 : 0)) : undefined;
      const ref = fullSort(scores, eligible);
      for (const n of [0, 1, 3, len, len + 2]) {
        assert.deepEqual(Array.from(topIndices(scores, n, eligible)), ref.slice(0, n), `trial ${trial}, n ${n}`);
      }
      const exclude = new Set(ref.filter((_, t) => t % 3 === 0));
      const kept = fullSort(scores).filter((i) => !exclude.has(i));
      assert.deepEqual(topN(Array.from(scores), 4, exclude), kept.slice(0, 4).map((index) => ({ index, score: scores[index] })));
    }
    assert.throws(() => topIndices([1, NaN, 0], 2, Uint8Array.of(1, 0, 1)), /NaN/);
  });

  const model = tiedModel('ties');
  const rng = makeRng('contexts');
  const contexts: ContextItem[][] = [[]];
  for (let c = 0; c < 12; c++) {
    contexts.push(Array.from({ length: 1 + (c % 5) }, () => ({ item: model.items[Math.floor(rng() * model.items.length)], weight: 1 + Math.floor(rng() * 4) })));
  }
  // A file the model has not seen, in the context and as candidates (they borrow their folder's vector and score).
  const folder = (i: number): string => model.items[i].slice(model.items[i].indexOf(':') + 1, model.items[i].lastIndexOf('/') + 1);
  const newFiles = [`file:${folder(0)}new-a.ts`, `file:${folder(40)}new-b.ts`, `file:${folder(80)}new-c.ts`, `file:${folder(120)}new-d.ts`];
  contexts.push([{ item: newFiles[0], weight: 2 }, { item: model.items[3], weight: 1 }]);

  it('has ties to break (else this test would prove little)', () => {
    const s = scoreItems(model, contexts[1]).score;
    assert.ok(new Set(s).size < s.length / 3, `${new Set(s).size} distinct scores among ${s.length}`);
  });

  it('recommend(): same items, order and scores as a full sort of scoreItems; MF scores as the plain per-item loop', () => {
    const { k, itemFactors: Q, itemBias } = model.mf;
    contexts.forEach((context, c) => {
      const exclude = new Set(model.items.filter((_, i) => (i + c) % 7 === 0));
      const candidates = c % 2 ? newFiles.slice(1) : [];
      const s = scoreItems(model, context, { exclude, candidates });
      for (let i = 0; i < model.items.length; i++) {
        let ref = itemBias[i];
        for (let f = 0; f < k; f++) ref += s.userVector[f] * Q[i * k + f];
        assert.equal(s.mf[i], ref, `context ${c}, item ${i}: MF score`);
      }
      const ref = fullSort(s.score, s.candidate);
      for (const n of [1, 10, 60, ref.length + 5]) {
        const recs = recommend(model, context, { n, exclude, candidates });
        assert.deepEqual(recs.map((r) => r.item), ref.slice(0, n).map((i) => s.keys[i]), `context ${c}, n ${n}`);
        assert.deepEqual(recs.map((r) => r.score), ref.slice(0, n).map((i) => s.score[i]));
      }
    });
  });

  it('LiveRanker: per-kind groups as the reference takes them from the full sort (open, never-recommend, new-file cap)', () => {
    const perKind = 4;
    const maxNew = 2;
    const never = (item: string): boolean => item.endsWith('f3.ts');
    for (const context of contexts) {
      const open = new Set(context.slice(0, 1).map((x) => x.item));
      const ranker = new LiveRanker(
        { context: () => context, openItems: () => open, recentItems: () => newFiles, neverRecommend: never },
        { perKind, maxNew },
      );
      ranker.setModel(model);
      const candidates = newFiles.filter((f) => !model.items.includes(f) && !open.has(f));
      const s = scoreItems(model, context, { exclude: open, candidates });
      const n = Math.min(model.items.length + candidates.length, Math.max(200, perKind * 20));
      const counts: Record<ItemKind, number> = { file: 0, snippet: 0, extension: 0 };
      let newLeft = maxNew;
      const ref: string[] = [];
      for (const i of fullSort(s.score, s.candidate).slice(0, n)) {
        const item = s.keys[i];
        const kind = itemKind(item);
        if (!kind || counts[kind] >= perKind || never(item)) continue;
        if (i >= model.items.length && newLeft-- <= 0) continue;
        counts[kind]++;
        ref.push(item);
      }
      const got = ranker.recommendations();
      assert.deepEqual(got.map((r) => r.item), ref);
      assert.deepEqual(got.map((r) => r.score), ref.map((item) => s.score[s.keys.indexOf(item)]));
      assert.ok(counts.snippet > 0 && counts.extension > 0, 'every kind is ranked');
      ranker.dispose();
    }
  });

  it('LiveRanker reuses its buffers, yet an earlier recommendation still explains its own score', () => {
    let context = contexts[2];
    const ranker = new LiveRanker({ context: () => context, openItems: () => new Set<string>() }, { perKind: 5 });
    ranker.setModel(model);
    const early = ranker.recommendations();
    const expected = recommend(model, context, { n: 200 });
    for (const c of contexts.slice(3)) {
      context = c;
      ranker.refreshNow();
    }
    for (const r of early) {
      const ref = expected.find((x) => x.item === r.item);
      assert.ok(ref);
      assert.deepEqual(r.breakdown, ref.breakdown, r.item);
      assert.ok(Math.abs(r.breakdown.total - r.score) < 1e-9);
    }
    ranker.dispose();
  });
});
