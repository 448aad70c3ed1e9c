// Trainer behaviour: monotone batch GD, low-rank recovery, ALS stationarity, determinism, convergence, stop.
import { strict as assert } from 'node:assert';
import { trainAls, trainAlsImplicit } from '../../../src/core/als';
import { trainBatchGd } from '../../../src/core/reference/batchGd';
import { explicitLoss, hkvLoss, zeroGradient } from '../../../src/core/losses';
import { predict, type MfModel } from '../../../src/core/model';
import { rmse } from '../../../src/core/metrics';
import { trainSgd, trainSgdImplicit } from '../../../src/core/sgd';
import { factorProductDistance, type EpochInfo } from '../../../src/core/train';
import { bitsEqual, clusteredSignal, plantedLowRank, randomSparse } from './helpers';

function heldOutRmse(model: MfModel, test: { u: number[]; i: number[]; v: number[] }): number {
  return rmse(test.u.map((u, t) => predict(model, u, test.i[t])), test.v);
}


describe('core: trainers', () => {
  it('batch GD with a small step never increases the loss', () => {
    const x = randomSparse(30, 25, 0.3, 'bgd');
    const losses: number[] = [];
    const m = trainBatchGd(x, { k: 4, epochs: 60, learningRate: 0.002, lambda: 0.1, seed: 1 }, { onEpoch: (e) => losses.push(e.loss) });
    assert.equal(losses.length, 60);
    for (let t = 1; t < losses.length; t++) assert.ok(losses[t] <= losses[t - 1], `epoch ${t + 1}: ${losses[t]} > ${losses[t - 1]}`);
    assert.ok(losses[59] < 0.8 * losses[0]);
    assert.ok(Math.abs(explicitLoss(m, x, 0.1, 'global') - losses[59]) < 1e-6 * losses[59]);
  });

  it('recovers a planted rank-3 matrix (held-out RMSE) with SGD, batch GD and ALS', () => {
    const { train, test } = plantedLowRank(60, 50, 3, 0.5, 'planted', 0);
    const base = rmse(test.u.map(() => 0), test.v); // predicting 0 everywhere
    const sgd = trainSgd(train, { k: 3, epochs: 200, learningRate: 0.02, lambda: 0.001, seed: 7, useBias: false });
    const gd = trainBatchGd(train, { k: 3, epochs: 1500, learningRate: 0.01, lambda: 0.001, seed: 7, useBias: false });
    const als = trainAls(train, { k: 3, epochs: 30, lambda: 0.01, seed: 7, center: false });
    for (const [name, model, bound] of [['sgd', sgd, 0.1], ['batch GD', gd, 0.15], ['als', als, 0.05]] as const) {
      const e = heldOutRmse(model, test);
      assert.ok(e < bound && e < base / 5, `${name}: held-out RMSE ${e} (baseline ${base})`);
    }
  });

  it('ALS solves exactly: after a sweep the item-factor gradient vanishes (explicit and HKV implicit)', () => {
    const x = randomSparse(20, 15, 0.4, 'als');
    const m = trainAls(x, { k: 3, epochs: 3, lambda: 0.5, seed: 3 });
    const g = zeroGradient(m);
    explicitLoss(m, x, 0.5, 'global', g);
    for (const v of g.itemFactors) assert.ok(Math.abs(v) < 1e-3, `explicit item gradient ${v}`);
    const sig = randomSparse(20, 15, 0.3, 'hkv', 0, 10);
    const losses: number[] = [];
    const mi = trainAlsImplicit(sig, { k: 3, epochs: 5, lambda: 0.5, seed: 3, alpha: 2, epsilon: 1 }, { onEpoch: (e) => losses.push(e.loss) });
    const gi = zeroGradient(mi);
    hkvLoss(mi, sig, 2, 1, 0.5, gi);
    for (const v of gi.itemFactors) assert.ok(Math.abs(v) < 1e-3, `implicit item gradient ${v}`);
    for (let t = 1; t < losses.length; t++) assert.ok(losses[t] <= losses[t - 1] * (1 + 1e-6), 'ALS loss increased');
  });

  it('implicit SGD with sampled negatives ranks a session\'s unseen area items above other areas', () => {
    const x = clusteredSignal();
    const m = trainSgdImplicit(x, { k: 4, epochs: 60, learningRate: 0.05, lambda: 0.01, seed: 5, alpha: 1, epsilon: 1, negatives: 3 });
    let wins = 0;
    let total = 0;
    for (let s = 0; s < 60; s++) {
      const area = s % 3;
      const seen = new Set(x.row(s).indices);
      for (let j = area * 10; j < area * 10 + 10; j++) {
        if (seen.has(j)) continue;
        for (let o = 0; o < 30; o++) {
          if (Math.floor(o / 10) === area) continue;
          total++;
          if (predict(m, s, j) > predict(m, s, o)) wins++;
        }
      }
    }
    assert.ok(wins / total > 0.9, `AUC-like ${wins / total}`);
  });

  it('same seed gives bit-identical factors; another seed does not', () => {
    const x = randomSparse(25, 20, 0.3, 'det');
    const sig = randomSparse(25, 20, 0.3, 'det2', 0, 5);
    const runs: Array<(seed: number) => MfModel> = [
      (seed) => trainSgd(x, { k: 4, epochs: 5, learningRate: 0.02, lambda: 0.1, seed }),
      (seed) => trainSgd(x, { k: 4, epochs: 5, learningRate: 0.02, lambda: 0.1, seed, adaptive: true }),
      (seed) => trainSgdImplicit(sig, { k: 4, epochs: 5, learningRate: 0.02, lambda: 0.1, seed, alpha: 2, epsilon: 1, negatives: 2 }),
      (seed) => trainBatchGd(x, { k: 4, epochs: 5, learningRate: 0.002, lambda: 0.1, seed }),
      (seed) => trainAls(x, { k: 4, epochs: 2, lambda: 0.1, seed }),
      (seed) => trainAlsImplicit(sig, { k: 4, epochs: 2, lambda: 0.1, seed, alpha: 2, epsilon: 1 }),
    ];
    for (const run of runs) {
      const a = run(11);
      const b = run(11);
      const c = run(12);
      assert.ok(bitsEqual(a.userFactors, b.userFactors) && bitsEqual(a.itemFactors, b.itemFactors));
      assert.ok(bitsEqual(a.itemBias, b.itemBias) && bitsEqual(a.userBias, b.userBias));
      assert.ok(!bitsEqual(a.itemFactors, c.itemFactors));
    }
  });

  it('stops early on convergence (loss tol or ||WH - W\'H\'||) and on shouldStop; reports elapsed time', () => {
    const x = randomSparse(20, 15, 0.4, 'conv');
    const seen: EpochInfo[] = [];
    trainAls(x, { k: 2, epochs: 200, lambda: 0.5, seed: 1, tol: 1e-6 }, { onEpoch: (e) => seen.push(e) });
    assert.ok(seen.length > 1 && seen.length < 200, `ALS ran ${seen.length} sweeps`);
    assert.ok(seen.every((e, t) => e.epoch === t + 1 && e.elapsedMs >= 0));
    let sweeps = 0;
    trainAls(x, { k: 2, epochs: 200, lambda: 0.5, seed: 1, factorTol: 1e-4 }, { onEpoch: () => sweeps++ });
    assert.ok(sweeps > 1 && sweeps < 200, `factorTol: ${sweeps} sweeps`);
    let epochs = 0;
    trainSgd(x, { k: 2, epochs: 50, learningRate: 0.01, lambda: 0.1, seed: 1 }, { onEpoch: () => epochs++, shouldStop: () => epochs >= 3 });
    assert.equal(epochs, 3);
  });

  it('factorProductDistance equals the brute-force ||P Q^T - P\' Q\'^T||_F', () => {
    const x = randomSparse(7, 5, 0.5, 'fpd');
    const a = trainSgd(x, { k: 3, epochs: 1, learningRate: 0.01, lambda: 0, seed: 1 });
    const b = trainSgd(x, { k: 3, epochs: 1, learningRate: 0.01, lambda: 0, seed: 2 });
    let s = 0;
    for (let u = 0; u < 7; u++) {
      for (let i = 0; i < 5; i++) {
        let d = 0;
        for (let f = 0; f < 3; f++) d += a.userFactors[u * 3 + f] * a.itemFactors[i * 3 + f] - b.userFactors[u * 3 + f] * b.itemFactors[i * 3 + f];
        s += d * d;
      }
    }
    assert.ok(Math.abs(factorProductDistance(a, b) - Math.sqrt(s)) < 1e-5);
  });
});
