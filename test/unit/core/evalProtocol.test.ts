import * as assert from 'node:assert/strict';
import { cooccurrenceMethod, frecencyMethod, mruMethod, popularityMethod } from '../../../src/core/baselines';
import { LatentInputError } from '../../../src/core/errors';
import { evaluateMethod, groupSessions, metricsFromRank, newestTrainingSplit, rankOf, splitProtocol, validationSplit } from '../../../src/core/evalProtocol';
import { listAt, listCount } from '../../../src/core/itemLists';
import { hitRate, ndcg, reciprocalRank } from '../../../src/core/metrics';
import { makeRng } from '../../../src/core/random';
import { topN } from '../../../src/core/ranking';
import { frecencyBucketWeight, frecencyScore } from '../../../src/core/frecency';
import { parseSessionsCsv } from '../../../src/core/sessionsCsv';
import { syntheticInteractions } from '../../../src/bench/synthetic';
import { DAY, TOY } from './toyData';
import { asColumns, asInteractions, type Interaction } from '../../../src/core/interaction';

const close = (a: number, b: number, msg?: string): void => assert.ok(Math.abs(a - b) < 1e-9, `${msg ?? ''} ${a} != ${b}`);

/**
 * `sessions` sessions over `items` items, 1-5 interactions each, rows shuffled: sessions interleave, some start at the
 * same time, items repeat.
 */
function shuffledHistory(rng: () => number, sessions: number, items: number): Interaction[] {
  const data: Interaction[] = [];
  for (let s = 0; s < sessions; s++) {
    for (let t = 0; t < 1 + Math.floor(rng() * 5); t++) {
      data.push({ session: `s${s}`, item: `i${Math.floor(rng() * items)}`, time: Math.floor(s / 3) * DAY + Math.floor(rng() * 3), weight: 1 + t });
    }
  }
  for (let i = data.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [data[i], data[j]] = [data[j], data[i]];
  }
  return data;
}

describe('quality protocol (DESIGN.md section 4)', () => {
  it('orders sessions by time and de-duplicates items', () => {
    const s = groupSessions(TOY);
    assert.deepEqual(
      s.map((x) => x.id),
      ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10'],
    );
    assert.deepEqual(s[5].items, ['a', 'b']);
  });

  it('groups and splits columns as it does objects: interleaved sessions, equal start times, repeated items', () => {
    const rng = makeRng('columns');
    for (let run = 0; run < 20; run++) {
      const data = shuffledHistory(rng, 12, 6);
      const cols = asColumns(data);
      assert.deepEqual(groupSessions(cols), groupSessions(data), `run ${run}`);
      const a = splitProtocol(cols);
      const b = splitProtocol(data);
      assert.deepEqual({ ...a, trainInteractions: asInteractions(a.trainInteractions) }, b, `run ${run}: split`);
    }
  });

  it("the validation's split of columns is splitProtocol's, built from the sessions' lists: items, lists, cases, rows", () => {
    const rng = makeRng('validation-split');
    for (let run = 0; run < 20; run++) {
      // shuffled, so that the lists and the item order have something to get wrong
      const data = shuffledHistory(rng, 30, 8);
      for (const maxCases of [Infinity, 3]) {
        const want = splitProtocol(data, 0.8, maxCases);
        const index = new Map(want.items.map((it, i) => [it, i]));
        for (const got of [validationSplit(asColumns(data), 0.8, maxCases), validationSplit(data, 0.8, maxCases)]) {
          const at = `run ${run}, maxCases ${maxCases}`;
          assert.deepEqual(got.items, want.items, at);
          assert.deepEqual(got.cases, want.cases, at);
          assert.deepEqual(asInteractions(got.trainInteractions), want.trainInteractions, at);
          assert.deepEqual(
            Array.from({ length: listCount(got.trainLists) }, (_, t) => listAt(got.trainLists, t)),
            want.train.map((session) => session.items.map((it) => index.get(it))),
            at,
          );
        }
      }
    }
    assert.throws(() => validationSplit(asColumns(TOY.filter((x) => x.session === 's1'))), LatentInputError);
  });

  it('splits 80/20 by session and builds leave-one-out cases from known items only', () => {
    const sp = splitProtocol(TOY);
    assert.equal(sp.train.length, 8);
    assert.equal(sp.test.length, 2);
    assert.deepEqual(sp.items, ['a', 'b', 'c', 'd', 'e']);
    // s9 has a, c known (x unknown) -> 2 cases; s10 has only b known -> dropped
    assert.equal(sp.testSessionsUsed, 1);
    assert.deepEqual(
      sp.cases.map((c) => [c.target, c.context]),
      [
        ['a', ['c']],
        ['c', ['a']],
      ],
    );
    assert.equal(sp.cases[0].time, 9 * DAY);
    assert.equal(sp.trainInteractions.length, 16);
  });

  it('a cold start from the newest sessions keeps what they know: their items as candidates, the cases with a known target', () => {
    const sp = splitProtocol(TOY);
    const all = newestTrainingSplit(sp, 8);
    assert.equal(all.split, sp, 'every training session: the split itself');
    assert.equal(all.share, 1);
    for (const n of [1, 2, 4]) {
      const { split, share } = newestTrainingSplit(sp, n);
      const newest = sp.train.slice(-n);
      const known = new Set(newest.flatMap((s) => s.items));
      assert.deepEqual(split.train, newest);
      assert.deepEqual(new Set(split.trainInteractions.map((x) => x.item)), known);
      assert.deepEqual(split.items, sp.items.filter((it) => known.has(it)));
      assert.deepEqual(split.cases, sp.cases.filter((c) => known.has(c.target)));
      assert.equal(share, split.cases.length / sp.cases.length);
    }
    assert.throws(() => newestTrainingSplit(sp, 0), LatentInputError);
  });

  it('with maxCases builds exactly the newest cases of the full split, sessions and counts unchanged', () => {
    const data = syntheticInteractions({ interactions: 3000, items: 60, seed: 'max-cases' });
    const full = splitProtocol(data);
    assert.ok(full.cases.length > 100, `${full.cases.length} cases`);
    for (const max of [0, 1, 7, 100, full.cases.length - 1, full.cases.length, full.cases.length + 5]) {
      const capped = splitProtocol(data, 0.8, max);
      assert.deepEqual(capped.cases, full.cases.slice(full.cases.length - Math.min(max, full.cases.length)), `maxCases ${max}`);
      assert.equal(capped.testSessionsUsed, full.testSessionsUsed);
      assert.deepEqual(capped.items, full.items);
      assert.equal(capped.trainInteractions.length, full.trainInteractions.length);
    }
  });

  it('rejects a history too small to split', () => {
    assert.throws(() => splitProtocol(TOY.filter((x) => x.session === 's1')), LatentInputError);
  });

  it('ranks with ties broken by candidate index and skips excluded items', () => {
    assert.equal(rankOf([1, 1, 1], 1, new Set()), 1);
    assert.equal(rankOf([1, 1, 1], 1, new Set([0])), 0);
    assert.equal(rankOf([3, 2, 5, 1], 3, new Set([2])), 2);
    assert.throws(() => rankOf([NaN, 1], 0, new Set()), LatentInputError);
    const m = metricsFromRank(1);
    assert.equal(m.hit, 1);
    close(m.ndcg, 1 / Math.log2(3));
    assert.equal(m.rr, 0.5);
    assert.deepEqual(metricsFromRank(10), { hit: 0, ndcg: 0, rr: 1 / 11 });
  });
});

describe('protocol metrics agree with the core metrics on the full ranked list', () => {
  it('rankOf + metricsFromRank == hitRate / ndcg / reciprocalRank over topN (ties included)', () => {
    const rng = makeRng('protocol-metrics');
    for (let trial = 0; trial < 200; trial++) {
      const n = 5 + Math.floor(rng() * 40);
      // coarse scores so that ties are common
      const scores = Array.from({ length: n }, () => Math.floor(rng() * 6));
      const exclude = new Set<number>();
      for (let i = 0; i < n; i++) if (rng() < 0.2) exclude.add(i);
      const candidates = [...Array(n).keys()].filter((i) => !exclude.has(i));
      if (candidates.length === 0) continue;
      const target = candidates[Math.floor(rng() * candidates.length)];
      const ranked = topN(scores, n, exclude).map((x) => x.index);
      const m = metricsFromRank(rankOf(scores, target, exclude));
      assert.equal(m.hit, hitRate(ranked, target, 10));
      close(m.ndcg, ndcg(ranked, target, 10));
      close(m.rr, reciprocalRank(ranked, target));
    }
  });
});

describe('baselines on the toy history', () => {
  const sp = splitProtocol(TOY);

  it('popularity: a ranks 1st (context c), c ranks 2nd (context a)', () => {
    const r = evaluateMethod(sp, popularityMethod);
    assert.equal(r.method, 'popularity');
    assert.equal(r.hr10, 1);
    close(r.ndcg10, (1 + 1 / Math.log2(3)) / 2);
    close(r.mrr, 0.75);
  });

  it('mru: c was last used on day 4, behind b (6), d (5), e (7)', () => {
    const r = evaluateMethod(sp, mruMethod);
    close(r.ndcg10, (1 + 1 / Math.log2(5)) / 2);
    close(r.mrr, (1 + 0.25) / 2);
  });

  it('frecency: bucket weights and count x mean of the latest visits', () => {
    assert.equal(frecencyBucketWeight(0), 100);
    assert.equal(frecencyBucketWeight(4 * 3600 + 1), 80);
    assert.equal(frecencyBucketWeight(7 * DAY), 40);
    assert.equal(frecencyBucketWeight(31 * DAY), 10);
    assert.equal(frecencyBucketWeight(400 * DAY), 10);
    // item a at day 9: ages 8, 7, 4, 3, 1 days -> 20, 40, 40, 60, 80
    assert.equal(frecencyScore([1, 2, 5, 6, 8].map((d) => d * DAY), 9 * DAY), 240);
    // only the 10 latest visits are averaged: 11 visits, 10 fresh and one 100 days old
    const visits = [...Array.from({ length: 10 }, () => 9 * DAY), -91 * DAY];
    assert.equal(frecencyScore(visits, 9 * DAY), 1100);
    const r = evaluateMethod(sp, frecencyMethod);
    // a 240, b 160, c 120, d 80, e 60 -> ranks 0 and 1
    close(r.ndcg10, (1 + 1 / Math.log2(3)) / 2);
  });

  it('cooccurrence: cosine puts b and d ahead of the target in both cases', () => {
    const r = evaluateMethod(sp, cooccurrenceMethod);
    close(r.ndcg10, 0.5);
    close(r.mrr, 1 / 3);
    const ranker = cooccurrenceMethod.fit(sp.trainInteractions, sp.items);
    const s = ranker.score(['c'], 0);
    close(s[1], 2 / Math.sqrt(12), 'cos(c,b)');
    close(s[0], 1 / Math.sqrt(15), 'cos(c,a)');
    assert.equal(s[4], 0);
  });
});

describe('sessions CSV', () => {
  it('parses rows, keeps commas inside paths, and names the bad line', () => {
    const rows = parseSessionsCsv('session_id,item,timestamp\ns1,a,b.ts,100\ns1,c.ts,100\n\n');
    assert.deepEqual(rows, [
      { session: 's1', item: 'a,b.ts', time: 100, weight: 1 },
      { session: 's1', item: 'c.ts', time: 100, weight: 1 },
    ]);
    assert.throws(() => parseSessionsCsv('id,item\n'), /header/);
    assert.throws(() => parseSessionsCsv('session_id,item,timestamp\ns1,a,notatime\n'), /line 2/);
    assert.throws(() => parseSessionsCsv('session_id,item,timestamp\n'), LatentInputError);
  });

  it('reads quoted fields and headers, and milliseconds, microseconds and ISO 8601 dates as the same seconds', () => {
    const rows = parseSessionsCsv(
      '"session_id", "item", "timestamp"\n' +
        '"s1","a,b.ts","1700000000"\n' +
        's1,"say ""hi"".md",1700000000000\n' +
        's1,c.ts,1700000000000000\n' +
        's1,d.ts,2023-11-14T22:13:20Z\n' +
        's1,e.ts,2023-11-14T22:13:20.000+00:00\n' +
        's1,f.ts,5\n',
    );
    assert.deepEqual(
      rows.map((r) => [r.session, r.item, r.time]),
      [
        ['s1', 'a,b.ts', 1700000000],
        ['s1', 'say "hi".md', 1700000000],
        ['s1', 'c.ts', 1700000000],
        ['s1', 'd.ts', 1700000000],
        ['s1', 'e.ts', 1700000000],
        // small numbers stay seconds (ordinal clocks)
        ['s1', 'f.ts', 5],
      ],
    );
    assert.throws(() => parseSessionsCsv('session_id,item,timestamp\ns1,a,14/11/2023\n'), /line 2.*ISO 8601/);
    assert.throws(() => parseSessionsCsv('session_id,item,timestamp\ns1,"",1\n'), /empty session or item/);
  });
});
