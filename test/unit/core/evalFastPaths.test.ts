// Issue 10: `cli eval`'s fast paths give the counts and metrics of the plain per-case scan, ties included.
import * as assert from 'node:assert/strict';
import { BASELINES, frecencyMethod } from '../../../src/core/baselines';
import {
  evaluateMethod,
  MetricTotals,
  SortedScores,
  splitProtocol,
  tiesOf,
  TiesCounter,
  withoutNeverRecommended,
  type EvalMethod,
  type ProtocolSplit,
  type Ranker,
} from '../../../src/core/evalProtocol';
import { FrecencyTracker, frecencyScore } from '../../../src/core/frecency';
import type { Interaction } from '../../../src/core/interaction';
import { makeRng } from '../../../src/core/random';
import { latentMethod } from '../../../src/core/recommenderMethods';
import { withWebAssembly } from './helpers';

/** Scores with many ties and the awkward values: -0 and 0, infinities, NaN. */
function randomScores(n: number, rng: () => number): number[] {
  return Array.from({ length: n }, () => {
    const r = rng();
    if (r < 0.05) return rng() < 0.5 ? -0 : 0;
    if (r < 0.08) return Infinity;
    if (r < 0.11) return -Infinity;
    if (r < 0.13) return NaN;
    if (r < 0.6) return Math.floor(rng() * 5);
    return rng() * 10 - 5;
  });
}

/** evaluateMethod as it was before the fast paths: a fresh Set of excluded indices and a full scan per case. */
function plainEvaluate(split: ProtocolSplit, method: EvalMethod): { hr1: number; hr3: number; hr10: number; ndcg10: number; mrr: number } {
  const ranker = method.fit(split.trainInteractions, split.items);
  const index = new Map<string, number>();
  split.items.forEach((it, i) => index.set(it, i));
  const neverIndices = [...(split.neverRecommend ?? [])].map((it) => index.get(it) as number);
  const totals = new MetricTotals();
  for (const c of split.cases) {
    const scores = ranker.score(c.context, c.time);
    const exclude = new Set<number>(neverIndices);
    for (const it of c.context) exclude.add(index.get(it) as number);
    const t = tiesOf(scores, index.get(c.target) as number, exclude);
    totals.add(t.above, t.ties);
  }
  return totals.mean();
}

function randomHistory(seed: string, sessions: number, items: number): Interaction[] {
  const rng = makeRng(seed);
  const out: Interaction[] = [];
  let time = 1_700_000_000;
  for (let s = 0; s < sessions; s++) {
    time += Math.floor(rng() * 3 * 86400);
    const n = 1 + Math.floor(rng() * 6);
    const base = Math.floor(rng() * items);
    for (let e = 0; e < n; e++) {
      // items near each other are used together; a few popular ones everywhere
      const item = rng() < 0.2 ? Math.floor(rng() * 5) : (base + Math.floor(rng() * 8)) % items;
      out.push({ session: `s${s}`, item: item % 7 === 3 ? `lock${item}.json` : `f${item}.ts`, time: time + e * 60, weight: 1 });
    }
  }
  return out;
}

describe('eval fast paths (issue 10)', () => {
  it('TiesCounter and SortedScores.tiesOf count as tiesOf on random cases, ties included, with and without WebAssembly', () => {
    const rng = makeRng('ties');
    for (let trial = 0; trial < 300; trial++) {
      // sizes from 256 up count in the WebAssembly kernel (odd ones leave it a last item of its own)
      const n = trial % 3 === 2 ? 256 + Math.floor(rng() * 300) : 1 + Math.floor(rng() * 60);
      const scores = randomScores(n, rng);
      const never = new Uint8Array(n);
      if (rng() < 0.5) for (let j = 0; j < n; j++) never[j] = rng() < 0.15 ? 1 : 0;
      const sorted = new SortedScores(scores, never);
      const counters = [new TiesCounter(n, never), withWebAssembly(undefined, () => new TiesCounter(n, never))];
      const seen = new Uint8Array(n);
      for (let c = 0; c < 10; c++) {
        const target = Math.floor(rng() * n);
        if (!Number.isFinite(scores[target])) {
          assert.throws(() => sorted.tiesOf(target, [], seen));
          for (const counter of counters) assert.throws(() => counter.tiesOf(Float64Array.from(scores), target, []));
          continue;
        }
        // contexts may repeat items, hold the target or never-recommended items
        const exclude = Array.from({ length: Math.floor(rng() * Math.min(n, 9)) }, () => Math.floor(rng() * n));
        const excludeSet = new Set(exclude);
        for (let j = 0; j < n; j++) if (never[j]) excludeSet.add(j);
        const expected = tiesOf(scores, target, excludeSet);
        assert.deepEqual(sorted.tiesOf(target, exclude, seen), expected, `trial ${trial}`);
        assert.ok(seen.every((x) => x === 0));
        for (const [which, counter] of counters.entries()) {
          assert.deepEqual(counter.tiesOf(Float64Array.from(scores), target, exclude), expected, `trial ${trial} (counter ${which})`);
          assert.deepEqual(counter.tiesOf(scores, target, exclude), expected, `trial ${trial} (counter ${which}, array)`);
        }
      }
    }
  });

  it('a constant ranker ranked once and sorted gives the metrics of scoring every case', () => {
    const rng = makeRng('constant');
    const split = withoutNeverRecommended(splitProtocol(randomHistory('constant', 300, 40)), (it) => it.startsWith('lock'));
    assert.ok(split.neverRecommend && split.neverRecommend.size > 0 && split.cases.length > 50);
    for (let trial = 0; trial < 20; trial++) {
      const scores = split.items.map(() => (rng() < 0.5 ? Math.floor(rng() * 4) : rng()));
      const plain: EvalMethod = { name: 'fixed', fit: (): Ranker => ({ score: () => scores }) };
      const fast: EvalMethod = { name: 'fixed', fit: (): Ranker => ({ score: () => scores, constant: true }) };
      const a = evaluateMethod(split, fast);
      assert.deepEqual([a.hr1, a.hr3, a.hr10, a.ndcg10, a.mrr], Object.values(plainEvaluate(split, plain)));
    }
  });

  it('the baselines and the shipped ranker give exactly the metrics of the plain scan', () => {
    const history = randomHistory('methods', 400, 60);
    for (const split of [splitProtocol(history), withoutNeverRecommended(splitProtocol(history), (it) => it.startsWith('lock'))]) {
      for (const m of [...BASELINES, latentMethod({ epochs: 3 })]) {
        const fast = evaluateMethod(split, m);
        const plain = plainEvaluate(split, m);
        assert.deepEqual([fast.hr1, fast.hr3, fast.hr10, fast.ndcg10, fast.mrr], Object.values(plain), m.name);
      }
    }
  });

  it('the shipped ranker fitted without some candidates ranks them below every item it knows, not as its first item', () => {
    const split = splitProtocol(randomHistory('unknown candidates', 300, 40));
    const known = new Set(split.items.slice(0, 20));
    const data = split.trainInteractions.filter((x) => known.has(x.item));
    const ranker = latentMethod({ epochs: 3 }).fit(data, split.items);
    for (const c of split.cases.slice(0, 20)) {
      const scores = ranker.score(c.context.filter((it) => known.has(it)), c.time);
      let lowestKnown = Infinity;
      let highestUnknown = -Infinity;
      split.items.forEach((it, j) => {
        if (known.has(it)) lowestKnown = Math.min(lowestKnown, scores[j]);
        else highestUnknown = Math.max(highestUnknown, scores[j]);
      });
      assert.ok(highestUnknown < lowestKnown, `an unknown candidate at ${highestUnknown}, a known one at ${lowestKnown}`);
    }
  });

  it('frecency: the tracker scores every item as frecencyScore, and the scorer gives the same scores time after time', () => {
    const rng = makeRng('frecency');
    const tracker = new FrecencyTracker();
    const visits: number[][] = Array.from({ length: 30 }, () => []);
    for (let v = 0; v < 400; v++) {
      const item = Math.floor(rng() * 25); // items 25..29 never visited
      const t = Math.floor(rng() * 200 * 86400);
      tracker.add(item, t);
      visits[item].push(t);
    }
    for (const now of [0, 50 * 86400, 150 * 86400 + 7, 400 * 86400]) {
      const s = tracker.scores(30, now);
      for (let i = 0; i < 30; i++) assert.equal(s[i], frecencyScore(visits[i], now), `item ${i} at ${now}`);
      assert.equal(tracker.scores(10, now).length, 10);
    }
    // the scorer: forward in time (whole and fractional seconds), repeated, and back again
    for (const fractional of [false, true]) {
      const tr = new FrecencyTracker();
      for (let v = 0; v < 2000; v++) {
        const t = rng() * 120 * 86400;
        tr.add(Math.floor(rng() * 300), fractional ? t : Math.floor(t));
      }
      const scoresAt = tr.scorer(280);
      let now = -86400;
      for (let step = 0; step < 400; step++) {
        const r = rng();
        if (r < 0.1) now -= rng() * 20 * 86400;
        else if (r > 0.2) now += rng() * (rng() < 0.5 ? 4 * 3600 : 3 * 86400);
        if (!fractional && step % 2 === 0) now = Math.round(now);
        assert.deepEqual(scoresAt(now), tr.scores(280, now), `step ${step} at ${now}`);
      }
    }
    const items = ['a', 'b'];
    const ranker = frecencyMethod.fit(
      [
        { session: 's1', item: 'a', time: 0, weight: 1 },
        { session: 's2', item: 'b', time: 10 * 86400, weight: 1 },
      ],
      items,
    );
    const at = (now: number): number[] => Array.from(ranker.score([], now));
    assert.deepEqual(at(10 * 86400), [20, 100]);
    assert.deepEqual(at(10 * 86400), [20, 100]);
    assert.deepEqual(at(100 * 86400), [10, 10]);
  });
});
