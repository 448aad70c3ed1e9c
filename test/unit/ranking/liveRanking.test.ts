import * as assert from 'node:assert/strict';
import { fitRecommender, type ContextItem } from '../../../src/core/recommender';
import { syntheticInteractions } from '../../../src/bench/synthetic';
import { itemKind } from '../../../src/core/itemKey';
import { LiveRanker } from '../../../src/ranking/liveRanking';
import { itemIndexOf, itemIndexSteps } from '../../../src/core/scoring';
import { finishSteps } from '../../../src/core/train';
import { FactorLabels, whyMarkdown } from '../../../src/views/recommendations/whyText';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const area = (item: string) => /area(\d+)\//.exec(item)?.[1];

describe('LiveRanker', function () {
  this.timeout(30_000);
  const data = syntheticInteractions({ interactions: 4000, items: 200, areas: 5, seed: 'live' });
  const model = fitRecommender(data, { seed: 1 });

  function setup(context: ContextItem[] = [], open: string[] = []) {
    const state = { context, open: new Set(open) };
    const ranker = new LiveRanker({ context: () => state.context, openItems: () => state.open }, { perKind: 10, delayMs: 10 });
    ranker.setModel(model);
    return { ranker, state };
  }

  it('prepare builds a new model\'s key index in slices (the event loop turns between them) and ranking then uses it', async () => {
    // Large enough that building it takes several slices of the time budget even on a fast, idle machine (20,000
    // items took under one slice on a fresh CI machine, so nothing yielded and the test failed).
    const n = 300_000;
    const { k } = model.mf;
    const itemFactors = new Float32Array(n * k);
    itemFactors.set(model.mf.itemFactors);
    const itemBias = new Float32Array(n);
    itemBias.set(model.mf.itemBias);
    const mf = { ...model.mf, nItems: n, itemFactors, itemBias };
    const big = { ...model, mf, items: Array.from({ length: n }, (_, i) => model.items[i] ?? `file:gen/f${i}.ts`) };
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const { ranker } = setup();
    await ranker.prepare(big);
    clearInterval(ticker);
    assert.ok(turns >= 1, 'the event loop turned while the index was built');
    const index = itemIndexOf(big.items);
    assert.equal(index.size, 300_000);
    assert.equal(index.get('file:gen/f299999.ts'), 299_999);
    assert.equal(itemIndexOf(big.items), index, 'cached: the first ranking does not build it again');
    assert.equal(finishSteps(itemIndexSteps(big.items)), index);
  });

  it('folds the current session in: context from one area ranks that area first', () => {
    for (const a of ['0', '3']) {
      const ctx = model.items.filter((i) => area(i) === a).slice(0, 3).map((item) => ({ item, weight: 3 }));
      const { ranker } = setup(ctx);
      const top = ranker.recommendations().slice(0, 5);
      assert.equal(top.length, 5);
      const hits = top.filter((r) => area(r.item) === a).length;
      assert.ok(hits >= 4, `area ${a}: ${top.map((r) => r.item).join(', ')}`);
    }
  });

  it('counts the sessions since the model in recent use: a file worked on since moves up, and its explanation says so', () => {
    const { ranker } = setup();
    const before = ranker.recommendations().map((r) => r.item);
    // The lowest-ranked file of the list, used in two sessions that ended since the model was trained.
    const item = before[before.length - 1];
    const sinceAsked: number[] = [];
    const live = new LiveRanker(
      {
        context: () => [],
        openItems: () => new Set<string>(),
        recentSessions: (since) => {
          sinceAsked.push(since);
          return [
            { start: model.trainedAt + 3600, items: [item] },
            { start: model.trainedAt + 7200, items: [item] },
          ];
        },
      },
      { perKind: 10, delayMs: 10 },
    );
    live.setModel(model);
    const after = live.recommendations();
    assert.deepEqual(sinceAsked.slice(0, 1), [model.trainedAt], 'asked for the sessions since the model');
    const at = after.findIndex((r) => r.item === item);
    assert.ok(at >= 0 && at < before.length - 1, `${item} moved up: ${at}`);
    const rec = after[at];
    assert.ok(rec.priorScore > 0 && rec.breakdown.parts.prior > 0);
    assert.ok(Math.abs(rec.breakdown.terms.reduce((a, t) => a + t.value, 0) - rec.score) < 1e-9, 'the terms sum to the score');
  });

  it('never recommends what latent.neverRecommend matches (lockfiles, build output), whatever it scores', () => {
    const { ranker } = setup();
    const top = ranker.recommendations().map((r) => r.item);
    const banned = new Set(top.slice(0, 3));
    const filtered = new LiveRanker(
      { context: () => [], openItems: () => new Set<string>(), neverRecommend: (item) => banned.has(item) },
      { perKind: 10, delayMs: 10 },
    );
    filtered.setModel(model);
    const after = filtered.recommendations().map((r) => r.item);
    assert.equal(after.length, 10);
    assert.deepEqual(after.filter((i) => banned.has(i)), []);
    assert.deepEqual(after.slice(0, 7), top.slice(3, 10), 'the rest keep their order');
  });

  it('leaves out open items and dismissed items, and caps each kind', () => {
    const { ranker, state } = setup();
    const before = ranker.recommendations();
    assert.equal(before.length, 10);
    assert.ok(before.every((r) => itemKind(r.item) === 'file'));
    state.open = new Set([before[0].item]);
    ranker.dismiss(before[1].item);
    const after = ranker.recommendations().map((r) => r.item);
    assert.ok(!after.includes(before[0].item), 'open item left out');
    assert.ok(!after.includes(before[1].item), 'dismissed item left out');
    assert.equal(after.length, 10);
  });

  it('recomputes within 100 ms of a signal and notifies once per burst', async () => {
    const { ranker, state } = setup();
    let changes = 0;
    ranker.onDidChange(() => changes++);
    const before = ranker.recommendations()[0].item;
    state.context = [{ item: before, weight: 5 }];
    state.open = new Set([before]);
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) ranker.invalidate();
    while (changes === 0 && performance.now() - t0 < 1000) await sleep(2);
    assert.ok(performance.now() - t0 < 100, `took ${performance.now() - t0} ms`);
    await sleep(30);
    assert.equal(changes, 1, 'one recompute for a burst of 20 signals');
    assert.ok(!ranker.recommendations().some((r) => r.item === before));
    ranker.dispose();
  });

  it('with no model there is nothing to recommend', () => {
    const ranker = new LiveRanker({ context: () => [], openItems: () => new Set() }, { perKind: 5 });
    assert.deepEqual(ranker.refreshNow(), []);
    assert.equal(ranker.hasModel, false);
  });

  it('explains a recommendation with its score, labelled factors and co-used items', () => {
    const ctx = model.items.filter((i) => area(i) === '2').slice(0, 3).map((item) => ({ item, weight: 3 }));
    const { ranker } = setup(ctx);
    const rec = ranker.recommendations()[0];
    const md = whyMarkdown(rec, new FactorLabels(model));
    assert.match(md, new RegExp(`Score ${rec.score.toFixed(3)}`));
    assert.match(md, /factor \d+ \(.+\): \+/);
    assert.match(md, /Often used with: `/);
  });
});
