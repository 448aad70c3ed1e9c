// Sparse matrix, id maps, fold-in, ranking, explanation, metrics and serialization.
import { strict as assert } from 'node:assert';
import { trainAlsImplicit } from '../../../src/core/als';
import { foldIn, gramian } from '../../../src/core/foldIn';
import { IdMap } from '../../../src/core/idMap';
import { solveGeneral } from '../../../src/core/linalg';
import { hitRate, mae, ndcg, recallAtK, reciprocalRank, rmse } from '../../../src/core/metrics';
import { predict, scoreAll } from '../../../src/core/model';
import { blendScores, topN } from '../../../src/core/ranking';
import { deserializeModel, serializeModel } from '../../../src/core/serialize';
import { trainSgd } from '../../../src/core/sgd';
import { CsrMatrix } from '../../../src/core/sparse';
import { bitsEqual, randomSparse } from './helpers';

describe('core: building blocks', () => {
  it('CSR from triples: duplicates summed, rows sorted, row views, transpose, get', () => {
    const m = CsrMatrix.fromTriples(3, 4, [2, 0, 2, 0, 2], [3, 1, 0, 1, 3], [1, 2, 3, 4, 5]);
    assert.equal(m.nnz, 3);
    assert.deepEqual(Array.from(m.row(0).indices), [1]);
    assert.deepEqual(Array.from(m.row(0).values), [6]);
    assert.deepEqual(Array.from(m.row(1).indices), []);
    assert.deepEqual(Array.from(m.row(2).indices), [0, 3]);
    assert.deepEqual(Array.from(m.row(2).values), [3, 6]);
    const t = m.transpose();
    assert.equal(t.nRows, 4);
    assert.deepEqual(Array.from(t.row(3).indices), [2]);
    assert.equal(t.get(1, 0), 6);
    assert.equal(m.get(1, 1), undefined);
    assert.deepEqual(Array.from(m.rowOfEntry()), [0, 2, 2]);
  });

  it('IdMap maps keys to dense indices both ways', () => {
    const ids = new IdMap(['file:a', 'file:b']);
    assert.equal(ids.getOrAdd('file:b'), 1);
    assert.equal(ids.getOrAdd('snippet:x/y'), 2);
    assert.equal(ids.get('nope'), undefined);
    assert.equal(ids.key(2), 'snippet:x/y');
    assert.deepEqual(ids.keys(), ['file:a', 'file:b', 'snippet:x/y']);
    assert.equal(ids.size, 3);
    assert.throws(() => ids.key(3), /out of range/);
  });

  it('implicit ALS warm start: from a converged fit one sweep stays put; a cold sweep does not; bad lengths are refused', () => {
    const sig = randomSparse(30, 12, 0.3, 'warm', 0, 5);
    const p = { k: 3, lambda: 0.5, seed: 7, alpha: 2, epsilon: 1 };
    const done = trainAlsImplicit(sig, { ...p, epochs: 500 });
    const warm = trainAlsImplicit(sig, { ...p, epochs: 1, initItemFactors: done.itemFactors });
    const cold = trainAlsImplicit(sig, { ...p, epochs: 1 });
    const gap = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    assert.ok(gap(warm.itemFactors, done.itemFactors) < 1e-3, `warm moved ${gap(warm.itemFactors, done.itemFactors)}`);
    assert.ok(gap(cold.itemFactors, done.itemFactors) > 1e-2, `cold moved only ${gap(cold.itemFactors, done.itemFactors)}`);
    // Fewer rows than items: the rest keep their random start (items added since the last fit).
    const part = trainAlsImplicit(sig, { ...p, epochs: 0, initItemFactors: done.itemFactors.subarray(0, 9) });
    const start = trainAlsImplicit(sig, { ...p, epochs: 0 });
    assert.deepEqual(Array.from(part.itemFactors.subarray(0, 9)), Array.from(done.itemFactors.subarray(0, 9)));
    assert.deepEqual(Array.from(part.itemFactors.subarray(9)), Array.from(start.itemFactors.subarray(9)));
    assert.throws(() => trainAlsImplicit(sig, { ...p, epochs: 1, initItemFactors: new Float32Array(37) }), /initItemFactors/);
    assert.throws(() => trainAlsImplicit(sig, { ...p, epochs: 1, initItemFactors: new Float32Array(39) }), /initItemFactors/);
  });

  it('fold-in equals the dense weighted least-squares solve over all items, with and without item bias', () => {
    const sig = randomSparse(15, 12, 0.3, 'fold', 0, 5);
    const model = trainAlsImplicit(sig, { k: 3, epochs: 3, lambda: 0.1, seed: 2, alpha: 2, epsilon: 1 });
    const Y = model.itemFactors;
    const bias = Float32Array.from({ length: 12 }, (_, i) => (i % 3) * 0.1 - 0.1);
    const items = [1, 4, 7, 4];
    const conf = [3, 2, 5, 1];
    for (const withBias of [false, true]) {
      const x = foldIn(Y, 3, items, conf, 0.1, { gram: gramian(Y, 3), itemBias: withBias ? bias : undefined });
      const c = new Float64Array(12).fill(1);
      const p = new Float64Array(12);
      c[1] = 3;
      c[4] = 3; // duplicates merge: 2 + 1
      c[7] = 5;
      p[1] = p[4] = p[7] = 1;
      const A = new Float64Array(9);
      const b = new Float64Array(3);
      for (let i = 0; i < 12; i++) {
        const target = p[i] - (withBias ? bias[i] : 0);
        for (let a = 0; a < 3; a++) {
          b[a] += c[i] * target * Y[i * 3 + a];
          for (let d = 0; d < 3; d++) A[a * 3 + d] += c[i] * Y[i * 3 + a] * Y[i * 3 + d];
        }
      }
      for (let a = 0; a < 3; a++) A[a * 4] += 0.1;
      const ref = solveGeneral(A, b, 3);
      for (let f = 0; f < 3; f++) assert.ok(Math.abs(x[f] - ref[f]) < 1e-4, `withBias=${withBias} f=${f}: ${x[f]} vs ${ref[f]}`);
    }
  });

  it('topN: best first, exclusions, ties to the lower index, n larger than the list', () => {
    const s = [0.5, 0.9, 0.1, 0.9, 0.7];
    assert.deepEqual(topN(s, 3).map((r) => r.index), [1, 3, 4]);
    assert.deepEqual(topN(s, 2, new Set([1])).map((r) => r.index), [3, 4]);
    assert.deepEqual(topN(Float32Array.from(s), 10).map((r) => r.index), [1, 3, 4, 0, 2]);
    assert.deepEqual(topN(s, 0), []);
  });

  it('blendScores: weight 0 keeps the MF order, weight 1 follows the prior', () => {
    const mf = [3, 1, 2];
    const prior = [0, 10, 5];
    assert.deepEqual(topN(blendScores(mf, prior, 0), 3).map((r) => r.index), [0, 2, 1]);
    assert.deepEqual(topN(blendScores(mf, prior, 1), 3).map((r) => r.index), [1, 2, 0]);
    assert.throws(() => blendScores(mf, prior, 2), /priorWeight/);
  });

  it('metrics on known values', () => {
    assert.ok(Math.abs(rmse([1, 2, 3], [1, 2, 5]) - Math.sqrt(4 / 3)) < 1e-12);
    assert.ok(Math.abs(mae([1, 2, 3], [2, 2, 5]) - 1) < 1e-12);
    const ranked = ['a', 'b', 'c', 'd'];
    assert.equal(hitRate(ranked, 'c', 3), 1);
    assert.equal(hitRate(ranked, 'd', 3), 0);
    assert.ok(Math.abs(ndcg(ranked, 'c', 10) - 0.5) < 1e-12);
    assert.equal(ndcg(ranked, 'a', 1), 1);
    assert.equal(ndcg(ranked, 'z', 10), 0);
    assert.equal(reciprocalRank(ranked, 'b'), 0.5);
    assert.equal(reciprocalRank(ranked, 'z'), 0);
    assert.equal(recallAtK(ranked, ['a', 'd', 'z'], 2), 1 / 3);
  });

  it('serialization round-trips bit for bit and predictions agree', () => {
    const m = trainSgd(randomSparse(9, 7, 0.4, 'ser'), { k: 5, epochs: 3, learningRate: 0.02, lambda: 0.1, seed: 4 });
    const back = deserializeModel(serializeModel(m));
    assert.equal(back.kind, 'explicit');
    assert.equal(back.mu, m.mu);
    for (const part of ['userFactors', 'itemFactors', 'userBias', 'itemBias'] as const) assert.ok(bitsEqual(back[part], m[part]), part);
    assert.equal(predict(back, 3, 2), predict(m, 3, 2));
    const scores = scoreAll(m, m.userFactors.subarray(3 * 5, 4 * 5), m.userBias[3]);
    assert.ok(Math.abs(scores[2] - predict(m, 3, 2)) < 1e-5);
  });
});
