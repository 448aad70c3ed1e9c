// Issue 9, part 1: tie-aware metrics, EASE's closed form, and the replay protocol's information barrier.
import * as assert from 'node:assert/strict';
import { mruMethod } from '../../../src/core/baselines';
import { easeScores, fitEase, fitEaseInverseSteps, invertSpd } from '../../../src/core/ease';
import { EASE_KEEP_HALF_LIFE_DAYS, easeKeepWeights } from '../../../src/core/easeSessionWeights';
import { finishSteps } from '../../../src/core/train';
import { evaluateMethod, splitProtocol, tiesOf, withoutNeverRecommended, type EvalMethod, type Ranker } from '../../../src/core/evalProtocol';
import type { Interaction } from '../../../src/core/interaction';
import { expectedRankMetrics } from '../../../src/core/metrics';
import { countingReplayMethods, refittedReplayMethod, runReplay, type ReplayMethod } from '../../../src/core/replay';
import { TOY } from './toyData';

const close = (a: number, b: number, msg?: string): void => assert.ok(Math.abs(a - b) < 1e-9, `${msg ?? ''} ${a} != ${b}`);
/** B is stored as float32. */
const close32 = (a: number, b: number, msg?: string): void => assert.ok(Math.abs(a - b) < 1e-6, `${msg ?? ''} ${a} != ${b}`);

describe('metrics with ties in random order', () => {
  it('no ties: the plain metrics of the rank', () => {
    const m = expectedRankMetrics(0, 0);
    assert.deepEqual(m, { hr1: 1, hr3: 1, hr10: 1, ndcg10: 1, rr: 1 });
    const r2 = expectedRankMetrics(2, 0);
    assert.deepEqual([r2.hr1, r2.hr3, r2.hr10], [0, 1, 1]);
    close(r2.ndcg10, 1 / Math.log2(4));
    close(r2.rr, 1 / 3);
    const r10 = expectedRankMetrics(10, 0);
    assert.deepEqual([r10.hr10, r10.ndcg10], [0, 0]);
    close(r10.rr, 1 / 11);
  });

  it('one item above, one tied: positions 1 and 2 with probability 1/2 each', () => {
    const m = expectedRankMetrics(1, 1);
    assert.equal(m.hr1, 0);
    assert.equal(m.hr3, 1);
    close(m.ndcg10, (1 / Math.log2(3) + 1 / Math.log2(4)) / 2);
    close(m.rr, (1 / 2 + 1 / 3) / 2);
  });

  it('a tie straddling the top-10 cut counts half', () => {
    const m = expectedRankMetrics(9, 1);
    assert.equal(m.hr10, 0.5);
    close(m.ndcg10, 1 / Math.log2(11) / 2);
    // everything tied among 4 candidates: every position equally likely
    const all = expectedRankMetrics(0, 3);
    assert.equal(all.hr1, 0.25);
    assert.equal(all.hr3, 0.75);
    close(all.rr, (1 + 1 / 2 + 1 / 3 + 1 / 4) / 4);
    // a long tie uses the harmonic expansion: same value as summing
    const long = expectedRankMetrics(3, 10000);
    let rr = 0;
    for (let p = 3; p <= 10003; p++) rr += 1 / (p + 1);
    close(long.rr, rr / 10001);
  });

  it('tiesOf counts above and tied candidates, skipping excluded ones', () => {
    assert.deepEqual(tiesOf([1, 1, 1], 1, new Set()), { above: 0, ties: 2 });
    assert.deepEqual(tiesOf([3, 2, 5, 2], 1, new Set([2])), { above: 1, ties: 1 });
  });

  it('MRU no longer wins or loses ties by index: items used in the same session tie', () => {
    // toy: last use a 8, b 6, c 4, d 5, e 7 (no ties) -> unchanged from the index rule
    const r = evaluateMethod(splitProtocol(TOY), mruMethod);
    close(r.ndcg10, (1 + 1 / Math.log2(5)) / 2);
    // two items last used in the same session tie: the target is 1st or 2nd with probability 1/2
    const rows: Interaction[] = [
      { session: 'a', item: 'x', time: 1, weight: 1 },
      { session: 'a', item: 'y', time: 1, weight: 1 },
      { session: 'b', item: 'z', time: 0, weight: 1 },
      { session: 'c', item: 'x', time: 0.5, weight: 1 },
      { session: 't', item: 'y', time: 2, weight: 1 },
      { session: 't', item: 'z', time: 2, weight: 1 },
    ];
    const sp = splitProtocol(rows, 0.8);
    // cases: target y (context z): x and y tie at time 1 -> positions 0/1; target z (context y): x above -> position 1
    const m = evaluateMethod(sp, mruMethod);
    close(m.hr1, 0.25);
    close(m.ndcg10, ((1 + 1 / Math.log2(3)) / 2 + 1 / Math.log2(3)) / 2);
  });
});

describe('EASE closed form (Steck 2019)', () => {
  it('4 items, sessions {0,1} and {2,3}, lambda 1: by hand', () => {
    // X^T X + I = blockdiag([[2,1],[1,2]], [[2,1],[1,2]]); its inverse is blockdiag((1/3)[[2,-1],[-1,2]], same).
    // B = -P / diag(P): B[0][1] = -(-1/3) / (2/3) = 1/2, B[0][2] = B[0][3] = 0, diag 0.
    const m = fitEase([[0, 1], [2, 3]], 4, 1);
    const s = easeScores(m, [0], 4);
    close(s[1], 0.5);
    assert.deepEqual([s[0], s[2], s[3]], [0, 0, 0]);
    const both = easeScores(m, [0, 2], 4);
    close(both[1], 0.5);
    close(both[3], 0.5);
  });

  it('4 items with shared co-use, lambda 1: G P = I, B = -P / diag(P), hand-worked entries', () => {
    // sessions {0,1,2}, {0,1}, {2,3}: X^T X + I = [[3,2,1,0],[2,3,1,0],[1,1,3,1],[0,0,1,2]]
    const G = [3, 2, 1, 0, 2, 3, 1, 0, 1, 1, 3, 1, 0, 0, 1, 2];
    const P = invertSpd(Float64Array.from(G), 4);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        let t = 0;
        for (let k = 0; k < 4; k++) t += G[i * 4 + k] * P[k * 4 + j];
        close(t, i === j ? 1 : 0, `(GP)[${i}][${j}]`);
      }
    }
    // Cofactors, det G = 21: adj(G) = [[13,-8,-2,1],[-8,13,-2,1],[-2,-2,10,-5],[1,1,-5,13]], P = adj / 21.
    // B[0][1] = -P[0][1] / P[1][1] = 8/13; B[3][2] = -P[3][2] / P[2][2] = 5/10 = 1/2.
    close(P[0 * 4 + 1], -8 / 21, 'P01');
    close(P[1 * 4 + 1], 13 / 21, 'P11');
    close(P[2 * 4 + 2], 10 / 21, 'P22');
    close(P[3 * 4 + 2], -5 / 21, 'P32');
    const m = fitEase([[0, 1, 2], [0, 1], [2, 3]], 4, 1);
    const s = easeScores(m, [0], 4);
    close32(s[1], 8 / 13, 'B01');
    const s3 = easeScores(m, [3], 4);
    close32(s3[2], 0.5, 'B32');
    assert.equal(easeScores(m, [0], 4)[0], 0, 'diag(B) = 0');
  });

  it('keeps the most used items when capped and scores the others 0', () => {
    const m = fitEase([[0, 1], [1, 2], [1, 2], [3, 0]], 4, 1, 2);
    assert.deepEqual(Array.from(m.kept), [1, 0]);
    const s = easeScores(m, [1], 4);
    assert.equal(s[2], 0);
  });

  it('capped, sessions vote for the kept items by their weight: items in use now before ones used a lot long ago', () => {
    const day = 86_400;
    const now = 1000 * day;
    // Item 0 in three sessions two years back, item 3 in two this week, items 1 and 2 once each, recently.
    const sessions = [[0, 1], [0, 1], [0, 2], [3, 1], [3, 2]];
    const times = [now - 730 * day, now - 729 * day, now - 728 * day, now - 2 * day, now];
    const w = easeKeepWeights(times, now);
    close(w[4], 1, 'the newest session votes 1');
    close(w[3], 2 ** (-2 / EASE_KEEP_HALF_LIFE_DAYS));
    close(w[0], 2 ** (-730 / EASE_KEEP_HALF_LIFE_DAYS));
    const kept = (weights?: Float64Array) => Array.from(finishSteps(fitEaseInverseSteps(sessions, 4, 1, 2, { keep: weights })).kept);
    assert.deepEqual(kept(), [0, 1], 'by count: items 0 and 1 (3 sessions each)');
    // Weighted: item 3 about 1.98 (two recent sessions), item 2 about 1.004, item 1 about 0.99, item 0 about 0.01.
    assert.deepEqual(kept(w), [3, 2]);
  });
});

describe('replay protocol (DESIGN.md section 5)', () => {
  // 30 sessions on a few items, strictly increasing times.
  const rows: Interaction[] = [];
  for (let s = 0; s < 30; s++) {
    for (const it of [`i${s % 5}`, `i${(s + 1) % 5}`, `i${(s * 3) % 7}`]) rows.push({ session: `s${s}`, item: it, time: 100 + s, weight: 1 });
  }

  it('a method never sees the session it is scored on, nor any later one', () => {
    const seenTimes: number[] = [];
    let checks = 0;
    const spy: ReplayMethod = {
      name: 'spy',
      begin: (h) => h.forEach((x) => seenTimes.push(x.time)),
      observe: (xs) => xs.forEach((x) => seenTimes.push(x.time)),
      score: (_ctx, now) => {
        assert.ok(Math.max(...seenTimes) < now, 'saw a session at or after the test session');
        checks++;
        return new Float64Array(12);
      },
      retrains: () => 0,
      retrainSeconds: () => 0,
    };
    let fitChecks = 0;
    const spyFit: EvalMethod = {
      name: 'spyFit',
      fit(train): Ranker {
        const latest = Math.max(...train.map((x) => x.time));
        return {
          score: (_c, now) => {
            assert.ok(latest < now, 'a refit saw the test session');
            fitChecks++;
            return new Float64Array(12);
          },
        };
      },
    };
    const r = runReplay(rows, (items, index) => [spy, refittedReplayMethod(spyFit, items, (e) => e >= 4), ...countingReplayMethods(items.length, index)]);
    assert.ok(checks > 0 && fitChecks === checks);
    assert.equal(r.methods[0].method, 'spy');
    assert.equal(r.dataset.testSessions, 6);
    assert.ok(r.methods[1].retrains > 1, 'refitted on the cadence');
  });

  it('counting baselines in replay equal a fresh static fit on the same history', () => {
    // Before the first test session the replay's history is the split's training part: the first test session's
    // cases must score the same under both protocols (popularity).
    const r = runReplay(rows, (items, index) => countingReplayMethods(items.length, index).slice(0, 1));
    assert.equal(r.methods[0].method, 'popularity');
    assert.ok(r.methods[0].ndcg10 >= 0 && r.methods[0].ndcg10 <= 1);
  });
});

describe('never-recommended items in both protocols (latent.neverRecommend)', () => {
  // 20 sessions of a source file and its test; `lockUntil` sessions also change the lockfile.
  const history = (lockUntil: number): Interaction[] => {
    const rows: Interaction[] = [];
    for (let s = 0; s < 20; s++) {
      const items = [`src/a${s % 3}.ts`, `test/a${s % 3}.test.ts`, ...(s < lockUntil ? ['package-lock.json'] : [])];
      for (const it of items) rows.push({ session: `s${s}`, item: it, time: 100 + s, weight: 1 });
    }
    return rows;
  };
  const isLock = (item: string): boolean => item === 'package-lock.json';
  /** Lockfile 10, tests 5, sources 1: the lockfile tops every list it is a candidate of. */
  const lockFirst: EvalMethod = {
    name: 'lockFirst',
    fit(_train, items): Ranker {
      return { score: () => Float64Array.from(items, (it) => (isLock(it) ? 10 : it.startsWith('test/') ? 5 : 1)) };
    },
  };
  const ndcg = (above: number, ties: number): number => expectedRankMetrics(above, ties).ndcg10;

  it('static split: cases whose target is the lockfile are dropped; contexts keep it', () => {
    // Every session has the lockfile, so it is in every context but its own case: 4 test sessions x 3 cases.
    // Target lock: first (1). Target a source: the two other tests above, the two other sources tied. Target a
    // test: the two other tests tied.
    const split = splitProtocol(history(20));
    const kept = withoutNeverRecommended(split, isLock);
    assert.equal(split.cases.length, 12);
    assert.equal(kept.cases.length, 8);
    assert.ok(kept.cases.every((c) => !isLock(c.target) && c.context.includes('package-lock.json')));
    close(evaluateMethod(split, lockFirst).ndcg10, (1 + ndcg(2, 2) + ndcg(0, 2)) / 3);
    close(evaluateMethod(kept, lockFirst).ndcg10, (ndcg(2, 2) + ndcg(0, 2)) / 2);
  });

  it('static split: the lockfile is no candidate (it outranks everything when it is one)', () => {
    // Lockfile in training sessions only: test contexts lack it, so with every item it sits above each target.
    const split = splitProtocol(history(16));
    const kept = withoutNeverRecommended(split, isLock);
    assert.equal(kept.cases.length, split.cases.length);
    close(evaluateMethod(split, lockFirst).ndcg10, (ndcg(3, 2) + ndcg(1, 2)) / 2);
    close(evaluateMethod(kept, lockFirst).ndcg10, (ndcg(2, 2) + ndcg(0, 2)) / 2);
  });

  it('replay: the lockfile is never a target nor a candidate, and the report counts it', () => {
    const flat: ReplayMethod = {
      name: 'flat',
      begin: () => undefined,
      observe: () => undefined,
      score: () => new Float64Array(7).fill(1),
      retrains: () => 0,
      retrainSeconds: () => 0,
    };
    // Lockfile in every session: 4 test sessions x 3 items; without it as a target, x 2.
    const every = history(20);
    assert.equal(runReplay(every, () => [flat]).dataset.testCases, 12);
    assert.equal(runReplay(every, () => [flat], { neverRecommend: isLock }).dataset.testCases, 8);
    // Lockfile in training only: same 8 cases, all candidates tie; as a candidate it is one more tie.
    const early = history(16);
    const withLock = runReplay(early, () => [flat]);
    const without = runReplay(early, () => [flat], { neverRecommend: isLock });
    assert.equal(without.dataset.neverRecommendItems, 1);
    assert.equal(withLock.dataset.neverRecommendItems, 0);
    close(withLock.methods[0].ndcg10, ndcg(0, 5));
    close(without.methods[0].ndcg10, ndcg(0, 4));
  });
});
